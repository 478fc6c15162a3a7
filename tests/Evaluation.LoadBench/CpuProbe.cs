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
        double? Share(double a, double b) => double.IsNaN(a) || double.IsNaN(b) || capacity <= 0 ? null : Math.Round(100 * (b - a) / capacity, 1);
        var machineTotal = after.MachineTotal - before.MachineTotal;
        return new CpuUse(Share(before.Service, after.Service), Share(before.Postgres, after.Postgres), Share(before.Self, after.Self),
            machineTotal > 0 ? Math.Round(100 * (after.MachineBusy - before.MachineBusy) / machineTotal, 1) : null);
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

/// <summary>Shares of the machine's CPU, in % of all cores; null where not measured.</summary>
public sealed record CpuUse(double? Service, double? Postgres, double? Bench, double? Machine);
