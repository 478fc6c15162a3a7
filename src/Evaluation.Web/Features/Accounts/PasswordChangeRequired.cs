using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;

namespace Evaluation.Web.Features.Accounts;

/// <summary>
/// An account whose password someone else has seen (generated for it, reset by a 管理员, printed at first start) opens
/// no staff page but its password page until its owner has chosen a new one. The flag travels in the sign-in cookie:
/// it is set only with a new account or a reset (which ends every session of the account), and cleared only by the
/// change itself, which issues a new cookie, so no extra query per request is needed.
/// </summary>
public static class PasswordChangeRequired
{
    public const string PasswordPage = "/account/password";
    public const string Message = "这个密码是别人为您设置的（新账号、重置密码或首次启动）。请先设置一个只有您自己知道的新密码，再使用其他页面。";

    public static void UsePasswordChangeRequired(this WebApplication app) =>
        app.Use((context, next) =>
        {
            if (!context.User.MustChangePasswordOf() || !IsStaffPage(context) || context.Request.Path.StartsWithSegments(PasswordPage)
                || context.Request.Path.StartsWithSegments("/logout"))
                return next();
            context.Response.Redirect(PasswordPage);
            return Task.CompletedTask;
        });

    // Staff pages are the endpoints that need a signed-in user; the voting API, the receipt check, the error pages and
    // static files do not, and stay as they are.
    private static bool IsStaffPage(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && metadata.GetMetadata<IAuthorizeData>() is not null
        && metadata.GetMetadata<IAllowAnonymous>() is null;
}
