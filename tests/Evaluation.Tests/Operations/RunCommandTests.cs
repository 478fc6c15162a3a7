using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
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
        await using (var first = await ServiceProcess.StartAsync(_root, _databasePort, "--demo"))
        {
            await first.WaitUntilServingAsync();
            var admin = AdminPassword().Match(first.Output);
            var organizer = DemoPassword().Match(first.Output);
            Assert.That(admin.Success, Is.True, first.Output);
            Assert.That(organizer.Success, Is.True, first.Output);

            using var client = first.Client();
            await LoginAsync(client, "demo-organizer", organizer.Groups[1].Value);
            var list = await client.GetStringAsync("/evaluations");
            Assert.That(list, Does.Contain("2026年局领导班子和班子成员民主评议").And.Contain("示例市卫生局"));

            using var tooLarge = await client.PostAsync("/login", new FormUrlEncodedContent([new("UserName", new string('a', 2 << 20))]));
            Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));

            Assert.That(await first.StopAsync(), Is.Zero, first.Output);
        }
        Assert.That(File.Exists(Path.Combine(_root, "pgdata", "postmaster.pid")), Is.False, "the private cluster is stopped on exit");
        var serverLog = await File.ReadAllTextAsync(Path.Combine(_root, "pgdata", "server.log"));
        Assert.That(serverLog, Does.Not.Contain("insert into").IgnoreCase, "PostgreSQL must not log statements");

        await using var second = await ServiceProcess.StartAsync(_root, _databasePort, "--demo");
        await second.WaitUntilServingAsync();
        Assert.That(second.Output, Does.Not.Contain("已创建管理员账号"), "the data folder survives restarts");
        Assert.That(second.Output, Does.Contain("演示数据已存在"));
        Assert.That(await second.StopAsync(), Is.Zero, second.Output);
    }

    [Test]
    public async Task Run_WithoutPostgreSqlBinariesOrConnectionString_ExitsWithOneMessageSayingWhatToInstallOrSet()
    {
        await using var service = await ServiceProcess.StartAsync(_root, _databasePort, extraEnvironment: ("LocalDatabase__BinDirectory", "/nonexistent/bin"));

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("apt-get install -y postgresql").And.Contain("ConnectionStrings__Evaluation"));
        Assert.That(service.Output, Does.Not.Contain("Unhandled exception"));
    }

    private static async Task LoginAsync(HttpClient client, string user, string password)
    {
        var form = await client.GetStringAsync("/login");
        var token = Regex.Match(form, @"name=""__RequestVerificationToken"" type=""hidden"" value=""([^""]+)""").Groups[1].Value;
        using var response = await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("UserName", user), new("Password", password), new("__RequestVerificationToken", token)]));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"login as {user}");
    }

    [GeneratedRegex("初始密码（只显示这一次，请登录后立即修改）：(\\S+)")]
    private static partial Regex AdminPassword();

    [GeneratedRegex("demo-organizer\\s+密码 (\\S+)")]
    private static partial Regex DemoPassword();

    /// <summary>The web project's own build output, run with `dotnet`, as `dotnet run` would.</summary>
    private sealed class ServiceProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly int _httpPort;

        private ServiceProcess(Process process, int httpPort)
        {
            _process = process;
            _httpPort = httpPort;
        }

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static Task<ServiceProcess> StartAsync(string root, int databasePort, string? argument = null,
            (string Name, string Value)? extraEnvironment = null)
        {
            var webProject = Path.Combine(RepositoryRoot(), "src", "Evaluation.Web");
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var dll = Path.Combine(webProject, "bin", configuration, "net10.0", "Evaluation.Web.dll");
            Assert.That(File.Exists(dll), Is.True, $"build the web project first: {dll}");

            var httpPort = LocalPostgres.FreeLoopbackPort();
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = webProject,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList = { dll, "--urls", $"http://127.0.0.1:{httpPort}" },
            };
            if (argument is not null) start.ArgumentList.Add(argument);
            start.Environment.Remove("ConnectionStrings__Evaluation");
            start.Environment["LocalDatabase__Root"] = root;
            start.Environment["LocalDatabase__Port"] = databasePort.ToString();
            start.Environment["Logging__Json"] = "false";
            if (extraEnvironment is { } extra) start.Environment[extra.Name] = extra.Value;

            var service = new ServiceProcess(Process.Start(start)!, httpPort);
            service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
            service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
            service._process.BeginOutputReadLine();
            service._process.BeginErrorReadLine();
            return Task.FromResult(service);
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        public HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}"),
        };

        public async Task WaitUntilServingAsync()
        {
            using var client = Client();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                Assert.That(_process.HasExited, Is.False, $"the service exited early:\n{Output}");
                try
                {
                    using var response = await client.GetAsync("/login");
                    if (response.StatusCode == HttpStatusCode.OK) return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(200);
            }
            Assert.Fail($"the login page was not served within 60 s:\n{Output}");
        }

        /// <summary>SIGTERM, as Ctrl+C or a service manager would send; returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
                await kill.WaitForExitAsync();
            return await WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        private static string RepositoryRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Evaluation.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Evaluation.sln not found above the test binaries");
        }
    }
}
