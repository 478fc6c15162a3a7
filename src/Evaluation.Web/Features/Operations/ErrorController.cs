using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Evaluation.Web.Features.Operations;

[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ErrorController : Controller
{
    /// <summary>After an exception: the status was already chosen from it (413 for an oversized body, else 500).</summary>
    [Route("error/exception")]
    public IActionResult AfterException() => Show(Response.StatusCode >= 400 ? Response.StatusCode : StatusCodes.Status500InternalServerError);

    [Route("error/{code:int}")]
    public IActionResult Show([FromRoute] int code)
    {
        Response.StatusCode = code;
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
}

public sealed record ErrorPage(int Code, string Message);
