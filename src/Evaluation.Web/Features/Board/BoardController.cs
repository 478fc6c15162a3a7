using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Board;

public sealed record BoardPage(EvaluationHeader Evaluation, BoardFigures Figures, string VoteAddress, string VoteQrSvg);

/// <summary>
/// The projector board for the venue (投票进度大屏): full screen, no staff menu, the address to vote and the turnout,
/// refreshed by board.js from board.json. Any staff member who may see the evaluation's progress page may open it.
/// </summary>
[Authorize(Roles = Roles.UnitStaff)]
[Route("evaluations/{id:guid}")]
public sealed class BoardController(NpgsqlDataSource db, IConfiguration configuration) : Controller
{
    /// <summary>The staff policy with one script file of the site's own allowed, as the key-card pages do.</summary>
    private static readonly string ContentSecurityPolicy = PagePolicy.ContentSecurityPolicy.Replace("script-src ", "script-src 'self' ");

    [HttpGet("board")]
    public async Task<IActionResult> Board(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        // The voter's page is the site's front door: the slip's own QR leads there too, with the code already in it.
        var address = Request.PublicBaseUrl(configuration);
        Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return View("~/Features/Board/Board.cshtml",
            new BoardPage(evaluation, await FiguresAsync(conn, evaluation), address, QrSvg.Draw(address, 240)));
    }

    [HttpGet("board.json")]
    public async Task<IActionResult> Figures(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return Json(await FiguresAsync(conn, evaluation));
    }

    private static async Task<BoardFigures> FiguresAsync(NpgsqlConnection conn, EvaluationHeader evaluation) =>
        BoardFigures.Of(evaluation.Status, evaluation.IsRehearsal, await TurnoutTable.LoadAsync(conn, evaluation.Id), DateTimeOffset.UtcNow);
}
