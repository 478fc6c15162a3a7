using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

public sealed record EvaluationListRow(Guid Id, string UnitName, string Name, string Round, string Status, DateTime CreatedAt, int Targets, int Expected);
public sealed record NewEvaluationForm(Guid? UnitId, string? Name, string? Round, string? Template, bool PresetCategories = true);
public sealed record NewEvaluationPage(NewEvaluationForm Form, IReadOnlyList<(Guid Id, string Name)> Units, IReadOnlyList<string> Errors);
public sealed record DetailsForm(string? Name, string? Round);
public sealed record EvaluationPage(
    EvaluationHeader Evaluation, Questionnaire Questionnaire, IReadOnlyList<Target> Targets, IReadOnlyList<CategoryRow> Categories,
    bool CanEdit, IReadOnlyList<string> Errors, TurnoutTable Turnout, VotingLogEntries LogEntries);

[Authorize(Roles = Roles.UnitStaff)]
[Route("evaluations")]
public sealed class EvaluationsController(NpgsqlDataSource db, KeyEncryptionKey keyEncryptionKey) : Controller
{
    public static readonly IReadOnlyList<string> RoundPresets = ["动员大会后民主评议", "总结大会后满意度测评"];

    /// <summary>The respondent categories of the seed campaigns (局机关 and 直属单位 民主评议).</summary>
    public static readonly IReadOnlyList<string> CategoryPresets = ["机关工作人员", "直属单位领导班子成员", "离退休老党员", "服务对象代表"];

    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<EvaluationListRow>(
            """
            select e.id, u.name as unit_name, e.name, e.round, e.status, e.created_at,
                   (select count(*)::int from target t where t.evaluation_id = e.id) as targets,
                   (select coalesce(sum(expected_count), 0)::int from respondent_category c where c.evaluation_id = e.id) as expected
            from evaluation e join unit u on u.id = e.unit_id
            where e.unit_id in (select unit_id from staff_unit where account_id = @me)
            order by e.created_at desc
            """, new { me = User.AccountId() });
        return View(rows.ToList());
    }

    [Authorize(Roles = Roles.Organizer), HttpGet("new")]
    public async Task<IActionResult> New(CancellationToken ct) =>
        View(new NewEvaluationPage(new NewEvaluationForm(null, null, RoundPresets[0], FormTemplates.MobilisationEvaluation.Id), await MyUnitsAsync(ct), []));

    [Authorize(Roles = Roles.Organizer), HttpPost("new")]
    public async Task<IActionResult> Create([FromForm] NewEvaluationForm form, CancellationToken ct)
    {
        var units = await MyUnitsAsync(ct);
        var errors = DetailsProblems(form.Name, form.Round);
        if (form.UnitId is not { } unitId || units.All(u => u.Id != unitId))
            errors.Add("请选择您负责的单位。");
        var template = form.Template == "blank" ? null : FormTemplates.Find(form.Template);
        if (template is null && form.Template != "blank")
            errors.Add("请选择问卷模板。");
        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("New", new NewEvaluationPage(form, units, errors));
        }

        var questionnaire = template?.Questionnaire ?? new Questionnaire { Title = form.Name!.Trim() };
        var id = Guid.NewGuid();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(
            "insert into evaluation (id, unit_id, name, round, questionnaire) values (@id, @UnitId, @Name, @Round, @Questionnaire)",
            new { id, form.UnitId, Name = form.Name!.Trim(), Round = form.Round!.Trim(), Questionnaire = FormJson.Canonical(questionnaire) }, tx);
        if (form.PresetCategories)
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@CategoryId, @id, @Name, 0, @Position)",
                CategoryPresets.Select((name, i) => new { CategoryId = Guid.NewGuid(), id, Name = name, Position = i + 1 }), tx);
        await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.CreateAction,
            $"{units.First(u => u.Id == form.UnitId).Name}《{form.Name!.Trim()}》（{form.Round!.Trim()}），模板：{template?.Name ?? "空白"}，编号 {id}");
        await tx.CommitAsync(ct);
        return Redirect(EvaluationScope.Url(id));
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var page = await EvaluationScope.PageAsync(conn, id, User, []);
        return page is null ? NotFound() : View(page);
    }

    /// <summary>The meeting-day view for the organiser and the 督导组: aggregate turnout, refreshing itself.</summary>
    [HttpGet("{id:guid}/progress")]
    public async Task<IActionResult> Progress(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var page = await EvaluationScope.PageAsync(conn, id, User, []);
        return page is null ? NotFound() : View(page);
    }

    [Authorize(Roles = Roles.Organizer), HttpPost("{id:guid}/details")]
    public Task<IActionResult> UpdateDetails(Guid id, [FromForm] DetailsForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var errors = DetailsProblems(form.Name, form.Round);
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);
            await conn.ExecuteAsync("update evaluation set name = @Name, round = @Round where id = @id",
                new { id, Name = form.Name!.Trim(), Round = form.Round!.Trim() }, tx);
            await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.EditAction, $"《{evaluation.Name}》改为《{form.Name!.Trim()}》（{form.Round!.Trim()}），编号 {id}");
            return Redirect(EvaluationScope.Url(id));
        }, ct);

    [Authorize(Roles = Roles.Organizer), HttpPost("{id:guid}/open")]
    public Task<IActionResult> Open(Guid id, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var questionnaire = evaluation.ReadQuestionnaire();
            var targets = await EvaluationScope.TargetsAsync(conn, id, tx);
            var categories = await EvaluationScope.CategoriesAsync(conn, id, tx);
            var errors = QuestionnaireValidator.ValidateForVoting(questionnaire, targets).ToList();
            if (categories.Count == 0)
                errors.Add("请至少添加一个评议人员类别（如机关工作人员），并填写应到人数。");
            else if (categories.Sum(c => c.ExpectedCount) == 0)
                errors.Add("请填写各评议人员类别的应到人数。");
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);

            var publicKeys = new List<byte[]>();
            foreach (var category in categories)
                publicKeys.Add((await SigningKeys.CreateAsync(conn, tx, keyEncryptionKey, id, category.Id)).PublicKey.ExportSpki());

            var frozen = FormJson.FrozenForm(questionnaire, targets);
            var hash = FormJson.FormHash(questionnaire, targets);
            await conn.ExecuteAsync(
                "update evaluation set status = 'open', frozen_form = @frozen, form_hash = @hash, opened_at = now() where id = @id",
                new { id, frozen, hash }, tx);
            await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.OpenAction, BundleVerifier.OpenDetail(evaluation.Name, id, hash, publicKeys));
            TempData["Notice"] = "投票已开始。评议对象和问卷已冻结。";
            return Redirect(EvaluationScope.Url(id));
        }, ct);

    [Authorize(Roles = Roles.Organizer), HttpPost("{id:guid}/close")]
    public async Task<IActionResult> Close(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        var closed = await conn.ExecuteAsync(
            "update evaluation set status = 'closed', closed_at = now() where id = @id and status = 'open'", new { id }, tx);
        if (closed == 0)
            return this.Refuse(StatusCodes.Status409Conflict,
                evaluation.IsDraft ? "投票还没有开始，不能结束。" : "投票已经结束。");
        await RewriteVotingTracesAsync(conn, tx, id);
        // The counting rules lock here (CountingController), so the log keeps the ones every report is counted by.
        await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.CloseAction,
            BundleVerifier.CloseDetail(evaluation.Name, id, await CountingController.DescribeAsync(conn, id, tx)));
        await tx.CommitAsync(ct);
        await conn.ExecuteAsync("vacuum slip, ballot, ballot_receipt");
        TempData["Notice"] = "投票已结束。";
        return Redirect(EvaluationScope.Url(id));
    }

    /// <summary>
    /// While voting is open, rows written together share a transaction id (xmin) and follow each other on disk: a batch of
    /// one ballot pairs its receipt with it, and a slip's check-in and a ballot can be matched by time. At close, the
    /// evaluation's slips, ballots and receipts are written again in random order in this one transaction, so all share
    /// its xmin and none keeps the place it was written in; the vacuum after commit frees the old row versions.
    /// </summary>
    private static async Task RewriteVotingTracesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id) =>
        await conn.ExecuteAsync(
            """
            with gone as (delete from slip where evaluation_id = @id returning *)
            insert into slip select * from gone order by random();
            with gone as (delete from ballot where evaluation_id = @id returning *)
            insert into ballot select * from gone order by random();
            with gone as (delete from ballot_receipt where evaluation_id = @id returning *)
            insert into ballot_receipt select * from gone order by random();
            """, new { id }, tx);

    private static List<string> DetailsProblems(string? name, string? round)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(name) || TypedText.IsLongerThan(name.Trim(), 100))
            errors.Add("请填写评议名称（不超过 100 个字），如“2014年局领导班子民主评议”。");
        if (string.IsNullOrWhiteSpace(round) || TypedText.IsLongerThan(round.Trim(), 50))
            errors.Add("请填写评议轮次（不超过 50 个字），如“动员大会后民主评议”。");
        if (TypedText.HasControlCharacters(name)) errors.Add(TypedText.ControlCharacterProblem("评议名称"));
        if (TypedText.HasControlCharacters(round)) errors.Add(TypedText.ControlCharacterProblem("评议轮次"));
        return errors;
    }

    private async Task<IReadOnlyList<(Guid Id, string Name)>> MyUnitsAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<(Guid, string)>(
            "select u.id, u.name from unit u join staff_unit su on su.unit_id = u.id where su.account_id = @me order by u.name",
            new { me = User.AccountId() })).ToList();
    }
}
