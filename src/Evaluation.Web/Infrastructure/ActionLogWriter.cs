using System.Data;
using System.Security.Claims;
using Dapper;
using Evaluation.Core;

namespace Evaluation.Web.Infrastructure;

/// <summary>Appends to the hash-chained staff action log inside the caller's transaction, so an action and its record commit together.</summary>
public static class ActionLogWriter
{
    // Serialises appends so two actions cannot both chain onto the same predecessor.
    private const long AppendLockKey = 0x6576616C5F6C6F67;

    /// <param name="evaluationId">
    /// The evaluation the action concerns, for the 审计's filter (Features/AuditLog). Outside the hash: the detail, which the
    /// chain covers, names the evaluation; this only finds the entry again, as names repeat across rounds.
    /// </param>
    public static async Task AppendAsync(IDbTransaction tx, ClaimsPrincipal actor, string action, string detail, Guid? evaluationId = null) =>
        await AppendAsync(tx, actor.ActorLabel(), action, detail, evaluationId);

    public static async Task AppendAsync(IDbTransaction tx, string actor, string action, string detail, Guid? evaluationId = null)
    {
        var conn = tx.Connection!;
        await conn.ExecuteAsync("select pg_advisory_xact_lock(@AppendLockKey)", new { AppendLockKey }, tx);
        var last = await conn.QuerySingleOrDefaultAsync<(long Seq, string Hash, DateTime At)?>(
            "select seq, hash, at from staff_action order by seq desc limit 1", transaction: tx);
        var seq = (last?.Seq ?? 0) + 1;
        var prev = last?.Hash ?? ActionLog.GenesisHash;
        // PostgreSQL keeps microseconds; hash exactly what will be read back. Never before the entry it follows: replicas'
        // clocks differ by a little, and the verifier refuses a log whose time runs backwards (a sign of rewriting).
        var now = DateTimeOffset.UtcNow;
        var at = now.AddTicks(-(now.Ticks % 10));
        if (last is { } l && Utc(l.At) > at) at = Utc(l.At);
        var hash = ActionLog.HashOf(seq, at, actor, action, detail, prev);
        await conn.ExecuteAsync(
            """
            insert into staff_action (seq, at, actor, action, detail, prev_hash, hash, evaluation_id)
            values (@seq, @at, @actor, @action, @detail, @prev, @hash, @evaluationId)
            """,
            new { seq, at, actor, action, detail, prev, hash, evaluationId }, tx);
    }

    /// <summary>The newest entry, or null while the log is empty.</summary>
    public static async Task<ActionLogHead?> HeadAsync(IDbConnection conn, CancellationToken ct = default) =>
        await conn.QuerySingleOrDefaultAsync<ActionLogHead>(new CommandDefinition(
            "select seq, hash from staff_action order by seq desc limit 1", cancellationToken: ct));

    private sealed record Row(long Seq, DateTime At, string Actor, string Action, string Detail, string PrevHash, string Hash)
    {
        public ActionLogEntry ToEntry() => new(Seq, Utc(At), Actor, Action, Detail, PrevHash, Hash);
    }

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    private const string SelectEntries = "select seq, at, actor, action, detail, prev_hash, hash from staff_action";

    /// <summary>The whole log, oldest first, as the chain is checked.</summary>
    public static async Task<List<ActionLogEntry>> ReadAllAsync(IDbConnection conn, IDbTransaction? tx = null, CancellationToken ct = default) =>
        (await conn.QueryAsync<Row>(new CommandDefinition(SelectEntries + " order by seq", transaction: tx, cancellationToken: ct)))
        .Select(r => r.ToEntry()).ToList();

    /// <summary>The entries of these actions whose detail begins with <paramref name="subject"/>, oldest first.</summary>
    public static async Task<List<ActionLogEntry>> ReadAboutAsync(IDbConnection conn, string subject, string[] actions,
        IDbTransaction? tx = null, CancellationToken ct = default) =>
        (await conn.QueryAsync<Row>(new CommandDefinition(
            SelectEntries + " where action = any(@actions) and starts_with(detail, @subject) order by seq",
            new { subject, actions }, tx, cancellationToken: ct)))
        .Select(r => r.ToEntry()).ToList();
}
