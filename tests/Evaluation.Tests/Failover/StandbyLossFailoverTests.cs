using System.Diagnostics;
using System.Net;
using Dapper;
using Evaluation.Tests.Faults;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Failover;

/// <summary>
/// The only synchronous standby goes away mid-meeting. Every commit on the primary then waits for it, so the app must
/// answer within its own timeout (503, retry) rather than hang, and must not acknowledge anything that exists on the
/// primary alone: not even when an administrator cancels the waits and the rows become visible there, not even a
/// retry of something written before. When the standby is back the retries are answered, and what they were answered
/// holds after a failover to that standby.
/// </summary>
public sealed class StandbyLossFailoverTests
{
    private const int CommitTimeoutSeconds = 3;
    // Each group: voted before (A), checked in before and votes while the standby is away (B), checks in then (C).
    private const int Group = 20;

    private ReplicatedMeeting _meeting = null!;
    private ReplicatedCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartTheAppOnAReplicatedCluster()
    {
        _meeting = await ReplicatedMeeting.StartAsync(3 * Group,
            web => web.UseSetting("Voting:CommitTimeoutSeconds", CommitTimeoutSeconds.ToString()));
        _cluster = _meeting.Cluster;
    }

    [OneTimeTearDown]
    public async Task StopEverything()
    {
        if (_meeting is not null) await _meeting.DisposeAsync();
    }

    [Test, CancelAfter(120_000)]
    public async Task SynchronousStandbyDown_PhonesGet503WithinTheCommitTimeout_NothingOnThePrimaryAloneIsAcknowledged_RetriesSucceedOnceItIsBack()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        using var http = _meeting.World.App.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        var crowd = new Crowd(http);
        var phones = Ballots.Phones(_meeting.Evaluation, _meeting.Slips);
        var voted = phones.Take(Group).ToList();
        var voting = phones.Skip(Group).Take(Group).ToList();
        var checkingIn = phones.Skip(2 * Group).ToList();
        await Ballots.CheckInAllAsync(crowd, voted.Concat(voting), ct);
        foreach (var phone in voted) await phone.SubmitAsync(crowd, ct);
        foreach (var phone in checkingIn) await phone.OpenAsync(crowd, ct);
        var primary = _cluster.PrimaryConnectionString(_meeting.Database);

        await _cluster.StopStandbyAsync();

        // Each phone asks once, all at the same time; each is answered 503 with retry advice within the app's timeout.
        var answers = await AskOnceAsync(crowd, voting, checkingIn, ct);
        AssertAllRetryAdvice(answers, "while the standby is down");

        // An administrator cancels the waiting commits: PostgreSQL then keeps them on the primary alone (with a
        // warning), and the rows become visible there.
        var cancelled = await CancelWaitsUntilAsync(async () => await StoredOnPrimaryAsync(primary) is var (ballots, burnt)
            && ballots == 2 * Group && burnt == 3 * Group, ct);
        Assert.That(cancelled, Is.Positive, "commits waited for the standby");

        // Asked again, now that everything is there to be read on the primary, while the administrator goes on cancelling:
        // a retry writes nothing new, but its batch's commit waits for the standby all the same and is cancelled too, and
        // a commit whose wait was cancelled is not an answer. Still only retry advice.
        var asking = AskOnceAsync(crowd, voting, checkingIn, ct);
        var cancelledRetries = await CancelWaitsUntilAsync(() => Task.FromResult(asking.IsCompleted), ct);
        var retried = await asking;
        AssertAllRetryAdvice(retried, "on the primary alone");
        Assert.That(cancelledRetries, Is.Positive, "the retries' commits waited for the standby");
        Assert.That(voting.Concat(checkingIn).Where(p => p.ReceiptShown is not null), Is.Empty, "no receipt shown while the standby was down");

        await _cluster.StartStandbyAsync();
        await _cluster.WaitUntilSynchronousAsync();
        foreach (var phone in checkingIn) await phone.CheckInAsync(crowd, ct);
        foreach (var phone in voting.Concat(checkingIn))
        {
            var (status, body) = await phone.SubmitAsync(crowd, ct);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        }

