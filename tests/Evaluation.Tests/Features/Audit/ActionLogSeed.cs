using Dapper;
using Evaluation.Core;
using Npgsql;

namespace Evaluation.Tests.Features.Audit;

/// <summary>
/// Appends entries to a database's action log as the writer does (a valid chain onto whatever is there), but at chosen
/// times, so that date filters and pages have something known to find.
/// </summary>
public static class ActionLogSeed
{
    public sealed record Entry(DateTimeOffset At, string Actor, string Action, string Detail, Guid? EvaluationId);

    /// <returns>The sequence number each entry got, in order.</returns>
    public static async Task<List<long>> AppendAsync(string connectionString, IEnumerable<Entry> entries)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("select pg_advisory_xact_lock(@key)", new { key = 0x6576616C5F6C6F67L }, tx);
        var last = await conn.QuerySingleOrDefaultAsync<(long Seq, string Hash)?>("select seq, hash from staff_action order by seq desc limit 1", transaction: tx);
        var (seq, prev) = (last?.Seq ?? 0, last?.Hash ?? ActionLog.GenesisHash);
        var seqs = new List<long>();
        foreach (var e in entries)
        {
            seq++;
            var at = e.At.ToUniversalTime();
            var hash = ActionLog.HashOf(seq, at, e.Actor, e.Action, e.Detail, prev);
            await conn.ExecuteAsync(
                """
                insert into staff_action (seq, at, actor, action, detail, prev_hash, hash, evaluation_id)
                values (@seq, @at, @Actor, @Action, @Detail, @prev, @hash, @EvaluationId)
                """, new { seq, at, e.Actor, e.Action, e.Detail, prev, hash, e.EvaluationId }, tx);
            seqs.Add(seq);
            prev = hash;
        }
        await tx.CommitAsync();
        return seqs;
    }
}
