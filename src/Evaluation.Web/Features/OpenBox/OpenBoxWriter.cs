using Dapper;
using Evaluation.Web.Features.Voting;
using Npgsql;

namespace Evaluation.Web.Features.OpenBox;

/// <summary>A checked submission on its way into the box: its evaluation and its answers in canonical JSON, nothing else.</summary>
public sealed record OpenBoxEntry(Guid EvaluationId, string Answers);

/// <summary>
/// The open box's submissions go to the database as the ballots do (<see cref="GroupCommit{TItem, TOutcome}"/>): in
/// shuffled batches, each caller answered once its batch has committed, so neither heap order within a batch nor
/// transaction ids tell arrival order. Each row gets a random id and no time. A submission is stored only if, in the
/// batch's transaction, voting is still open and the organiser still has the box 开放: pausing and 结束投票 take the
/// row locks this waits for, so nothing slips in after either. A write whose commit was lost and is sent again may be
/// stored twice; the box is not one answer per person anyway, and says so everywhere.
/// </summary>
public sealed class OpenBoxWriter(NpgsqlDataSource db, ILogger<OpenBoxWriter> logger, IConfiguration configuration)
    : GroupCommit<OpenBoxEntry, bool>(db, logger, configuration)
{
    protected override string BatchName => "open-box";

    /// <summary>True once stored; false when the box no longer takes answers.</summary>
    public Task<bool> SubmitAsync(OpenBoxEntry entry, CancellationToken ct) => EnqueueAsync(entry, ct);

    protected override async Task<bool[]> WriteAsync(IReadOnlyList<OpenBoxEntry> batch)
    {
        await using var conn = await Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var open = await LockOpenEvaluationsAsync(conn, tx, batch.Select(e => e.EvaluationId));
        var accepting = (await conn.QueryAsync<Guid>(
            "select evaluation_id from open_box where evaluation_id = any(@open) and accepting order by evaluation_id for share",
            new { open }, tx)).ToHashSet();
        var taken = batch.Where(e => accepting.Contains(e.EvaluationId)).ToList();
        if (taken.Count > 0)
            await conn.ExecuteAsync(
                """
                insert into open_box_answer (id, evaluation_id, answers)
                select * from unnest(@Ids, @Evaluations, @Answers)
                """,
                new
                {
                    Ids = taken.Select(_ => Guid.NewGuid()).ToArray(),
                    Evaluations = taken.Select(e => e.EvaluationId).ToArray(),
                    Answers = taken.Select(e => e.Answers).ToArray(),
                }, tx);
        await CommitReplicatedAsync(conn, tx);
        return batch.Select(e => accepting.Contains(e.EvaluationId)).ToArray();
    }
}
