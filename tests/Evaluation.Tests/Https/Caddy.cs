using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Tests.Https;

/// <summary>
/// Debian's caddy running deploy/Caddyfile, the very file docker compose's proxy runs, with TLS=internal (Caddy's own CA,
/// as no public CA can reach this machine), on a loopback port, in front of an app on another. Started as a plain process,
/// no systemd; its storage (the CA and the site's certificate) lives in a folder of its own, deleted afterwards.
/// </summary>
public sealed class Caddy : IAsyncDisposable
{
    public const string Binary = "/usr/bin/caddy";

    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _output = new();

    private Caddy(Process process, string folder, string domain, int port)
    {
        _process = process;
        _folder = folder;
        Domain = domain;
        Port = port;
    }

    public string Domain { get; }
    public int Port { get; }

    /// <summary>The address phones open, as DOMAIN gives it in production.</summary>
    public string Origin => $"https://{Domain}:{Port}";

    /// <summary>Caddy's local root CA, which signed the site's certificate (through an intermediate).</summary>
    public X509Certificate2 Root { get; private set; } = null!;

    private string RootFile => Path.Combine(_folder, "data", "caddy", "pki", "authorities", "local", "root.crt");

    /// <param name="domain">A name that is not localhost, so nothing is secure but for TLS; clients reach it on 127.0.0.1.</param>
    public static async Task<Caddy> StartAsync(string domain, int upstreamPort)
    {
        // Not a skip: a test of the production setup that silently does not run is worse than a red one.
        if (!File.Exists(Binary))
            Assert.Fail($"没有找到 {Binary}：HTTPS 端到端测试需要 Debian 的 caddy。请以 root 运行 scripts/setup.sh，或 apt-get install -y caddy。");

        var folder = Directory.CreateDirectory(Path.Combine("/tmp", $"evaluation-caddy-{Guid.NewGuid():N}")).FullName;
        var port = LocalPostgres.FreeLoopbackPort();
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList = { "run", "--config", Path.Combine(Repository.Root, "deploy", "Caddyfile"), "--adapter", "caddyfile" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        start.Environment["DOMAIN"] = $"{domain}:{port}";
        start.Environment["TLS"] = "internal";
        start.Environment["UPSTREAM"] = $"127.0.0.1:{upstreamPort}";
        start.Environment["BIND"] = "127.0.0.1";
        start.Environment["HTTPS_PORT"] = port.ToString();
        start.Environment["HTTP_PORT"] = LocalPostgres.FreeLoopbackPort().ToString();
        start.Environment["HOME"] = folder;
        start.Environment["XDG_DATA_HOME"] = Path.Combine(folder, "data");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(folder, "config");

        var caddy = new Caddy(Process.Start(start)!, folder, domain, port);
        caddy._process.OutputDataReceived += (_, e) => caddy.Append(e.Data);
        caddy._process.ErrorDataReceived += (_, e) => caddy.Append(e.Data);
        caddy._process.BeginOutputReadLine();
        caddy._process.BeginErrorReadLine();
        await caddy.WaitUntilServingAsync();
        return caddy;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Until the CA exists and the app's /healthz answers through the proxy, over TLS checked against that CA.</summary>
    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (File.Exists(RootFile))
            {
                Root ??= X509CertificateLoader.LoadCertificateFromFile(RootFile);
                try
                {
                    using var client = Client();
                    using var response = await client.GetAsync("/healthz");
                    if (response.StatusCode == HttpStatusCode.OK) return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet, or the site's certificate not issued yet.
                }
            }
            await Task.Delay(200);
        }
        Assert.Fail($"caddy did not serve {Origin}/healthz within 60 s:\n{Output}");
    }

    /// <summary>
    /// A client of <see cref="Origin"/> that trusts Caddy's root and nothing else, as a phone trusts a public CA.
    /// </summary>
    /// <param name="from">The loopback address to connect from (another client's address, as the proxy sees it).</param>
    public HttpClient Client(CookieContainer? cookies = null, IPAddress? from = null) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = (_, ct) => LoopbackAsync(Port, from, ct),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = IssuedByRoot },
        }) { BaseAddress = new Uri(Origin) };

    /// <summary>A connection to 127.0.0.1:<paramref name="port"/> whatever the URL's host, from <paramref name="from"/> if given.</summary>
    public static async ValueTask<Stream> LoopbackAsync(int port, IPAddress? from, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (from is not null) socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool IssuedByRoot(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        // The name must match (SNI is the URL's host); only the chain is checked against Caddy's root instead of the system's.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(new X509Certificate2(certificate));
    }

    /// <summary>
    /// A home folder whose NSS database (~/.pki/nssdb, where Chromium on Linux keeps the user's own trusted roots) trusts
    /// Caddy's root: Chromium started with it as HOME verifies the site as a phone verifies a public CA's, with no
    /// certificate error to ignore.
    /// </summary>
    public async Task<string> BrowserHomeAsync()
    {
        var home = Path.Combine(_folder, "browser-home");
        var nssdb = Directory.CreateDirectory(Path.Combine(home, ".pki", "nssdb")).FullName;
        await CertutilAsync("-N", "-d", $"sql:{nssdb}", "--empty-password");
        await CertutilAsync("-A", "-d", $"sql:{nssdb}", "-n", "caddy-local-root", "-t", "C,,", "-i", RootFile);
        return home;
    }

    private static async Task CertutilAsync(params string[] arguments)
    {
        const string certutil = "/usr/bin/certutil";
        if (!File.Exists(certutil))
            Assert.Fail($"没有找到 {certutil}：把 caddy 的根证书交给 Chromium 需要它。请以 root 运行 scripts/setup.sh，或 apt-get install -y libnss3-tools。");
        var start = new ProcessStartInfo(certutil) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"certutil {string.Join(' ', arguments)}: {output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Root?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
