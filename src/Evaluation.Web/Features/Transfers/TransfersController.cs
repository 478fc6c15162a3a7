using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Transfers;

/// <param name="Member">The member's part of the tally: its items, rank and warnings, counted with everyone else's.</param>
public sealed record TransferSheet(ResultsReport Report, TargetTally Member, DateTimeOffset PrintedAt)
{
    /// <summary>The opinions about this member alone, as the evaluating unit's report publishes them (items under k have none).</summary>
    public IReadOnlyList<Opinion> Opinions => Report.Tally.Opinions.Where(o => o.Target?.Id == Member.Target.Id).ToList();
}

/// <summary>
/// The parent unit's campaign office receives the results of the members its units marked 调出 (<see cref="ResultTransfers"/>):
/// a list of what arrived, and one PDF per member, printed from the same tally and partials as the evaluating unit's report.
/// </summary>
[Authorize(Roles = ResultTransfers.OfficeRoles)]
public sealed class TransfersController(NpgsqlDataSource db, PdfPrinter pdf, ViewRenderer views) : Controller
{
    [HttpGet("transferred")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return View(await ResultTransfers.ReceivedAsync(conn, User, ct));
    }

    [HttpGet("evaluations/{id:guid}/transferred/{targetId:guid}.pdf")]
    public async Task<IActionResult> Sheet(Guid id, Guid targetId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // 404, not 403, for everyone else: staff of the evaluating unit, of a unit beside it or elsewhere, a member not marked
        // 调出, and any evaluation before 开箱 look alike, so nothing says which member left or whether a box is open.
        if (await EvaluationScope.FindSentToAsync(conn, id, targetId, User) is not { } evaluation) return NotFound();
        var report = await EvaluationResults.LoadAsync(conn, evaluation, ct);
        var member = report.Tally.Targets.Single(t => t.Target.Id == targetId);
        byte[] document;
        try
        {
            document = await pdf.PrintAsync(await views.RenderAsync(ControllerContext, "~/Features/Transfers/Sheet.cshtml",
                new TransferSheet(report, member, DateTimeOffset.UtcNow)), ct);
        }
        catch (PdfUnavailableException e)
        {
            return this.Refuse(StatusCodes.Status503ServiceUnavailable, $"{e.Message} 请稍后重试，或请评议单位从其测评结果中打印该同志的部分。");
        }
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await ResultTransfers.LogDownloadAsync(tx, User, evaluation.Id, evaluation.Name, member.Target, report.Tally.Turnout.Received,
                report.Tally.Fingerprint);
            await tx.CommitAsync(ct);
        }
        return File(document, "application/pdf",
            DownloadNames.Safe($"调出人员民主评议结果-{member.Target.Name}-{evaluation.UnitName}-{evaluation.Name}.pdf"));
    }
}
