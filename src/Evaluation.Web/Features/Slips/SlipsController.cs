using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Core.Text;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Slips;

public sealed record IssueForm(Guid? CategoryId, int? Count, string? Format);
public sealed record ReplacementForm(Guid? CategoryId, string? Reason, string? Format);
/// <summary>The category slips are issued for, and whether its evaluation is a 演练 (both printed on every slip).</summary>
public sealed record IssuingCategory(string Name, bool Rehearsal);
public sealed record IssuedSlip(string Grouped, string Link, string QrSvg);
/// <param name="Address">What an attendee types into the browser to enter the code by hand.</param>
public sealed record IssuedSlipsPage(EvaluationHeader Evaluation, string CategoryName, bool Rehearsal, bool Replacement, string Address,
    IReadOnlyList<IssuedSlip> Slips, bool ForPrint, string? Notice);

/// <summary>
/// 组织者: issues one-time slips per respondent category, in batches; voids lost ones by code or a whole batch's unused
/// ones; 补发 a replacement for a slip burnt by a phone that died after check-in. A token exists in clear only in the
/// response that shows it for printing; the database keeps its hash and which batch it came in.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/slips")]
public sealed class SlipsController(NpgsqlDataSource db, IConfiguration configuration, PdfPrinter pdf, ViewRenderer views) : Controller
{
    public const int MaxPerIssue = 2000;
    public const int MaxReasonLength = 100;
    public const string ReplacementAction = "补发票签";

