using System.Text.Json;
using Evaluation.LoadBench;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Load;

/// <summary>
/// The meeting-day benchmark (tests/Evaluation.LoadBench) run small against the built service on a test database:
/// set-up through the staff pages, both phases, the ceilings and the checks, so the program BENCHMARKS.md tells people
/// to run keeps working. Timings are not asserted here; completeness and the counts are.
/// </summary>
public sealed class LoadBenchTests
{
    private const string AdminPassword = "Load-Bench-Admin-1";

    [Test]
    public async Task Run_WithFortyPhones_CountsEveryBallotChecksTheReceiptsAndPrintsTheTable()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync();
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = connectionString,
            ["Bootstrap__AdminPassword"] = AdminPassword,
        });
        await service.WaitUntilServingAsync();
        var json = Path.Combine(Path.GetTempPath(), $"loadbench-{Guid.NewGuid():N}.json");
        string[] arguments =
        [
            "--url", service.Origin, "--connection", connectionString, "--admin-password", AdminPassword,
            "--phones", "40", "--window", "2s", "--fill", "1s", "--time-scale", "0.5",
            "--saturation-phones", "40", "--saturation-concurrency", "20",
            "--sign-time", "0.3s", "--commit-time", "0.5s", "--receipt-checks", "5", "--seed", "7", "--json", json,
        ];
        var output = new StringWriter();

        BenchReport report;
        try
        {
            report = await LoadBenchmark.RunAsync(BenchOptions.Parse(arguments), arguments, output, CancellationToken.None);
        }
        finally
        {
            TestContext.Out.WriteLine(output.ToString());
        }
        var printed = output.ToString();
        var written = File.ReadAllText(json);
        File.Delete(json);

        Assert.That(report.Checks.Where(c => c.Outcome == CheckOutcome.Fail), Is.Empty, printed);
        Assert.That(report.Checks.Count(c => c.Outcome == CheckOutcome.Pass), Is.EqualTo(9), "every database check ran");
        Assert.That(report.Meeting.Completed, Is.EqualTo(40));
        Assert.That(report.Meeting.Ballots.Select(b => b.Receipt).Distinct().Count(), Is.EqualTo(40));
        Assert.That(report.Meeting.Steps.Select(s => (s.Step, s.Completed, s.Failed)), Is.EqualTo(new[]
        {
            (MeetingPhase.Open, 40, 0), (MeetingPhase.Describe, 40, 0), (MeetingPhase.CheckIn, 40, 0), (MeetingPhase.Submit, 40, 0),
        }));
        Assert.That(report.Saturation.Acknowledged, Has.Count.EqualTo(40));
        Assert.That(report.Saturation.Errors.Concat(report.Meeting.Errors), Is.Empty);
        Assert.That(report.Signing.AllCoresPerSecond, Is.GreaterThan(0));
        Assert.That(report.Commit?.PerSecond, Is.GreaterThan(0));
        Assert.That(report.Targets, Has.Count.EqualTo(3));

        Assert.That(printed, Does.Contain("一、会场").And.Contain("p99 ms").And.Contain("二、饱和").And.Contain("盲签名，全部")
            .And.Contain("单行插入提交").And.Contain("五、目标").And.Contain("结果：核对全部通过。"));
        foreach (var step in new[] { MeetingPhase.Open, MeetingPhase.Describe, MeetingPhase.CheckIn, MeetingPhase.Submit, SaturationPhase.CheckIn })
            Assert.That(printed, Does.Match($@"(?m)^\s+{step}\s+40\s+0\s"), $"a table row for {step}");

        // Nothing a voter holds reaches the output or the file: receipts, and the admin password passed in.
        var receipts = report.Meeting.Ballots.Concat(report.Saturation.Acknowledged).Select(b => b.Receipt).ToList();
        Assert.That(receipts.Where(r => printed.Contains(r) || written.Contains(r)), Is.Empty);
        Assert.That(printed + written, Does.Not.Contain(AdminPassword));
        using var parsed = JsonDocument.Parse(written);
        Assert.That(parsed.RootElement.GetProperty("meeting").GetProperty("completed").GetInt32(), Is.EqualTo(40));
    }

    [Test]
    public void Options_RefuseATargetOffThisMachine_AndReadDurations()
    {
        Assert.Throws<BenchOptionsException>(() => BenchOptions.Parse(["--url", "http://192.168.1.10:5000", "--admin-password", "x"]));
        Assert.Throws<BenchOptionsException>(() => BenchOptions.Parse(["--url", "http://127.0.0.1:5000"]));
        var options = BenchOptions.Parse(["--url", "http://127.0.0.1:5000", "--admin-password", "x", "--window", "500ms", "--fill", "2m"]);
        Assert.That((options.Window, options.Fill, options.Phones), Is.EqualTo((TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(2), 2000)));
    }
}
