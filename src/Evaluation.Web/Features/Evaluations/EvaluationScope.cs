using System.Security.Claims;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Web.Features.Campaigns;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

public static class EvaluationStatus
{
    public const string Draft = "draft";
    public const string Open = "open";
    /// <summary>结束投票 done, the ballot box not yet opened: no ballots in, no results out.</summary>
    public const string Sealed = "sealed";
    public const string Closed = "closed";

    /// <summary>Voting has ended: sealed or opened.</summary>
    public static bool HasEnded(string status) => status is Sealed or Closed;

    public static string NameOf(string status) => status switch
    {
        Draft => "草稿",
        Open => "进行中",
        Sealed => "待开箱",
        Closed => "已结束",
        _ => status,
    };
}

public sealed record EvaluationHeader(
    Guid Id, Guid UnitId, string UnitName, string Name, string Round, string Status,
    string Questionnaire, string? FormHash, DateTime CreatedAt, DateTime? OpenedAt, DateTime? ClosedAt, Guid? RehearsalOf = null,
    Guid? CampaignId = null, string? CampaignName = null)
{
    public bool IsDraft => Status == EvaluationStatus.Draft;
    /// <summary>A 演练 (Features/Rehearsals): its own slips, keys and ballots, marked on every page and report, purged in one click.</summary>
    public bool IsRehearsal => RehearsalOf is not null;
    public Questionnaire ReadQuestionnaire() => FormJson.ReadQuestionnaire(Questionnaire);
}

/// <summary>Every evaluation query goes through here, so a member of staff reaches only the units assigned to them.</summary>
public static class EvaluationScope
{
    public const string FrozenMessage = "投票已开始，评议对象、问卷和评议人员类别已冻结，不能再修改。";

    private const string SelectHeader =
        """
        select e.id, e.unit_id, u.name as unit_name, e.name, e.round, e.status, e.questionnaire, e.form_hash,
               e.created_at, e.opened_at, e.closed_at, e.rehearsal_of, e.campaign_id, c.name as campaign_name
        from evaluation e join unit u on u.id = e.unit_id left join campaign c on c.id = e.campaign_id
        """;

    private const string SelectScoped = SelectHeader + "\n" +
        """
        where e.id = @id
          and e.unit_id in (select unit_id from staff_reach(@me))
        """;

    public static Task<EvaluationHeader?> FindAsync(NpgsqlConnection conn, Guid id, ClaimsPrincipal user, NpgsqlTransaction? tx = null) =>
        conn.QuerySingleOrDefaultAsync<EvaluationHeader>(SelectScoped, new { id, me = user.AccountId() }, tx);

    /// <summary>
    /// A closed evaluation one of whose 调出 members' result was sent at 开箱 to a unit the caller covers (Features/Transfers):
    /// the parent's office reads that member's sheet by this rule, not by covering the evaluating unit, so a unit moved
    /// since does not take the result away from the office it was sent to, nor give it to the new one.
    /// </summary>
    public static Task<EvaluationHeader?> FindSentToAsync(NpgsqlConnection conn, Guid id, Guid targetId, ClaimsPrincipal user) =>
        conn.QuerySingleOrDefaultAsync<EvaluationHeader>(SelectHeader + "\n" +
            """
            where e.id = @id and e.status = 'closed'
              and exists (select 1 from result_transfer r
                          where r.evaluation_id = e.id and r.target_id = @targetId and r.to_unit_id in (select unit_id from staff_reach(@me)))
            """, new { id, targetId, me = user.AccountId() });

    /// <summary>
    /// Runs an organiser's change to a draft in one transaction that holds the evaluation row, so voting cannot open halfway through it.
    /// 404 outside the caller's units (not 403: don't reveal another unit's evaluation exists); 409 once frozen.
    /// The change commits only when it answers with a redirect, i.e. succeeded.
    /// </summary>
    public static async Task<IActionResult> EditDraftAsync(this Controller controller, NpgsqlDataSource db, Guid id,
        Func<NpgsqlConnection, NpgsqlTransaction, EvaluationHeader, Task<IActionResult>> change, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await conn.QuerySingleOrDefaultAsync<EvaluationHeader>(SelectScoped + " for update of e",
            new { id, me = controller.User.AccountId() }, tx);
        if (evaluation is null) return controller.NotFound();
        if (!evaluation.IsDraft) return controller.Refuse(StatusCodes.Status409Conflict, FrozenMessage);

        var result = await change(conn, tx, evaluation);
        if (result is RedirectResult or LocalRedirectResult)
            await tx.CommitAsync(ct);
        return result;
    }

