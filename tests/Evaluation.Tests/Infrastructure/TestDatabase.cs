using Evaluation.Web.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Testcontainers.PostgreSql;

// Each fixture starts a whole app on its own database; running them one at a time keeps a failure's log readable.
[assembly: Parallelizable(ParallelScope.None)]

// In the root namespace so that its teardown runs once, after every fixture of the assembly.
namespace Evaluation.Tests;

/// <summary>
/// One PostgreSQL server for the whole run, started when a fixture first asks for a database: a container when a
/// Docker engine answers, otherwise a throwaway cluster from the machine's own binaries. Each fixture gets a
/// database of its own; the server is stopped after the last test.
/// </summary>
[SetUpFixture]
public sealed class TestDatabase
{
    // A fallback is only worth waiting for when there is one; without local binaries, give Docker time to pull.
    private static readonly TimeSpan DockerTimeoutWithFallback = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DockerTimeoutAlone = TimeSpan.FromMinutes(3);

    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static string? _serverConnectionString;
    private static PostgreSqlContainer? _container;
    private static LocalPostgres? _local;
    private static string? _localRoot;

    // Started on first use, not in a OneTimeSetUp, so a run of the pure Core tests starts no server.
    internal static async Task<string> ServerConnectionStringAsync()
    {
        if (_serverConnectionString is not null) return _serverConnectionString;
        await StartLock.WaitAsync();
        try
        {
            return _serverConnectionString ??= await StartServerAsync();
        }
        finally
        {
            StartLock.Release();
        }
    }

    private static async Task<string> StartServerAsync()
    {
        if (DockerMayAnswer() && await TryStartContainerAsync() is { } container)
        {
            _container = container;
            TestContext.Progress.WriteLine("Test database: PostgreSQL in a Docker container.");
            return container.GetConnectionString();
        }

        // Under /tmp so that the postgres user, which runs the cluster when the tests run as root, can reach it.
        _localRoot = Path.Combine("/tmp", $"evaluation-tests-{Guid.NewGuid():N}");
        _local = await LocalPostgres.StartAsync(_localRoot, LocalPostgres.FreeLoopbackPort());
        TestContext.Progress.WriteLine($"Test database: local PostgreSQL cluster in {_localRoot}.");
        return _local.ConnectionString;
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null) await _container.DisposeAsync();
        if (_local is not null) await _local.DisposeAsync();
        if (_localRoot is not null && Directory.Exists(_localRoot)) Directory.Delete(_localRoot, recursive: true);
        _container = null;
        _local = null;
        _localRoot = null;
        _serverConnectionString = null;
    }

    /// <summary>Creates an empty database with a unique name on the run's server and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"t_{Guid.NewGuid():N}";
        var server = await ServerConnectionStringAsync();
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false };
        await using (var conn = new NpgsqlConnection(admin.ConnectionString))
        {
            await conn.OpenAsync();
            // The name is built above from a Guid, never from input.
            await using var create = new NpgsqlCommand($"create database \"{name}\"", conn);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>Creates a database and applies the app's migrations to it, for tests that use the schema without starting the app.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync()
    {
        var connectionString = await CreateDatabaseAsync();
        Database.Migrate(connectionString, NullLogger.Instance);
        return connectionString;
    }

    private static bool DockerMayAnswer() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static async Task<PostgreSqlContainer?> TryStartContainerAsync()
    {
        var timeout = LocalPostgres.FindBinDirectory() is null ? DockerTimeoutAlone : DockerTimeoutWithFallback;
        PostgreSqlContainer? container = null;
        try
        {
            container = new PostgreSqlBuilder("postgres:15").Build();
            using var cts = new CancellationTokenSource(timeout);
            await container.StartAsync(cts.Token);
            return container;
        }
        catch (Exception e)
        {
            TestContext.Progress.WriteLine($"Docker did not give a PostgreSQL container ({e.GetType().Name}: {e.Message}); using local binaries.");
            if (container is not null)
            {
                try { await container.DisposeAsync(); }
                catch (Exception disposeError) { TestContext.Progress.WriteLine($"Removing the container failed too: {disposeError.Message}"); }
            }
            return null;
        }
    }
}
