using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>
/// A PostgreSQL cluster of the fault tests' own, which they stop, restart, make read-only and fill up. The run's shared
/// server (<see cref="TestDatabase"/>) must stay healthy for every other fixture, so none of that happens there.
/// Started on first use; stopped and removed after the last fault test (this is the namespace's set-up fixture).
/// </summary>
[SetUpFixture]
public sealed class FaultCluster
{
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static LocalPostgres? _cluster;
    private static string? _root;
    private static int _port;
    private static bool _stopped;

    /// <summary>The cluster's folder, under /tmp so that the postgres user (who runs it when the tests run as root) can reach it.</summary>
    public static string Root => _root ?? throw new InvalidOperationException("the fault cluster has not started");

    /// <summary>Starts the cluster if it is not running (the first time, creating it), and returns its superuser connection string.</summary>
    public static async Task<string> StartAsync()
    {
        await StartLock.WaitAsync();
        try
        {
            _root ??= Path.Combine("/tmp", $"evaluation-faults-{Guid.NewGuid():N}");
            if (_port == 0) _port = LocalPostgres.FreeLoopbackPort();
            // Starts a stopped cluster with the same settings and port (after a crash: with recovery).
            if (_cluster is null || _stopped) _cluster = await LocalPostgres.StartAsync(_root, _port);
            _stopped = false;
            return _cluster.ConnectionString;
        }
        finally
        {
            StartLock.Release();
        }
    }

    /// <summary>An empty database of its own on the cluster, optionally in a tablespace, for one test's app.</summary>
    public static async Task<string> CreateDatabaseAsync(string? tablespace = null)
    {
        var server = await StartAsync();
        var name = $"f_{Guid.NewGuid():N}";
        await using (var conn = await OpenAdminAsync())
            // Names built here from a Guid and from the tests' own constants, never from input.
            await conn.ExecuteAsync($"create database \"{name}\"" + (tablespace is null ? "" : $" tablespace \"{tablespace}\""));
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>An unpooled superuser connection: it must not linger in a pool across a restart.</summary>
    public static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var server = await StartAsync();
        var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    /// <summary>
    /// pg_ctl stop: "immediate" is a crash (no checkpoint; the next start recovers from the WAL), "fast" a clean shutdown
    /// that still ends every session at once.
    /// </summary>
    public static async Task StopAsync(string mode = "immediate")
    {
        // Whatever comes of it, the next StartAsync asks pg_ctl whether the cluster runs.
        _stopped = true;
        var stop = await LocalPostgres.RunProgramAsync("pg_ctl", ["stop", "-w", "-t", "60", "-m", mode, "-D", Path.Combine(Root, "pgdata")], allowFailure: true);
        Assert.That(stop.ExitCode, Is.Zero, $"pg_ctl stop failed: {stop.Output}");
    }

    [OneTimeTearDown]
    public async Task RemoveCluster()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (_root is not null && Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        _cluster = null;
        _root = null;
        _port = 0;
        _stopped = false;
    }
}
