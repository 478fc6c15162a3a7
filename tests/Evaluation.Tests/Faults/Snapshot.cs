using Dapper;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>
/// Every row of every table an action or a vote can write, digested: equal snapshots before and after a refused request
/// show it left nothing behind, not even part of a batch.
/// </summary>
public static class Snapshot
{
    private static readonly string[] Tables =
    [
        "unit", "staff_account", "staff_unit", "staff_action", "evaluation", "target", "respondent_category",
        "key_group", "ballot_box", "slip", "slip_issue", "sealed_ballot", "ballot", "box_rejection", "ballot_receipt", "opinion_entry", "opinion_merge",
    ];

    /// <summary>Table → "rows:md5 of the rows in text form".</summary>
    public static async Task<Dictionary<string, string>> TakeAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        var snapshot = new Dictionary<string, string>();
        foreach (var table in Tables)
            // Table names from the constant list above, never from input.
            snapshot[table] = await conn.ExecuteScalarAsync<string>(
                $"select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {table} t") ?? "";
        return snapshot;
    }
}
