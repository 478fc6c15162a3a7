using System.Globalization;

namespace Evaluation.LoadBench;

/// <summary>
/// Each phone at the meeting holds its own connections, and the service holds the other end of each: both processes need
/// a file descriptor per connection. Checked before the meeting, so that a low <c>ulimit -n</c> stops the run with what to
/// do instead of refused connections halfway through it.
/// </summary>
public static class FileLimits
{
    /// <summary>Beyond the phones: the saturation pool, PostgreSQL connections, the runtime's and the log's own files.</summary>
    public const int Spare = 1000;

    /// <summary>Browsers open up to six connections to one host; a phone opens one per file it fetches in parallel.</summary>
    public const int MaxConnectionsPerPhone = 6;

    public static int ConnectionsPerPhone(int pageFiles) => Math.Clamp(pageFiles, 1, MaxConnectionsPerPhone);

    public static int Needed(int phonesAtOnce, int connectionsPerPhone) => phonesAtOnce * connectionsPerPhone + Spare;

    /// <exception cref="BenchEnvironmentException">When this process or the service may run out of descriptors.</exception>
    public static void Check(int phonesAtOnce, int connectionsPerPhone, int? servicePid)
    {
        var needed = Needed(phonesAtOnce, connectionsPerPhone);
        foreach (var (who, pid) in new[] { ("压测程序", (int?)Environment.ProcessId), ("服务进程", servicePid) })
        {
            if (pid is not { } p || OpenFilesLimit(p) is not { } limit || limit >= needed) continue;
            throw new BenchEnvironmentException(
                $"文件描述符不够：同时在场最多 {phonesAtOnce} 部手机，每部最多 {connectionsPerPhone} 个连接，{who}（进程 {p}）约需 {needed} 个，" +
                $"而它的上限（ulimit -n）是 {limit}。请先在同一个 shell 里执行 ulimit -n {needed}（或更大；本程序启动的服务随之生效）再运行，" +
                "或用 --concurrency 调低同时在场上限（上限一旦起作用就会推迟到场，见结果中的“到场时间偏差”）。");
        }
    }

    /// <summary>The soft limit on open files of a process (/proc/PID/limits); null when unlimited or not readable.</summary>
    public static long? OpenFilesLimit(int pid)
    {
        try
        {
            // "Max open files            20000                20000                files"
            var line = File.ReadLines($"/proc/{pid}/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return long.TryParse(soft, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) ? limit : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
