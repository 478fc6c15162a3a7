using System.Net;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>
/// The database turns read-only under the running app, as during maintenance or on a standby after a failover:
/// default_transaction_read_only on for the whole (private) cluster, taken up by the app's open sessions at once on
/// reload. Every write then fails with SQLSTATE 25006; each must be a clear 503 that changed nothing.
/// </summary>
public sealed class ReadOnlyDatabaseTests
{
    private StaffWorld _world = null!;
    private StaffClient _organizer = null!;

    [OneTimeSetUp]
    public async Task StartTheAppOnThePrivateCluster()
    {
        _world = await StaffWorld.StartAsync(connectionString: await FaultCluster.CreateDatabaseAsync());
        _organizer = await _world.SignInAsync("organizer-a");
    }

    [OneTimeTearDown]
    public async Task StopTheApp()
    {
        await SetReadOnlyAsync(false);
        _organizer?.Dispose();
        if (_world is not null) await _world.DisposeAsync();
    }

    [Test, CancelAfter(120_000)]
    public async Task ReadOnlyDatabase_StaffAndVotersGetAClear503_NothingIsWritten_AndEverythingWorksOnceWritable()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        var draft = await _world.SeedDraftAsync(_world.UnitA, expectedCount: 10);
        var open = await _world.SeedDraftAsync(_world.UnitA, expectedCount: 10);
        using (var opened = await _organizer.PostFormAsync($"{open.Url}/open", []))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var slips = await OrganizerSession.IssueSlipsAsync(_organizer, open, 2);
        using var http = _world.App.CreateClient();
        var crowd = new Crowd(http);
        var voter = new Phone(slips[0], open.CompleteAnswers());
        var late = new Phone(slips[1], open.CompleteAnswers("一般"));
        await Ballots.CheckInAllAsync(crowd, [voter], ct);
        await late.OpenAsync(crowd, ct);
        var before = await Snapshot.TakeAsync(_world.ConnectionString);

        await SetReadOnlyAsync(true);
        try
        {
            using (var create = await _organizer.PostFormAsync("/evaluations/new",
                   [
                       new("UnitId", _world.UnitA.ToString()), new("Name", "只读时创建的评议"), new("Round", "动员大会后民主评议"),
                       new("Template", FormTemplates.MobilisationEvaluation.Id), new("PresetCategories", "true"),
                   ]))
                await AssertStaffToldAsync(create, "create");
            using (var opening = await _organizer.PostFormAsync($"{draft.Url}/open", []))
                await AssertStaffToldAsync(opening, "open");
            using (var issuing = await _organizer.PostFormAsync($"{open.Url}/slips",
                       [new("CategoryId", open.CategoryId.ToString()), new("Count", "20"), new("Format", "html")]))
                await AssertStaffToldAsync(issuing, "issue slips");

            // Reading the slip writes nothing, so it still works; burning it and storing a ballot do not.
            var (described, _) = await crowd.PostOnceAsync("/api/v/slip", new { token = slips[1] }, ct);
            Assert.That(described, Is.EqualTo(HttpStatusCode.OK));
            AssertVoterTold(await late.SendCheckInAsync(crowd, ct, once: true), "您的签到还没有完成");
            AssertVoterTold(await voter.SubmitAsync(crowd, ct, once: true), "您的答卷还没有保存");
            crowd.AssertOnlyResultsOrRetryAdvice();

            Assert.That(await Snapshot.TakeAsync(_world.ConnectionString), Is.EqualTo(before), "nothing written, not even in part");
        }
        finally
        {
            await SetReadOnlyAsync(false);
        }

        // Writable again: the same requests go through, with no restart, and the voters get what they were owed.
        await late.CheckInAsync(crowd, ct);
        var (status, body) = await voter.SubmitAsync(crowd, ct);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(voter.ReceiptShown, Is.EqualTo(voter.ExpectedReceipt));
        using (var opening = await _organizer.PostFormAsync($"{draft.Url}/open", []))
            Assert.That(opening.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(opening));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from sealed_ballot where evaluation_id = @Id", new { open.Id }), Is.EqualTo(1));
    }

    [Test, CancelAfter(120_000)]
    public async Task ReadOnlyDatabase_UnderABatchOfCheckIns_EachIsToldToRetry_NoSlipIsBurnt_AndTheRetriesSucceedOnceWritable()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        var open = await _world.SeedDraftAsync(_world.UnitA, expectedCount: 30);
        using (var opened = await _organizer.PostFormAsync($"{open.Url}/open", []))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var phones = Ballots.Phones(open, await OrganizerSession.IssueSlipsAsync(_organizer, open, 30));
        using var http = _world.App.CreateClient();
        var crowd = new Crowd(http);
        foreach (var phone in phones) await phone.OpenAsync(crowd, ct);

        await SetReadOnlyAsync(true);
        try
        {
            // The slips are read and signed; it is their batch's burn that fails.
            var answers = await Task.WhenAll(phones.Select(p => p.SendCheckInAsync(crowd, ct, once: true)));
            foreach (var answer in answers) AssertVoterTold(answer, "您的签到还没有完成");
            crowd.AssertOnlyResultsOrRetryAdvice();
            Assert.That(await _world.ScalarAsync<long>("select count(*) from slip where evaluation_id = @Id and blinded_hash is not null", new { open.Id }),
                Is.Zero);
        }
        finally
        {
            await SetReadOnlyAsync(false);
        }

        // The same requests again, as the page retries them: each burns its slip, with signatures that verify.
        await Task.WhenAll(phones.Select(p => p.CheckInAsync(crowd, ct)));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from slip where evaluation_id = @Id and blinded_hash is not null", new { open.Id }),
            Is.EqualTo(30));
    }

    private static async Task AssertStaffToldAsync(HttpResponseMessage response, string action)
    {
        var html = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{action}: {html}");
        Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero), action);
        Assert.That(html, Does.Contain("数据库当前只能查看、不能保存").And.Contain("本次操作没有保存任何内容").And.Contain("请联系管理员"), action);
    }

    private static void AssertVoterTold((HttpStatusCode Status, string Body) answer, string what)
    {
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.Body);
        Assert.That(Crowd.VoterError(answer.Body), Does.Contain(what).And.Contain("页面会自动重试，请不要关闭"));
    }

    /// <summary>
    /// ALTER SYSTEM and a reload; returns once a new session sees it. By then the postmaster has signalled every
    /// session, and each takes the setting up before its next command: the app's pooled connections included.
    /// </summary>
    private async Task SetReadOnlyAsync(bool on)
    {
        await using (var admin = await FaultCluster.OpenAdminAsync())
        {
            await admin.ExecuteAsync(on ? "alter system set default_transaction_read_only = on" : "alter system reset default_transaction_read_only");
            await admin.ExecuteAsync("select pg_reload_conf()");
        }
        var expected = on ? "on" : "off";
        for (var waited = 0; ; waited += 50)
        {
            await using var admin = await FaultCluster.OpenAdminAsync();
            if (await admin.ExecuteScalarAsync<string>("show default_transaction_read_only") == expected) return;
            Assert.That(waited, Is.LessThan(30_000), $"default_transaction_read_only is not {expected} after 30 s");
            await Task.Delay(50);
        }
    }
}
