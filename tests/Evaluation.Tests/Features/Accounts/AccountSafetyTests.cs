using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Accounts;

/// <summary>
/// A password someone else has seen must be changed before any other staff page opens; the last active 管理员 cannot be
/// disabled or demoted, not even by two administrators disabling each other at the same moment.
/// </summary>
public sealed partial class AccountSafetyTests
{
    private StaffWorld _world = null!;

    [OneTimeSetUp]
    public async Task Start() => _world = await StaffWorld.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _world.DisposeAsync();

    private async Task<string> CreateAccountAsync(StaffClient admin, string userName, string role, string? password = null)
    {
        using var create = await admin.PostFormAsync("/admin/accounts/new",
        [
            new("UserName", userName), new("DisplayName", userName), new("Role", role), new("Units", _world.UnitA.ToString()),
            .. password is null ? [] : new KeyValuePair<string, string>[] { new("Password", password) },
        ]);
        var body = await StaffClient.BodyAsync(create);
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return ShownPassword().Match(body).Groups[1].Value;
    }

    private static async Task<HttpResponseMessage> SignInAsync(StaffClient client, string userName, string password) =>
        await client.PostFormAsync("/login", [new("UserName", userName), new("Password", password)]);

    [Test]
    public async Task NewAccount_FirstSignIn_EveryStaffPageLeadsToThePasswordPageUntilChanged_ThenAllOpen()
    {
        using var admin = await _world.SignInAsync("admin2");
        var password = await CreateAccountAsync(admin, "fresh.organizer", "organizer");
        var evaluation = await _world.SeedDraftAsync(_world.UnitA);
        using var client = _world.App.CreateStaffClient();

        using var login = await SignInAsync(client, "fresh.organizer", password);
        Assert.That(login.Headers.Location?.OriginalString, Is.EqualTo("/account/password"));
        foreach (var page in new[] { "/evaluations", evaluation.Url, $"{evaluation.Url}/questionnaire", "/evaluations/new", "/results/rollup", "/admin/accounts" })
        {
            using var response = await client.GetAsync(page);
            Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo("/account/password"), page);
        }
        var evaluationsBefore = await _world.ScalarAsync<long>("select count(*) from evaluation");
        using (var post = await client.PostFormAsync($"{evaluation.Url}/details", [new("Name", "改名"), new("Round", "动员大会后民主评议")]))
            Assert.That(post.Headers.Location?.OriginalString, Is.EqualTo("/account/password"));
        Assert.That(await _world.ScalarAsync<string>("select name from evaluation where id = @Id", new { evaluation.Id }), Is.EqualTo("测试评议"),
            "a form posted before the change does nothing");
        Assert.That(await _world.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(evaluationsBefore));

