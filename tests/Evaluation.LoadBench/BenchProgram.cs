using System.Runtime.InteropServices;

namespace Evaluation.LoadBench;

/// <summary>
/// Entry point. Exit status: 0 when the run finished and every check held (a missed performance target is reported
/// as MISS, not as a failure), 1 when a check failed, 2 for a usage or environment problem.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (BenchOptionsException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        // Many tasks wake at once when a burst ends; start with enough threads not to wait for the pool to grow.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));

        using var stop = new CancellationTokenSource();
        // Ctrl+C ends the run, and the service and cluster it started with it.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        // So does kill (SIGTERM), for a run started in the background, where a shell ignores SIGINT for it.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            var report = await LoadBenchmark.RunAsync(options, args, Console.Out, stop.Token);
            return report.Passed ? 0 : 1;
        }
        catch (Exception e) when (e is BenchEnvironmentException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine(stop.IsCancellationRequested ? "已中断。" : $"超过 --max-duration（{options.MaxDuration.TotalMinutes:0.#} 分钟），已停止。");
            return 2;
        }
    }
}
