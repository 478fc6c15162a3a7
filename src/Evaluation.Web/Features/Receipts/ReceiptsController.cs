using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Core.Text;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Receipts;

// ToString left out: MVC traces action arguments, and a receipt code must not reach a log.
public sealed record ReceiptForm(string? Code)
{
    public override string ToString() => nameof(ReceiptForm);
}

public enum ReceiptAnswer { Counted, NotFound }

/// <param name="Typed">What to put back in the box: only when the voter may want to correct it.</param>
/// <param name="Checked">The code looked up, grouped as the phone shows it.</param>
public sealed record ReceiptPage(string? Typed, string? Checked, ReceiptAnswer? Answer, string? Error);

/// <summary>
/// The public receipt check (DESIGN.md §3). Whoever holds a receipt code learns whether its ballot was counted, and
/// nothing else: not the answers, the evaluation, the category or any time, so demanding someone's receipt gains nothing.
/// No sign-in. The code travels only in a POST body, never in a URL (where proxies, history and logs would keep it),
/// and is never logged.
/// </summary>
[AllowAnonymous]
public sealed class ReceiptsController(NpgsqlDataSource db, FailedLookups failures) : Controller
{
    private const string IsCounted = "select exists (select 1 from ballot_receipt where receipt = @receipt)";

    [HttpGet("/receipt")]
    public IActionResult Check()
    {
        KeepPrivate();
        return View(new ReceiptPage(null, null, null, null));
    }

    [HttpPost("/receipt")]
    public async Task<IActionResult> Check([FromForm] ReceiptForm form, CancellationToken ct)
    {
        KeepPrivate();
        var receipt = Receipt.Normalize(form.Code);
        if (receipt is null)
        {
            var typed = form.Code?.Trim() ?? "";
            typed = UserText.Truncate(typed, 40); // never half an emoji, which would print as a broken character
            return TooManyFailures(typed) ?? Answer(StatusCodes.Status400BadRequest, new ReceiptPage(typed, null, null, typed.Length == 0
                ? "请输入手机上显示的回执码：10 位字母和数字，形如 ABCDE-FGHJK。"
                : "回执码是 10 位字母和数字，形如 ABCDE-FGHJK，其中没有 0、1、O、I、L。请对照手机上显示的回执码重新输入；不区分大小写，短横线可以不输。"));
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var counted = await conn.ExecuteScalarAsync<bool>(IsCounted, new { receipt });
        var grouped = Receipt.Grouped(receipt);
        // A counted code is not put back in the box: on a shared device, the next person need not see it.
        return counted
            ? View(new ReceiptPage(null, grouped, ReceiptAnswer.Counted, null))
            : TooManyFailures(grouped) ?? View(new ReceiptPage(grouped, grouped, ReceiptAnswer.NotFound, null));
    }

    /// <summary>
    /// A code that cannot be or is not a receipt spends the address's budget (see FailedLookups); past it, 429 instead of the
    /// answer. A counted code is always answered: voters checking from the venue's Wi-Fi share one address.
    /// </summary>
    private ViewResult? TooManyFailures(string typed)
    {
        if (failures.TryFail(LookupKind.Receipt, HttpContext.Connection.RemoteIpAddress, out var retryAfter)) return null;
        var seconds = FailedLookups.RetryAfterSeconds(retryAfter);
        Response.Headers.RetryAfter = seconds;
        return Answer(StatusCodes.Status429TooManyRequests, new ReceiptPage(typed, null, null,
            $"从您所在的网络输错或查询不到的回执码太多，请 {seconds} 秒后再查询。请对照手机上显示的回执码逐位核对；仍有疑问，请向工作人员说明。"));
    }

    private ViewResult Answer(int status, ReceiptPage page)
    {
        Response.StatusCode = status;
        return View(page);
    }

    /// <summary>The page may hold a receipt code: nothing keeps it, and no link from it tells another site where it came from.</summary>
    private void KeepPrivate()
    {
        var headers = Response.Headers;
        // no-cache as well: the page's form carries an antiforgery token, and antiforgery, finding a Cache-Control without
        // no-cache, sets its own and logs a warning for every request (DESIGN.md §2.5: nothing logged per request).
        headers.CacheControl = "no-cache, no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }
}
