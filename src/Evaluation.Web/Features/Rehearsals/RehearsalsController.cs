using Dapper;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Rehearsals;

public static class RehearsalNames
{
    public const string Mark = "【演练】";

    /// <summary>A rehearsal's name always begins with the mark, so every place that prints the name (slip, phone, report) shows it.</summary>
    public static string Named(string name) =>
        name.StartsWith(Mark, StringComparison.Ordinal) ? name : Mark + CopyEvaluation.Fit(name, 100 - Mark.Length);
}

/// <summary>
/// 演练 (issue 14 item 5): a dry run on an evaluation row of its own, copied from a draft, with rehearsal_of pointing at
/// the real one. It goes through the whole lifecycle on its own slips, keys and ballot box, and is purged in one logged
/// click. Only a draft can be rehearsed, so the real evaluation is still unused when its meeting comes; opening the real
/// one while a rehearsal exists is allowed (the two share nothing), and the rehearsal stays until purged.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/rehearsal")]
public sealed class RehearsalsController(NpgsqlDataSource db) : Controller
{
    public const string CreateAction = "创建演练";
    public const string PurgeAction = "清除演练";

    [HttpPost("")]
    public async Task<IActionResult> Create(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The real evaluation's row is held, so two clicks cannot make two rehearsals, nor voting open halfway.
        if (await EvaluationScope.FindAsync(conn, id, User, tx) is not { } real) return NotFound();
        await conn.ExecuteAsync("select 1 from evaluation where id = @id for update", new { id }, tx);
        if (real.IsRehearsal)
            return this.Refuse(StatusCodes.Status409Conflict, "这已经是一场演练。要再演练一次，请先清除它，再从正式评议创建演练。");
        if (!real.IsDraft)
            return this.Refuse(StatusCodes.Status409Conflict, "投票已经开始，不能再演练：演练只能在正式投票开始前，从草稿创建。");
        if (await RehearsalOfAsync(conn, id, tx) is { } existing)
            return this.Refuse(StatusCodes.Status409Conflict, $"已有一场演练《{existing.Name}》。请先在评议页面清除它，再创建新的演练。");

        var name = RehearsalNames.Named(real.Name);
        var copy = await CopyEvaluation.CopyAsync(conn, tx, id, name, real.Round, questionnaire: null, rehearsalOf: id);
        await ActionLogWriter.AppendAsync(tx, User, CreateAction, $"《{name}》，演练自编号 {id}，编号 {copy.Id}", evaluationId: copy.Id);
        await tx.CommitAsync(ct);
        TempData["Notice"] = "演练已创建：这是正式评议的一份副本，有自己的票签和投票箱。可以照常开始投票、发放票签、投票、结束和查看结果；" +
                             "演练完后点“清除演练”。正式评议不受影响，仍是草稿。";
        return Redirect(EvaluationScope.Url(copy.Id));
    }

    /// <summary>
    /// Deletes the rehearsal (this evaluation if it is one, else this one's rehearsal) and, by the foreign keys' cascades,
    /// everything under it. The log keeps its name and counts, nothing else.
    /// </summary>
    [HttpPost("purge")]
    public async Task<IActionResult> Purge(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await EvaluationScope.FindAsync(conn, id, User, tx) is not { } evaluation) return NotFound();
        var rehearsal = evaluation.IsRehearsal ? new RehearsalRow(evaluation.Id, evaluation.Name, evaluation.Status) : await RehearsalOfAsync(conn, id, tx);
        if (rehearsal is null)
            return this.Refuse(StatusCodes.Status409Conflict, "这场评议没有演练可清除。正式评议不能在这里删除。");
        var locked = await conn.QuerySingleOrDefaultAsync<Guid?>(
            "select rehearsal_of from evaluation where id = @Id and rehearsal_of is not null for update", new { rehearsal.Id }, tx);
        if (locked is not { } realId) return NotFound();

        var counts = await conn.QuerySingleAsync<(int Slips, int CheckedIn, int Ballots)>(
            """
            select (select count(*)::int from slip where evaluation_id = @Id),
                   (select count(*)::int from slip where evaluation_id = @Id and blinded_hash is not null),
                   (select count(*)::int from ballot where evaluation_id = @Id) + (select count(*)::int from sealed_ballot where evaluation_id = @Id)
            """, new { rehearsal.Id }, tx);
        // Every table under an evaluation references it with on delete cascade (db/migrations), so this one row takes
        // the rehearsal's targets, categories, slips, keys, box, ballots, receipts and triage with it.
        await conn.ExecuteAsync("delete from evaluation where id = @Id and rehearsal_of is not null", new { rehearsal.Id }, tx);
        await ActionLogWriter.AppendAsync(tx, User, PurgeAction,
            $"《{rehearsal.Name}》，编号 {rehearsal.Id}，演练自编号 {realId}：票签 {counts.Slips} 张，签到 {counts.CheckedIn} 人，选票 {counts.Ballots} 张", evaluationId: rehearsal.Id);
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"演练已清除：票签 {counts.Slips} 张、选票 {counts.Ballots} 张已删除。正式评议没有任何改动。";
        return Redirect(EvaluationScope.Url(realId));
    }

    public sealed record RehearsalRow(Guid Id, string Name, string Status);

    public static Task<RehearsalRow?> RehearsalOfAsync(NpgsqlConnection conn, Guid realId, NpgsqlTransaction? tx = null) =>
        conn.QuerySingleOrDefaultAsync<RehearsalRow>(
            "select id, name, status from evaluation where rehearsal_of = @realId order by created_at limit 1", new { realId }, tx);
}