    public static async Task<IReadOnlyList<Target>> TargetsAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<TargetRow>(
            "select id, kind, name, title, transferred_out_on, position from target where evaluation_id = @evaluationId order by position, id",
            new { evaluationId }, tx)).Select(t => t.ToTarget()).ToList();

    public static async Task<IReadOnlyList<CategoryRow>> CategoriesAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null) =>
        // A tuple: Dapper matches a record's constructor on the reader's field types, and Npgsql types uuid[] as Array.
        (await conn.QueryAsync<(Guid Id, string Name, int ExpectedCount, int Position, Guid[]? TargetIds)>(
            "select id, name, expected_count, position, target_ids from respondent_category where evaluation_id = @evaluationId order by position, name",
            new { evaluationId }, tx)).Select(c => new CategoryRow(c.Id, c.Name, c.ExpectedCount, c.Position, c.TargetIds)).ToList();

    public static async Task<EvaluationPage?> PageAsync(NpgsqlConnection conn, Guid id, ClaimsPrincipal user, IReadOnlyList<string> errors,
        NpgsqlTransaction? tx = null)
    {
        var evaluation = await FindAsync(conn, id, user, tx);
        if (evaluation is null) return null;
        var canEdit = evaluation.IsDraft && user.IsInRole(Roles.Organizer);
        return new EvaluationPage(evaluation, evaluation.ReadQuestionnaire(), await TargetsAsync(conn, id, tx), await CategoriesAsync(conn, id, tx),
            canEdit, errors, await TurnoutTable.LoadAsync(conn, id, tx),
            await VotingLogEntries.FindAsync(conn, evaluation, tx), canEdit ? await CampaignsController.ListAsync(conn, tx) : []);
    }

    /// <summary>The evaluation page again, with what was wrong; 400 so that nothing about it looks like success.</summary>
    public static async Task<IActionResult> ShowWithErrorsAsync(this Controller controller, NpgsqlConnection conn, NpgsqlTransaction tx, Guid id,
        IReadOnlyList<string> errors)
    {
        controller.Response.StatusCode = StatusCodes.Status400BadRequest;
        return controller.View("~/Features/Evaluations/Show.cshtml", await PageAsync(conn, id, controller.User, errors, tx));
    }

    /// <summary>
    /// Counts as stored, per key group once voting has opened (a ballot proves its group, never a category inside it; the
    /// row's CategoryId is then the group's id), per category before. Ballots are those in the sealed box and those opened.
    /// Pages show them through <see cref="TurnoutTable"/>, which hides small cells.
    /// </summary>
    public static async Task<IReadOnlyList<TurnoutRow>> TurnoutAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<TurnoutRow>(
            """
            with per_category as (
                select c.id, c.name, c.position, c.key_group_id, c.expected_count,
                       (select count(*)::int from slip s where s.category_id = c.id) as issued,
                       (select count(*)::int from slip s where s.category_id = c.id and s.voided) as voided,
                       (select count(*)::int from slip s where s.category_id = c.id and s.blinded_hash is not null) as checked_in,
                       (select coalesce(sum(i.slip_count), 0)::int from slip_issue i where i.category_id = c.id and i.replacement) as replacements
                from respondent_category c where c.evaluation_id = @evaluationId
            )
            select coalesce(g.id, p.id) as category_id, coalesce(g.name, min(p.name)) as name, sum(p.expected_count)::int as expected,
                   sum(p.issued)::int as issued, sum(p.voided)::int as voided, sum(p.checked_in)::int as checked_in,
                   (select count(*)::int from ballot b where b.key_group_id = g.id)
                   + (select count(*)::int from sealed_ballot sb where sb.key_group_id = g.id) as ballots,
                   sum(p.replacements)::int as replacements
            from per_category p left join key_group g on g.id = p.key_group_id
            group by coalesce(g.id, p.id), g.id, g.name
            order by min(coalesce(g.position, p.position)), 2
            """, new { evaluationId }, tx)).ToList();

    public static string Url(Guid id) => $"/evaluations/{id}";
}

public sealed record TargetRow(Guid Id, string Kind, string Name, string? Title, DateOnly? TransferredOutOn, int Position)
{
    public Target ToTarget() => new()
    {
        Id = Id, Kind = Kind == "team" ? TargetKind.Team : TargetKind.Member, Name = Name, Title = Title,
        TransferredOutOn = TransferredOutOn, Position = Position,
    };
}

/// <param name="TargetIds">The targets this category rates (评议范围); null for every target.</param>
public sealed record CategoryRow(Guid Id, string Name, int ExpectedCount, int Position, Guid[]? TargetIds = null);

/// <summary>Aggregate counts only (DESIGN.md §2.6): never which slip was used.</summary>
/// <summary><see cref="Replacements"/>: slips 补发 for a phone that died after check-in, counted within <see cref="Issued"/>.</summary>
public sealed record TurnoutRow(Guid CategoryId, string Name, int Expected, int Issued, int Voided, int CheckedIn, int Ballots, int Replacements);
