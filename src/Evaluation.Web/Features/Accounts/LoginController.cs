using System.Security.Claims;
using Dapper;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Accounts;

// ToString left out: MVC traces action arguments, and a record prints every member, the password included.
public sealed record LoginForm(string? UserName, string? Password, string? ReturnUrl)
{
    public override string ToString() => nameof(LoginForm);
}
public sealed record LoginPage(string? UserName, string? ReturnUrl, string? Error);
public sealed record ChangePasswordForm(string? Current, string? New, string? Confirm)
{
    public override string ToString() => nameof(ChangePasswordForm);
}

public sealed class LoginController(NpgsqlDataSource db) : Controller
{
    private sealed record Account(Guid Id, string UserName, string DisplayName, string Role, string PasswordHash,
        Guid SecurityStamp, DateTime? LockedUntil, bool Disabled, bool MustChangePassword);

    [AllowAnonymous, HttpGet("/login")]
    public IActionResult Login(string? returnUrl) =>
        User.Identity?.IsAuthenticated == true ? Redirect(HomeOf(User)) : View(new LoginPage(null, returnUrl, null));

    [AllowAnonymous, HttpPost("/login")]
    public async Task<IActionResult> Login([FromForm] LoginForm form, CancellationToken ct)
    {
        var userName = form.UserName?.Trim().ToLowerInvariant() ?? "";
        if (userName.Length == 0 || string.IsNullOrEmpty(form.Password))
            return LoginFailed(StatusCodes.Status400BadRequest, form, "请输入用户名和密码。");

        await using var conn = await db.OpenConnectionAsync(ct);
        var account = await conn.QuerySingleOrDefaultAsync<Account>(
            """
            select id, user_name, display_name, role, password_hash, security_stamp, locked_until, disabled, must_change_password
            from staff_account where user_name = @userName
            """, new { userName });

        if (account?.LockedUntil > DateTime.UtcNow)
            return LoginFailed(StatusCodes.Status423Locked, form,
                $"连续输错密码次数过多，账号已锁定。请在 {Passwords.LockoutDuration.TotalMinutes:0} 分钟后再试，或请管理员解锁。");

        if (!Passwords.Verify(account?.PasswordHash, form.Password) || account is null || account.Disabled)
        {
            if (account is not null)
                await conn.ExecuteAsync(
                    """
                    update staff_account set
                        locked_until = case when failed_logins + 1 >= @MaxFailedLogins then now() + @LockoutDuration else locked_until end,
                        failed_logins = case when failed_logins + 1 >= @MaxFailedLogins then 0 else failed_logins + 1 end
                    where id = @Id
                    """, new { account.Id, Passwords.MaxFailedLogins, Passwords.LockoutDuration });
            return LoginFailed(StatusCodes.Status401Unauthorized, form,
                $"用户名或密码不正确。连续输错 {Passwords.MaxFailedLogins} 次账号将被锁定 {Passwords.LockoutDuration.TotalMinutes:0} 分钟。");
        }

        await conn.ExecuteAsync("update staff_account set failed_logins = 0, locked_until = null where id = @Id", new { account.Id });
        await HttpContext.SignInAsync(StaffClaims.Create(account.Id, account.UserName, account.DisplayName, account.Role, account.SecurityStamp,
            account.MustChangePassword));
        if (account.MustChangePassword) return Redirect(PasswordChangeRequired.PasswordPage);
        return LocalRedirect(Url.IsLocalUrl(form.ReturnUrl) ? form.ReturnUrl! : HomeOf(account.Role));
    }

    [Authorize, HttpPost("/logout")]
    public async Task<IActionResult> Logout()
    {
        await HttpContext.SignOutAsync();
        return Redirect("/login");
    }

    /// <summary>Where a member of staff starts; <c>/</c> is the voter's page, so a signed-out caller is sent there.</summary>
    public static string HomeOf(ClaimsPrincipal user) => HomeOf(user.Role());

    private static string HomeOf(string role) => role switch
    {
        Roles.Admin => "/admin/accounts",
        "" => "/",
        _ => "/evaluations",
    };

    [Authorize, HttpGet("/account/password")]
    public IActionResult ChangePassword() => View(new List<string>());

    [Authorize, HttpPost("/account/password")]
    public async Task<IActionResult> ChangePassword([FromForm] ChangePasswordForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var hash = await conn.QuerySingleAsync<string>("select password_hash from staff_account where id = @Id", new { Id = User.AccountId() });
        var error = !Passwords.Verify(hash, form.Current ?? "") ? "当前密码不正确，请重新输入。"
            : Passwords.Problem(form.New) is { } problem ? problem
            : form.New != form.Confirm ? "两次输入的新密码不一致，请重新输入。"
            : form.New == form.Current ? "新密码不能与当前密码相同，请换一个。"
            : null;
        if (error is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View(new List<string> { error });
        }

        var stamp = Guid.NewGuid();
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("update staff_account set password_hash = @Hash, security_stamp = @stamp, must_change_password = false where id = @Id",
            new { Id = User.AccountId(), Hash = Passwords.Hash(form.New!), stamp }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "修改密码", $"{User.Identity?.Name} 修改了自己的密码");
        await tx.CommitAsync(ct);
        // The new stamp invalidates every other session of this account; keep this one.
        await HttpContext.SignInAsync(StaffClaims.Create(User.AccountId(), User.Identity!.Name!, User.DisplayNameOf(), User.Role(), stamp));
        TempData["Notice"] = User.MustChangePasswordOf() ? "密码已修改，现在可以使用全部页面了。" : "密码已修改。";
        return Redirect(HomeOf(User));
    }

    private ViewResult LoginFailed(int status, LoginForm form, string error)
    {
        Response.StatusCode = status;
        return View("Login", new LoginPage(form.UserName, form.ReturnUrl, error));
    }
}
