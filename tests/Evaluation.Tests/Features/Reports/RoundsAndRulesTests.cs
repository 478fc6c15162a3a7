using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Infrastructure;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>Counting rules set by the organiser, two rounds compared, and the 督导组's roll-up across units.</summary>
public sealed class RoundsAndRulesTests
{
    private StaffWorld _world = null!;
    private StaffClient _organizer = null!;
    private StaffClient _supervisor = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _organizer = await _world.SignInAsync("organizer-a");
        _supervisor = await _world.SignInAsync("supervisor-a");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _organizer.Dispose();
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    private static KeyValuePair<string, string> F(string key, string value) => new(key, value);

    [Test]
    public async Task Coefficients_saved_by_the_organizer_give_scores_on_the_results_and_are_logged()
    {
        var evaluation = await ReportScenario.SeedAsync(_world, _world.UnitA);
        var response = await _organizer.PostFormAsync($"{evaluation.Url}/counting",
        [
            F("SmallCell", "5"),
            F("coefficient-competence-0", "1"), F("coefficient-competence-1", "0.8"),
            F("coefficient-competence-2", "0.6"), F("coefficient-competence-3", "0"),
        ]);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));

        var page = await StaffClient.BodyAsync(await _supervisor.GetAsync($"{evaluation.Url}/results"));
        // 张三: 100 × (5 + 5·0.8 + 4·0.6) / 16 = 71.25 → 71.3; 李四: 100 × (8 + 6·0.8 + 0.6) / 15 = 89.3.
        Assert.That(page, Does.Contain("得分").And.Contain("71.3").And.Contain("89.3"));
        Assert.That(await _world.ScalarAsync<string>("select detail from staff_action where action = '修改计票规则' order by seq desc limit 1"),
            Does.Contain("计分系数 1 / 0.8 / 0.6 / 0"));
    }

    [TestCase("3", "不能小于 5")]
    [TestCase("五", "整数")]
    public async Task Lowering_k_is_refused_and_changes_nothing(string k, string message)
    {
        var evaluation = await ReportScenario.SeedAsync(_world, _world.UnitA);

        var response = await _organizer.PostFormAsync($"{evaluation.Url}/counting", [F("SmallCell", k)]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(response), Does.Contain(message));
        Assert.That(await _world.ScalarAsync<bool>("select tally_settings is null from evaluation where id = @Id", new { evaluation.Id }), Is.True);
    }

    [Test]
    public async Task Supervisor_cannot_change_counting_rules()
    {
        var evaluation = await ReportScenario.SeedAsync(_world, _world.UnitA);

        var response = await _supervisor.PostFormAsync($"{evaluation.Url}/counting", [F("SmallCell", "6")]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Raising_k_above_the_ballots_hides_every_count_but_the_turnout()
    {
        var evaluation = await ReportScenario.SeedAsync(_world, _world.UnitA);
        var saved = await _organizer.PostFormAsync($"{evaluation.Url}/counting", [F("SmallCell", "20")]);
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        var page = await StaffClient.BodyAsync(await _supervisor.GetAsync($"{evaluation.Url}/results"));

        Assert.That(page, Does.Contain("少于 20 份"));
        Assert.That(page, Does.Not.Contain("66.7%").And.Not.Contain("希望张三同志"));
    }

    [Test]
    public async Task Two_rounds_of_one_unit_compare_rates_per_target_in_percentage_points()
    {
        var before = await ReportScenario.SeedAsync(_world, _world.UnitB, name: "动员大会后评议", round: "动员大会后民主评议");
        var closing = Form(FormTemplates.ClosingSatisfaction.Questionnaire, "张三", "李四");
        var teamId = closing.Targets.First(t => t.Kind == TargetKind.Team).Id;
        var zhangId = closing.Targets.First(t => t.Name == "张三").Id;
        // 班子 满意率 9/10 = 90% (was 好评率 66.7%: +23.3); 张三 满意率 5/10 = 50% (was 称职率 62.5%: −12.5).
        var ballots = Enumerable.Range(0, 10).Select(i => new SeedBallot(0, new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [teamId] = new Dictionary<string, Answer> { ["team-satisfaction"] = Choice(i < 9 ? "满意" : "不满意") },
                [zhangId] = new Dictionary<string, Answer> { ["member-satisfaction"] = Choice(i < 5 ? "基本满意" : "不满意") },
            },
        })).ToList();
        var after = await _world.SeedClosedAsync(_world.UnitB, closing, [("机关工作人员", 10)], ballots, name: "总结大会后测评", round: "总结大会后满意度测评");
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set closed_at = now() - interval '30 days' where id = @Id", new { before.Id });
        using var supervisorB = await _world.SignInAsync("supervisor-b");

        // Rounds and names stand in <bdi> (issue 12); the sentence is read without them.
        var page = WebUtility.HtmlDecode(Regex.Replace(await StaffClient.BodyAsync(await supervisorB.GetAsync($"{after.Url}/compare?with={before.Id}")), "</?bdi[^>]*>", ""));

        Assert.That(page, Does.Contain("动员大会后民主评议 → 总结大会后满意度测评"));
        Assert.That(page, Does.Contain("好评率 66.7%").And.Contain("满意率 90.0%").And.Contain("+23.3 个百分点"));
        Assert.That(page, Does.Contain("称职率 62.5%").And.Contain("满意率 50.0%").And.Contain("-12.5 个百分点"));
        Assert.That((await supervisorB.GetAsync($"{after.Url}/compare?with={Guid.NewGuid()}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Comparing_with_another_units_evaluation_is_404()
    {
        var mine = await ReportScenario.SeedAsync(_world, _world.UnitA);
        var theirs = await ReportScenario.SeedAsync(_world, _world.UnitB);

        Assert.That((await _supervisor.GetAsync($"{mine.Url}/compare?with={theirs.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Roll_up_lists_one_row_per_unit_for_the_round_and_only_the_supervisors_units()
    {
        var round = "年中民主评议";
        var unitC = Guid.NewGuid();
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@unitC, '丙单位');
                insert into staff_unit (account_id, unit_id) values (@supervisor, @unitC);
                """, new { unitC, supervisor = _world.Accounts["supervisor-a"] });
        await ReportScenario.SeedAsync(_world, _world.UnitA, name: "甲单位年中评议", round: round);
        await ReportScenario.SeedAsync(_world, unitC, name: "丙单位年中评议", round: round);
        await ReportScenario.SeedAsync(_world, _world.UnitB, name: "乙单位年中评议", round: round);

        var page = await StaffClient.BodyAsync(await _supervisor.GetAsync($"/results/rollup?round={Uri.EscapeDataString(round)}"));

        Assert.That(page, Does.Contain("甲单位年中评议").And.Contain("丙单位年中评议"));
        Assert.That(page, Does.Not.Contain("乙单位年中评议"), "unit B is not this supervisor's");
        Assert.That(System.Text.RegularExpressions.Regex.Matches(page, "好评率 <strong>66.7%</strong>").Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Plain_survey_results_show_per_question_tables_and_charts()
    {
        var survey = new FrozenForm(FormTemplates.OpinionSurvey.Questionnaire, []);
        string[] grades = ["满意", "满意", "基本满意", "不满意", "不满意", "不满意"];
        var ballots = grades.Select(g => new SeedBallot(0, new BallotAnswers
        {
            Once = new Dictionary<string, Answer> { ["service-satisfaction"] = Choice(g), ["identity"] = Choice("服务对象") },
        })).ToList();
        var evaluation = await _world.SeedClosedAsync(_world.UnitA, survey, [("服务对象代表", 10)], ballots, name: "服务满意度调研", round: "年度调研");

        var page = await StaffClient.BodyAsync(await _supervisor.GetAsync($"{evaluation.Url}/results"));

        Assert.That(page, Does.Contain("各题统计").And.Contain("满意率 <strong>50.0%</strong>").And.Contain(Tally.SatisfactionWarning));
        Assert.That(page, Does.Contain("<svg class=\"chart\""));
        Assert.That(page, Does.Contain("6（100.0%）"), "everyone chose 服务对象");
    }
}
