using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Web.Features.Campaigns;
using Evaluation.Web.Features.OpenBox;
using Evaluation.Web.Features.Raters;
using Evaluation.Web.Features.Voting;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Features.Transfers;
using Evaluation.Web.Features.Units;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

public sealed record EvaluationListRow(Guid Id, string UnitName, string Name, string Round, string Status, DateTime CreatedAt, int Targets, int Expected, bool Rehearsal);
/// <param name="Campaign">The campaign's id, or empty for none (a string, so a value that is no campaign is refused, not dropped).</param>
public sealed record NewEvaluationForm(Guid? UnitId, string? Name, string? Round, string? Template, bool PresetCategories = true, string? Campaign = null);
public sealed record NewEvaluationPage(NewEvaluationForm Form, IReadOnlyList<(Guid Id, string Name)> Units, IReadOnlyList<string> Errors,
    IReadOnlyList<Campaign> Campaigns);
public sealed record DetailsForm(string? Name, string? Round, string? Campaign);
/// <summary>开始投票: <c>custody</c> "cards" with every card's 核对码 typed back, or "server" (服务器保管, the default of the API).</summary>
public sealed record OpenForm(string? Custody, string?[]? CheckCodes);
public sealed record EvaluationPage(
    EvaluationHeader Evaluation, Questionnaire Questionnaire, IReadOnlyList<Target> Targets, IReadOnlyList<CategoryRow> Categories,
    bool CanEdit, IReadOnlyList<string> Errors, TurnoutTable Turnout, VotingLogEntries LogEntries, IReadOnlyList<Campaign> Campaigns);

