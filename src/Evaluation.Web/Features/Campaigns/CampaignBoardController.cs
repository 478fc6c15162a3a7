using Dapper;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Features.Rollup;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Evaluation.Web.Features.Campaigns;

public sealed record CampaignListRow(Guid Id, string Name, string UnitName, DateTime CreatedAt, int Evaluations, int Opened);

public sealed record CampaignBoardPrint(CampaignBoard Board, DateTimeOffset PrintedAt);

/// <summary>
/// The campaign board (活动看板) for the staff of the unit that runs a campaign, and of units above it: every unit below with
/// the state, turnout and, once opened, the 班子's rates of each round; on screen, as Excel and as PDF. For the 组织者 (the
/// campaign office chasing its units) and the 督导组, who read the same cross-unit figures on the roll-up; not for the 审计,
/// whose work is one evaluation's bundle against its report and who, like on the roll-up, has no cross-unit view of rates.
/// </summary>
[Authorize(Roles = EvaluationResults.ReaderRoles)]
[Route("campaigns")]
public sealed class CampaignBoardController(NpgsqlDataSource db, IOptions<ReportsOptions> options, PdfPrinter pdf, ViewRenderer views) : Controller
{
    /// <summary>The campaigns run by a unit the caller covers, newest first; a campaign run above them is not theirs to watch.</summary>
    [HttpGet("")]
    public async Task<IActionResult> List(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<CampaignListRow>(new CommandDefinition(
            """
            select c.id, c.name, u.name as unit_name, c.created_at, n.evaluations, n.opened
            from campaign c join unit u on u.id = c.unit_id
            cross join lateral (
                with recursive below(id) as (select c.unit_id union select x.id from unit x join below b on x.parent_id = b.id)
                select count(*)::int as evaluations, (count(*) filter (where e.status = 'closed'))::int as opened
                from evaluation e where e.campaign_id = c.id and e.rehearsal_of is null and e.unit_id in (select id from below)
            ) n
            where c.unit_id in (select unit_id from staff_reach(@me))
            order by c.created_at desc, c.name
            """, new { me = User.AccountId() }, cancellationToken: ct))).ToList();
        return View(rows);
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Board(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // 404, not 403: don't reveal that a campaign run by another unit, or above one's own, exists.
        return await CampaignBoard.LoadAsync(conn, User, id, options.Value, ct) is { } board ? View(board) : NotFound();
    }

    [HttpGet("{id:guid}.xlsx")]
    public async Task<IActionResult> Excel(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await CampaignBoard.LoadAsync(conn, User, id, options.Value, ct) is not { } board) return NotFound();
        if (board.Rounds.Count == 0) return NothingToExport(board);
        var workbook = CampaignBoardWorkbook.Build(board, DateTimeOffset.UtcNow);
        await LogExportAsync(conn, board, "Excel", ct);
        return File(workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FileName(board, "xlsx"));
    }

    [HttpGet("{id:guid}.pdf")]
    public async Task<IActionResult> Pdf(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await CampaignBoard.LoadAsync(conn, User, id, options.Value, ct) is not { } board) return NotFound();
        if (board.Rounds.Count == 0) return NothingToExport(board);
        byte[] document;
        try
        {
            document = await pdf.PrintAsync(await views.RenderAsync(ControllerContext, "~/Features/Campaigns/BoardPrint.cshtml",
                new CampaignBoardPrint(board, DateTimeOffset.UtcNow)), ct);
        }
        catch (PdfUnavailableException e)
        {
            return this.Refuse(StatusCodes.Status503ServiceUnavailable, $"{e.Message} 活动看板页面和 Excel 下载不受影响。");
        }
        await LogExportAsync(conn, board, "PDF", ct);
        return File(document, "application/pdf", FileName(board, "pdf"));
    }

    private IActionResult NothingToExport(CampaignBoard board) =>
        this.Refuse(StatusCodes.Status409Conflict,
            $"活动“{board.Campaign.Name}”在{board.Campaign.UnitName}及其下级单位还没有评议，没有可导出的内容。各单位的组织者新建评议时选择本活动后，即可导出。");

    private async Task LogExportAsync(NpgsqlConnection conn, CampaignBoard board, string format, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ActionLogWriter.AppendAsync(tx, User, "导出活动看板", board.LogDetail(format));
        await tx.CommitAsync(ct);
    }

    private static string FileName(CampaignBoard board, string extension) => DownloadNames.Safe($"活动看板-{board.Campaign.Name}.{extension}");
}
