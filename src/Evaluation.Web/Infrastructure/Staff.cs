using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Evaluation.Web.Infrastructure;

public static class Roles
{
    public const string Admin = "admin";
    public const string Organizer = "organizer";
    public const string Supervisor = "supervisor";
    public const string Auditor = "auditor";

    /// <summary>Staff who work with evaluations of the units assigned to them.</summary>
    public const string UnitStaff = $"{Organizer},{Supervisor},{Auditor}";

    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        [Admin] = "管理员",
        [Organizer] = "组织者",
        [Supervisor] = "督导组",
        [Auditor] = "审计",
    };

    public static string NameOf(string role) => Names.TryGetValue(role, out var n) ? n : role;
}

public static class StaffClaims
{
    public const string SecurityStamp = "stamp";
    public const string DisplayName = "display";
    /// <summary>Present while the account's password is one someone else has seen (PasswordChangeRequired).</summary>
    public const string MustChangePassword = "must_change_password";

    public static Guid AccountId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
    public static string Role(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role) ?? "";
    public static string DisplayNameOf(this ClaimsPrincipal user) => user.FindFirstValue(DisplayName) ?? user.Identity?.Name ?? "";
    public static string ActorLabel(this ClaimsPrincipal user) => $"{user.DisplayNameOf()}（{user.Identity?.Name}，{Roles.NameOf(user.Role())}）";

    public static bool MustChangePasswordOf(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == MustChangePassword);

    public static ClaimsPrincipal Create(Guid id, string userName, string displayName, string role, Guid securityStamp,
        bool mustChangePassword = false) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, id.ToString()),
                new Claim(ClaimTypes.Name, userName),
                new Claim(DisplayName, displayName),
                new Claim(ClaimTypes.Role, role),
                new Claim(SecurityStamp, securityStamp.ToString()),
                .. mustChangePassword ? [new Claim(MustChangePassword, "true")] : Array.Empty<Claim>(),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme));
}

public static class StaffAuthentication
{
    public static IServiceCollection AddStaffAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/login";
                options.LogoutPath = "/logout";
                options.Cookie.Name = "eval.staff";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.Events.OnRedirectToAccessDenied = context =>
                {
                    // 403 rendered by the status-code page, rather than a redirect that looks like success.
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
                options.Events.OnValidatePrincipal = ValidateStillCurrentAsync;
            });
        services.AddAuthorization();
        return services;
    }

    /// <summary>Rejects a cookie whose account was disabled, or whose role or password changed after it was issued.</summary>
    private static async Task ValidateStillCurrentAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal?.FindFirstValue(ClaimTypes.NameIdentifier) is not { } id || !Guid.TryParse(id, out var accountId))
        {
            context.RejectPrincipal();
            return;
        }
        // The error page after an exception: if the check itself failed (the database is down), checking again would only
        // fail again and leave a blank 500. The page shows nothing but the error and the cookie's own name.
        if (context.HttpContext.Features.Get<IExceptionHandlerFeature>() is not null) return;
        var db = context.HttpContext.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var conn = await db.OpenConnectionAsync(context.HttpContext.RequestAborted);
        var current = await conn.QuerySingleOrDefaultAsync<(Guid SecurityStamp, string Role)?>(
            "select security_stamp, role from staff_account where id = @accountId and not disabled", new { accountId });
        if (current is null || current.Value.SecurityStamp.ToString() != principal.FindFirstValue(StaffClaims.SecurityStamp)
            || current.Value.Role != principal.Role())
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync();
        }
    }
}