        using var passwordPage = await client.GetAsync("/account/password");
        var passwordBody = await StaffClient.BodyAsync(passwordPage);
        Assert.That(passwordPage.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(passwordBody, Does.Contain("请先设置一个只有您自己知道的新密码"));
        using (var receipt = await client.GetAsync("/receipt"))
            Assert.That(receipt.StatusCode, Is.EqualTo(HttpStatusCode.OK), "public pages are not staff pages");

        using var change = await client.PostFormAsync("/account/password",
            [new("Current", password), new("New", "My-Own-Password-1"), new("Confirm", "My-Own-Password-1")]);
        Assert.That(change.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(change));
        using var list = await client.GetAsync("/evaluations");
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StaffClient.BodyAsync(list), Does.Contain("密码已修改，现在可以使用全部页面了"));
        using var again = await client.GetAsync(evaluation.Url);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await _world.ScalarAsync<bool>("select must_change_password from staff_account where user_name = 'fresh.organizer'"), Is.False);

        using var fresh = _world.App.CreateStaffClient();
        using var secondLogin = await SignInAsync(fresh, "fresh.organizer", "My-Own-Password-1");
        Assert.That(secondLogin.Headers.Location?.OriginalString, Is.Not.EqualTo("/account/password"), "once changed, sign-in goes on as usual");
    }

    [Test]
    public async Task NewAccount_WithAPasswordTheAdminTyped_MustChangeItToo()
    {
        using var admin = await _world.SignInAsync("admin2");
        await CreateAccountAsync(admin, "typed.supervisor", "supervisor", "Admin-Typed-Pass-1");
        using var client = _world.App.CreateStaffClient();

        using var login = await SignInAsync(client, "typed.supervisor", "Admin-Typed-Pass-1");
        using var list = await client.GetAsync("/evaluations");

        Assert.That(login.Headers.Location?.OriginalString, Is.EqualTo("/account/password"));
        Assert.That(list.Headers.Location?.OriginalString, Is.EqualTo("/account/password"));
    }

    [Test]
    public async Task ForcedChange_ToTheSamePassword_IsRefusedAndTheFlagStays()
    {
        using var admin = await _world.SignInAsync("admin2");
        var password = await CreateAccountAsync(admin, "same.auditor", "auditor");
        using var client = _world.App.CreateStaffClient();
        using var login = await SignInAsync(client, "same.auditor", password);

        using var change = await client.PostFormAsync("/account/password", [new("Current", password), new("New", password), new("Confirm", password)]);

        Assert.That(change.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(change), Does.Contain("新密码不能与当前密码相同"));
        Assert.That(await _world.ScalarAsync<bool>("select must_change_password from staff_account where user_name = 'same.auditor'"), Is.True);
    }

    [Test]
    public async Task ResetPassword_EndsTheSession_AndTheNewPasswordMustBeChangedAtSignIn()
    {
        var id = await _world.AddAccountAsync("reset.me", "organizer", _world.UnitA);
        using var session = await _world.SignInAsync("reset.me");
        using var admin = await _world.SignInAsync("admin2");

        using var reset = await admin.PostFormAsync($"/admin/accounts/{id}/reset-password", []);
        var password = ShownPassword().Match(await StaffClient.BodyAsync(reset)).Groups[1].Value;
        using var old = await session.GetAsync("/evaluations");
        using var client = _world.App.CreateStaffClient();
        using var login = await SignInAsync(client, "reset.me", password);
        using var list = await client.GetAsync("/evaluations");

        Assert.That(reset.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(old.Headers.Location?.AbsolutePath, Is.EqualTo("/login"));
        Assert.That(login.Headers.Location?.OriginalString, Is.EqualTo("/account/password"));
        Assert.That(list.Headers.Location?.OriginalString, Is.EqualTo("/account/password"));
    }

    [Test]
    public async Task InitialAdmin_WithAConfiguredPassword_IsNotForced_ButAStaffWorldAccountIsNeither() =>
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_account where must_change_password and user_name in ('admin', 'admin2', 'organizer-a')"),
            Is.Zero, "a password the operator configured (Bootstrap:AdminPassword) is the operator's own");

    /// <summary>A world of its own whose only active administrators are admin2 and a new admin3: these tests disable admins.</summary>
    private static async Task<(StaffWorld World, Guid A, Guid B)> TwoAdminsAsync()
    {
        var world = await StaffWorld.StartAsync();
        await using (var conn = await world.OpenAsync())
            await conn.ExecuteAsync("update staff_account set disabled = true where role = 'admin' and user_name <> 'admin2'");
        return (world, world.Accounts["admin2"], await world.AddAccountAsync("admin3", "admin", null));
    }

    [Test]
    public async Task Demoting_TheLastActiveAdmin_IsRefusedAndChangesNothing()
    {
        var (world, a, b) = await TwoAdminsAsync();
        await using var _ = world;
        using var admin3 = await world.SignInAsync("admin3");
        using (var disable = await admin3.PostFormAsync($"/admin/accounts/{a}/disable", []))
            Assert.That(disable.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "with two active admins one may go");
        var logBefore = await world.ScalarAsync<long>("select count(*) from staff_action");

        using var demote = await admin3.PostFormAsync($"/admin/accounts/{b}",
            [new("DisplayName", "admin3"), new("Role", "organizer"), new("Units", world.UnitA.ToString())]);
        var body = await StaffClient.BodyAsync(demote);

        Assert.That(demote.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("这是最后一个启用的管理员账号，不能改为其他角色"));
        Assert.That(await world.ScalarAsync<string>("select role from staff_account where id = @b", new { b }), Is.EqualTo("admin"));
        Assert.That(await world.ScalarAsync<long>("select count(*) from staff_action"), Is.EqualTo(logBefore));
    }

    [Test]
    public async Task TwoAdmins_DisablingEachOtherAtOnce_OneIsRefused_AndOneAdminStaysActive()
    {
        var (world, a, b) = await TwoAdminsAsync();
        await using var _ = world;
        using var clientA = await world.SignInAsync("admin2");
        using var clientB = await world.SignInAsync("admin3");
        var tokenA = await clientA.AntiforgeryTokenAsync();
        var tokenB = await clientB.AntiforgeryTokenAsync();

        // The test holds the admins' rows, so both requests are past sign-in and inside their checks before either can
        // decide: without the lock both would see two active admins and both succeed.
        await using var holder = await world.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("select id from staff_account where role = 'admin' and not disabled for update", transaction: hold);
        var disableB = clientA.Http.PostAsync($"/admin/accounts/{b}/disable", new FormUrlEncodedContent([new(StaffClient.TokenField, tokenA)]));
        var disableA = clientB.Http.PostAsync($"/admin/accounts/{a}/disable", new FormUrlEncodedContent([new(StaffClient.TokenField, tokenB)]));
        var waiting = 0L;
        for (var i = 0; i < 200 && waiting < 2; i++)
        {
            await Task.Delay(50);
            waiting = await world.ScalarAsync<long>(
                "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        }
        await hold.RollbackAsync();
        using var responseB = await disableB;
        using var responseA = await disableA;

        Assert.That(waiting, Is.EqualTo(2), "both requests waited for the admins' rows");
        Assert.That(new[] { responseA.StatusCode, responseB.StatusCode }, Is.EquivalentTo(new[] { HttpStatusCode.Redirect, HttpStatusCode.Conflict }));
        var refused = responseA.StatusCode == HttpStatusCode.Conflict ? responseA : responseB;
        Assert.That(await StaffClient.BodyAsync(refused), Does.Contain("这是最后一个启用的管理员账号，不能停用"));
        Assert.That(await world.ScalarAsync<long>("select count(*) from staff_account where role = 'admin' and not disabled"), Is.EqualTo(1));
        Assert.That(await world.ScalarAsync<long>("select count(*) from staff_action where action = '停用账号'"), Is.EqualTo(1));
    }

    [GeneratedRegex(@"密码：<strong class=""hash"">([^<]+)</strong>")]
    private static partial Regex ShownPassword();
}
