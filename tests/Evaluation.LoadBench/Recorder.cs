using System.Diagnostics;

namespace Evaluation.LoadBench;

/// <summary>Latencies and outcomes of one kind of request, from many tasks at once.</summary>
public sealed class StepRecorder(string name)
{
    private readonly Lock _lock = new();
    private readonly List<double> _milliseconds = [];
    private long _first = long.MaxValue;
    private long _last = long.MinValue;
    private int _failed;

    public string Name => name;

    /// <summary>A step that succeeded: its latency (retries included, as the person waited) and when it ran.</summary>
    public void Succeeded(long startTimestamp, long endTimestamp)
    {
        lock (_lock)
        {
            _milliseconds.Add(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalMilliseconds);
            _first = Math.Min(_first, startTimestamp);
            _last = Math.Max(_last, endTimestamp);
        }
    }

    public void Failed() => Interlocked.Increment(ref _failed);

    public StepResult Result()
    {
        lock (_lock)
        {
            var sorted = _milliseconds.Order().ToArray();
            var seconds = sorted.Length == 0 ? 0 : Stopwatch.GetElapsedTime(_first, _last).TotalSeconds;
            return new StepResult(name, sorted.Length, _failed, seconds > 0 ? sorted.Length / seconds : 0,
                Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted.Length == 0 ? 0 : sorted[^1]);
        }
    }

    /// <summary>Nearest rank: the smallest sample with at least p % of samples at or below it.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <param name="PerSecond">Completed steps over the time from the first one's start to the last one's end.</param>
public sealed record StepResult(string Step, int Completed, int Failed, double PerSecond, double P50Ms, double P95Ms, double P99Ms, double MaxMs);

/// <summary>Every answer that was not a success, by step and status code ("网络" for no answer at all).</summary>
public sealed class ErrorCounts
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Step, string Status), int> _counts = [];

    public void Add(string step, string status)
    {
        lock (_lock) _counts[(step, status)] = _counts.GetValueOrDefault((step, status)) + 1;
    }

    public int Total
    {
        get { lock (_lock) return _counts.Values.Sum(); }
    }

    public IReadOnlyList<ErrorCount> All()
    {
        lock (_lock)
            return _counts.OrderBy(c => c.Key.Step, StringComparer.Ordinal).ThenBy(c => c.Key.Status, StringComparer.Ordinal)
                .Select(c => new ErrorCount(c.Key.Step, c.Key.Status, c.Value)).ToList();
    }
}

public sealed record ErrorCount(string Step, string Status, int Count);
