using System.Net;
using Dapper;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Units;

/// <summary>
/// The unit tree: 甲局 over 直属一 (over 一科) and 直属二. Staff assigned to a unit cover it and every unit below it, in
/// every role and on every page that lists or opens an evaluation; a unit above or beside theirs answers 404, as another
/// unit's always did. The 管理员 builds and rearranges the tree, and a move never makes a loop.
/// </summary>
public sealed class UnitTreeScopeTests
{
    private static readonly string[] Roles = ["organizer", "supervisor", "auditor"];

    private StaffWorld _world = null!;
    private Guid _bureau, _first, _section, _second;
    private readonly Dictionary<Guid, ClosedEvaluation> _evaluations = [];
    private readonly Dictionary<Guid, string> _names = [];

    [OneTimeSetUp]
    public async Task BuildTheTree()
    {
        _world = await StaffWorld.StartAsync();
        _bureau = _world.UnitA;
        (_first, _section, _second) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync(
                """
                update unit set name = '甲局' where id = @_bureau;
                insert into unit (id, name, parent_id) values (@_first, '直属一', @_bureau), (@_second, '直属二', @_bureau);
                insert into unit (id, name, parent_id) values (@_section, '一科', @_first);
                """, new { _bureau, _first, _second, _section });
        foreach (var (unit, name) in new[] { (_bureau, "局机关评议"), (_first, "直属一评议"), (_section, "一科评议"), (_second, "直属二评议") })
        {
            _evaluations[unit] = await ReportScenario.SeedAsync(_world, unit, name: name);
            _names[unit] = name;
        }
        // One account per role at each of 直属一 and 直属二 (the world's *-a accounts are at 甲局).
        foreach (var role in Roles)
        {
            await _world.AddAccountAsync($"{role}-first", role, _first);
            await _world.AddAccountAsync($"{role}-second", role, _second);
        }
    }

    [OneTimeTearDown]
    public async Task Stop() => await _world.DisposeAsync();

    private Guid[] Below(Guid unit) =>
        unit == _bureau ? [_bureau, _first, _section, _second] : unit == _first ? [_first, _section] : [unit];

    [Test]
    public async Task EveryRole_SeesItsUnitAndEverythingBelow_AndNothingAboveOrBeside(
        [Values("organizer", "supervisor", "auditor")] string role, [Values("a", "first", "second")] string level)
    {
        var unit = level == "a" ? _bureau : level == "first" ? _first : _second;
        using var staff = await _world.SignInAsync($"{role}-{level}");
        var list = await StaffClient.BodyAsync(await staff.GetAsync("/evaluations"));
        var wrong = new List<string>();
        foreach (var (evaluationUnit, evaluation) in _evaluations)
        {
            var covered = Below(unit).Contains(evaluationUnit);
            foreach (var path in new[] { evaluation.Url, $"{evaluation.Url}/results", $"{evaluation.Url}/results.xlsx" })
            {
                using var response = await staff.GetAsync(path);
                if (response.StatusCode != (covered ? HttpStatusCode.OK : HttpStatusCode.NotFound))
                    wrong.Add($"{path} of {_names[evaluationUnit]}: {(int)response.StatusCode}");
            }
            if (list.Contains(_names[evaluationUnit]) != covered)
                wrong.Add($"the list {(covered ? "misses" : "shows")} {_names[evaluationUnit]}");
        }
        Assert.That(wrong, Is.Empty, $"{role} at {level}");
    }

    [Test]
    public async Task TheRollupOfA督导组AtTheBureau_CoversEveryUnitBelow_OneAt直属二OnlyItsOwn()
    {
        using var bureau = await _world.SignInAsync("supervisor-a");
        using var second = await _world.SignInAsync("supervisor-second");
        var all = await StaffClient.BodyAsync(await bureau.GetAsync("/results/rollup"));
        var own = await StaffClient.BodyAsync(await second.GetAsync("/results/rollup"));
        Assert.Multiple(() =>
        {
            foreach (var name in _names.Values) Assert.That(all, Does.Contain(name));
            Assert.That(own, Does.Contain("直属二评议"));
            foreach (var name in _names.Values.Where(n => n != "直属二评议")) Assert.That(own, Does.Not.Contain(name));
        });
    }

