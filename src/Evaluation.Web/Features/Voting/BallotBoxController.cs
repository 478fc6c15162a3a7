using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

public sealed record KeyCardsForm(string?[]? Holders, int? Threshold);
public sealed record KeyCardView(BoxKeys.PrintedCard Card, string QrSvg);
public sealed record KeyCardsPage(EvaluationHeader Evaluation, int Threshold, IReadOnlyList<KeyCardView> Cards);
public sealed record UnsealPage(EvaluationHeader Evaluation, BoxKeys.BoxState Box, IReadOnlyList<string?> Typed, IReadOnlyList<string> Errors);

/// <summary>
/// The 监票人's key cards (made while the evaluation is a draft, printed from the organiser's browser) and 开箱 (the
/// cards typed or scanned back once voting has ended). The cards exist in clear only in the one response that prints
/// them and in the request that opens the box; neither is logged, cached or written anywhere.
/// </summary>
[Route("evaluations/{id:guid}")]
public sealed class BallotBoxController(NpgsqlDataSource db) : Controller
{
    public const int MinHolders = 2, MaxHolders = BoxKeys.MaxCards, MaxHolderNameLength = 50;

    /// <summary>
    /// These two pages run one script file of their own (print, scan); the staff policy allows none, so they send it with
    /// 'self' added and otherwise unchanged.
    /// </summary>
    public static readonly string ContentSecurityPolicy = PagePolicy.ContentSecurityPolicy.Replace("script-src ", "script-src 'self' ");

    [Authorize(Roles = Roles.Organizer), HttpPost("key-cards")]
    public async Task<IActionResult> MakeCards(Guid id, [FromForm] KeyCardsForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // As EvaluationScope.EditDraftAsync: the row is held, so voting cannot open while cards are being made for it.
        var evaluation = await EvaluationScope.FindAsync(conn, id, User, tx);
        if (evaluation is null) return NotFound();
        var status = await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @id for update", new { id }, tx);
        if (status != EvaluationStatus.Draft) return this.Refuse(StatusCodes.Status409Conflict, EvaluationScope.FrozenMessage);

        var holders = (form.Holders ?? []).Select(h => h?.Trim()).Where(h => !string.IsNullOrEmpty(h)).Select(h => h!).ToList();
        var errors = HolderProblems(holders, form.Threshold);
        if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);

        var printed = await BoxKeys.MakeCardsAsync(conn, tx, id, holders, form.Threshold!.Value);
        // Names and counts only: a card's code or 核对码 in the log would be a copy of the card.
        await ActionLogWriter.AppendAsync(tx, User, "制作开箱密钥卡",
            $"《{evaluation.Name}》：{holders.Count} 张，开箱需 {printed.Threshold} 张，监票人 {string.Join("、", holders)}", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);

        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // The QR is drawn here: the card never goes to another process (the PDF printer included).
        return View("KeyCards", new KeyCardsPage(evaluation, printed.Threshold,
            printed.Cards.Select(c => new KeyCardView(c, QrSvg.Draw(c.Code, 200))).ToList()));
    }

    [Authorize(Roles = $"{Roles.Organizer},{Roles.Supervisor}"), HttpGet("unseal")]
    public async Task<IActionResult> Unseal(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (evaluation, box, refusal) = await SealedAsync(conn, id);
        if (refusal is not null) return refusal;
        return UnsealView(new UnsealPage(evaluation!, box!, new string?[box!.Threshold], []));
    }

    [Authorize(Roles = $"{Roles.Organizer},{Roles.Supervisor}"), HttpPost("unseal")]
    public async Task<IActionResult> Unseal(Guid id, [FromForm] string?[]? cards, CancellationToken ct)
    {
        EvaluationHeader? evaluation;
        BoxKeys.BoxState? box;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            IActionResult? refusal;
            (evaluation, box, refusal) = await SealedAsync(conn, id);
            if (refusal is not null) return refusal;
        }

        var typed = (cards ?? []).Take(MaxHolders).ToList();
        var result = await BoxOpening.UnsealWithCardsAsync(db, id, typed, User, ct);
        if (!result.Opened)
        {
            var errors = result.Errors.ToList();
            if (result.MoreCardsNeeded > 0 && !errors.Any(m => m.Contains("还需要")))
                errors.Add($"还需要 {result.MoreCardsNeeded} 张正确的密钥卡才能开箱。");
            errors.Add("投票箱没有任何改动。请改正后重新提交。");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            // Typed back so that one mistyped card does not make everyone type theirs again; the page is never stored (no-store).
            var shown = typed.Concat(Enumerable.Repeat<string?>(null, Math.Max(0, box!.Threshold - typed.Count))).ToList();
            return UnsealView(new UnsealPage(evaluation!, box!, shown, errors));
        }

        TempData["Notice"] = UnsealNotice(result);
        return Redirect(EvaluationScope.Url(id) + "#results");
    }

    public static string UnsealNotice(BoxOpening.UnsealResult result)
    {
        var rejected = result.Rejected.Where(r => r.Value > 0).ToList();
        var notice = $"开箱完成：投票箱内共 {result.Sealed} 份选票，开出 {result.OpenedCount} 份";
        notice += rejected.Count == 0
            ? "，没有无效票。"
            : $"，无效 {rejected.Sum(r => r.Value)} 份（{string.Join("，", rejected.Select(r => $"{BoxOpener.ReasonName(r.Key)} {r.Value} 份"))}）。";
        if (result.Warnings.Count > 0) notice += " 注意：" + string.Join(" ", result.Warnings);
        return notice;
    }

    private ViewResult UnsealView(UnsealPage page)
    {
        Response.Headers.CacheControl = "no-cache, no-store";
        Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return View("Unseal", page);
    }

    /// <summary>404 outside the caller's units; 409 unless voting has ended and the box waits for its cards.</summary>
    private async Task<(EvaluationHeader?, BoxKeys.BoxState?, IActionResult?)> SealedAsync(NpgsqlConnection conn, Guid id)
    {
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return (null, null, NotFound());
        if (evaluation.Status != EvaluationStatus.Sealed)
            return (evaluation, null, this.Refuse(StatusCodes.Status409Conflict, evaluation.Status == EvaluationStatus.Closed
                ? "投票箱已经开箱，结果请在评议页面查看。"
                : "投票还没有结束，不能开箱。请组织者先在评议页面结束投票。"));
        var box = await BoxKeys.StateAsync(conn, id);
        if (box is null || box.Custody != BoxKeys.Cards)
            return (evaluation, null, this.Refuse(StatusCodes.Status409Conflict, "本评议的投票箱由服务器保管，结束投票后自动开箱，不需要密钥卡。"));
        return (evaluation, box, null);
    }

    /// <summary>BoxKeys' rules, and one name once: two cards for one person would let them open the box alone.</summary>
    public static List<string> HolderProblems(IReadOnlyList<string> holders, int? threshold)
    {
        var errors = BoxKeys.Problems(holders, threshold ?? 0).ToList();
        foreach (var twice in holders.GroupBy(h => h).Where(g => g.Count() > 1))
            errors.Add($"监票人“{twice.Key}”填写了两次；每位监票人只保管一张卡，请改为其他监票人。");
        return errors;
    }
}
