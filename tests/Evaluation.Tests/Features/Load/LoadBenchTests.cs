using System.Text.Json;
using Evaluation.LoadBench;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Load;

/// <summary>
/// The meeting-day benchmark (tests/Evaluation.LoadBench) run small against the built service on a test database:
/// set-up through the staff pages, the meeting, the saturation bursts and the complete votes, the ceilings, the targets and
/// the checks, so the program BENCHMARKS.md tells people
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
        Assert.That(report.Checks.Count(c => c.Outcome == CheckOutcome.Pass), Is.EqualTo(12), "every database check ran, for all three evaluations");
        Assert.That(report.Meeting.Completed, Is.EqualTo(40));
        Assert.That(report.Meeting.Ballots.Select(b => b.Receipt).Distinct().Count(), Is.EqualTo(40));
        Assert.That(report.Meeting.Steps.Select(s => (s.Step, s.Completed, s.Failed)), Is.EqualTo(new[]
        {
            (MeetingPhase.Open, 40, 0), (MeetingPhase.Describe, 40, 0), (MeetingPhase.CheckIn, 40, 0), (MeetingPhase.Submit, 40, 0),
        }));
        Assert.That(report.Saturation.Acknowledged, Has.Count.EqualTo(40));
        Assert.That(report.CompleteVotes.Acknowledged.Select(b => b.Receipt).Distinct().Count(), Is.EqualTo(40));
        Assert.That((report.CompleteVotes.CheckIns.Completed, report.CompleteVotes.Ballots.Completed, report.CompleteVotes.Votes.Completed),
            Is.EqualTo((40, 40, 40)));
        Assert.That(report.CompleteVotes.Votes.PerSecond, Is.GreaterThan(0));
        Assert.That(report.Saturation.Errors.Concat(report.Meeting.Errors).Concat(report.CompleteVotes.Errors), Is.Empty);
        Assert.That(report.Signing.BlindSign.AllCoresPerSecond, Is.GreaterThan(0));
        Assert.That(report.Signing.OpenSsl.AllCoresPerSecond, Is.GreaterThan(0));
        Assert.That(report.Commit?.PerSecond, Is.GreaterThan(0));
        // The page's files as the service serves the page now, whatever it inlines.
        Assert.That(report.PhonePageFiles, Does.Contain("/vote/vote.js"));
        Assert.That(report.Targets.Select(t => t.Passed), Has.All.Not.Null, "every target judged with its figures");
        Assert.That(report.Targets.Select(t => t.Target), Has.Some.Contains("OpenSSL").And.Some.Contains("完整投票")
            .And.Some.Contains("p99").And.Some.Contains($"{BenchReport.BallotBaseline:0}"));
        Assert.That(printed, Does.Contain("CPU 完整投票期间："));

        Assert.That(printed, Does.Contain("一、会场").And.Contain("p99 ms").And.Contain("二、饱和").And.Contain("盲签名，全部")
            .And.Contain("OpenSSL 私钥运算，全部").And.Contain("单行插入提交").And.Contain("五、目标").And.Contain("计入“压测程序”的 CPU")
            .And.Contain("结果：核对全部通过。"));
        foreach (var step in new[]
                 {
                     MeetingPhase.Open, MeetingPhase.Describe, MeetingPhase.CheckIn, MeetingPhase.Submit, SaturationPhase.CheckIn,
                     SaturationPhase.VoteCheckIn, SaturationPhase.VoteSubmit, SaturationPhase.Vote,
                 })
            Assert.That(printed, Does.Match($@"(?m)^\s+{step}\s+40\s+0\s"), $"a table row for {step}");

        // Nothing a voter holds reaches the output or the file: receipts, and the admin password passed in.
        var receipts = report.Meeting.Ballots.Concat(report.Saturation.Acknowledged).Concat(report.CompleteVotes.Acknowledged)
            .Select(b => b.Receipt).ToList();
        Assert.That(receipts.Where(r => printed.Contains(r) || written.Contains(r)), Is.Empty);
        Assert.That(printed + written, Does.Not.Contain(AdminPassword));
        using var parsed = JsonDocument.Parse(written);
        Assert.That(parsed.RootElement.GetProperty("meeting").GetProperty("completed").GetInt32(), Is.EqualTo(40));
        Assert.That(parsed.RootElement.GetProperty("completeVotes").GetProperty("votes").GetProperty("completed").GetInt32(), Is.EqualTo(40));
        Assert.That(parsed.RootElement.GetProperty("signing").GetProperty("openSsl").GetProperty("allCoresPerSecond").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void Options_ByDefault_PlayTenThousandPhonesInAMinute_WithABoundNoArrivalOnScheduleMeets()
    {
        var options = BenchOptions.Parse([]);
        // 10,000 phones in 60 s, each ~21 s between opening the page and its receipt: ~3,500 at once.
        Assert.That((options.Phones, options.Window, options.SaturationPhones), Is.EqualTo((10000, TimeSpan.FromSeconds(60), 2000)));
        Assert.That(options.PhonesAtOnce, Is.GreaterThan(10000 / 60.0 * 21 * 1.2).And.LessThanOrEqualTo(10000));
        Assert.That(BenchOptions.Parse(["--concurrency", "300"]).PhonesAtOnce, Is.EqualTo(300));
    }

    [Test]
    public void CpuEstimates_PerCompleteVote_CountTheServiceAndPostgres_AndShowThePhonesWorkAsTheBenchmarks()
    {
        var signing = new SigningCeiling(2, new SigningRate(200, 400, 5), new SigningRate(4000, 8000, 0.25));
        StepResult Step(string name, int completed) => new(name, completed, 0, 100, 1, 2, 3, 4);
        // 100 operations: 0.4 s of service, 0.1 s of PostgreSQL, 0.2 s of this program's CPU.
        var cpu = new CpuUse(50, 10, 20, 80, 0.4, 0.1, 0.2);
        var saturation = new SaturationResult(100, 10, Step(SaturationPhase.CheckIn, 100), cpu, Step(SaturationPhase.Submit, 100), cpu, [], []);
        var votes = new CompleteVotesResult(100, 10, Step(SaturationPhase.VoteCheckIn, 100), Step(SaturationPhase.VoteSubmit, 100),
            Step(SaturationPhase.Vote, 100), cpu, [], []);

        var estimates = BenchReport.Estimate(signing, new CommitCeiling(1000, 5000, "on", 0.2), saturation, votes);

        Assert.That(estimates.Select(e => e.Request), Is.EqualTo(new[] { "签到", "提交", "完整投票" }));
        var vote = estimates[2];
        Assert.That((vote.ServerMs, vote.BenchMs), Is.EqualTo((5.0, 2.0)).Within(1e-9));
        Assert.That(vote.ExclusivePerSecond, Is.EqualTo(2 * 1000 / 7.0).Within(1e-6));
        Assert.That(vote.Comparison, Does.Contain("去盲").And.Contain("400"), "without the phones' work: 2 cores / 5 ms");
        Assert.That(estimates[0].Comparison, Does.Contain("OpenSSL").And.Contain("10 %"), "two raw operations of 0.25 ms in a 5 ms check-in");
    }

    [Test]
    public void FileLimits_TooLowForThePhonesAtOnce_StopTheRunSayingWhatToRaise()
    {
        var own = FileLimits.OpenFilesLimit(Environment.ProcessId);
        Assert.That(own, Is.GreaterThan(0), "this process's limit is readable");
        var phones = (int)(own!.Value / 4) + 1;
        var refused = Assert.Throws<BenchEnvironmentException>(() => FileLimits.Check(phones, 4, servicePid: null));
        Assert.That(refused!.Message, Does.Contain("ulimit -n").And.Contain(FileLimits.Needed(phones, 4).ToString()));
        Assert.DoesNotThrow(() => FileLimits.Check(1, 4, servicePid: Environment.ProcessId));
    }

    [Test]
    public void PhonePage_FilesOf_AreWhatABrowserFetches_StylesheetsModulePreloadsAndScriptsOfThisHost()
    {
        const string html =
            """
            <head><link rel="icon" href="data:,"><style>body{margin:0}</style>
            <link href="/vote/vote.css" rel="stylesheet"><link rel="modulepreload" href="/js/blindrsa.js">
            <script type="module" src="/vote/vote.js"></script><script>inline()</script>
            <link rel="stylesheet" href="https://other.example/x.css"><link rel="modulepreload" href="/js/blindrsa.js"></head>
            """;
        Assert.That(PhonePage.FilesOf(html), Is.EqualTo(new[] { "/vote/vote.css", "/js/blindrsa.js", "/vote/vote.js" }));
    }

    [Test]
    public void Options_RefuseATargetOffThisMachine_AndReadDurations()
    {
        Assert.Throws<BenchOptionsException>(() => BenchOptions.Parse(["--url", "http://192.168.1.10:5000", "--admin-password", "x"]));
        Assert.Throws<BenchOptionsException>(() => BenchOptions.Parse(["--url", "http://127.0.0.1:5000"]));
        var options = BenchOptions.Parse(["--url", "http://127.0.0.1:5000", "--admin-password", "x", "--window", "500ms", "--fill", "2m"]);
        Assert.That((options.Window, options.Fill, options.Phones), Is.EqualTo((TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(2), 10000)));
    }
}
