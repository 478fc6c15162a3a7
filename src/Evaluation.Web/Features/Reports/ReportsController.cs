using Dapper;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Reports;

public sealed record ReportPrint(ResultsReport Report, DateTimeOffset PrintedAt);

/// <summary>The results of a closed evaluation: on screen, as PDF and as Excel. Everything else answers 404.</summary>
[Authorize(Roles = EvaluationResults.ReaderRoles)]
[Route("evaluations/{id:guid}")]
public sealed class ReportsController(NpgsqlDataSource db, PdfPrinter pdf, ViewRenderer views) : Controller
{
    [HttpGet("results")]
    public async Task<IActionResult> Results(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationResults.FindClosedAsync(conn, id, User) is not { } evaluation) return NotFound();
        return View(await EvaluationResults.LoadAsync(conn, evaluation, ct));
    }

    [HttpGet("results.pdf")]
    public async Task<IActionResult> Pdf(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationResults.FindClosedAsync(conn, id, User) is not { } evaluation) return NotFound();
        var report = await EvaluationResults.LoadAsync(conn, evaluation, ct);
        byte[] document;
        try
        {
            document = await pdf.PrintAsync(await views.RenderAsync(ControllerContext, "~/Features/Reports/Print.cshtml",
                new ReportPrint(report, DateTimeOffset.UtcNow)), ct);
        }
        catch (PdfUnavailableException e)
        {
            return this.Refuse(StatusCodes.Status503ServiceUnavailable,
                $"{e.Message} 结果页面和 Excel 下载不受影响：可在结果页面用浏览器打印（Ctrl+P）。");
        }
        await LogExportAsync(conn, evaluation, "PDF", report.Tally, ct);
        return File(document, "application/pdf", FileName(evaluation, "pdf"));
    }

    [HttpGet("results.xlsx")]
    public async Task<IActionResult> Excel(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationResults.FindClosedAsync(conn, id, User) is not { } evaluation) return NotFound();
        var report = await EvaluationResults.LoadAsync(conn, evaluation, ct);
        var workbook = ExcelReport.Build(report);
        await LogExportAsync(conn, evaluation, "Excel", report.Tally, ct);
        return File(workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FileName(evaluation, "xlsx"));
    }

    [HttpGet("compare")]
    public async Task<IActionResult> Compare(Guid id, [FromQuery] Guid? with, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationResults.FindClosedAsync(conn, id, User) is not { } evaluation) return NotFound();
        // The rounds this one was copied from or into come first (and are compared at once); rehearsals last, marked.
        var linked = (await CopyEvaluation.LinkedRoundsAsync(conn, evaluation.Id, ct)).ToArray();
        var rounds = (await conn.QueryAsync<RoundChoice>(new CommandDefinition(
            """
            select id, name, round, closed_at, rehearsal_of is not null as rehearsal, id = any(@linked) as linked from evaluation
            where unit_id = @UnitId and status = 'closed' and id <> @Id
            order by rehearsal_of is not null, id = any(@linked) desc, closed_at desc
            """, new { evaluation.UnitId, evaluation.Id, linked }, cancellationToken: ct))).ToList();
        with ??= rounds.FirstOrDefault(r => r.Linked && !r.Rehearsal)?.Id;
        if (with is not { } otherId)
            return View(new ComparePage(evaluation, rounds, null));
        if (rounds.All(r => r.Id != otherId) || await EvaluationResults.FindClosedAsync(conn, otherId, User) is not { } other)
            return NotFound();

        // Earlier round first, whichever page the comparison was started from.
        var (before, after) = other.ClosedAt <= evaluation.ClosedAt ? (other, evaluation) : (evaluation, other);
        var comparison = new RoundComparisonResult(before, after, RoundComparison.Compare(
            await EvaluationResults.CountAsync(conn, before.Id, ct), await EvaluationResults.CountAsync(conn, after.Id, ct)));
        return View(new ComparePage(evaluation, rounds, comparison));
    }

    private async Task LogExportAsync(NpgsqlConnection conn, EvaluationHeader evaluation, string format, Tally tally, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ActionLogWriter.AppendAsync(tx, User, "导出结果",
            $"《{evaluation.Name}》{format}，收回 {tally.Turnout.Received} 票，指纹 {tally.Fingerprint}", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
    }

    private static string FileName(EvaluationHeader evaluation, string extension) =>
        DownloadNames.Safe($"测评结果-{evaluation.UnitName}-{evaluation.Name}.{extension}");
}

/// <param name="Linked">This round was copied from the compared one, or the compared one from it.</param>
public sealed record RoundChoice(Guid Id, string Name, string Round, DateTime? ClosedAt, bool Rehearsal = false, bool Linked = false);

public sealed record RoundComparisonResult(EvaluationHeader Before, EvaluationHeader After, IReadOnlyList<ComparisonRow> Rows);

public sealed record ComparePage(EvaluationHeader Evaluation, IReadOnlyList<RoundChoice> Rounds, RoundComparisonResult? Comparison);
