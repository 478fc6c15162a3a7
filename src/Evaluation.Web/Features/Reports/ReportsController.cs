using System.Globalization;
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
[Authorize(Roles = EvaluationResults.ReportReaderRoles)]
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

    [Authorize(Roles = EvaluationResults.ReaderRoles), HttpGet("compare")]
    public async Task<IActionResult> Compare(Guid id, [FromQuery] Guid? with, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationResults.FindClosedAsync(conn, id, User) is not { } evaluation) return NotFound();
        // Listed: the round copied from or into this one first, then by closing, newest first; rehearsals last, marked.
        var linked = (await CopyEvaluation.LinkedRoundsAsync(conn, evaluation.Id, ct)).ToArray();
        var rounds = (await conn.QueryAsync<RoundChoice>(new CommandDefinition(
            """
            select id, name, round, closed_at, rehearsal_of is not null as rehearsal, id = any(@linked) as linked from evaluation
            where unit_id = @UnitId and status = 'closed' and id <> @Id
            order by rehearsal_of is not null, id = any(@linked) desc, closed_at desc
            """, new { evaluation.UnitId, evaluation.Id, linked }, cancellationToken: ct))).ToList();
        with ??= PreviousRound(evaluation, rounds)?.Id;
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

    /// <summary>
    /// The round compared at once: the unit's previous round, i.e. the latest real (not rehearsal) round that closed before this
    /// one, preferring the one this was copied from (the organiser's own word for which round it follows, even when an unrelated
    /// survey closed in between); when none closed before, the latest real one at all. Never a rehearsal, unless picked.
    /// </summary>
    private static RoundChoice? PreviousRound(EvaluationHeader evaluation, IReadOnlyList<RoundChoice> rounds)
    {
        var real = rounds.Where(r => !r.Rehearsal).ToList();
        var earlier = real.Where(r => r.ClosedAt < evaluation.ClosedAt).OrderByDescending(r => r.Linked).ThenByDescending(r => r.ClosedAt);
        return earlier.FirstOrDefault() ?? real.MaxBy(r => r.ClosedAt);
    }

    private async Task LogExportAsync(NpgsqlConnection conn, EvaluationHeader evaluation, string format, Tally tally, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ActionLogWriter.AppendAsync(tx, User, "导出结果",
            $"《{evaluation.Name}》{format}，收回 {tally.Turnout.Received} 票，指纹 {tally.Fingerprint}", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
    }

    public static string FileName(EvaluationHeader evaluation, string extension) =>
        DownloadNames.Safe($"测评结果-{evaluation.UnitName}-{evaluation.Name}.{extension}");
}

/// <param name="Linked">This round was copied from the compared one, or the compared one from it.</param>
public sealed record RoundChoice(Guid Id, string Name, string Round, DateTime? ClosedAt, bool Rehearsal = false, bool Linked = false);

public sealed record RoundComparisonResult(EvaluationHeader Before, EvaluationHeader After, IReadOnlyList<ComparisonRow> Rows)
{
    /// <summary>
    /// When a round closed, China time: the date, or the time as well when both rounds closed on the same day, so that the two
    /// rounds always read apart, even under one name.
    /// </summary>
    public string Closed(EvaluationHeader round)
    {
        static string Full(EvaluationHeader e) => e.ClosedAt is { } c ? ChinaTime.Format(c) : "";
        static string Day(EvaluationHeader e) => Full(e) is { Length: >= 10 } f ? f[..10] : "";
        return Day(Before) == Day(After) ? Full(round) : Day(round);
    }

    /// <summary>"p = 0.486", "p < 0.001"; with a fourth decimal where three would round across the level and contradict the verdict.</summary>
    public static string P(double p)
    {
        if (p < 0.001) return "p < 0.001";
        var text = p.ToString("0.000", CultureInfo.InvariantCulture);
        if (double.Parse(text, CultureInfo.InvariantCulture) < RoundComparison.Level != p < RoundComparison.Level)
            text = p.ToString("0.0000", CultureInfo.InvariantCulture);
        return "p = " + text;
    }
}

public sealed record ComparePage(EvaluationHeader Evaluation, IReadOnlyList<RoundChoice> Rounds, RoundComparisonResult? Comparison);
