using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Infrastructure;

/// <summary>
/// PgBouncer in transaction mode in front of the run's test server, as the Kubernetes Pooler stands in front of the
/// primary (deploy/k8s/11-pooler.yaml): any database name passes through, and a server connection is lent per transaction.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _output = new();

    private PgBouncer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static string? Binary => new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer" }.FirstOrDefault(File.Exists);

    /// <summary>The same database and credentials, through the pooler, with the settings deploy/k8s gives the app.</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port, NoResetOnClose = true, MaxAutoPrepare = 0 }.ConnectionString;

    /// <param name="server">Any connection string of the server: its host, port, user and password.</param>
    public static async Task<PgBouncer> StartAsync(string server)
    {
        var binary = Binary ?? throw new InvalidOperationException("pgbouncer is not installed");
        var target = new NpgsqlConnectionStringBuilder(server);
        // Under /tmp: as root, PgBouncer (which refuses to run as root) runs as the postgres user and must reach it.
        var folder = Directory.CreateDirectory(Path.Combine("/tmp", $"evaluation-pgbouncer-{Guid.NewGuid():N}")).FullName;
        var port = LocalPostgres.FreeLoopbackPort();
        await File.WriteAllTextAsync(Path.Combine(folder, "userlist.txt"), $"\"{target.Username}\" \"{target.Password}\"\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "pgbouncer.ini"),
            $"""
            [databases]
            * = host={target.Host} port={target.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {folder}/userlist.txt
            pool_mode = transaction
            max_client_conn = 500
            default_pool_size = 20
            log_connections = 0
            log_disconnections = 0
            pidfile = {folder}/pgbouncer.pid

            """);
        var start = LocalPostgres.IsRoot
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", binary } }
            : new ProcessStartInfo(binary);
        start.ArgumentList.Add(Path.Combine(folder, "pgbouncer.ini"));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = "/";
        if (LocalPostgres.IsRoot)
            using (var chown = Process.Start("chown", ["-R", "postgres:postgres", folder]))
                await chown.WaitForExitAsync();

        var pooler = new PgBouncer(Process.Start(start)!, folder, port);
        pooler._process.OutputDataReceived += (_, e) => pooler.Append(e.Data);
        pooler._process.ErrorDataReceived += (_, e) => pooler.Append(e.Data);
        pooler._process.BeginOutputReadLine();
        pooler._process.BeginErrorReadLine();
        await pooler.WaitUntilListeningAsync();
        return pooler;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) break;
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        lock (_output) Assert.Fail($"pgbouncer did not start listening on {Port}:\n{_output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