    [Test]
    public async Task AnAuditorsLogFilter_OffersTheEvaluationsOfItsSubtreeOnly()
    {
        using var auditor = await _world.SignInAsync("auditor-first");
        var page = await StaffClient.BodyAsync(await auditor.GetAsync("/audit-log"));
        Assert.That(page, Does.Contain("直属一评议").And.Contain("一科评议"));
        Assert.That(page, Does.Not.Contain("局机关评议").And.Not.Contain("直属二评议"));
    }

    [Test]
    public async Task AnOrganizerAtTheBureau_CreatesAnEvaluationForAUnitBelow_OneAt直属一CannotForTheBureau()
    {
        using var bureau = await _world.SignInAsync("organizer-a");
        using var first = await _world.SignInAsync("organizer-first");
        var form = await StaffClient.BodyAsync(await first.GetAsync("/evaluations/new"));
        Assert.That(form, Does.Contain("一科").And.Not.Contain("甲局"), "the unit choice is the organiser's subtree");

        using var created = await bureau.PostFormAsync("/evaluations/new",
            [new("UnitId", _section.ToString()), new("Name", "一科第二轮"), new("Round", "总结大会后满意度测评"), new("Template", "blank")]);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(created));
        using var refused = await first.PostFormAsync("/evaluations/new",
            [new("UnitId", _bureau.ToString()), new("Name", "越级"), new("Round", "总结大会后满意度测评"), new("Template", "blank")]);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from evaluation where name = '越级'"), Is.Zero);
    }

    [Test]
    public async Task TheAdmin_BuildsTheTree_MovesAUnit_AndIsRefusedALoop()
    {
        using var admin = await _world.SignInAsync("admin2");
        using (var created = await admin.PostFormAsync("/admin/units", [new("name", "二科"), new("parent", _second.ToString())]))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(created));
        var secondSection = await _world.ScalarAsync<Guid>("select id from unit where name = '二科' and parent_id = @_second", new { _second });
        var page = await StaffClient.BodyAsync(await admin.GetAsync("/admin/units"));
        Assert.That(page.IndexOf("直属二", StringComparison.Ordinal), Is.LessThan(page.IndexOf("└ 二科", StringComparison.Ordinal)), "children follow their parent");

        // 甲局 under its own grandchild: refused, with what to do, and nothing moved.
        using (var loop = await admin.PostFormAsync($"/admin/units/{_bureau}/parent", [new("parent", secondSection.ToString())]))
        {
            Assert.That(loop.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(loop), Does.Contain("不能把“甲局”放到它自己或它的下级单位“二科”之下"));
        }
        Assert.That(await _world.ScalarAsync<long>("select count(*) from unit where id = @_bureau and parent_id is null", new { _bureau }), Is.EqualTo(1));

        // 二科 moved under 直属一: 直属一's staff now cover it, 直属二's no longer do; both logged.
        var evaluation = await ReportScenario.SeedAsync(_world, secondSection, name: "二科评议");
        using (var moved = await admin.PostFormAsync($"/admin/units/{secondSection}/parent", [new("parent", _first.ToString())]))
            Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(moved));
        using var first = await _world.SignInAsync("supervisor-first");
        using var second = await _world.SignInAsync("supervisor-second");
        Assert.That((await first.GetAsync(evaluation.Url)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await second.GetAsync(evaluation.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action where action in ('创建单位', '调整上级单位') and detail like '%二科%'"),
            Is.EqualTo(2));
        // Back where it was, for the other tests.
        using (var back = await admin.PostFormAsync($"/admin/units/{secondSection}/parent", [new("parent", _second.ToString())]))
            Assert.That(back.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
    }
}
