using System.Net;
using Dapper;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Rollup;

namespace Evaluation.Tests.Features.Campaigns;

/// <summary>
/// The 管理员's campaigns (活动) page with each campaign's running unit, and the organiser choosing an evaluation's campaign,
/// keeping it in a copy.
/// </summary>
public sealed class CampaignTests
{
    private StaffWorld _world = null!;
    private StaffClient _admin = null!;
    private StaffClient _organizer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _admin = await _world.SignInAsync("admin2");
        _organizer = await _world.SignInAsync("organizer-a");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin.Dispose();
        _organizer.Dispose();
        await _world.DisposeAsync();
    }

    private static KeyValuePair<string, string> F(string key, string value) => new(key, value);

    private Task<Guid> CampaignIdAsync(string name) => _world.ScalarAsync<Guid>("select id from campaign where name = @name", new { name });

    [Test]
    public async Task The_admin_adds_and_renames_a_campaign_each_logged_and_a_duplicate_or_blank_name_changes_nothing()
    {
        using (var created = await _admin.PostFormAsync("/admin/campaigns", [F("name", "  党的群众路线教育实践活动  "), F("unit", _world.UnitA.ToString())]))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(created));
        var id = await CampaignIdAsync("党的群众路线教育实践活动");
        Assert.That(await StaffClient.BodyAsync(await _admin.GetAsync("/admin/campaigns")), Does.Contain("党的群众路线教育实践活动"));

        var count = await _world.ScalarAsync<long>("select count(*) from campaign");
        foreach (var (name, unit, message) in new[]
                 {
                     ("党的群众路线教育实践活动", _world.UnitA.ToString(), "已存在"), ("  ", _world.UnitA.ToString(), "请填写活动名称"),
                     (new string('长', 101), _world.UnitA.ToString(), "不超过 100 个字"),
                     ("没有牵头单位的活动", "", "请选择牵头单位"), ("牵头单位不存在的活动", Guid.NewGuid().ToString(), "所选的牵头单位已不存在"),
                 })
        {
            using var refused = await _admin.PostFormAsync("/admin/campaigns", [F("name", name), F("unit", unit)]);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(refused), Does.Contain(message));
        }
        Assert.That(await _world.ScalarAsync<long>("select count(*) from campaign"), Is.EqualTo(count));

        using (var renamed = await _admin.PostFormAsync($"/admin/campaigns/{id}/name", [F("name", "群众路线教育实践活动（第一批）")]))
            Assert.That(renamed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(renamed));
        Assert.That(await CampaignIdAsync("群众路线教育实践活动（第一批）"), Is.EqualTo(id));
        using (var missing = await _admin.PostFormAsync($"/admin/campaigns/{Guid.NewGuid()}/name", [F("name", "不存在")]))
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var log = (await (await _world.OpenAsync()).QueryAsync<(string Action, string Detail)>(
            "select action, detail from staff_action where action in ('创建活动', '修改活动名称') order by seq")).ToList();
        Assert.That(log, Does.Contain(("创建活动", "党的群众路线教育实践活动（牵头单位：甲单位）")));
        Assert.That(log, Does.Contain(("修改活动名称", "“党的群众路线教育实践活动”改为“群众路线教育实践活动（第一批）”")));
    }

    [Test]
    public async Task The_admin_sets_the_running_unit_of_a_campaign_that_has_none_and_changes_it_each_logged()
    {
        var id = Guid.NewGuid();
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("insert into campaign (id, name) values (@id, '早先创建的活动')", new { id });
        Assert.That(await StaffClient.BodyAsync(await _admin.GetAsync("/admin/campaigns")), Does.Contain("设置后才有活动看板"));

        foreach (var (unit, message) in new[] { ("", "请选择牵头单位"), (Guid.NewGuid().ToString(), "所选的牵头单位已不存在") })
        {
            using var refused = await _admin.PostFormAsync($"/admin/campaigns/{id}/unit", [F("unit", unit)]);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(refused), Does.Contain(message));
        }
        Assert.That(await _world.ScalarAsync<bool>("select unit_id is null from campaign where id = @id", new { id }));

        foreach (var unit in new[] { _world.UnitA, _world.UnitB })
            using (var set = await _admin.PostFormAsync($"/admin/campaigns/{id}/unit", [F("unit", unit.ToString())]))
                Assert.That(set.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(set));
        Assert.That(await _world.ScalarAsync<Guid>("select unit_id from campaign where id = @id", new { id }), Is.EqualTo(_world.UnitB));
        var page = await StaffClient.BodyAsync(await _admin.GetAsync("/admin/campaigns"));
        Assert.That(page, Does.Contain("<td data-label=\"牵头单位\">乙单位</td>"));
        using (var missing = await _admin.PostFormAsync($"/admin/campaigns/{Guid.NewGuid()}/unit", [F("unit", _world.UnitA.ToString())]))
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var log = (await (await _world.OpenAsync()).QueryAsync<string>(
            "select detail from staff_action where action = '设置活动牵头单位' and detail like '“早先创建的活动”%' order by seq")).ToList();
        Assert.That(log, Is.EqualTo(new[] { "“早先创建的活动”：牵头单位由 未设置 改为 甲单位", "“早先创建的活动”：牵头单位由 甲单位 改为 乙单位" }));
    }

    [Test]
    public async Task The_organiser_chooses_the_campaign_on_creation_changes_it_on_the_draft_and_a_copy_keeps_it()
    {
        using (await _admin.PostFormAsync("/admin/campaigns", [F("name", "选择测试活动一"), F("unit", _world.UnitA.ToString())])) { }
        using (await _admin.PostFormAsync("/admin/campaigns", [F("name", "选择测试活动二"), F("unit", _world.UnitA.ToString())])) { }
        var (one, two) = (await CampaignIdAsync("选择测试活动一"), await CampaignIdAsync("选择测试活动二"));
        Assert.That(await StaffClient.BodyAsync(await _organizer.GetAsync("/evaluations/new")), Does.Contain("选择测试活动一").And.Contain("所属活动"));

        using var created = await _organizer.PostFormAsync("/evaluations/new",
            [F("UnitId", _world.UnitA.ToString()), F("Name", "归入活动的评议"), F("Round", "动员大会后民主评议"), F("Template", "blank"), F("Campaign", one.ToString())]);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(created));
        var id = Guid.Parse(created.Headers.Location!.OriginalString.Split('/')[^1]);
        Assert.That(await _world.ScalarAsync<Guid>("select campaign_id from evaluation where id = @id", new { id }), Is.EqualTo(one));
        Assert.That(await StaffClient.BodyAsync(await _organizer.GetAsync($"/evaluations/{id}")), Does.Contain("<dd>选择测试活动一</dd>"));

        var evaluations = await _world.ScalarAsync<long>("select count(*) from evaluation");
        using (var made_up = await _organizer.PostFormAsync("/evaluations/new",
                   [F("UnitId", _world.UnitA.ToString()), F("Name", "活动不存在"), F("Round", "动员大会后民主评议"), F("Template", "blank"), F("Campaign", Guid.NewGuid().ToString())]))
        {
            Assert.That(made_up.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(made_up), Does.Contain("所选活动不存在"));
        }
        Assert.That(await _world.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(evaluations));

        using (var changed = await _organizer.PostFormAsync($"/evaluations/{id}/details",
                   [F("Name", "归入活动的评议"), F("Round", "动员大会后民主评议"), F("Campaign", two.ToString())]))
            Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(changed));
        Assert.That(await _world.ScalarAsync<Guid>("select campaign_id from evaluation where id = @id", new { id }), Is.EqualTo(two));
        Assert.That(await _world.ScalarAsync<string>("select detail from staff_action where action = '修改评议' order by seq desc limit 1"),
            Does.EndWith($"，活动：选择测试活动二，编号 {id}"));

        using (var copied = await _organizer.PostFormAsync("/evaluations/copy",
                   [F("From", id.ToString()), F("Name", "归入活动的评议（第二轮）"), F("Round", "总结大会后满意度测评"), F("Template", "keep")]))
            Assert.That(copied.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(copied));
        Assert.That(await _world.ScalarAsync<Guid>("select campaign_id from evaluation where name = '归入活动的评议（第二轮）'"), Is.EqualTo(two));

        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set status = 'open', frozen_form = '{}', form_hash = 'x' where id = @id", new { id });
        using var frozen = await _organizer.PostFormAsync($"/evaluations/{id}/details",
            [F("Name", "归入活动的评议"), F("Round", "动员大会后民主评议"), F("Campaign", "")]);
        Assert.That(frozen.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "only a draft's campaign changes");
        Assert.That(await _world.ScalarAsync<Guid>("select campaign_id from evaluation where id = @id", new { id }), Is.EqualTo(two));
    }

    [Test]
    public async Task A_low_turnout_line_outside_1_to_100_stops_the_service_at_start_up_saying_what_to_set()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = await TestDatabase.CreateDatabaseAsync(),
            ["Signing__KeyEncryptionKey"] = AppFactory.KeyEncryptionKey,
            ["Reports__LowTurnoutPercent"] = "0",
        });
        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain(ReportsOptions.Problem).And.Not.Contain("   at "), "one sentence, no stack trace");
    }

    [TestCase(154, 193, true)]
    [TestCase(155, 193, false)]
    [TestCase(16, 20, false)]
    [TestCase(0, 0, false)]
    public void The_default_line_is_80_percent_counted_exactly(int received, int expected, bool low) =>
        Assert.That(new ReportsOptions().IsLow(received, expected), Is.EqualTo(low), $"{received}/{expected}");
}
