using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Evaluation.Web.Features.Rollup;

public sealed record RollupPrint(RollupReport Report, DateTimeOffset PrintedAt);

/// <summary>
/// For a 督导组 covering several units: each unit's evaluations of one campaign (or a chosen set) side by side, with
/// 收回 / 应到 and the low-turnout flag; on screen, as Excel and as PDF. The query names the view, so a link reproduces it.
/// </summary>
[Authorize(Roles = EvaluationResults.ReaderRoles)]
[Route("results")]
public sealed class RollupController(NpgsqlDataSource db, IOptions<ReportsOptions> options, PdfPrinter pdf, ViewRenderer views) : Controller
{
    [HttpGet("rollup")]
    public async Task<IActionResult> Index([FromQuery] string? campaign, [FromQuery] string[]? evaluation, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var outcome = await RollupReport.LoadAsync(conn, User, campaign, evaluation, options.Value, ct);
        return outcome.Report is { } report ? View(report) : Refused(outcome);
    }

    [HttpGet("rollup.xlsx")]
    public async Task<IActionResult> Excel([FromQuery] string? campaign, [FromQuery] string[]? evaluation, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var outcome = await RollupReport.LoadAsync(conn, User, campaign, evaluation, options.Value, ct);
        if (outcome.Report is not { } report) return Refused(outcome);
        if (report.Rows.Count == 0) return NothingToExport();
        var workbook = RollupWorkbook.Build(report, DateTimeOffset.UtcNow);
        await LogExportAsync(conn, report, "Excel", ct);
        return File(workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FileName(report, "xlsx"));
    }

    [HttpGet("rollup.pdf")]
    public async Task<IActionResult> Pdf([FromQuery] string? campaign, [FromQuery] string[]? evaluation, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var outcome = await RollupReport.LoadAsync(conn, User, campaign, evaluation, options.Value, ct);
        if (outcome.Report is not { } report) return Refused(outcome);
        if (report.Rows.Count == 0) return NothingToExport();
        byte[] document;
        try
        {
            document = await pdf.PrintAsync(await views.RenderAsync(ControllerContext, "~/Features/Rollup/Print.cshtml",
                new RollupPrint(report, DateTimeOffset.UtcNow)), ct);
        }
        catch (PdfUnavailableException e)
        {
            return this.Refuse(StatusCodes.Status503ServiceUnavailable, $"{e.Message} 汇总页面和 Excel 下载不受影响。");
        }
        await LogExportAsync(conn, report, "PDF", ct);
        return File(document, "application/pdf", FileName(report, "pdf"));
    }

    private IActionResult Refused(RollupReport.Outcome outcome) =>
        outcome.Status == StatusCodes.Status404NotFound ? NotFound() : this.Refuse(outcome.Status, outcome.Problem!);

    private IActionResult NothingToExport() =>
        this.Refuse(StatusCodes.Status409Conflict, "您负责的单位还没有可汇总的已结束评议，没有可导出的内容。");

    private async Task LogExportAsync(NpgsqlConnection conn, RollupReport report, string format, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ActionLogWriter.AppendAsync(tx, User, "导出汇总", report.LogDetail(format));
        await tx.CommitAsync(ct);
    }

    private static string FileName(RollupReport report, string extension) =>
        DownloadNames.Safe($"各单位汇总-{report.Title}.{extension}");
}
