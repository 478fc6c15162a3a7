using Dapper;
using Evaluation.Core.Imports;
using Evaluation.Core.Text;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

/// <param name="Text">A pasted table.</param>
/// <param name="File">An uploaded .xlsx (the preview step).</param>
/// <param name="Workbook">The same .xlsx in base64, sent back by the preview page so that confirming reads exactly what was previewed.</param>
public sealed record ImportForm(string? Text, IFormFile? File, string? Workbook, string? FileName);

public sealed record ImportPage(EvaluationHeader Evaluation, string? Text, string? Workbook, string? FileName, ImportPlan? Plan, IReadOnlyList<string> Errors);

/// <summary>
/// 评议对象 and 评议人员类别 from a pasted table or an .xlsx, for a draft: a preview with every row's problems first, then
/// all of it written in one transaction, or nothing.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/import")]
public sealed class ImportController(NpgsqlDataSource db) : Controller
{
    public const string Action = "导入评议对象和类别";
    private const string ViewPath = "~/Features/Evaluations/Import.cshtml";

    [HttpGet("")]
    public async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        if (!evaluation.IsDraft) return this.Refuse(StatusCodes.Status409Conflict, EvaluationScope.FrozenMessage);
        return View(ViewPath, new ImportPage(evaluation, null, null, null, null, []));
    }

    /// <summary>Step 1: reads the table and shows what would be written. Writes nothing.</summary>
    [HttpPost("")]
    public async Task<IActionResult> Preview(Guid id, [FromForm] ImportForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        if (!evaluation.IsDraft) return this.Refuse(StatusCodes.Status409Conflict, EvaluationScope.FrozenMessage);

        var (input, problem) = await ReadAsync(form, ct);
        if (problem is not null) return WithErrors(new ImportPage(evaluation, form.Text, null, null, null, [problem]));
        var plan = await PlanAsync(conn, null, id, input!.Sheets);
        var page = new ImportPage(evaluation, input.Text, input.Workbook, input.FileName, plan, []);
        return plan.CanWrite ? View(ViewPath, page) : WithErrors(page);
    }

    /// <summary>Step 2: reads the same table again, checks it against the evaluation as it now stands, and writes all of it.</summary>
    [HttpPost("confirm")]
    public Task<IActionResult> Confirm(Guid id, [FromForm] ImportForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var (input, problem) = await ReadAsync(form with { File = null }, ct);
            if (problem is not null) return WithErrors(new ImportPage(evaluation, form.Text, null, null, null, [problem]));
            var plan = await PlanAsync(conn, tx, id, input!.Sheets);
            if (!plan.CanWrite) return WithErrors(new ImportPage(evaluation, input.Text, input.Workbook, input.FileName, plan, []));

            var targets = plan.Targets.ToList();
            await conn.ExecuteAsync(
                """
                insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
                values (@TargetId, @id, @Kind, @Name, @Title, @TransferredOutOn,
                        (select coalesce(max(position), 0) + 1 from target where evaluation_id = @id))
                """,
                targets.Select(t => new
                {
                    TargetId = Guid.NewGuid(), id, Kind = t.Kind == ImportKind.Team ? "team" : "member", t.Name, t.Title, t.TransferredOutOn,
                }), tx);
            var added = plan.Categories.Where(c => !c.UpdatesExisting).ToList();
            await conn.ExecuteAsync(
                """
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (@CategoryId, @id, @Name, @ExpectedCount,
                        (select coalesce(max(position), 0) + 1 from respondent_category where evaluation_id = @id))
                """, added.Select(c => new { CategoryId = Guid.NewGuid(), id, c.Name, c.ExpectedCount }), tx);
            var updated = plan.Categories.Where(c => c.UpdatesExisting).ToList();
            await conn.ExecuteAsync(
                "update respondent_category set expected_count = @ExpectedCount where evaluation_id = @id and name = @Name",
                updated.Select(c => new { id, c.Name, c.ExpectedCount }), tx);

            await ActionLogWriter.AppendAsync(tx, User, Action, $"《{evaluation.Name}》：{Describe(input, targets, added, updated)}", evaluationId: evaluation.Id);
            return Redirect(EvaluationScope.Url(id) + "#targets");
        }, ct);

    private sealed record Input(IReadOnlyList<SourceSheet> Sheets, string? Text, string? Workbook, string? FileName);

    /// <summary>The upload, else the workbook the preview sent back, else the pasted text; or what to do instead.</summary>
    private static async Task<(Input?, string?)> ReadAsync(ImportForm form, CancellationToken ct)
    {
        byte[]? bytes = null;
        string? fileName = null;
        if (form.File is { Length: > 0 } file)
        {
            if (file.Length > ImportWorkbook.MaxBytes)
                return (null, $"文件超过 {ImportWorkbook.MaxBytes / 1024} KB。请只保留评议对象和类别两张表后另存，或把表格复制粘贴到输入框。");
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
            fileName = Path.GetFileName(file.FileName);
        }
        else if (!string.IsNullOrEmpty(form.Workbook))
        {
            try { bytes = Convert.FromBase64String(form.Workbook); }
            catch (FormatException) { return (null, "预览的文件内容不完整，请重新选择文件并预览。"); }
            fileName = form.FileName;
        }
        if (bytes is not null)
        {
            var (sheets, problem) = ImportWorkbook.Read(bytes);
            return problem is null ? (new Input(sheets, null, Convert.ToBase64String(bytes), Shorter(fileName)), null) : (null, problem);
        }
        if (string.IsNullOrWhiteSpace(form.Text))
            return (null, "请把表格粘贴到输入框，或选择一个 .xlsx 文件，再点“预览”。");
        if (form.Text.Length > PastedTable.MaxChars)
            return (null, $"粘贴的内容超过 {PastedTable.MaxChars} 个字符。请分几次导入。");
        return (new Input([PastedTable.Read(form.Text)], form.Text, null, null), null);
    }

    /// <summary>The file's name for the page and the log; one carrying hidden or direction characters is left out rather than shown reordered.</summary>
    private static string? Shorter(string? fileName) =>
        string.IsNullOrWhiteSpace(fileName) || UserText.HasHiddenCharacters(fileName) ? null : UserText.Excerpt(fileName.Trim(), 60);

    private static async Task<ImportPlan> PlanAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, IReadOnlyList<SourceSheet> sheets)
    {
        var targets = await EvaluationScope.TargetsAsync(conn, id, tx);
        var categories = (await EvaluationScope.CategoriesAsync(conn, id, tx)).Select(c => (c.Name, c.ExpectedCount)).ToList();
        return SetupImport.Plan(sheets, targets, categories, ChinaTime.Today);
    }

    private ViewResult WithErrors(ImportPage page)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View(ViewPath, page);
    }

    private static string Describe(Input input, List<ImportRow> targets, List<ImportRow> added, List<ImportRow> updated)
    {
        var parts = new List<string>();
        if (targets.Count > 0)
            parts.Add($"评议对象 {targets.Count} 个（{string.Join("、", targets.Select(t => t.Title is null ? t.Name : $"{t.Name}（{t.Title}）"))}）");
        if (added.Count > 0)
            parts.Add($"新增类别 {added.Count} 个（{string.Join("、", added.Select(c => $"{c.Name} 应到 {c.ExpectedCount} 人"))}）");
        if (updated.Count > 0)
            parts.Add($"修改应到 {updated.Count} 个（{string.Join("、", updated.Select(c => $"{c.Name} 应到 {c.ExpectedCount} 人"))}）");
        var source = input.Workbook is null ? "粘贴的表格" : $"文件“{input.FileName ?? "未命名"}”";
        return $"从{source}导入，{string.Join("；", parts)}";
    }
}