        // And all of it survives losing the primary now.
        await _cluster.KillPrimaryAsync();
        await _cluster.PromoteStandbyAsync();
        var newPrimary = _cluster.StandbyConnectionString(_meeting.Database);
        await Ballots.AssertEachPhoneCountedOnceAsync(newPrimary, _meeting.Evaluation.Id, phones);
        await Replication.AssertAnsweredCheckInsAreBurntAsync(newPrimary, phones, "on the promoted standby");
        // Every 503 came with Retry-After and told the voter the page keeps trying.
        crowd.AssertOnlyResultsOrRetryAdvice();
        TestContext.Out.WriteLine(
            $"standby down: {answers.Count + retried.Count} requests answered 503, slowest in {answers.Concat(retried).Max(a => a.Took).TotalSeconds:0.0} s " +
            $"(commit timeout {CommitTimeoutSeconds} s); {cancelled} + {cancelledRetries} waiting commit(s) cancelled on the primary; " +
            $"afterwards acknowledged {phones.Count(p => p.ReceiptShown is not null)}, stored {(await Ballots.ReadAsync(newPrimary, _meeting.Evaluation.Id)).Messages.Count}");
    }

    private sealed record Answer(string What, HttpStatusCode Status, string Body, TimeSpan Took);

    /// <summary>Every phone of <paramref name="voting"/> submits once and every phone of <paramref name="checkingIn"/> checks in once, all at once.</summary>
    private static async Task<List<Answer>> AskOnceAsync(Crowd crowd, List<Phone> voting, List<Phone> checkingIn, CancellationToken ct)
    {
        async Task<Answer> Timed(string what, Func<Task<(HttpStatusCode, string)>> ask)
        {
            var clock = Stopwatch.StartNew();
            var (status, body) = await ask();
            return new Answer(what, status, body, clock.Elapsed);
        }
        return (await Task.WhenAll(
            voting.Select(p => Timed("ballot", () => p.SubmitAsync(crowd, ct, once: true)))
                .Concat(checkingIn.Select(p => Timed("check-in", () => p.SendCheckInAsync(crowd, ct, once: true)))))).ToList();
    }

    private static void AssertAllRetryAdvice(List<Answer> answers, string when) => Assert.Multiple(() =>
    {
        foreach (var answer in answers)
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{when}: {answer.What} {answer.Body}");
            Assert.That(Crowd.VoterError(answer.Body), Does.Contain("页面会自动重试"), $"{when}: {answer.What}");
            Assert.That(answer.Took, Is.LessThan(TimeSpan.FromSeconds(CommitTimeoutSeconds + 2)), $"{when}: {answer.What} answered within the app's timeout");
        }
    });

    /// <summary>Cancels, every 100 ms, each commit on the primary that waits for the standby, until <paramref name="done"/>; returns how many.</summary>
    private async Task<int> CancelWaitsUntilAsync(Func<Task<bool>> done, CancellationToken ct)
    {
        var cancelled = 0;
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "waited 30 s for what the cancelled commits should have done");
            await using var conn = await ReplicatedCluster.OpenAsync(_cluster.PrimaryConnectionString("postgres"));
            cancelled += await conn.ExecuteScalarAsync<int>(
                "select count(*) filter (where pg_cancel_backend(pid)) from pg_stat_activity where wait_event = 'SyncRep'");
            await Task.Delay(100, ct);
        }
        return cancelled;
    }

    private async Task<(int Ballots, int Burnt)> StoredOnPrimaryAsync(string primary)
    {
        await using var conn = await ReplicatedCluster.OpenAsync(primary);
        return await conn.QuerySingleAsync<(int, int)>(
            """
            select (select count(*)::int from sealed_ballot where evaluation_id = @Id),
                   (select count(*)::int from slip where evaluation_id = @Id and blinded_hash is not null)
            """, new { _meeting.Evaluation.Id });
    }
}
