using System.Net;
using System.Text.RegularExpressions;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Tests.Operations;

/// <summary>
/// The built service as a newcomer runs it: no connection string, so it starts its own PostgreSQL in a data folder,
/// prints the first administrator's password once, serves, stops the cluster on exit, and finds its data again next time.
/// </summary>
public sealed partial class RunCommandTests
{
    private string _root = null!;
    private int _databasePort;

    [SetUp]
    public void NewDataFolder()
    {
        // Under /tmp: as root the cluster runs as the postgres user, who must be able to reach it.
        _root = Path.Combine(Path.GetTempPath(), $"evaluation-run-{Guid.NewGuid():N}");
        _databasePort = LocalPostgres.FreeLoopbackPort();
    }

    [TearDown]
    public void RemoveDataFolder()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task Run_WithNoConfiguration_StartsPrivateDatabase_SeedsDemo_StopsClusterOnExit_AndKeepsDataForNextStart()
    {
        string firstOutput;
        await using (var first = StartService("--demo"))
        {
            await first.WaitUntilServingAsync();
            var admin = AdminPassword().Match(first.Output);
            var organizer = DemoPassword().Match(first.Output);
            Assert.That(admin.Success, Is.True, first.Output);
            Assert.That(organizer.Success, Is.True, first.Output);

            using (var adminClient = first.Client())
                Assert.That(await LoginAsync(adminClient, "admin", admin.Groups[1].Value), Is.EqualTo("/account/password"),
                    "the printed admin password must be changed at first sign-in");
            using var client = first.Client();
            Assert.That(await LoginAsync(client, "demo-organizer", organizer.Groups[1].Value), Is.EqualTo("/account/password"));
            await ChangePasswordAsync(client, organizer.Groups[1].Value, "Demo-Organizer-Own-1");
            var list = await client.GetStringAsync("/evaluations");
            Assert.That(list, Does.Contain("2026年局领导班子和班子成员民主评议").And.Contain("示例市卫生局"));

            using var tooLarge = await client.PostAsync("/login", new FormUrlEncodedContent([new("UserName", new string('a', 2 << 20))]));
            Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));

            Assert.That(await first.StopAsync(), Is.Zero, first.Output);
            firstOutput = first.Output;
        }
        Assert.That(File.Exists(Path.Combine(_root, "pgdata", "postmaster.pid")), Is.False, "the private cluster is stopped on exit");
        var keyFile = Path.Combine(_root, KeyEncryption.LocalFileName);
        Assert.That(File.Exists(keyFile), Is.True, "with no key configured, one is generated beside the data folder");
        if (!OperatingSystem.IsWindows())
            Assert.That(File.GetUnixFileMode(keyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(firstOutput, Does.Not.Contain((await File.ReadAllTextAsync(keyFile)).Trim()), "the key is never printed");
        var serverLog = await File.ReadAllTextAsync(Path.Combine(_root, "pgdata", "server.log"));
        Assert.That(serverLog, Does.Not.Contain("insert into").IgnoreCase, "PostgreSQL must not log statements");

        await using var second = StartService("--demo");
        await second.WaitUntilServingAsync();
        Assert.That(second.Output, Does.Not.Contain("已创建管理员账号"), "the data folder survives restarts");
        Assert.That(second.Output, Does.Contain("演示数据已存在"));
        Assert.That(await second.StopAsync(), Is.Zero, second.Output);
    }

    [Test]
    public async Task Run_WithoutPostgreSqlBinariesOrConnectionString_ExitsWithOneMessageSayingWhatToInstallOrSet()
    {
        await using var service = StartService(null, ("LocalDatabase__BinDirectory", "/nonexistent/bin"));

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("apt-get install -y postgresql").And.Contain("ConnectionStrings__Evaluation"));
        Assert.That(service.Output, Does.Not.Contain("Unhandled exception"));
    }

    /// <returns>Where the sign-in leads.</returns>
    private static async Task<string?> LoginAsync(HttpClient client, string user, string password)
    {
        var form = await client.GetStringAsync("/login");
        var token = Regex.Match(form, @"name=""__RequestVerificationToken"" type=""hidden"" value=""([^""]+)""").Groups[1].Value;
        using var response = await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("UserName", user), new("Password", password), new("__RequestVerificationToken", token)]));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"login as {user}");
        return response.Headers.Location?.OriginalString;
    }

    /// <summary>The demo's printed passwords must be changed at first sign-in, as every password someone else has seen.</summary>
    private static async Task ChangePasswordAsync(HttpClient client, string current, string next)
    {
        var form = await client.GetStringAsync("/account/password");
        var token = Regex.Match(form, @"name=""__RequestVerificationToken"" type=""hidden"" value=""([^""]+)""").Groups[1].Value;
        using var response = await client.PostAsync("/account/password", new FormUrlEncodedContent(
            [new("Current", current), new("New", next), new("Confirm", next), new("__RequestVerificationToken", token)]));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "changing the demo organizer's password");
    }

    [GeneratedRegex("初始密码（只显示这一次，请登录后立即修改）：(\\S+)")]
    private static partial Regex AdminPassword();

    [GeneratedRegex("demo-organizer\\s+密码 (\\S+)")]
    private static partial Regex DemoPassword();

    private ServiceProcess StartService(string? argument = null, params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = null,
            ["Signing__KeyEncryptionKey"] = null,
            ["LocalDatabase__Root"] = _root,
            ["LocalDatabase__Port"] = _databasePort.ToString(),
        };
        foreach (var (name, value) in extra) environment[name] = value;
        return ServiceProcess.Start(environment, argument is null ? [] : [argument]);
    }
}
