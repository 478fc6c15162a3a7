using System.Net;
using Evaluation.Tests.Faults;

namespace Evaluation.Tests.Failover;

/// <summary>
/// The primary dies in the middle of a meeting's burst of check-ins and ballots (pg_ctl stop -m immediate), and the
/// synchronous standby is promoted, as CloudNativePG or Patroni would do it. The app is given both hosts and is not
/// restarted: it must find the new primary by itself, and every answer a phone was given must hold on the new primary.
/// </summary>
public sealed class PrimaryFailoverTests
{
    private const int PhoneCount = 240;
    // How long the operator takes to notice the primary is gone before promoting: CloudNativePG's default failover delay
    // is zero, Patroni's loop is ten seconds; two keeps the test short while phones certainly meet the outage.
    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(2);

    private ReplicatedMeeting _meeting = null!;
    private ReplicatedCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartTheAppOnAReplicatedCluster()
    {
        _meeting = await ReplicatedMeeting.StartAsync(PhoneCount);
        _cluster = _meeting.Cluster;
    }

    [OneTimeTearDown]
    public async Task StopEverything()
    {
        if (_meeting is not null) await _meeting.DisposeAsync();
    }

    [Test, CancelAfter(120_000)]
    public async Task PrimaryKilledDuringABurst_FailoverToTheStandby_EveryReceiptAndCheckInAnsweredIsOnTheNewPrimary_NothingTwice()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        using var http = _meeting.World.App.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        var crowd = new Crowd(http);
        var phones = Ballots.Phones(_meeting.Evaluation, _meeting.Slips);
        // Everyone has opened the page; a third checked in while the meeting was being opened; the rest check in as they vote.
        await Parallel.ForEachAsync(phones, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (phone, token) => await phone.OpenAsync(crowd, token));
        var early = phones.Take(PhoneCount / 3).ToList();
        await Parallel.ForEachAsync(early, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (phone, token) => await phone.CheckInAsync(crowd, token));

        var burst = Task.WhenAll(phones.Select(async (phone, i) =>
        {
            await Task.Delay(Crowd.Spread(i, phones.Count, TimeSpan.FromSeconds(10)), ct);
            if (phone.BlindSignature is null) await phone.CheckInAsync(crowd, ct);
            await phone.SubmitAsync(crowd, ct);
        }));
        await Crowd.WhenAsync(() => phones.Count(p => p.ReceiptShown is not null) >= PhoneCount / 5 || burst.IsCompleted, ct);
        await _cluster.KillPrimaryAsync();
        var killedAt = DateTime.UtcNow;
        var acknowledgedBeforeKill = phones.Count(p => p.ReceiptShown is not null);

        await Task.Delay(Detection, ct);
        using (var ready = await http.GetAsync("/readyz", ct))
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "/readyz while there is no primary");
        await _cluster.PromoteStandbyAsync();
        var promotedAt = DateTime.UtcNow;
        await burst.WaitAsync(Crowd.Patience, ct);

        var newPrimary = _cluster.StandbyConnectionString(_meeting.Database);
        await Ballots.AssertEachPhoneCountedOnceAsync(newPrimary, _meeting.Evaluation.Id, phones);
        await Replication.AssertAnsweredCheckInsAreBurntAsync(newPrimary, phones, "on the new primary");
        Assert.That(await Replication.BurntSlipsAsync(newPrimary, _meeting.Evaluation.Id), Is.EqualTo(PhoneCount), "burnt slips = phones");
        crowd.AssertOnlyResultsOrRetryAdvice();
        Assert.That(crowd.Exchanges.Where(e => e.Status is null), Is.Empty, "every request was answered within the client's 30 s");

        var ballots = crowd.Exchanges.Where(e => e.Path == "/api/v/ballot").ToList();
        var checkIns = crowd.Exchanges.Where(e => e.Path == "/api/v/checkin").ToList();
        Assert.That(ballots.Where(e => e.At > killedAt && e.At < promotedAt && e.Status == 503), Is.Not.Empty, "the burst met the outage");
        var firstAccepted = ballots.Where(e => e.At > killedAt && e.Status == 200).Min(e => e.At);
        Assert.That(firstAccepted - promotedAt, Is.LessThan(TimeSpan.FromSeconds(3)),
            "the app finds the new primary by itself, within seconds (Npgsql rechecks a host's role every second)");
        using (var page = await _meeting.Organizer.GetAsync(_meeting.Evaluation.Url))
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the organiser's page works on the new primary, with the same sign-in");

        var stored = await Ballots.ReadAsync(newPrimary, _meeting.Evaluation.Id);
        TestContext.Out.WriteLine(
            $"failover: acknowledged {phones.Count(p => p.ReceiptShown is not null)}, stored {stored.Messages.Count}, " +
            $"duplicated {stored.Messages.Count - stored.Messages.Distinct().Count()} (receipts before the kill: {acknowledgedBeforeKill}); " +
            $"first ballot accepted {(firstAccepted - killedAt).TotalSeconds:0.0} s after the kill, {(firstAccepted - promotedAt).TotalSeconds:0.0} s after the promotion; " +
            $"503 answers: {ballots.Count(e => e.Status == 503)} ballot, {checkIns.Count(e => e.Status == 503)} check-in; " +
            $"slowest answer {crowd.Exchanges.Max(e => e.Took).TotalSeconds:0.0} s");
    }
}
