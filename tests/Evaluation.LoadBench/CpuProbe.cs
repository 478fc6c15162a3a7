using System.Diagnostics;
using System.Globalization;

namespace Evaluation.LoadBench;

/// <summary>
/// Where the machine's CPU went during a phase: the service process, PostgreSQL (the postmaster and its backends),
/// this program, and the whole machine (which shows whether anything else was running). Read from /proc, so Linux
/// only; a share is of all cores over the phase's wall time, so 100 % means every core busy throughout.
/// </summary>
public sealed class CpuProbe(int? servicePid, int? postmasterPid)
{
    // USER_HZ, the unit of /proc's CPU times, is 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    public sealed record Sample(long Timestamp, double Service, double Postgres, double Self, double MachineBusy, double MachineTotal);

    public Sample Take() => new(
        Stopwatch.GetTimestamp(),
        servicePid is { } s ? ProcessSeconds(s, withChildren: false) : double.NaN,
        postmasterPid is { } p ? PostgresSeconds(p) : double.NaN,
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        MachineSeconds(busy: true),
        MachineSeconds(busy: false));

    public static CpuUse Between(Sample before, Sample after)
    {
        var capacity = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds * Environment.ProcessorCount;
        double? Seconds(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? null : Math.Round(b - a, 3);
        double? Share(double? seconds) => seconds is { } s && capacity > 0 ? Math.Round(100 * s / capacity, 1) : null;
        var (service, postgres, self) = (Seconds(before.Service, after.Service), Seconds(before.Postgres, after.Postgres), Seconds(before.Self, after.Self));
        var machineTotal = after.MachineTotal - before.MachineTotal;
        return new CpuUse(Share(service), Share(postgres), Share(self),
            machineTotal > 0 ? Math.Round(100 * (after.MachineBusy - before.MachineBusy) / machineTotal, 1) : null,
            service, postgres, self);
    }

    private static double ProcessSeconds(int pid, bool withChildren)
    {
        var fields = StatFields(pid);
        if (fields is null) return 0;
        // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (proc(5)).
        var ticks = Field(fields, 14) + Field(fields, 15) + (withChildren ? Field(fields, 16) + Field(fields, 17) : 0);
        return ticks / TicksPerSecond;
    }

    /// <summary>The postmaster with the backends it has reaped, plus the backends alive now.</summary>
    private static double PostgresSeconds(int postmaster)
    {
        var total = ProcessSeconds(postmaster, withChildren: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == postmaster) continue;
            var fields = StatFields(pid);
            if (fields is not null && Field(fields, 4) == postmaster)
                total += (Field(fields, 14) + Field(fields, 15)) / TicksPerSecond;
        }
        return total;
    }

    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces; fields after it are plain.
            var rest = stat[(stat.LastIndexOf(')') + 2)..];
            return rest.Split(' ');
        }
        catch (IOException)
        {
            return null; // The process ended meanwhile.
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // proc(5) numbers fields from 1 with the pid; the split starts at field 3.
    private static long Field(string[] rest, int number) =>
        long.TryParse(rest[number - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static double MachineSeconds(bool busy)
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal (guest time is already inside user).
            var total = cpu.Take(8).Sum();
            return (busy ? total - cpu[3] - cpu[4] : total) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}

/// <summary>
/// Shares of the machine's CPU, in % of all cores, and the CPU seconds behind them; null where not measured. The seconds
/// hardly change when other work shares the machine, so CPU per request compares runs on a busy machine where
/// throughput does not.
/// </summary>
public sealed record CpuUse(double? Service, double? Postgres, double? Bench, double? Machine,
    double? ServiceSeconds, double? PostgresSeconds, double? BenchSeconds)
{
    /// <summary>Milliseconds of CPU per operation of the service and PostgreSQL together; null unless both were measured.</summary>
    public double? ServerMsPer(int operations) =>
        ServiceSeconds is { } s && PostgresSeconds is { } p && operations > 0 ? 1000 * (s + p) / operations : null;
}
