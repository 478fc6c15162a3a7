using System.Globalization;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

using Evaluation.Web.Features.Voting;

namespace Evaluation.Web.Features.Operations;

[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ErrorController(NpgsqlDataSource db, ILogger<ErrorController> logger) : Controller
{
    /// <summary>
    /// After an exception: the status was already chosen from it (413 for an oversized body, 503 for the database, else
    /// 500). A database fault says what became of the action and whether to wait or call someone, with Retry-After; the
    /// voting API answers in JSON, as the phone page reads it.
    /// </summary>
    [Route("error/exception")]
    public IActionResult AfterException()
    {
        var failure = HttpContext.Features.Get<IExceptionHandlerPathFeature>();
        if (DatabaseFaults.Classify(failure?.Error) is { } fault)
        {
            db.ForgetDeadConnections(failure!.Error);
            // The path carries no token (DESIGN.md §2.2), and the query string is left out. Anything else was logged in full.
            if (DatabaseFaults.IsCondition(fault))
                logger.LogWarning("Database {Fault} ({Reason}): answered 503 to {Method} {Path}", fault, Reason(failure.Error), Request.Method, failure.Path);
            Response.Headers.RetryAfter = DatabaseFaults.RetryAfterSeconds(fault).ToString();
            if (!failure.Path.StartsWith("/api/", StringComparison.Ordinal))
            {
                Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                ViewData["Title"] = "暂时无法完成";
                return View("Error", new ErrorPage(StatusCodes.Status503ServiceUnavailable, DatabaseFaults.StaffMessage(fault)));
            }
            Response.Headers.CacheControl = "no-store";
            var what = failure.Path == "/api/v/ballot" ? "您的答卷还没有保存"
                : failure.Path.StartsWith("/api/o/", StringComparison.Ordinal) ? "您的意见还没有保存" : "您的操作还没有完成";
            return VoterProblem(StatusCodes.Status503ServiceUnavailable, DatabaseFaults.VoterMessage(fault, what), VotingProblem.Retry);
        }
        return Render(Response.StatusCode >= 400 ? Response.StatusCode : StatusCodes.Status500InternalServerError);
    }

    private static string Reason(Exception error) =>
        error is PostgresException postgres ? $"SQLSTATE {postgres.SqlState}" : error.InnerException?.GetType().Name ?? error.GetType().Name;

    // In the voting contract's shape, so the phone page reads it like any refusal: code "retry" it sends again by itself.
    private static JsonResult VoterProblem(int status, string error, string? code) => new(new VotingError(error, code)) { StatusCode = status };

    /// <remarks>
    /// No bound parameters: binding any would make MVC read the original request's form, and a broken multipart body that
    /// was the reason for the error would throw again here and turn a 400 into a 500.
    /// </remarks>
    [Route("error/{code:int}")]
    public IActionResult Show() => Render(int.Parse((string)RouteData.Values["code"]!, CultureInfo.InvariantCulture));

    private IActionResult Render(int code)
    {
        Response.StatusCode = code;
        if (IsApi()) return Api(code);
        ViewData["Title"] = "出错了";
        return View("Error", new ErrorPage(code, code switch
        {
            400 => "提交的内容有误，请返回上一页检查后重试。",
            401 => "请先登录。",
            403 => "您的账号没有权限进行此操作。如需权限，请联系管理员。",
            404 => "页面不存在，或您无权查看。请检查链接，或返回首页。",
            409 => "当前状态下不能进行此操作，请刷新页面后查看最新状态。",
            413 => "提交的内容太大，请缩短后重试。",
            >= 500 => "服务器暂时出错，请稍后重试。如果反复出现，请联系管理员。",
            _ => "请求未能完成，请返回上一页重试。",
        }));
    }

    /// <summary>
    /// What the framework refused before an API endpoint ran (a body that is not JSON, not of the request's shape, or of another
    /// content type; an unknown address or method) answers as the API does: JSON with a sentence the phone page shows as it is.
    /// </summary>
    private JsonResult Api(int code)
    {
        Response.Headers.CacheControl = "no-store";
        // The open 征求意见箱's page has no slip to point to.
        var openBox = OriginalPath()?.StartsWith("/api/o/", StringComparison.OrdinalIgnoreCase) == true;
        return Json(new
        {
            error = code switch
            {
                404 when openBox => "没有这个地址，没有保存任何内容。请用手机浏览器重新打开组织者提供的征求意见箱网址或二维码。",
                405 when openBox => "请求方式不正确，没有保存任何内容。请用手机浏览器重新打开组织者提供的征求意见箱网址或二维码。",
                400 => "提交的数据格式不正确，没有保存。请刷新页面后重试；如果仍然不行，请向工作人员说明。",
                404 => "没有这个地址。请重新扫描票签上的二维码，或向工作人员询问投票页面的地址。",
                405 => "请求方式不正确。请重新扫描票签上的二维码打开投票页面。",
                413 => "提交的内容太大，没有保存。如果填写了很长的意见，请缩短后重新提交。",
                415 => "提交的数据类型不正确（应为 JSON），没有保存。请刷新页面后重试；如果仍然不行，请换用手机自带的浏览器。",
                >= 500 => "服务器暂时出错，请稍后重试。如果反复出现，请向工作人员说明。",
                _ => "请求未能完成，请刷新页面后重试。",
            },
        });
    }

    private bool IsApi() => OriginalPath()?.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) == true;

    private string? OriginalPath() =>
        HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path;
}

public sealed record ErrorPage(int Code, string Message);