    [HttpPost("")]
    public async Task<IActionResult> Issue(Guid id, [FromForm] IssueForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        if (EvaluationStatus.HasEnded(evaluation.Status))
            return this.Refuse(StatusCodes.Status409Conflict, "投票已结束，不能再发放票签。");
        var category = await CategoryAsync(conn, tx, id, form.CategoryId);
        if (category is null || form.Count is not (>= 1 and <= MaxPerIssue))
            return await this.ShowWithErrorsAsync(conn, tx, id,
                [$"请选择评议人员类别，并填写 1 到 {MaxPerIssue} 之间的张数。"]);

        var tokens = await IssueBatchAsync(conn, tx, id, form.CategoryId!.Value, form.Count.Value, reason: null);
        await ActionLogWriter.AppendAsync(tx, User, "发放票签", $"《{evaluation.Name}》：{category.Name} {tokens.Count} 张", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
        return await SheetAsync(evaluation, category, tokens, replacement: false, form.Format, ct);
    }

    /// <summary>
    /// 补发: one new slip for a person whose phone died after check-in, which burnt their slip. Counted and logged, because
    /// if that phone did submit, the person can vote twice: staff hand it only to someone they see, and the 补发 count is
    /// public in the turnout and the action log.
    /// </summary>
    [HttpPost("replacement")]
    public async Task<IActionResult> Replacement(Guid id, [FromForm] ReplacementForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        // Held until commit, so voting cannot close between this check and the new slip.
        var status = await conn.QuerySingleAsync<string>("select status from evaluation where id = @id for share", new { id }, tx);
        if (status != EvaluationStatus.Open)
            return this.Refuse(StatusCodes.Status409Conflict, "只有投票进行中才能补发票签。投票开始前请直接发放票签；投票结束后不能再补发。");
        var category = await CategoryAsync(conn, tx, id, form.CategoryId);
        var reason = form.Reason?.Trim();
        var errors = new List<string>();
        if (category is null) errors.Add("请选择要补发票签的评议人员类别。");
        if (string.IsNullOrEmpty(reason) || UserText.Length(reason) > MaxReasonLength || UserText.HasHiddenCharacters(reason))
            errors.Add($"请填写补发原因（{MaxReasonLength} 字以内），如“手机签到后没电，本人在场”。");
        if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);

        var tokens = await IssueBatchAsync(conn, tx, id, form.CategoryId!.Value, 1, reason);
        await ActionLogWriter.AppendAsync(tx, User, ReplacementAction, $"《{evaluation.Name}》：{category!.Name} 1 张，原因：{reason}", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
        return await SheetAsync(evaluation, category, tokens, replacement: true, form.Format, ct);
    }

    /// <summary>A lost slip: its code is typed in and it can no longer check in. One already used cannot be voided.</summary>
    [HttpPost("void")]
    public async Task<IActionResult> Void(Guid id, [FromForm] string? code, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        var token = SlipToken.Normalize(code);
        if (token is null)
            return await this.ShowWithErrorsAsync(conn, tx, id, ["票签代码应为 20 位字母和数字（可带空格或连字符），请核对后重新输入。"]);

        var hash = SlipToken.Hash(token);
        var state = await conn.QuerySingleOrDefaultAsync<(bool Voided, bool CheckedIn)?>(
            "select voided, blinded_hash is not null from slip where token_hash = @hash and evaluation_id = @id for update",
            new { hash, id }, tx);
        var problem = state switch
        {
            null => "本评议没有这张票签，请核对代码。",
            { Voided: true } => "这张票签已经作废。",
            { CheckedIn: true } => "这张票签已经使用，不能作废。",
            _ => null,
        };
        if (problem is not null) return await this.ShowWithErrorsAsync(conn, tx, id, [problem]);

        await conn.ExecuteAsync("update slip set voided = true where token_hash = @hash", new { hash }, tx);
        // The count, never the code: the log is read by others, and a code in it could still be traced to a person.
        await ActionLogWriter.AppendAsync(tx, User, "作废票签", $"《{evaluation.Name}》：1 张", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
        TempData["Notice"] = "票签已作废。";
        return Redirect(EvaluationScope.Url(id) + "#slips");
    }

    /// <summary>
    /// Voids every unused slip of one batch, for a batch whose PDF never arrived and whose codes nobody has. Used slips
    /// stay as they are: their ballots may be in the box already.
    /// </summary>
    [HttpPost("void-batch")]
    public async Task<IActionResult> VoidBatch(Guid id, [FromForm] Guid? batch, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        var status = await conn.QuerySingleAsync<string>("select status from evaluation where id = @id for share", new { id }, tx);
        if (EvaluationStatus.HasEnded(status))
            return this.Refuse(StatusCodes.Status409Conflict, "投票已结束，发放和作废的张数已随结果定稿，不能再作废票签。");
        var found = await conn.QuerySingleOrDefaultAsync<(string CategoryName, DateTime IssuedAt)?>(
            """
            select c.name, i.issued_at from slip_issue i join respondent_category c on c.id = i.category_id
            where i.id = @batch and i.evaluation_id = @id
            """, new { batch, id }, tx);
        if (found is not { } issue)
            return await this.ShowWithErrorsAsync(conn, tx, id, ["本评议没有这一批票签。请在“发放记录”中找到要作废的那一批，再点它的“作废本批未使用的票签”。"]);

        var voided = await conn.ExecuteAsync(
            "update slip set voided = true where issue_id = @batch and evaluation_id = @id and not voided and blinded_hash is null",
            new { batch, id }, tx);
        if (voided == 0)
            return await this.ShowWithErrorsAsync(conn, tx, id, ["这一批票签已经没有未使用的票签，不需要作废。"]);
        await ActionLogWriter.AppendAsync(tx, User, "作废票签",
            $"《{evaluation.Name}》：{issue.CategoryName} {ChinaTime.Format(issue.IssuedAt)} 发放的一批中未使用的 {voided} 张", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"已作废这一批中未使用的票签 {voided} 张；已使用的不受影响。";
        return Redirect(EvaluationScope.Url(id) + "#slips");
    }

    private static Task<IssuingCategory?> CategoryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid? categoryId) =>
        conn.QuerySingleOrDefaultAsync<IssuingCategory>(
            """
            select c.name, e.rehearsal_of is not null as rehearsal
            from respondent_category c join evaluation e on e.id = c.evaluation_id
            where c.id = @categoryId and c.evaluation_id = @id
            """, new { categoryId, id }, tx);

    /// <summary>New slips as one batch. The batch is kept so it can be voided without its codes; nothing printed names it.</summary>
    private async Task<List<string>> IssueBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid categoryId, int count, string? reason)
    {
        var tokens = Enumerable.Range(0, count).Select(_ => SlipToken.Generate()).ToList();
        var issueId = Guid.NewGuid();
        await conn.ExecuteAsync(
            """
            insert into slip_issue (id, evaluation_id, category_id, slip_count, issued_by, replacement, reason)
            values (@issueId, @id, @categoryId, @count, @IssuedBy, @Replacement, @reason)
            """, new { issueId, id, categoryId, count, IssuedBy = User.ActorLabel(), Replacement = reason is not null, reason }, tx);
        await conn.ExecuteAsync(
            """
            insert into slip (token_hash, evaluation_id, category_id, issue_id)
            select h, @id, @categoryId, @issueId from unnest(@Hashes) as h
            """, new { id, categoryId, issueId, Hashes = tokens.Select(SlipToken.Hash).ToArray() }, tx);
        return tokens;
    }

    private async Task<IActionResult> SheetAsync(EvaluationHeader evaluation, IssuingCategory category, List<string> tokens, bool replacement,
        string? format, CancellationToken ct)
    {
        // no-cache as well, as antiforgery (the layout's sign-out form) would set it, so it does not log a warning each time.
        Response.Headers.CacheControl = "no-cache, no-store";
        var baseUrl = Request.PublicBaseUrl(configuration);
        var slips = tokens.Select(t => SlipAddress.Link(baseUrl, t))
            .Select((link, i) => new IssuedSlip(SlipToken.Grouped(tokens[i]), link, QrSvg.Draw(link, 120))).ToList();
        var sheet = new IssuedSlipsPage(evaluation, category.Name, category.Rehearsal, replacement, SlipAddress.Printed(baseUrl), slips,
            ForPrint: format != "html", Notice: null);
        if (!sheet.ForPrint) return View("Issued", sheet);
        try
        {
            var document = await pdf.PrintAsync(await views.RenderAsync(ControllerContext, "~/Features/Slips/Issued.cshtml", sheet), ct);
            var name = replacement ? $"补发票签-{category.Name}.pdf" : $"票签-{category.Name}-{tokens.Count}张.pdf";
            return File(document, "application/pdf", DownloadNames.Safe((category.Rehearsal ? "演练-" : "") + name));
        }
        catch (PdfUnavailableException e)
        {
            // The slips are stored already and their codes exist nowhere else: show them for printing from the browser.
            return View("Issued", sheet with { ForPrint = false, Notice = e.Message + " 本页即为票签，请直接用浏览器打印。" });
        }
    }
}
