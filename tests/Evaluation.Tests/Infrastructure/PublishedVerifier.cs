using System.Diagnostics;

namespace Evaluation.Tests.Infrastructure;

/// <summary>
/// The verifier as it ships: scripts/publish-verifier.sh run once per test run, on first use, into a folder of the run
/// (both platforms at once: about 25 s on two idle cores, more when they are busy; the time is printed). Every test
/// that serves or runs the shipped program shares it. The folder is removed when the run ends.
/// </summary>
public static class PublishedVerifier
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    /// <summary>The folder holding evaluation-verify.exe, evaluation-verify and SHA256SUMS.</summary>
    public static Task<string> DirectoryAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"evaluation-verifier-{Guid.NewGuid():N}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(directory, recursive: true); }
            catch (IOException) { }
        };
        var clock = Stopwatch.StartNew();
        using var script = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "publish-verifier.sh"), directory])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        if (script.ExitCode != 0)
            throw new InvalidOperationException($"scripts/publish-verifier.sh failed ({script.ExitCode}):\n{await output}{await errors}");
        TestContext.Progress.WriteLine($"Verifier published for win-x64 and linux-x64 in {clock.Elapsed.TotalSeconds:0.0} s: {directory}");
        return directory;
    }
}
