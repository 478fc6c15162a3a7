using System.Net;
using Dapper;
using Evaluation.Web.Features.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Evaluation.Tests.Infrastructure;

/// <summary>The fixtures themselves: the app must run against the database a test gives it, and nowhere else.</summary>
public sealed class AppFactoryTests
{
    private string _connectionString = "";
    private AppFactory _app = null!;

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _connectionString = await TestDatabase.CreateDatabaseAsync();
        _app = new AppFactory(_connectionString);
        _app.StartServer();
    }

    [OneTimeTearDown]
    public async Task StopApp() => await _app.DisposeAsync();

    private static async Task<bool> HasStaffAccountTableAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        return await conn.ExecuteScalarAsync<bool>("select to_regclass('public.staff_account') is not null");
    }

    [Test]
    public async Task Start_WithConnectionStringSetByUseSetting_MigratesThatDatabase()
    {
        // Program.cs reads the connection string before Build(): this fails if UseSetting arrives only after it.
        Assert.That(await HasStaffAccountTableAsync(_connectionString), Is.True);
    }

    [Test]
    public async Task Start_WithConnectionStringSetByUseSetting_LeavesOtherDatabasesAlone()
    {
        var untouched = await TestDatabase.CreateDatabaseAsync();
        var serverDefault = new NpgsqlConnectionStringBuilder(_connectionString) { Database = "postgres" }.ConnectionString;

        Assert.That(await HasStaffAccountTableAsync(untouched), Is.False);
        Assert.That(await HasStaffAccountTableAsync(serverDefault), Is.False);
        var appDatabase = new NpgsqlConnectionStringBuilder(_app.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString).Database;
        Assert.That(appDatabase, Is.EqualTo(new NpgsqlConnectionStringBuilder(_connectionString).Database));
    }

    [Test]
    public async Task Start_WithBootstrapPassword_CreatesAdminWithIt()
    {
        await using var conn = new NpgsqlConnection(_connectionString);
        var hash = await conn.QuerySingleAsync<string>("select password_hash from staff_account where user_name = @UserName",
            new { InitialAdmin.UserName });

        Assert.That(Passwords.Verify(hash, AppFactory.AdminPassword), Is.True);
    }

    [Test]
    public void Start_InTestingEnvironment()
    {
        Assert.That(_app.Services.GetRequiredService<IHostEnvironment>().EnvironmentName, Is.EqualTo("Testing"));
    }

    [Test]
    public async Task Readyz_WithDatabaseUp_ReturnsReady()
    {
        using var client = _app.CreateStaffClient();

        using var response = await client.GetAsync("/readyz");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StaffClient.BodyAsync(response), Is.EqualTo("ready"));
    }

    [Test]
    public async Task LoginAsync_AsInitialAdmin_SignsInAndHomeLeadsToAccounts()
    {
        using var client = _app.CreateStaffClient();

        await client.LoginAsync(InitialAdmin.UserName, AppFactory.AdminPassword);
        using var home = await client.GetAsync("/login");

        Assert.That(home.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(home.Headers.Location?.OriginalString, Is.EqualTo("/admin/accounts"));
    }

    [Test]
    public async Task PostFormAsync_AfterLogin_UsesTokenOfSignedInUser()
    {
        using var client = _app.CreateStaffClient();
        await client.LoginAsync(InitialAdmin.UserName, AppFactory.AdminPassword);

        using var logout = await client.PostFormAsync("/logout", []);
        using var staffPage = await client.GetAsync("/evaluations");

        Assert.That(logout.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(logout));
        Assert.That(staffPage.Headers.Location?.AbsolutePath ?? staffPage.Headers.Location?.OriginalString, Does.StartWith("/login"));
    }

    [Test]
    public async Task PostFormAsync_WithoutToken_IsRefused()
    {
        using var client = _app.CreateStaffClient();

        using var response = await client.Http.PostAsync("/login", new FormUrlEncodedContent(
            [new("UserName", InitialAdmin.UserName), new("Password", AppFactory.AdminPassword)]));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