[Authorize(Roles = Roles.UnitStaff)]
[Route("evaluations")]
public sealed class EvaluationsController(NpgsqlDataSource db, KeyEncryptionKey keyEncryptionKey, IConfiguration configuration) : Controller
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
                   (select coalesce(sum(expected_count), 0)::int from respondent_category c where c.evaluation_id = e.id) as expected,
                   e.rehearsal_of is not null as rehearsal
            from evaluation e join unit u on u.id = e.unit_id
            where e.unit_id in (select unit_id from staff_reach(@me))
            order by e.created_at desc
            """, new { me = User.AccountId() });
        return View(rows.ToList());
    }

    [Authorize(Roles = Roles.Organizer), HttpGet("new")]
    public async Task<IActionResult> New(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return View(new NewEvaluationPage(new NewEvaluationForm(null, null, RoundPresets[0], FormTemplates.MobilisationEvaluation.Id),
            await MyUnitsAsync(ct), [], await CampaignsController.ListAsync(conn)));
    }

    [Authorize(Roles = Roles.Organizer), HttpPost("new")]
    public async Task<IActionResult> Create([FromForm] NewEvaluationForm form, CancellationToken ct)
    {
        var units = await MyUnitsAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var errors = DetailsProblems(form.Name, form.Round);
        if (form.UnitId is not { } unitId || units.All(u => u.Id != unitId))
            errors.Add("请选择您负责的单位。");
        var template = form.Template == "blank" ? null : FormTemplates.Find(form.Template);
        if (template is null && form.Template != "blank")
            errors.Add("请选择问卷模板。");
        var campaign = await CampaignsController.ChooseAsync(conn, tx, form.Campaign);
        if (campaign.Problem is { } campaignProblem) errors.Add(campaignProblem);
        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("New", new NewEvaluationPage(form, units, errors, await CampaignsController.ListAsync(conn, tx)));
        }

        var questionnaire = template?.Questionnaire ?? new Questionnaire { Title = form.Name!.Trim() };
        var id = Guid.NewGuid();
        await conn.ExecuteAsync(
            "insert into evaluation (id, unit_id, name, round, questionnaire, campaign_id) values (@id, @UnitId, @Name, @Round, @Questionnaire, @CampaignId)",
            new { id, form.UnitId, Name = form.Name!.Trim(), Round = form.Round!.Trim(), Questionnaire = FormJson.Canonical(questionnaire), CampaignId = campaign.Chosen?.Id }, tx);
        if (form.PresetCategories)
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@CategoryId, @id, @Name, 0, @Position)",
                CategoryPresets.Select((name, i) => new { CategoryId = Guid.NewGuid(), id, Name = name, Position = i + 1 }), tx);
        await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.CreateAction,
            $"{units.First(u => u.Id == form.UnitId).Name}《{form.Name!.Trim()}》（{form.Round!.Trim()}），模板：{template?.Name ?? "空白"}" +
            $"{CampaignsController.LogNote(campaign.Chosen)}，编号 {id}", evaluationId: id);
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
            var campaign = await CampaignsController.ChooseAsync(conn, tx, form.Campaign);
            if (campaign.Problem is { } campaignProblem) errors.Add(campaignProblem);
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);
            var name = evaluation.IsRehearsal ? Rehearsals.RehearsalNames.Named(form.Name!.Trim()) : form.Name!.Trim();
            await conn.ExecuteAsync("update evaluation set name = @name, round = @Round, campaign_id = @CampaignId where id = @id",
                new { id, name, Round = form.Round!.Trim(), CampaignId = campaign.Chosen?.Id }, tx);
            await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.EditAction,
                $"《{evaluation.Name}》改为《{name}》（{form.Round!.Trim()}）{CampaignsController.LogNote(campaign.Chosen)}，编号 {id}", evaluationId: id);
            return Saved.Redirect(this, EvaluationScope.Url(id), "details",
                $"已保存：名称《{name}》，轮次“{form.Round!.Trim()}”，{(campaign.Chosen is { } c ? $"活动“{c.Name}”" : "不归入活动")}");
        }, ct);

    [Authorize(Roles = Roles.Organizer), HttpPost("{id:guid}/open")]
    public Task<IActionResult> Open(Guid id, [FromForm] OpenForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var questionnaire = evaluation.ReadQuestionnaire();
            var targets = await EvaluationScope.TargetsAsync(conn, id, tx);
            var categories = await EvaluationScope.CategoriesAsync(conn, id, tx);
            var errors = QuestionnaireValidator.ValidateForVoting(questionnaire, targets).ToList();
            // An evaluation that is only an open 征求意见箱 has no slips, so no categories and no 应到: the box is its way in.
            var openBox = await OpenBoxes.OpeningProblemsAsync(conn, tx, id, questionnaire);
            if (openBox is not null) errors.AddRange(openBox);
            if (categories.Count == 0 && openBox is null)
                errors.Add("请至少添加一个评议人员类别（如机关工作人员），并填写应到人数；只用公开征求意见箱（不发票签）的，请先发布征求意见箱。");
            else if (categories.Count > 0 && categories.Sum(c => c.ExpectedCount) == 0)
                errors.Add("请填写各评议人员类别的应到人数。");
            errors.AddRange(await RaterScopes.OpeningProblemsAsync(conn, tx, id, targets, categories));
            // Checked here, not only warned about on the page: slips are printed after opening, and a meeting that discovers
            // plain http on the attendees' phones has no way to vote at all.
            if (SlipAddress.OpeningRefusal(Request.PublicBaseUrl(configuration)) is { } notHttps) errors.Add(notHttps);
            if (form.Custody is not (null or BoxKeys.Cards or BoxKeys.Server))
                errors.Add("请选择开箱方式：监票人密钥卡，或服务器保管。");
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);

            if (form.Custody == BoxKeys.Cards)
            {
                var wrongCards = await BoxKeys.ConfirmCardsAsync(conn, tx, id, form.CheckCodes ?? []);
                if (wrongCards.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, wrongCards);
            }
            else
                await BoxKeys.CreateServerCustodyAsync(conn, tx, keyEncryptionKey, id);

            await VotingOpening.OpenAsync(conn, tx, keyEncryptionKey, id, evaluation.Name, questionnaire, User.ActorLabel());
            TempData["Notice"] = "投票已开始。评议对象和问卷已冻结。";
            return Redirect(EvaluationScope.Url(id));
        }, ct);

    /// <summary>
    /// 结束投票: the box takes no more ballots. With key cards the results wait for 开箱 (BallotBoxController); in
    /// 服务器保管 mode the service opens the box at once.
    /// </summary>
    [Authorize(Roles = Roles.Organizer), HttpPost("{id:guid}/close")]
    public async Task<IActionResult> Close(Guid id, CancellationToken ct)
    {
        string? custody;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
            if (evaluation is null) return NotFound();
            if (!await BoxOpening.SealAsync(conn, tx, id))
                return this.Refuse(StatusCodes.Status409Conflict,
                    evaluation.IsDraft ? "投票还没有开始，不能结束。" : "投票已经结束。");
            // The counting rules lock here (CountingController), so the log keeps the ones every report is counted by.
            await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.CloseAction,
                BundleVerifier.CloseDetail(evaluation.Name, id, await CountingController.DescribeAsync(conn, id, tx)), evaluationId: id);
            // An evaluation voted before the sealed box has no box to open and is closed now: its 调出 results travel now.
            await ResultTransfers.SendAsync(conn, tx, id, evaluation.Name, User.ActorLabel());
            custody = (await BoxKeys.StateAsync(conn, id, tx))?.Custody;
            // The open 征求意见箱 ends with voting: its answers lose their arrival order on disk as the slips and receipts do.
            await OpenBoxes.ShuffleAsync(conn, tx, id);
            await tx.CommitAsync(ct);
            await BoxOpening.VacuumAfterSealAsync(conn);
            await OpenBoxes.VacuumAsync(conn);
        }

        if (custody != BoxKeys.Server)
        {
            TempData["Notice"] = custody == BoxKeys.Cards ? "投票已结束，投票箱已封存。请监票人持开箱密钥卡开箱后查看结果。" : "投票已结束。";
            return Redirect(EvaluationScope.Url(id));
        }
        var opened = await BoxOpening.UnsealWithServerKeyAsync(db, keyEncryptionKey, id, User, ct);
        TempData["Notice"] = opened.Opened
            ? $"投票已结束，服务器已自动开箱：收到 {opened.Sealed} 份答卷，{opened.OpenedCount} 份已开启" +
              (opened.Sealed > opened.OpenedCount ? $"，{opened.Sealed - opened.OpenedCount} 份无效" : "") + "。" + string.Concat(opened.Warnings)
            : "投票已结束，但自动开箱未完成：" + string.Join("；", opened.Errors);
        return Redirect(EvaluationScope.Url(id));
    }

    internal static List<string> DetailsProblems(string? name, string? round)
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
        return (await UnitTree.ReachOfAsync(conn, User.AccountId())).Select(u => (u.Id, u.Name)).ToList();
    }
}
