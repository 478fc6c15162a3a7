using Dapper;
using Npgsql;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Every user table's row count and an MD5 over its rows' text, in a fixed order: equal fingerprints before and after a
/// request mean the request changed nothing anywhere in the database, not only in the table a test thought of.
/// </summary>
public sealed record DatabaseFingerprint(IReadOnlyDictionary<string, (long Rows, string Md5)> Tables)
{
    public static async Task<DatabaseFingerprint> TakeAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var names = await conn.QueryAsync<string>(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name");
        var tables = new SortedDictionary<string, (long, string)>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // The name comes from the catalogue, quoted as an identifier; rows are ordered by their own text, so heap order,
            // which a rewrite may change without changing any value, does not count.
            var row = await conn.QuerySingleAsync<(long Rows, string? Md5)>(
                $"select count(*), md5(string_agg(t::text, E'\\n' order by t::text)) from public.{Quote(name)} t");
            tables[name] = (row.Rows, row.Md5 ?? "");
        }
        return new DatabaseFingerprint(tables);
    }

    /// <summary>Tables whose count or content differ, as "name: rows before → after", for a readable failure.</summary>
    public IEnumerable<string> DifferencesFrom(DatabaseFingerprint before) =>
        before.Tables.Keys.Union(Tables.Keys)
            .Where(t => !before.Tables.TryGetValue(t, out var b) || !Tables.TryGetValue(t, out var a) || a != b)
            .Select(t => $"{t}: {Describe(before, t)} → {Describe(this, t)}");

    private static string Describe(DatabaseFingerprint print, string table) =>
        print.Tables.TryGetValue(table, out var v) ? $"{v.Rows} rows, md5 {v.Md5[..Math.Min(8, v.Md5.Length)]}" : "absent";

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
