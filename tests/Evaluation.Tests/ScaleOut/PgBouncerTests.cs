using System.Net;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.ScaleOut;

/// <summary>
/// The app through PgBouncer in transaction mode, with the connection settings deploy/k8s gives it, and migrations
/// straight to the database: every kind of work it does (sign-in, the action log's transaction lock, opening, check-in's
/// compare-and-set, group commit, closing's rewrite and vacuum) must work when consecutive transactions of one Npgsql
/// connection land on different server sessions.
/// </summary>
public sealed class PgBouncerTests : OrganizerSession
{
    private PgBouncer? _pooler;

    protected override async Task<StaffWorld> StartWorldAsync()
    {
        if (PgBouncer.Binary is null)
            Assert.Ignore("pgbouncer is not installed (scripts/setup.sh installs it: apt-get install pgbouncer).");
        _pooler = await PgBouncer.StartAsync(await TestDatabase.ServerConnectionStringAsync());
        return await StaffWorld.StartAsync(appConnectionString: _pooler.Through);
    }

    public override async Task StopWorld()
    {
        await base.StopWorld();
        if (_pooler is not null) await _pooler.DisposeAsync();
    }

    [Test]
    public async Task AWholeVote_ThroughPgBouncerInTransactionMode_IsCountedAndClosed()
    {
        Assert.That(World.App.ConnectionString, Does.Contain($"Port={_pooler!.Port}"), "the app really goes through the pooler");
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 30);
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var tokens = await IssueSlipsAsync(evaluation, 20);

        await Task.WhenAll(tokens.Select(async (token, i) =>
        {
            using var phone = new VotingClient(World.App.CreateClient());
            var credential = await phone.CheckInAsync(token);
            using var response = await phone.SubmitAsync(credential, evaluation.CompleteAnswers(teamGrade: i % 2 == 0 ? "好" : "一般"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }));
        using (var close = await PostAsync($"{evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));

        Assert.That(await World.ScalarAsync<long>("select count(*) from ballot where evaluation_id = @Id", new { evaluation.Id }), Is.EqualTo(20));
        var results = await StaffClient.BodyAsync(await Organizer.GetAsync($"{evaluation.Url}/results"));
        Assert.That(results, Does.Contain("<td>30</td><td>20</td><td>20</td><td>20</td><td>20</td><td>0</td><td>0</td>"));
        Assert.That(results, Does.Contain("<strong>50.0%</strong>"), "班子 好评率: 10 好 of 20");
        using var ready = await Organizer.GetAsync("/readyz");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
