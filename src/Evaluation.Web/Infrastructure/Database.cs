using System.Reflection;
using Dapper;
using DbUp;
using DbUp.Engine.Output;
using Npgsql;

namespace Evaluation.Web.Infrastructure;

public static class Database
{
    /// <summary>
    /// The connection string from configuration, or else a private cluster started from the machine's binaries.
    /// The returned cluster (null when configured) is stopped when disposed.
    /// </summary>
    public static async Task<(string ConnectionString, LocalPostgres? Local)> ResolveAsync(IConfiguration configuration)
    {
        if (configuration.GetConnectionString("Evaluation") is { Length: > 0 } configured)
            return (configured, null);
        var root = configuration["LocalDatabase:Root"] is { Length: > 0 } r ? r : LocalPostgres.DefaultRoot;
        var port = configuration.GetValue("LocalDatabase:Port", 54329);
        var local = await LocalPostgres.StartAsync(root, port, configuration["LocalDatabase:BinDirectory"] is { Length: > 0 } bin ? bin : null);
        return (local.ConnectionString, local);
    }

    /// <summary>
    /// Migrations take a session-level advisory lock, which a pooler in transaction mode (PgBouncer) cannot hold for a
    /// session: they need a direct connection to the primary, <c>ConnectionStrings:Migrations</c>, by default the same.
    /// </summary>
    public static string MigrationsConnectionString(IConfiguration configuration, string connectionString) =>
        configuration.GetConnectionString("Migrations") is { Length: > 0 } direct ? direct : connectionString;

    public static IServiceCollection AddDatabase(this IServiceCollection services, string connectionString)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
        services.AddSingleton(NpgsqlDataSource.Create(Tuned(connectionString)));
        return services;
    }

    /// <summary>
    /// Unless the connection string says otherwise: a few connections per core rather than Npgsql's 100, because under a
    /// burst of phones a hundred backends only contend for the same cores (measured: a third less PostgreSQL CPU per
    /// check-in with ten), while a request waiting a moment for a pooled connection costs nothing; and no DISCARD ALL each
    /// time a pooled connection is reused, because the app keeps no session state on them (the migration lock takes a
    /// connection of its own). With several hosts (an operator-managed cluster's primary and standbys, <c>Target Session
    /// Attributes=read-write</c>), what Npgsql learnt of each host is trusted for one second rather than ten: after a
    /// failover it otherwise keeps refusing the promoted standby as read-only for up to ten seconds (measured by
    /// PrimaryFailoverTests: the first ballot accepted 4.4 s after the promotion with ten, 0.9 s with one).
    /// </summary>
    private static string Tuned(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!new[] { "Maximum Pool Size", "Max Pool Size", "MaxPoolSize" }.Any(given.ContainsKey))
            tuned.MaxPoolSize = Math.Max(10, 4 * Environment.ProcessorCount);
        if (!new[] { "No Reset On Close", "NoResetOnClose" }.Any(given.ContainsKey))
            tuned.NoResetOnClose = true;
        if (tuned.Host?.Contains(',') == true && !new[] { "Host Recheck Seconds", "HostRecheckSeconds" }.Any(given.ContainsKey))
            tuned.HostRecheckSeconds = 1;
        return tuned.ConnectionString;
    }

    // Replicas starting together take turns, so no two run the same script.
    private const long MigrationLockKey = 0x6576616C5F6D6967;

    /// <summary>
    /// Applies db/migrations/*.sql in order, each in its own transaction; already applied scripts are skipped. Then runs
    /// <paramref name="whileLocked"/>, still holding the lock: start-up work that replicas must not do at the same time.
    /// </summary>
    public static void Migrate(string connectionString, ILogger logger, Action? whileLocked = null)
    {
        // Unpooled: the session, and with it the lock, ends when this connection is disposed.
        using var lockConnection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        lockConnection.Open();
        lockConnection.Execute("select pg_advisory_lock(@MigrationLockKey)", new { MigrationLockKey });
        var result = DeployChanges.To.PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.StartsWith("Migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(new MigrationLog(logger))
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"数据库迁移失败：{result.ErrorScript?.Name}", result.Error);
        logger.LogInformation("Database migrations applied: {Count} new script(s)", result.Scripts.Count());
        whileLocked?.Invoke();
    }

    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateOnly value) => parameter.Value = value;
        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as DateOnly"),
        };
    }

    private sealed class MigrationLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }
        public void LogDebug(string format, params object[] args) { }
        // DbUp narrates every step; the summary after the upgrade is what an operator needs.
        public void LogInformation(string format, params object[] args) => logger.LogDebug("Migration: {Message}", string.Format(format, args));
        public void LogWarning(string format, params object[] args) => logger.LogWarning("Migration: {Message}", string.Format(format, args));
        public void LogError(string format, params object[] args) => logger.LogError("Migration: {Message}", string.Format(format, args));
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "Migration: {Message}", string.Format(format, args));
    }
}
