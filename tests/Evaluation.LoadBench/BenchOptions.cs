using System.Globalization;

namespace Evaluation.LoadBench;

public sealed class BenchOptionsException(string message) : Exception(message);

/// <summary>Every knob of a run, each with the default a meeting-day run uses (BENCHMARKS.md).</summary>
public sealed record BenchOptions
{
    /// <summary>Phones at the meeting (phase 1): issue 16's meeting of 10,000.</summary>
    public int Phones { get; init; } = 10000;
    /// <summary>All phones arrive within this window, uniformly at random.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>At most this many phones between opening the page and receiving their receipt at once; by default <see cref="PhonesAtOnce"/>.</summary>
    public int? Concurrency { get; init; }
    /// <summary>Mean time a person takes to fill the form, before <see cref="TimeScale"/>.</summary>
    public TimeSpan Fill { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Multiplies the fill time: below 1 compresses the meeting, 0 submits at once.</summary>
    public double TimeScale { get; init; } = 1.0;

    /// <summary>Fresh slips for each burst of phase 2 (the check-in and ballot bursts, then the complete votes).</summary>
    public int SaturationPhones { get; init; } = 2000;
    public int SaturationConcurrency { get; init; } = 100;

    /// <summary>Length of each signing-ceiling run (one core, then all cores).</summary>
    public TimeSpan SignTime { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Length of the single-row commit ceiling run.</summary>
    public TimeSpan CommitTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A running service to measure instead of starting one.</summary>
    public Uri? Url { get; init; }
    /// <summary>The service's PostgreSQL, for the commit ceiling and the final count; required with <see cref="Url"/> for those.</summary>
    public string? Connection { get; init; }
    public string AdminUser { get; init; } = "admin";
    /// <summary>With <see cref="Url"/>: the service's and the postmaster's process ids, to attribute CPU time as in the default mode.</summary>
    public int? ServicePid { get; init; }
    public int? PostmasterPid { get; init; }
    public string? AdminPassword { get; init; }

    /// <summary>Receipts checked one by one through the public page (POST /receipt), besides all of them in the database.</summary>
    public int ReceiptChecks { get; init; } = 20;
    public int? Seed { get; init; }
    public string? JsonPath { get; init; }
    /// <summary>Hard stop for the whole run, so that it always ends by itself.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan MeanFill => Fill * TimeScale;

    /// <summary>
    /// The default bound on phones in flight: by Little's law, arrivals per second times the time a phone stays (the mean
    /// fill and a second for its requests), with 30 % to spare, so that it holds back no arrival on schedule (the lateness
    /// report would show it if it did) and still bounds the connections the run holds open (<see cref="FileLimits"/>).
    /// </summary>
    public int PhonesAtOnce
    {
        get
        {
            if (Concurrency is { } given) return given;
            if (Window <= TimeSpan.Zero) return Phones;
            var perSecond = Phones / Window.TotalSeconds;
            var atOnce = (int)Math.Ceiling(1.3 * perSecond * (MeanFill.TotalSeconds + 1));
            return Math.Clamp(atOnce, Math.Min(Phones, 100), Phones);
        }
    }

    public const string Usage =
        """
        用法: dotnet run -c Release --project tests/Evaluation.LoadBench -- [选项]

        会场（第一阶段）
          --phones N                 到会手机数（默认 10000）
          --window 时长              全部手机在此时间内随机到场（默认 60s）
          --concurrency N            同时在场（打开页面到拿到回执）的手机上限（默认按到场率 × (平均填写用时 + 1 s) × 1.3 推算）
          --fill 时长                填写问卷的平均用时（默认 20s）
          --time-scale 系数          填写用时乘以此系数；0 表示签到后立即提交（默认 1）
        饱和（第二阶段）
          --saturation-phones N      每一轮另发的新票签数：先尽快全部签到、再尽快全部提交；
                                     再一轮“完整投票”每部手机签到后立即去盲、封装、提交（默认 2000）
          --saturation-concurrency N 并发请求数（默认 100）
        上限
          --sign-time 时长           盲签名上限每轮测量时长（单核、全部核各一轮，默认 3s）
          --commit-time 时长         单行插入提交上限测量时长（默认 5s）
        目标服务（默认自带：启动私有 PostgreSQL 集群和 Release 版服务）
          --url URL                  测量已在运行的服务（只允许 127.0.0.1 / localhost）
          --connection 连接串        该服务的 PostgreSQL（提交上限与最终核对需要）
          --admin-user 用户名        管理员账号（默认 admin）
          --admin-password 密码      管理员密码（与 --url 一起使用时必填）
          --service-pid N            该服务的进程号（可选，用于统计服务的 CPU 时间）
          --postmaster-pid N         该 PostgreSQL 主进程号（可选，统计 PostgreSQL 的 CPU 时间）
        其他
          --receipt-checks N         经公开查询页逐个核对的回执数（默认 20）
          --seed N                   随机种子（到场时间、答卷）
          --json 文件                另把结果写成 JSON
          --max-duration 时长        整个运行的硬性上限（默认 15m）
        时长写法: 60s、500ms、2m、1.5（秒）
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count) throw new BenchOptionsException($"{name} 需要一个值。");
                return args[++i];
            }
            options = name switch
            {
                "--phones" => options with { Phones = Positive(name, Value()) },
                "--window" => options with { Window = Duration(name, Value()) },
                "--concurrency" => options with { Concurrency = Positive(name, Value()) },
                "--fill" => options with { Fill = Duration(name, Value()) },
                "--time-scale" => options with { TimeScale = NonNegative(name, Value()) },
                "--saturation-phones" => options with { SaturationPhones = Positive(name, Value()) },
                "--saturation-concurrency" => options with { SaturationConcurrency = Positive(name, Value()) },
                "--sign-time" => options with { SignTime = Duration(name, Value()) },
                "--commit-time" => options with { CommitTime = Duration(name, Value()) },
                "--url" => options with { Url = Loopback(name, Value()) },
                "--connection" => options with { Connection = Value() },
                "--admin-user" => options with { AdminUser = Value() },
                "--admin-password" => options with { AdminPassword = Value() },
                "--service-pid" => options with { ServicePid = Positive(name, Value()) },
                "--postmaster-pid" => options with { PostmasterPid = Positive(name, Value()) },
                "--receipt-checks" => options with { ReceiptChecks = (int)NonNegative(name, Value()) },
                "--seed" => options with { Seed = int.TryParse(Value(), CultureInfo.InvariantCulture, out var seed) ? seed : throw new BenchOptionsException($"{name} 应为整数。") },
                "--json" => options with { JsonPath = Value() },
                "--max-duration" => options with { MaxDuration = Duration(name, Value()) },
                _ => throw new BenchOptionsException($"不认识的选项：{name}"),
            };
        }
        if (options.Url is not null && options.AdminPassword is null)
            throw new BenchOptionsException("使用 --url 时请用 --admin-password 给出管理员密码：准备工作要经管理员页面完成。");
        if (options.Url is null && options.Connection is not null)
            throw new BenchOptionsException("--connection 只与 --url 一起使用；自带模式用自己启动的 PostgreSQL。");
        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw new BenchOptionsException($"{name} 应为正整数，而不是“{value}”。");

    private static double NonNegative(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= 0 && double.IsFinite(x) ? x
            : throw new BenchOptionsException($"{name} 应为不小于 0 的数，而不是“{value}”。");

    public static TimeSpan Duration(string name, string value)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : (value, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || x < 0 || !double.IsFinite(x))
            throw new BenchOptionsException($"{name} 应为时长（如 60s、500ms、2m），而不是“{value}”。");
        return TimeSpan.FromSeconds(x * unit);
    }

    // Load is only ever sent to this machine.
    private static Uri Loopback(string name, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new BenchOptionsException($"{name} 应为 http://127.0.0.1:端口 这样的地址。");
        if (!(uri.IsLoopback || uri.Host == "localhost"))
            throw new BenchOptionsException($"{name} 只能指向本机（127.0.0.1 或 localhost）：压测流量不发往其他主机。");
        return uri;
    }
}
