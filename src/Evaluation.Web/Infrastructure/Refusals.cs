using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Evaluation.Web.Infrastructure;

public sealed record Refusal(int Status, string Message);

public static class Refusals
{
    public const string AntiforgeryFailed =
        "安全校验未通过：这个页面可能已经过期（例如在别处退出或重新登录过），或者表单不是从本系统的页面提交的。没有做任何更改。请返回上一页，刷新后重新提交。";

    /// <summary>A 4xx page that says what went wrong and what to do next.</summary>
    public static ViewResult Refuse(this Controller controller, int status, string message)
    {
        controller.Response.StatusCode = status;
        return controller.View("Refusal", new Refusal(status, message));
    }
}

/// <summary>
/// A form posted without this session's antiforgery token gets a bare 400 from MVC, which the status page can only call
/// 有误; a person who left a page open across a sign-out needs to hear that nothing happened and to reload.
/// </summary>
public sealed class AntiforgeryFailureAsRefusal : IAlwaysRunResultFilter
{
    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is not IAntiforgeryValidationFailedResult) return;
        // The check runs before the controller exists, so the refusal page is made here rather than by Refuse.
        var metadata = context.HttpContext.RequestServices.GetRequiredService<IModelMetadataProvider>();
        context.Result = new ViewResult
        {
            ViewName = "Refusal",
            StatusCode = StatusCodes.Status400BadRequest,
            ViewData = new ViewDataDictionary<Refusal>(metadata, context.ModelState)
            {
                Model = new Refusal(StatusCodes.Status400BadRequest, Refusals.AntiforgeryFailed),
            },
        };
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
