using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Evaluation.Web.Infrastructure;

public sealed class LocalPostgresException(string message) : Exception(message);

/// <summary>
/// A private PostgreSQL cluster run from the machine's own binaries, so the service starts with no configuration.
/// Listens on loopback only, requires a password, and keeps anonymity settings (no statement logging, no commit timestamps).
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    public const string DatabaseName = "evaluation";
    private const string SuperUser = "evaluation";

    private static readonly string[] AnonymitySettings =
    [
        "listen_addresses=127.0.0.1",
        "unix_socket_directories=",
        "log_statement=none",
        "log_min_duration_statement=-1",
        "log_min_error_statement=panic",
        "log_parameter_max_length=0",
        "log_parameter_max_length_on_error=0",
        "log_error_verbosity=terse",
        "log_connections=off",
        "log_disconnections=off",
        "track_commit_timestamp=off",
        "synchronous_commit=on",
        // A venue's burst of phones, plus a test run's several apps, each with its own connection pool.
        "max_connections=300",
    ];

    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private readonly bool _stopOnDispose;

    public string ConnectionString { get; }

    /// <summary>The folder holding <c>pgdata/</c> and the files kept beside it (password, key encryption key).</summary>
    public string Root => Path.GetDirectoryName(_dataDirectory)!;

    private LocalPostgres(string binDirectory, string dataDirectory, string connectionString, bool stopOnDispose)
    {
        _binDirectory = binDirectory;
        _dataDirectory = dataDirectory;
        ConnectionString = connectionString;
        _stopOnDispose = stopOnDispose;
    }

    public static string DefaultRoot =>
        IsRoot ? "/var/lib/evaluation"
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"), "evaluation");

    public static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    /// <summary>Starts (creating it on first use) the cluster under <paramref name="root"/>; reuses one already running there.</summary>
    public static async Task<LocalPostgres> StartAsync(string root, int port, string? binDirectory = null, CancellationToken ct = default)
    {
        var bin = (binDirectory is null ? FindBinDirectory() : File.Exists(Path.Combine(binDirectory, "initdb")) ? binDirectory : null) ?? throw new LocalPostgresException(
            "找不到 PostgreSQL 程序（initdb、pg_ctl）。请安装：apt-get install -y postgresql（或运行 ./run.sh 自动安装），" +
            "或设置环境变量 ConnectionStrings__Evaluation 指向已有的 PostgreSQL 服务器。");
        root = Path.GetFullPath(root);
        var data = Path.Combine(root, "pgdata");
        var passwordFile = Path.Combine(root, "password");

        Directory.CreateDirectory(root);
        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
            await InitialiseAsync(bin, root, data, passwordFile, ct);
        var password = (await File.ReadAllTextAsync(passwordFile, ct)).Trim();

        var running = await RunAsync(bin, ["pg_ctl", "status", "-D", data], ct, allowFailure: true);
        if (running.ExitCode != 0)
        {
            var options = ServerOptions(port);
            var start = await RunAsync(bin, ["pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", Path.Combine(data, "server.log"), "-o", options], ct, allowFailure: true);
            if (start.ExitCode != 0)
                throw new LocalPostgresException(
                    $"内置 PostgreSQL 启动失败（数据目录 {data}，端口 {port}）。端口可能已被占用：请设置 LocalDatabase__Port 换一个端口，" +
                    $"或设置 ConnectionStrings__Evaluation 使用已有服务器。详情见 {Path.Combine(data, "server.log")}。\n{start.Output}");
        }
        else
        {
            port = ReadRunningPort(data) ?? port;
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = SuperUser, Password = password, Database = DatabaseName,
        };
        await EnsureDatabaseAsync(builder, ct);
        return new LocalPostgres(bin, data, builder.ConnectionString, stopOnDispose: true);
    }

    /// <summary>pg_ctl's <c>-o</c> for a server of these settings on <paramref name="port"/>.</summary>
    public static string ServerOptions(int port) => string.Join(' ', AnonymitySettings.Append($"port={port}").Select(s => $"-c {s}"));

    public static string? FindBinDirectory()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
        // A PATH entry may hold links to a few of the programs (initdb, pg_ctl) only: the folder they point to has them all
        // (pg_basebackup among them).
        if (onPath is not null)
            return new FileInfo(Path.Combine(onPath, "pg_ctl")).ResolveLinkTarget(returnFinalTarget: true) is { } target
                ? Path.GetDirectoryName(target.FullName) : onPath;
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task InitialiseAsync(string bin, string root, string data, string passwordFile, CancellationToken ct)
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        // initdb runs as the postgres user when we are root, so it reads the password from a file of its own, removed at once.
        var initPasswordFile = Path.Combine(root, "initdb-password");
        await File.WriteAllTextAsync(initPasswordFile, password, ct);
        if (IsRoot) await RunAsync(bin, ["chown", "-R", "postgres:postgres", root], ct, direct: true);
        try
        {
            await RunAsync(bin,
                ["initdb", "-D", data, "-U", SuperUser, "--pwfile", initPasswordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
                ct);
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
        await File.WriteAllTextAsync(passwordFile, password, ct);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static int? ReadRunningPort(string data)
    {
        // postmaster.pid line 4 is the port the running server listens on.
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var lines = File.ReadAllLines(pidFile);
        return lines.Length > 3 && int.TryParse(lines[3], out var p) ? p : null;
    }

    private static async Task EnsureDatabaseAsync(NpgsqlConnectionStringBuilder target, CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = @name", conn);
        exists.Parameters.AddWithValue("name", target.Database!);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            // Identifier from a constant, never from input.
            await using var create = new NpgsqlCommand($"create database \"{target.Database}\"", conn);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopOnDispose) return;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(_binDirectory, ["pg_ctl", "stop", "-w", "-m", "fast", "-D", _dataDirectory], CancellationToken.None, allowFailure: true);
    }

    public sealed record CommandResult(int ExitCode, string Output);

    /// <summary>Runs one of the PostgreSQL programs (as the postgres user when we are root), as this class runs pg_ctl.</summary>
    public static Task<CommandResult> RunProgramAsync(string program, IEnumerable<string> arguments, bool allowFailure = false, CancellationToken ct = default)
    {
        var bin = FindBinDirectory() ?? throw new LocalPostgresException("找不到 PostgreSQL 程序（initdb、pg_ctl）。请安装：apt-get install -y postgresql。");
        return RunAsync(bin, [program, .. arguments], ct, allowFailure);
    }

    private static async Task<CommandResult> RunAsync(string bin, string[] command, CancellationToken ct, bool allowFailure = false, bool direct = false)
    {
        var program = direct ? command[0] : Path.Combine(bin, command[0]);
        var start = IsRoot && !direct
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", program } }
            : new ProcessStartInfo(program);
        foreach (var arg in command.Skip(1)) start.ArgumentList.Add(arg);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // The postgres user cannot enter root's home; run from a directory everyone can read.
        start.WorkingDirectory = "/";
        using var process = Process.Start(start) ?? throw new LocalPostgresException($"无法运行 {program}。");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var result = new CommandResult(process.ExitCode, (await stdout + await stderr).Trim());
        if (result.ExitCode != 0 && !allowFailure)
            throw new LocalPostgresException($"{command[0]} 运行失败（退出码 {result.ExitCode}）：{result.Output}");
        return result;
    }
}
