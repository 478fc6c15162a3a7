using System.Security.Claims;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.OpenBox;

/// <param name="Box">Null until the organiser publishes it.</param>
/// <param name="Link">The full public address, as printed and in the QR code.</param>
/// <param name="Asked">The questions the box asks (<see cref="OpenBoxForm"/>); <paramref name="LeftOut"/> the others.</param>
public sealed record OpenBoxPage(EvaluationHeader Evaluation, OpenBoxState? Box, string? Link, string? QrSvg,
    IReadOnlyList<Question> Asked, IReadOnlyList<Question> LeftOut, bool CanChange)
{
    public string Url => $"/evaluations/{Evaluation.Id}/open-box";

    /// <summary>The box's state in the organiser's words.</summary>
    public string StateName => Box switch
    {
        null => "未发布",
        _ when EvaluationStatus.HasEnded(Evaluation.Status) => "已结束",
        { Accepting: false } => "已暂停",
        _ when Evaluation.IsDraft => "已发布，开始投票后开放",
        _ => "开放中",
    };

    /// <param name="withQr">The box's own page draws the QR code; the evaluation page's section only links to it.</param>
    public static async Task<OpenBoxPage> LoadAsync(NpgsqlConnection conn, EvaluationHeader evaluation, ClaimsPrincipal user, string baseUrl,
        bool withQr = false)
    {
        var box = await OpenBoxes.StateAsync(conn, evaluation.Id);
        var link = box is null ? null : baseUrl + box.Path;
        var questionnaire = evaluation.ReadQuestionnaire();
        return new OpenBoxPage(evaluation, box, link, link is null || !withQr ? null : Infrastructure.QrSvg.Draw(link, 400),
            OpenBoxForm.Of(questionnaire).Questions, OpenBoxForm.LeftOut(questionnaire),
            CanChange: user.IsInRole(Roles.Organizer) && !EvaluationStatus.HasEnded(evaluation.Status));
    }
}

/// <summary>
/// The organiser's side of the open 征求意见箱: publish it (a random public link and its QR code), pause it and open it
/// again. It needs no slips and no key cards. The unit's staff may look at it and print it as a poster; another unit's
/// evaluation answers 404. Publishing and pausing go to the action log.
/// </summary>
[Authorize(Roles = Roles.UnitStaff)]
[Route("evaluations/{id:guid}/open-box")]
public sealed class OpenBoxController(NpgsqlDataSource db, IConfiguration configuration) : Controller
{
    public const string OpenAction = "开放征求意见箱", PauseAction = "暂停征求意见箱";

    /// <summary>The box: its link and QR code large enough to print and post, and what it asks.</summary>
    [HttpGet("")]
    public async Task<IActionResult> Index(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationScope.FindAsync(conn, id, User) is not { } evaluation) return NotFound();
        return View("Index", await OpenBoxPage.LoadAsync(conn, evaluation, User, Request.PublicBaseUrl(configuration), withQr: true));
    }

    /// <summary>Publishes the box, or opens a paused one again; before 开始投票 it is published and waits for voting to open.</summary>
    [Authorize(Roles = Roles.Organizer), HttpPost("")]
    public Task<IActionResult> Open(Guid id, CancellationToken ct) =>
        ChangeAsync(id, async (conn, tx, evaluation, box) =>
        {
            if (box is { Accepting: true })
                return this.Refuse(StatusCodes.Status409Conflict, "征求意见箱已经是开放状态，没有做任何更改。请刷新页面查看最新状态。");
            if (OpenBoxForm.Of(evaluation.ReadQuestionnaire()).Questions.Count == 0)
                return this.Refuse(StatusCodes.Status409Conflict, OpenBoxes.NothingToAsk);

            var publicId = box?.PublicId ?? SlipToken.Generate();
            if (box is null)
                await conn.ExecuteAsync("insert into open_box (evaluation_id, public_id) values (@id, @publicId)", new { id, publicId }, tx);
            else
                await conn.ExecuteAsync("update open_box set accepting = true where evaluation_id = @id", new { id }, tx);
            var when = evaluation.IsDraft ? "，开始投票后开始接收意见" : "，开始接收意见";
            await ActionLogWriter.AppendAsync(tx, User, OpenAction,
                $"《{evaluation.Name}》（编号 {id}）：公开征求意见箱 /o/{publicId} {(box is null ? "发布" : "重新开放")}{when}", evaluationId: id);
            TempData["Notice"] = box is null
                ? $"征求意见箱已发布{when}。请打印或转发下方的二维码和网址。"
                : "征求意见箱已重新开放。";
            return Redirect(PageUrl(id));
        }, ct);

    /// <summary>
    /// Pauses the box: submissions are refused until it is opened again. Its answers are written again in random order
    /// (<see cref="OpenBoxes.ShuffleAsync"/>), so what came in before the pause keeps no arrival order on disk.
    /// </summary>
    [Authorize(Roles = Roles.Organizer), HttpPost("close")]
    public async Task<IActionResult> Close(Guid id, CancellationToken ct)
    {
        var result = await ChangeAsync(id, async (conn, tx, evaluation, box) =>
        {
            if (box is not { Accepting: true })
                return this.Refuse(StatusCodes.Status409Conflict,
                    box is null ? "还没有发布公开征求意见箱，没有可暂停的。请先发布。" : "征求意见箱已经暂停，没有做任何更改。请刷新页面查看最新状态。");
            await conn.ExecuteAsync("update open_box set accepting = false where evaluation_id = @id", new { id }, tx);
            await OpenBoxes.ShuffleAsync(conn, tx, id);
            // The count, never an answer: answers stay out of every log (DESIGN.md §2.5).
            await ActionLogWriter.AppendAsync(tx, User, PauseAction,
                $"《{evaluation.Name}》（编号 {id}）：公开征求意见箱 /o/{box.PublicId} 暂停接收意见，已收到 {box.Submissions} 份", evaluationId: id);
            TempData["Notice"] = $"征求意见箱已暂停，已收到 {box.Submissions} 份。需要时可以重新开放。";
            return Redirect(PageUrl(id));
        }, ct);
        if (result is RedirectResult)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await OpenBoxes.VacuumAsync(conn);
        }
        return result;
    }

    /// <summary>
    /// One change in one transaction that holds the evaluation row, so 开始投票 and 结束投票 do not run halfway through it;
    /// committed only when the change answers with a redirect. 404 outside the caller's units; 409 once voting has ended.
    /// </summary>
    private async Task<IActionResult> ChangeAsync(Guid id,
        Func<NpgsqlConnection, NpgsqlTransaction, EvaluationHeader, OpenBoxState?, Task<IActionResult>> change, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // 404, not 403: don't reveal another unit's evaluation exists.
        if (await EvaluationScope.FindAsync(conn, id, User, tx) is null) return NotFound();
        await conn.ExecuteAsync("select 1 from evaluation where id = @id for no key update", new { id }, tx);
        // Read again under the lock: the status may have changed while we waited for it.
        var evaluation = (await EvaluationScope.FindAsync(conn, id, User, tx))!;
        if (EvaluationStatus.HasEnded(evaluation.Status))
            return this.Refuse(StatusCodes.Status409Conflict, "投票已经结束，征求意见箱也随之结束，不能再开放或暂停。结果请在“意见梳理汇总”和结果报告中查看。");

        var result = await change(conn, tx, evaluation, await OpenBoxes.StateAsync(conn, id, tx, ct));
        if (result is RedirectResult)
            await tx.CommitAsync(ct);
        return result;
    }

    private static string PageUrl(Guid id) => $"/evaluations/{id}/open-box";
}
