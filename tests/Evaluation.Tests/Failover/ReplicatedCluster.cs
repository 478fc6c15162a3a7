using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Failover;

/// <summary>
/// A primary and its one synchronous standby, from the machine's PostgreSQL binaries on loopback ports (run as the
/// postgres user when the tests run as root): what CloudNativePG or Patroni keeps, without the operator. The standby is a
/// <c>pg_basebackup -R</c> copy streaming from the primary; the primary then names it in <c>synchronous_standby_names</c>,
/// so a commit (synchronous_commit=on) is answered only once the standby has it on disk. The test plays the operator:
/// it kills the primary and promotes the standby.
/// </summary>
public sealed class ReplicatedCluster : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _password;

    public int PrimaryPort { get; }
    public int StandbyPort { get; }
    private string PrimaryData => Path.Combine(_root, "primary", "pgdata");
    private string StandbyData => Path.Combine(_root, "standby", "pgdata");

    private ReplicatedCluster(string root, string password, int primaryPort, int standbyPort)
    {
        _root = root;
        _password = password;
        PrimaryPort = primaryPort;
        StandbyPort = standbyPort;
    }

    public static async Task<ReplicatedCluster> StartAsync()
    {
        // Under /tmp so that the postgres user can reach it.
        var root = Path.Combine("/tmp", $"evaluation-failover-{Guid.NewGuid():N}");
        var primaryPort = LocalPostgres.FreeLoopbackPort();
        var standbyPort = LocalPostgres.FreeLoopbackPort();
        await LocalPostgres.StartAsync(Path.Combine(root, "primary"), primaryPort);
        var password = (await File.ReadAllTextAsync(Path.Combine(root, "primary", "password"))).Trim();
        var cluster = new ReplicatedCluster(root, password, primaryPort, standbyPort);

        // pg_basebackup reads the password from a file of the postgres user's, not from its command line; -R writes the
        // standby's primary_conninfo (naming the same file) and standby.signal.
        var standbyRoot = Path.Combine(root, "standby");
        Directory.CreateDirectory(standbyRoot);
        var passFile = Path.Combine(root, "pgpass");
        await File.WriteAllTextAsync(passFile, $"127.0.0.1:{primaryPort}:*:evaluation:{password}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (LocalPostgres.IsRoot)
            await Chown(root);
        await Run("pg_basebackup", "-D", cluster.StandbyData, "-R", "-X", "stream", "-c", "fast",
            "-d", $"host=127.0.0.1 port={primaryPort} user=evaluation passfile={passFile} application_name=standby");
        await cluster.StartStandbyAsync();

        // Only now, and on the primary alone: a standby copied with this setting would, once promoted, wait for a standby of
        // its own that does not exist.
        await using (var conn = await OpenAsync(cluster.PrimaryConnectionString("postgres")))
        {
            await conn.ExecuteAsync("alter system set synchronous_standby_names = '*'");
            await conn.ExecuteAsync("select pg_reload_conf()");
        }
        await cluster.WaitUntilSynchronousAsync();
        return cluster;
    }

    /// <summary>Superuser, unpooled, straight to the primary (that was).</summary>
    public string PrimaryConnectionString(string database) => Direct(PrimaryPort, database);

    /// <summary>Superuser, unpooled, straight to the standby (the primary once promoted).</summary>
    public string StandbyConnectionString(string database) => Direct(StandbyPort, database);

    /// <summary>What the service is given, as a client of an operator-managed cluster: both hosts, and "the one that writes".</summary>
    public string ServiceConnectionString(string database) =>
        $"Host=127.0.0.1:{PrimaryPort},127.0.0.1:{StandbyPort};Target Session Attributes=read-write;Database={database};" +
        $"Username=evaluation;Password={_password}";

    private string Direct(int port, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = port, Database = database, Username = "evaluation", Password = _password, Pooling = false,
    }.ConnectionString;

    /// <summary>A new empty database on the primary (the standby gets it by replication); returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"r_{Guid.NewGuid():N}";
        await using var conn = await OpenAsync(PrimaryConnectionString("postgres"));
        // A name built from a Guid, never from input.
        await conn.ExecuteAsync($"create database \"{name}\"");
        return name;
    }

    /// <summary>The primary dies: no checkpoint, no goodbye to the standby or to the clients.</summary>
    public Task KillPrimaryAsync() => Run("pg_ctl", "stop", "-w", "-t", "60", "-m", "immediate", "-D", PrimaryData);

    /// <summary>What the operator does next: the standby becomes a primary that takes writes.</summary>
    public Task PromoteStandbyAsync() => Run("pg_ctl", "promote", "-w", "-t", "60", "-D", StandbyData);

    public Task StopStandbyAsync() => Run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", StandbyData);

    public Task StartStandbyAsync() =>
        Run("pg_ctl", "start", "-w", "-t", "60", "-D", StandbyData, "-l", Path.Combine(_root, "standby", "server.log"),
            "-o", LocalPostgres.ServerOptions(StandbyPort));

    /// <summary>Waits until the primary reports the standby streaming as its synchronous standby.</summary>
    public async Task WaitUntilSynchronousAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        await using var conn = await OpenAsync(PrimaryConnectionString("postgres"));
        while (await conn.ExecuteScalarAsync<int>("select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'sync'") == 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the standby did not become synchronous within 60 s");
            await Task.Delay(50);
        }
    }

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        return conn;
    }

    private static async Task Run(string program, params string[] arguments)
    {
        var result = await LocalPostgres.RunProgramAsync(program, arguments, allowFailure: true);
        Assert.That(result.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}: {result.Output}");
    }

    private static async Task Chown(string path)
    {
        using var chown = System.Diagnostics.Process.Start("chown", ["-R", "postgres:postgres", path]);
        await chown.WaitForExitAsync();
        Assert.That(chown.ExitCode, Is.Zero, "chown of the cluster's folder");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var data in new[] { PrimaryData, StandbyData })
            await LocalPostgres.RunProgramAsync("pg_ctl", ["stop", "-w", "-t", "60", "-m", "immediate", "-D", data], allowFailure: true);
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
