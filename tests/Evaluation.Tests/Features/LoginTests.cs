using System.Net;
using Dapper;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;

namespace Evaluation.Tests.Features;

public sealed class LoginTests
{
    private StaffWorld _world = null!;

    [OneTimeSetUp]
    public async Task Start() => _world = await StaffWorld.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _world.DisposeAsync();

    private async Task<HttpResponseMessage> TryLoginAsync(StaffClient client, string user, string password) =>
        await client.PostFormAsync("/login", [new("UserName", user), new("Password", password)]);

    [Test]
    public async Task Login_WithCorrectPassword_SignsInAndOpensTheRolesHomePage()
    {
        using var client = _world.App.CreateStaffClient();

        using var login = await TryLoginAsync(client, "organizer-a", StaffWorld.Password);
        using var again = await client.GetAsync("/login");
        using var list = await client.GetAsync("/evaluations");

        Assert.That(login.Headers.Location?.OriginalString, Is.EqualTo("/evaluations"), "not /, which is the voter's page");
        Assert.That(again.Headers.Location?.OriginalString, Is.EqualTo("/evaluations"), "a signed-in member of staff is sent home from the login page");
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Login_AsAdmin_LandsOnTheAccounts()
    {
        using var client = _world.App.CreateStaffClient();

        using var login = await TryLoginAsync(client, "admin2", StaffWorld.Password);

        Assert.That(login.Headers.Location?.OriginalString, Is.EqualTo("/admin/accounts"));
    }

    [Test]
    public async Task Root_IsTheVotersPhonePage_ForEveryone_SignedInOrNot()
    {
        using var anonymous = _world.App.CreateStaffClient();
        using var staff = await _world.SignInAsync("organizer-a");

        foreach (var client in new[] { anonymous, staff })
        {
            using var root = await client.GetAsync("/");
            var body = await StaffClient.BodyAsync(root);
            Assert.That(root.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(body, Does.Contain("<title>匿名民主评议</title>").And.Contain("/vote/vote.js"));
            Assert.That(root.Headers.CacheControl?.NoStore, Is.True);
        }
    }

    [Test]
    public async Task Login_WithWrongPassword_Returns401WithAWarningAboutLockout()
    {
        using var client = _world.App.CreateStaffClient();

        using var response = await TryLoginAsync(client, "supervisor-a", "wrong-password");
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(body, Does.Contain("用户名或密码不正确"));
        Assert.That(await _world.ScalarAsync<int>("select failed_logins from staff_account where user_name = 'supervisor-a'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Login_WithUnknownUser_AnswersExactlyLikeAWrongPassword()
    {
        using var client = _world.App.CreateStaffClient();

        using var response = await TryLoginAsync(client, "nobody-here", "whatever-password");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await StaffClient.BodyAsync(response), Does.Contain("用户名或密码不正确"));
    }

    [Test]
    public async Task Login_AfterFiveWrongPasswords_LocksTheAccountEvenForTheRightPassword_UntilAdminUnlocks()
    {
        var id = await _world.AddAccountAsync("lockme", "auditor", _world.UnitA);
        using var client = _world.App.CreateStaffClient();
        for (var i = 0; i < Passwords.MaxFailedLogins; i++)
            (await TryLoginAsync(client, "lockme", "wrong-password")).Dispose();

        using var locked = await TryLoginAsync(client, "lockme", StaffWorld.Password);
        Assert.That(locked.StatusCode, Is.EqualTo(HttpStatusCode.Locked));
        Assert.That(await StaffClient.BodyAsync(locked), Does.Contain("账号已锁定"));

        using var admin = await _world.SignInAsync("admin2");
        using var unlock = await admin.PostFormAsync($"/admin/accounts/{id}/unlock", []);
        Assert.That(unlock.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        using var again = await TryLoginAsync(client, "lockme", StaffWorld.Password);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
    }

    [Test]
    public async Task Login_OfDisabledAccount_IsRefused_AndItsOpenSessionEnds()
    {
        var id = await _world.AddAccountAsync("leaver", "organizer", _world.UnitA);
        using var session = await _world.SignInAsync("leaver");
        using var admin = await _world.SignInAsync("admin2");

        using var disable = await admin.PostFormAsync($"/admin/accounts/{id}/disable", []);
        using var afterDisable = await session.GetAsync("/evaluations");
        using var fresh = _world.App.CreateStaffClient();
        using var login = await TryLoginAsync(fresh, "leaver", StaffWorld.Password);

        Assert.That(disable.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(afterDisable.Headers.Location?.AbsolutePath, Is.EqualTo("/login"));
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task RoleChange_EndsSessionsIssuedUnderTheOldRole()
    {
        var id = await _world.AddAccountAsync("switcher", "organizer", _world.UnitA);
        using var session = await _world.SignInAsync("switcher");
        using var admin = await _world.SignInAsync("admin2");

        using var update = await admin.PostFormAsync($"/admin/accounts/{id}",
            [new("DisplayName", "switcher"), new("Role", "supervisor"), new("Units", _world.UnitA.ToString())]);
        using var after = await session.GetAsync("/evaluations/new");

        Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(update));
        Assert.That(after.Headers.Location?.AbsolutePath, Is.EqualTo("/login"));
    }

    [Test]
    public async Task AdminCreatesAccount_PasswordIsShownOnce_AndTheNewAccountCanSignInToItsUnitOnly()
    {
        using var admin = await _world.SignInAsync("admin2");

        using var create = await admin.PostFormAsync("/admin/accounts/new",
            [new("UserName", "new.supervisor"), new("DisplayName", "第二督导组"), new("Role", "supervisor"), new("Units", _world.UnitB.ToString())]);
        var body = await StaffClient.BodyAsync(create);
        var password = System.Text.RegularExpressions.Regex.Match(body, @"密码：<strong class=""hash"">([^<]+)</strong>").Groups[1].Value;

        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(password, Has.Length.EqualTo(16));
        using var client = _world.App.CreateStaffClient();
        await client.LoginAsync("new.supervisor", password);
        using var change = await client.PostFormAsync("/account/password",
            [new("Current", password), new("New", "Own-Supervisor-Pass"), new("Confirm", "Own-Supervisor-Pass")]);
        Assert.That(change.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(change));
        var evaluationA = await _world.SeedDraftAsync(_world.UnitA);
        var evaluationB = await _world.SeedDraftAsync(_world.UnitB);
        using var own = await client.GetAsync(evaluationB.Url);
        using var other = await client.GetAsync(evaluationA.Url);
        Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        await using var conn = await _world.OpenAsync();
        Assert.That(await conn.ExecuteScalarAsync<int>("select count(*) from staff_action where action = '创建账号' and detail like '%new.supervisor%'"), Is.EqualTo(1));
        Assert.That(await conn.ExecuteScalarAsync<int>("select count(*) from staff_action where detail like '%' || @password || '%'", new { password }), Is.Zero);
    }

    [Test]
    public async Task AdminCreatesAccount_WithBadInput_Gets400AndNothingIsStored()
    {
        using var admin = await _world.SignInAsync("admin2");
        var before = await _world.ScalarAsync<long>("select count(*) from staff_account");

        using var create = await admin.PostFormAsync("/admin/accounts/new",
            [new("UserName", "Bad Name!"), new("DisplayName", ""), new("Role", "emperor"), new("Password", "short")]);
        var body = await StaffClient.BodyAsync(create);

        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Contain("用户名需").And.Contain("请填写姓名").And.Contain("请选择角色").And.Contain("密码至少"));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_account"), Is.EqualTo(before));
    }

    [Test]
    public async Task ChangePassword_WithCorrectCurrentPassword_TakesEffect()
    {
        await _world.AddAccountAsync("changer", "auditor", _world.UnitA);
        using var client = await _world.SignInAsync("changer");

        using var change = await client.PostFormAsync("/account/password",
            [new("Current", StaffWorld.Password), new("New", "A-brand-new-pass"), new("Confirm", "A-brand-new-pass")]);
        using var stillSignedIn = await client.GetAsync("/evaluations");
        using var fresh = _world.App.CreateStaffClient();

        Assert.That(change.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(stillSignedIn.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await fresh.LoginAsync("changer", "A-brand-new-pass");
    }
}
