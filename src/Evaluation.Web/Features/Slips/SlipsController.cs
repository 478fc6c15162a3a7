using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Slips;

public sealed record IssueForm(Guid? CategoryId, int? Count, string? Format);
public sealed record IssuedSlip(string Grouped, string Link, string QrSvg);
public sealed record IssuedSlipsPage(EvaluationHeader Evaluation, string CategoryName, IReadOnlyList<IssuedSlip> Slips, bool ForPrint, string? Notice);

/// <summary>
/// 组织者: issues one-time slips per respondent category and voids lost ones. A token exists in clear only in the
/// response that shows it for printing; the database keeps its hash.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/slips")]
public sealed class SlipsController(NpgsqlDataSource db, IConfiguration configuration, PdfPrinter pdf, ViewRenderer views) : Controller
{
    public const int MaxPerIssue = 2000;

    [HttpPost("")]
    public async Task<IActionResult> Issue(Guid id, [FromForm] IssueForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        if (EvaluationStatus.HasEnded(evaluation.Status))
            return this.Refuse(StatusCodes.Status409Conflict, "投票已结束，不能再发放票签。");
        var category = await conn.QuerySingleOrDefaultAsync<string>(
            "select name from respondent_category where id = @CategoryId and evaluation_id = @id", new { form.CategoryId, id }, tx);
        if (category is null || form.Count is not (>= 1 and <= MaxPerIssue))
            return await this.ShowWithErrorsAsync(conn, tx, id,
                [$"请选择评议人员类别，并填写 1 到 {MaxPerIssue} 之间的张数。"]);

        var tokens = Enumerable.Range(0, form.Count.Value).Select(_ => SlipToken.Generate()).ToList();
        await conn.ExecuteAsync(
            """
            insert into slip (token_hash, evaluation_id, category_id)
            select h, @id, @CategoryId from unnest(@Hashes) as h
            """, new { id, form.CategoryId, Hashes = tokens.Select(SlipToken.Hash).ToArray() }, tx);
        await conn.ExecuteAsync(
            "insert into slip_issue (id, evaluation_id, category_id, slip_count) values (@IssueId, @id, @CategoryId, @Count)",
            new { IssueId = Guid.NewGuid(), id, form.CategoryId, Count = tokens.Count }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "发放票签", $"《{evaluation.Name}》：{category} {tokens.Count} 张");
        await tx.CommitAsync(ct);

        // no-cache as well, as antiforgery (the layout's sign-out form) would set it, so it does not log a warning each time.
        Response.Headers.CacheControl = "no-cache, no-store";
        var baseUrl = Request.PublicBaseUrl(configuration);
        var slips = tokens.Select(t => (Token: t, Link: $"{baseUrl}/v#{t}"))
            .Select(s => new IssuedSlip(SlipToken.Grouped(s.Token), s.Link, QrSvg.Draw(s.Link, 120))).ToList();
        var sheet = new IssuedSlipsPage(evaluation, category, slips, ForPrint: form.Format != "html", Notice: null);
        if (!sheet.ForPrint) return View("Issued", sheet);
        try
        {
            var document = await pdf.PrintAsync(await views.RenderAsync(ControllerContext, "~/Features/Slips/Issued.cshtml", sheet), ct);
            return File(document, "application/pdf", DownloadNames.Safe($"票签-{category}-{tokens.Count}张.pdf"));
        }
        catch (PdfUnavailableException e)
        {
            // The slips are stored already and their codes exist nowhere else: show them for printing from the browser.
            return View("Issued", sheet with { ForPrint = false, Notice = e.Message + " 本页即为票签，请直接用浏览器打印。" });
        }
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
        await ActionLogWriter.AppendAsync(tx, User, "作废票签", $"《{evaluation.Name}》：1 张");
        await tx.CommitAsync(ct);
        TempData["Notice"] = "票签已作废。";
        return Redirect(EvaluationScope.Url(id) + "#slips");
    }
}
