using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Web.Features.Units;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Accounts;

// Properties, not a positional record: Npgsql reports array columns as System.Array, which Dapper's constructor matching rejects.
public sealed record AccountRow
{
    public Guid Id { get; init; }
    public string UserName { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Role { get; init; } = "";
    public bool Disabled { get; init; }
    public DateTime? LockedUntil { get; init; }
    public string[] Units { get; init; } = [];
    public bool Locked => LockedUntil > DateTime.UtcNow;
}
public sealed record AccountForm(string? UserName, string? DisplayName, string? Role, Guid[]? Units, string? Password)
{
    public override string ToString() => nameof(AccountForm);
}
public sealed record AccountEditPage(Guid? Id, AccountForm Form, IReadOnlyList<UnitNode> AllUnits, IReadOnlyList<string> Errors);
public sealed record PasswordShownOnce(string UserName, string Password, bool IsNew);

/// <summary>管理员: staff accounts and the units each one covers.</summary>
[Authorize(Roles = Roles.Admin)]
[Route("admin/accounts")]
public sealed partial class AccountsController(NpgsqlDataSource db) : Controller
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,39}$")]
    private static partial Regex UserNamePattern();

    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var accounts = await conn.QueryAsync<AccountRow>(
            """
            select a.id, a.user_name, a.display_name, a.role, a.disabled, a.locked_until,
                   coalesce(array_agg(u.name order by u.name) filter (where u.id is not null), '{}') as units
            from staff_account a
            left join staff_unit su on su.account_id = a.id
            left join unit u on u.id = su.unit_id
            group by a.id
            order by a.role, a.user_name
            """);
        return View(accounts.ToList());
    }

    [HttpGet("new")]
    public async Task<IActionResult> New(CancellationToken ct) =>
        View("Edit", new AccountEditPage(null, new AccountForm(null, null, Roles.Organizer, [], null), await AllUnitsAsync(ct), []));

    [HttpPost("new")]
    public async Task<IActionResult> Create([FromForm] AccountForm form, CancellationToken ct)
    {
        var userName = form.UserName?.Trim().ToLowerInvariant() ?? "";
        var errors = Validate(form);
        if (!UserNamePattern().IsMatch(userName))
            errors.Add("用户名需 2–40 位，只能用小写字母、数字、点、下划线和连字符，且以字母或数字开头。");
        if (!string.IsNullOrEmpty(form.Password) && Passwords.Problem(form.Password) is { } problem)
            errors.Add(problem);

        await using var conn = await db.OpenConnectionAsync(ct);
        if (errors.Count == 0 && await conn.ExecuteScalarAsync<bool>("select exists (select 1 from staff_account where user_name = @userName)", new { userName }))
            errors.Add($"用户名“{userName}”已被使用，请换一个。");
        if (errors.Count > 0)
            return Invalid(null, form, errors, await AllUnitsAsync(ct));

        var password = string.IsNullOrEmpty(form.Password) ? Passwords.Generate() : form.Password;
        var id = Guid.NewGuid();
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(
            """
            insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp, must_change_password)
            values (@id, @userName, @DisplayName, @Role, @Hash, @Stamp, true)
            """,
            new { id, userName, DisplayName = form.DisplayName!.Trim(), form.Role, Hash = Passwords.Hash(password), Stamp = Guid.NewGuid() }, tx);
        var unitNames = await AssignUnitsAsync(conn, tx, id, form);
        await ActionLogWriter.AppendAsync(tx, User, "创建账号",
            $"账号 {userName}（{form.DisplayName!.Trim()}），角色 {Roles.NameOf(form.Role!)}，单位：{Describe(unitNames)}");
        await tx.CommitAsync(ct);
        // Rendered, not redirected: the password must not travel in a URL or survive in TempData.
        return View("PasswordShownOnce", new PasswordShownOnce(userName, password, IsNew: true));
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Edit(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var account = await conn.QuerySingleOrDefaultAsync<(string UserName, string DisplayName, string Role)?>(
            "select user_name, display_name, role from staff_account where id = @id", new { id });
        if (account is null) return NotFound();
        var units = (await conn.QueryAsync<Guid>("select unit_id from staff_unit where account_id = @id", new { id })).ToArray();
        var form = new AccountForm(account.Value.UserName, account.Value.DisplayName, account.Value.Role, units, null);
        return View("Edit", new AccountEditPage(id, form, await AllUnitsAsync(ct), []));
    }

    [HttpPost("{id:guid}")]
    public async Task<IActionResult> Update(Guid id, [FromForm] AccountForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<(string UserName, string Role)?>(
            "select user_name, role from staff_account where id = @id", new { id });
        if (current is null) return NotFound();
        var errors = Validate(form);
        if (errors.Count > 0)
            return Invalid(id, form with { UserName = current.Value.UserName }, errors, await AllUnitsAsync(ct));

        await using var tx = await conn.BeginTransactionAsync(ct);
        if (form.Role != Roles.Admin && await IsLastActiveAdminAsync(conn, tx, id))
            return Invalid(id, form with { UserName = current.Value.UserName }, [LastAdminDemoted], await AllUnitsAsync(ct));
        await conn.ExecuteAsync(
            """
            update staff_account set display_name = @DisplayName, role = @Role,
                security_stamp = case when role = @Role then security_stamp else @NewStamp end
            where id = @id
            """, new { id, DisplayName = form.DisplayName!.Trim(), form.Role, NewStamp = Guid.NewGuid() }, tx);
        await conn.ExecuteAsync("delete from staff_unit where account_id = @id", new { id }, tx);
        var unitNames = await AssignUnitsAsync(conn, tx, id, form);
        await ActionLogWriter.AppendAsync(tx, User, "修改账号",
            $"账号 {current.Value.UserName}：角色 {Roles.NameOf(form.Role!)}，单位：{Describe(unitNames)}");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"账号 {current.Value.UserName} 已保存。";
        return Redirect("/admin/accounts");
    }

    [HttpPost("{id:guid}/reset-password")]
    public async Task<IActionResult> ResetPassword(Guid id, CancellationToken ct)
    {
        var password = Passwords.Generate();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var userName = await conn.QuerySingleOrDefaultAsync<string>(
            """
            update staff_account set password_hash = @Hash, security_stamp = @Stamp, failed_logins = 0, locked_until = null,
                must_change_password = true
            where id = @id returning user_name
            """, new { id, Hash = Passwords.Hash(password), Stamp = Guid.NewGuid() }, tx);
        if (userName is null) return NotFound();
        await ActionLogWriter.AppendAsync(tx, User, "重置密码", $"账号 {userName}");
        await tx.CommitAsync(ct);
        return View("PasswordShownOnce", new PasswordShownOnce(userName, password, IsNew: false));
    }

    [HttpPost("{id:guid}/unlock")]
    public Task<IActionResult> Unlock(Guid id, CancellationToken ct) =>
        ChangeStateAsync(id, "update staff_account set failed_logins = 0, locked_until = null where id = @id returning user_name",
            "解锁账号", "已解锁", ct);

    [HttpPost("{id:guid}/disable")]
    public async Task<IActionResult> Disable(Guid id, CancellationToken ct)
    {
        if (id == User.AccountId())
            return this.Refuse(StatusCodes.Status409Conflict, "不能停用自己正在使用的账号。");
        return await ChangeStateAsync(id, "update staff_account set disabled = true, security_stamp = gen_random_uuid() where id = @id returning user_name",
            "停用账号", "已停用", ct, refuseLastAdmin: LastAdminDisabled);
    }

    [HttpPost("{id:guid}/enable")]
    public Task<IActionResult> Enable(Guid id, CancellationToken ct) =>
        ChangeStateAsync(id, "update staff_account set disabled = false where id = @id returning user_name", "启用账号", "已启用", ct);

    private async Task<IActionResult> ChangeStateAsync(Guid id, string sql, string action, string done, CancellationToken ct,
        string? refuseLastAdmin = null)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (refuseLastAdmin is not null && await IsLastActiveAdminAsync(conn, tx, id))
            return this.Refuse(StatusCodes.Status409Conflict, refuseLastAdmin);
        var userName = await conn.QuerySingleOrDefaultAsync<string>(sql, new { id }, tx);
        if (userName is null) return NotFound();
        await ActionLogWriter.AppendAsync(tx, User, action, $"账号 {userName}");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"账号 {userName} {done}。";
        return Redirect("/admin/accounts");
    }

    private static List<string> Validate(AccountForm form)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(form.DisplayName) || TypedText.IsLongerThan(form.DisplayName.Trim(), 50))
            errors.Add("请填写姓名（不超过 50 个字）。");
        else if (TypedText.HasControlCharacters(form.DisplayName))
            errors.Add(TypedText.ControlCharacterProblem("姓名"));
        if (form.Role is null || !Roles.Names.ContainsKey(form.Role))
            errors.Add("请选择角色：管理员、组织者、督导组或审计。");
        return errors;
    }

    private static async Task<string[]> AssignUnitsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, AccountForm form)
    {
        // Only unit staff are scoped to units; an admin manages accounts, not evaluations.
        var units = form.Role == Roles.Admin ? [] : (form.Units ?? []).Distinct().ToArray();
        return (await conn.QueryAsync<string>(
            """
            with added as (
                insert into staff_unit (account_id, unit_id)
                select @id, u.id from unit u where u.id = any(@units)
                returning unit_id)
            select u.name from unit u join added a on a.unit_id = u.id order by u.name
            """, new { id, units }, tx)).ToArray();
    }

    private const string LastAdminDisabled = "这是最后一个启用的管理员账号，不能停用：否则没有人能再管理账号。请先创建或启用另一个管理员。";
    private const string LastAdminDemoted = "这是最后一个启用的管理员账号，不能改为其他角色：否则没有人能再管理账号。请先创建或启用另一个管理员。";

    /// <summary>
    /// Whether <paramref name="id"/> is the only active 管理员. The active admins' rows stay locked until the transaction
    /// ends, so two admins disabling (or demoting) each other at the same moment cannot both pass: the second waits,
    /// then sees the first one's change and is refused. Locked in id order, so two such transactions never deadlock.
    /// </summary>
    private static async Task<bool> IsLastActiveAdminAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id)
    {
        var admins = (await conn.QueryAsync<Guid>(
            "select id from staff_account where role = 'admin' and not disabled order by id for update", transaction: tx)).ToList();
        return admins is [var only] && only == id;
    }

    private async Task<IReadOnlyList<UnitNode>> AllUnitsAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await UnitTree.AllAsync(conn);
    }

    private ViewResult Invalid(Guid? id, AccountForm form, List<string> errors, IReadOnlyList<UnitNode> units)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Edit", new AccountEditPage(id, form, units, errors));
    }

    private static string Describe(string[] unitNames) => unitNames.Length == 0 ? "无" : string.Join("、", unitNames);
}
