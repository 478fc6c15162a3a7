using System.Diagnostics;
using System.Net;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Faults;

/// <summary>
/// PostgreSQL crashes (pg_ctl stop -m immediate: no checkpoint, recovery from the WAL on the next start) in the middle
/// of a ballot burst and comes back a few seconds later. The app is not restarted: it must answer while the database is
/// away, and find it again by itself.
/// </summary>
public sealed class PostgresRestartTests
{
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(4);

    private StaffWorld _world = null!;
    private StaffClient _organizer = null!;
    private SeededEvaluation _evaluation = null!;
    private List<string> _slips = null!;

    [OneTimeSetUp]
    public async Task StartTheAppOnThePrivateCluster()
    {
        _world = await StaffWorld.StartAsync(connectionString: await FaultCluster.CreateDatabaseAsync());
        _organizer = await _world.SignInAsync("organizer-a");
        _evaluation = await _world.SeedDraftAsync(_world.UnitA, expectedCount: 300);
        using (var open = await _organizer.PostFormAsync($"{_evaluation.Url}/open", []))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        _slips = await OrganizerSession.IssueSlipsAsync(_organizer, _evaluation, 201);
    }

    [OneTimeTearDown]
    public async Task StopTheApp()
    {
        _organizer?.Dispose();
        if (_world is not null) await _world.DisposeAsync();
        // Up again for the next fault test, whatever happened here.
        await FaultCluster.StartAsync();
    }

    [Test, CancelAfter(150_000)]
    public async Task PostgresCrashDuringABallotBurst_Is503WithRetryAdviceWhileDown_RecoversWithoutRestartingTheApp_AndLosesNothing()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        using var http = _world.App.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        var crowd = new Crowd(http);
        var phones = Ballots.Phones(_evaluation, _slips.Take(200));
        var spare = _slips[200];
        await Ballots.CheckInAllAsync(crowd, phones, ct);

        var burst = Task.WhenAll(phones.Select(async (phone, i) =>
        {
            await Task.Delay(Crowd.Spread(i, phones.Count, TimeSpan.FromSeconds(5)), ct);
            await phone.SubmitAsync(crowd, ct);
        }));
        await Crowd.WhenAsync(() => phones.Count(p => p.ReceiptShown is not null) >= 20 || burst.IsCompleted, ct);
        await FaultCluster.StopAsync("immediate");
        var stoppedAt = DateTime.UtcNow;
        var answeredBeforeCrash = phones.Count(p => p.ReceiptShown is not null);
        var startedAt = DateTime.MaxValue;
        Task<TimeSpan> readyAgain = Task.FromResult(TimeSpan.Zero);
        try
        {
            // While it is down, each request is answered at once: 503, Retry-After, and what to do, in Chinese.
            var (ready, readyTook) = await TimedGetAsync(http, "/readyz", ct);
            Assert.That(ready, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "/readyz while the database is down");
            Assert.That(readyTook, Is.LessThan(TimeSpan.FromSeconds(10)), "/readyz does not hang");
            foreach (var path in new[] { "/api/v/slip", "/api/v/checkin" })
            {
                var (status, body) = await crowd.PostOnceAsync(path, new { token = spare, blindedDoor = "AAAA", blindedBallot = "AAAA" }, ct);
                Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{path}: {body}");
                Assert.That(Crowd.VoterError(body), Does.Contain("连接不上数据库").And.Contain("页面会自动重试，请不要关闭"), path);
            }

            using var page = await _organizer.GetAsync(_evaluation.Url);
            var html = await StaffClient.BodyAsync(page);
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), html);
            Assert.That(html, Does.Contain("暂时连接不上数据库，本次操作可能没有完成").And.Contain("请等一两分钟后刷新页面"));

            var left = Down - (DateTime.UtcNow - stoppedAt);
            if (left > TimeSpan.Zero) await Task.Delay(left, ct);
        }
        finally
        {
            startedAt = DateTime.UtcNow;
            // Polled while PostgreSQL starts (crash recovery, then a checkpoint), without touching the app.
            readyAgain = WhenReadyAsync(http, ct);
            await FaultCluster.StartAsync();
        }
        var readyAfter = await readyAgain.WaitAsync(TimeSpan.FromSeconds(60), ct);
        await burst.WaitAsync(Crowd.Patience, ct);

        await Ballots.AssertEachPhoneCountedOnceAsync(_world.ConnectionString, _evaluation.Id, phones);
        crowd.AssertOnlyResultsOrRetryAdvice();
        var ballots = crowd.Exchanges.Where(e => e.Path == "/api/v/ballot").ToList();
        Assert.That(ballots.Where(e => e.At > stoppedAt && e.At < startedAt && e.Status == 503), Is.Not.Empty, "the burst met the outage");
        Assert.That(crowd.Exchanges.Where(e => e.Status is null), Is.Empty, "every request was answered within the client's 30 s");
        using (var page = await _organizer.GetAsync(_evaluation.Url))
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the organiser's page works again, with the same sign-in");
        var readyAt = startedAt + readyAfter;
        TestContext.Out.WriteLine($"answered before the crash: {answeredBeforeCrash} of {phones.Count}; database stopped for {(startedAt - stoppedAt).TotalSeconds:0.0} s; " +
                                  $"/readyz 200 {readyAfter.TotalSeconds:0.0} s after it was started; ballot answers 503: {ballots.Count(e => e.Status == 503)}, " +
                                  $"of which after /readyz was 200 again: {ballots.Count(e => e.Status == 503 && e.At > readyAt)}; " +
                                  $"slowest answer {crowd.Exchanges.Max(e => e.Took).TotalSeconds:0.0} s");
    }

    /// <summary>Polls /readyz until it is 200; returns how long that took.</summary>
    private static async Task<TimeSpan> WhenReadyAsync(HttpClient http, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while ((await TimedGetAsync(http, "/readyz", ct)).Status != HttpStatusCode.OK) await Task.Delay(100, ct);
        return clock.Elapsed;
    }

    private static async Task<(HttpStatusCode Status, TimeSpan Took)> TimedGetAsync(HttpClient http, string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, ct);
        return (response.StatusCode, clock.Elapsed);
    }
}
