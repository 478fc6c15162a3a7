using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Evaluation.Web.Infrastructure;

namespace Evaluation.LoadBench;

public sealed class BenchEnvironmentException(string message) : Exception(message);

/// <summary>
/// What is measured: by default a private PostgreSQL cluster and the service's Release build started here, as a
/// separate process on a free loopback port (the way an operator runs it, not an in-memory test server); or a
/// service already running on this machine.
/// </summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private readonly LocalPostgres? _cluster;
    private readonly string? _clusterRoot;
    private readonly Process? _service;
    private readonly Queue<string> _serviceOutput = new();

    private readonly int? _givenServicePid;
    private readonly int? _givenPostmasterPid;

    private BenchTarget(Uri url, string? connectionString, string adminUser, string adminPassword, string description,
        LocalPostgres? cluster = null, string? clusterRoot = null, Process? service = null, int? servicePid = null, int? postmasterPid = null)
    {
        _givenServicePid = servicePid;
        _givenPostmasterPid = postmasterPid;
        Url = url;
        ConnectionString = connectionString;
        AdminUser = adminUser;
        AdminPassword = adminPassword;
        Description = description;
        _cluster = cluster;
        _clusterRoot = clusterRoot;
        _service = service;
    }

    public Uri Url { get; }
    /// <summary>Null when measuring a running service without --connection: no commit ceiling, no count in the database.</summary>
    public string? ConnectionString { get; }
    public string AdminUser { get; }
    public string AdminPassword { get; }
    public string Description { get; }

    /// <summary>Processes whose CPU time is attributed to the service and to PostgreSQL; null when not ours to see.</summary>
    public int? ServicePid => _service?.Id ?? _givenServicePid;
    public int? PostmasterPid => _clusterRoot is null ? _givenPostmasterPid : ReadPostmasterPid(Path.Combine(_clusterRoot, "pgdata"));

    /// <summary>The last lines the service printed, for a failure message.</summary>
    public string ServiceOutputTail
    {
        get { lock (_serviceOutput) return string.Join('\n', _serviceOutput); }
    }

    public static async Task<BenchTarget> StartAsync(BenchOptions options, TextWriter log, CancellationToken ct)
    {
        if (options.Url is not null)
            return new BenchTarget(options.Url, options.Connection, options.AdminUser, options.AdminPassword!,
                $"已在运行的服务 {options.Url}", servicePid: options.ServicePid, postmasterPid: options.PostmasterPid);

        var webProject = Path.Combine(RepositoryRoot(), "src", "Evaluation.Web");
        var dll = Path.Combine(webProject, "bin", "Release", "net10.0", "Evaluation.Web.dll");
        // Building this program in Release builds the web project's Release output too.
        if (!File.Exists(dll))
            throw new BenchEnvironmentException($"找不到服务的 Release 版本：{dll}。请先运行 dotnet build -c Release。");
        // Under /tmp: as root the cluster runs as the postgres user, who must be able to reach it.
        var root = Path.Combine("/tmp", $"evaluation-loadbench-{Guid.NewGuid():N}");
        log.WriteLine($"启动私有 PostgreSQL 集群（{root}）……");
        LocalPostgres cluster;
        try
        {
            cluster = await LocalPostgres.StartAsync(root, LocalPostgres.FreeLoopbackPort(), ct: ct);
        }
        catch (LocalPostgresException e)
        {
            TryDelete(root);
            throw new BenchEnvironmentException(e.Message);
        }

        var url = new Uri($"http://127.0.0.1:{LocalPostgres.FreeLoopbackPort()}");
        // Generated per run and passed to the service only: a benchmark run must not leave a known admin password behind.
        var adminPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var start = new ProcessStartInfo("dotnet")
        {
            // The project folder, as `dotnet run` would: the service serves wwwroot from there.
            WorkingDirectory = webProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { dll, "--urls", url.ToString().TrimEnd('/') },
        };
        start.Environment["ConnectionStrings__Evaluation"] = cluster.ConnectionString;
        start.Environment["Bootstrap__AdminPassword"] = adminPassword;
        // The service refuses an external database without the key that seals its signing keys; a throwaway one suits a throwaway cluster.
        start.Environment["Signing__KeyEncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        log.WriteLine($"启动服务 {Path.GetRelativePath(RepositoryRoot(), dll)}（{url}）……");
        var service = Process.Start(start) ?? throw new BenchEnvironmentException("无法启动 dotnet。");
        var target = new BenchTarget(url, cluster.ConnectionString, "admin", adminPassword,
            $"本次启动的服务 {url}，私有 PostgreSQL 集群", cluster, root, service);
        service.OutputDataReceived += (_, e) => target.Keep(e.Data);
        service.ErrorDataReceived += (_, e) => target.Keep(e.Data);
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            await target.WaitUntilReadyAsync(ct);
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
        return target;
    }

    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Evaluation.sln"))) return dir.FullName;
        throw new BenchEnvironmentException("找不到 Evaluation.sln：请在仓库里运行本程序。");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_serviceOutput)
        {
            _serviceOutput.Enqueue(line);
            if (_serviceOutput.Count > 100) _serviceOutput.Dequeue();
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_service!.HasExited)
                throw new BenchEnvironmentException($"服务启动后退出（退出码 {_service.ExitCode}）：\n{ServiceOutputTail}");
            try
            {
                using var response = await client.GetAsync("/readyz", ct);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Listening but not answering yet.
            }
            await Task.Delay(200, ct);
        }
        throw new BenchEnvironmentException($"服务 90 秒内没有就绪：\n{ServiceOutputTail}");
    }

    private static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            // postmaster.pid's first line is the server's process id.
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            if (!_service.HasExited)
            {
                // SIGTERM first, as a service manager would: the ballot box writes what it holds before the process ends.
                using (var term = Process.Start("kill", ["-TERM", _service.Id.ToString()]))
                    await term.WaitForExitAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await _service.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    _service.Kill(entireProcessTree: true);
                    await _service.WaitForExitAsync();
                }
            }
            _service.Dispose();
        }
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (_clusterRoot is not null) TryDelete(_clusterRoot);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left under /tmp; nothing depends on it.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
