using System.Diagnostics;
using System.Net;
using System.Text;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Tests.Infrastructure;

public static class Repository
{
    /// <summary>The folder holding Evaluation.sln, above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Evaluation.sln"))) return dir.FullName;
        throw new InvalidOperationException("Evaluation.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// The web project's own build output run with `dotnet` on a free loopback port, as `dotnet run` would, from the
/// project folder so it serves wwwroot from the source tree: for what the in-memory test server cannot show
/// (a browser on a real socket, start-up and shutdown of the process itself).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly string[] _arguments;

    private ServiceProcess(Process process, string origin, IReadOnlyDictionary<string, string?> environment, string[] arguments)
    {
        _process = process;
        Origin = origin;
        _environment = environment;
        _arguments = arguments;
    }

    /// <summary>http://127.0.0.1:port: a loopback origin, which Chromium treats as a secure context (WebCrypto).</summary>
    public string Origin { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <param name="environment">Variables to set; a null value removes one.</param>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Start(environment, arguments, $"http://127.0.0.1:{LocalPostgres.FreeLoopbackPort()}");

    /// <summary>A new process with the same settings on the same address, as a service manager restarts one that died.</summary>
    public ServiceProcess StartAgain()
    {
        Assert.That(_process.HasExited, Is.True, "the previous process still runs");
        return Start(_environment, _arguments, Origin);
    }

    private static ServiceProcess Start(IReadOnlyDictionary<string, string?> environment, string[] arguments, string origin)
    {
        var webProject = Path.Combine(Repository.Root, "src", "Evaluation.Web");
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(webProject, "bin", configuration, "net10.0", "Evaluation.Web.dll");
        Assert.That(File.Exists(dll), Is.True, $"build the web project first: {dll}");

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = webProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { dll, "--urls", origin },
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["Logging__Json"] = "false";
        // As AppFactory's apps: a test that wants the no-configuration path (./run.sh) removes it with a null value.
        start.Environment["Signing__KeyEncryptionKey"] = AppFactory.KeyEncryptionKey;
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, origin, environment, arguments);
        service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        return service;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <param name="cookies">A jar shared with clients of another instance, as one browser talking to two replicas; by default its own.</param>
    public HttpClient Client(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = new Uri(Origin) };

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
            await Task.Delay(100);
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

    /// <summary>SIGKILL, as the kernel's OOM killer or a pulled plug would end it: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        using (var kill = Process.Start("kill", ["-KILL", _process.Id.ToString()]))
            await kill.WaitForExitAsync();
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
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
}
