using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
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

    /// <summary>The report scenario with its ballots in, before the organiser closes voting: the rules can still change.</summary>
    private async Task<ClosedEvaluation> SeedStillOpenAsync()
    {
        var evaluation = await ReportScenario.SeedAsync(_world, _world.UnitA);
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync("update evaluation set status = 'open', closed_at = null where id = @Id", new { evaluation.Id });
        return evaluation;
    }

    private async Task CloseAsync(ClosedEvaluation evaluation)
    {
        using var close = await _organizer.PostFormAsync($"{evaluation.Url}/close", []);
        Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
    }

    private static readonly KeyValuePair<string, string>[] Competence =
    [
        F("SmallCell", "5"),
        F("coefficient-competence-0", "1"), F("coefficient-competence-1", "0.8"),
        F("coefficient-competence-2", "0.6"), F("coefficient-competence-3", "0"),
    ];

    [Test]
    public async Task Coefficients_saved_by_the_organizer_give_scores_on_the_results_and_are_logged()
    {
        var evaluation = await SeedStillOpenAsync();
        var response = await _organizer.PostFormAsync($"{evaluation.Url}/counting", Competence);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        await CloseAsync(evaluation);

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
        var evaluation = await SeedStillOpenAsync();

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
        var evaluation = await SeedStillOpenAsync();
        var saved = await _organizer.PostFormAsync($"{evaluation.Url}/counting", [F("SmallCell", "20")]);
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await CloseAsync(evaluation);

        var page = await StaffClient.BodyAsync(await _supervisor.GetAsync($"{evaluation.Url}/results"));

        Assert.That(page, Does.Contain("少于 20 份"));
        Assert.That(page, Does.Not.Contain("66.7%").And.Not.Contain("希望张三同志"));
    }

    [Test]
    public async Task Closing_logs_the_counting_rules_it_locks()
    {
        var evaluation = await SeedStillOpenAsync();
        using (var saved = await _organizer.PostFormAsync($"{evaluation.Url}/counting", Competence))
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        await CloseAsync(evaluation);

        Assert.That(await _world.ScalarAsync<string>(
                "select detail from staff_action where action = '结束投票' and detail like '%' || @Id || '%'", new { Id = evaluation.Id.ToString() }),
            Does.Contain($"编号 {evaluation.Id}，计票规则：").And.Contain("少于 5 票的分类不单列").And.Contain("计分系数 1 / 0.8 / 0.6 / 0"));
    }

    [TestCase("9")]
    [TestCase("3")]
    public async Task Changing_the_rules_after_close_is_refused_and_every_report_stays_as_it_was(string k)
    {
        var evaluation = await SeedStillOpenAsync();
        using (var saved = await _organizer.PostFormAsync($"{evaluation.Url}/counting", Competence))
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await CloseAsync(evaluation);
        var settingsBefore = await _world.ScalarAsync<string>("select tally_settings from evaluation where id = @Id", new { evaluation.Id });
        var logBefore = await _world.ScalarAsync<long>("select count(*) from staff_action");

        using var response = await _organizer.PostFormAsync($"{evaluation.Url}/counting",
            [F("SmallCell", k), F("UnknownInDenominator", "true"), F($"weight-{evaluation.Categories[0]}", "2")]);

        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), body);
        Assert.That(body, Does.Contain("投票结束时计票规则已锁定").And.Contain("没有做任何更改").And.Contain("请"));
        Assert.That(await _world.ScalarAsync<string>("select tally_settings from evaluation where id = @Id", new { evaluation.Id }), Is.EqualTo(settingsBefore));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action"), Is.EqualTo(logBefore), "nothing logged as changed");
        // Counted as before: 不了解 left out of D (班子 好评率 10/15, not 10/16), the scores, k = 5, no weights.
        var page = WebUtility.HtmlDecode(await StaffClient.BodyAsync(await _supervisor.GetAsync($"{evaluation.Url}/results")));
        using var workbook = new XLWorkbook(new MemoryStream(await DownloadAsync($"{evaluation.Url}/results.xlsx")));
        var cells = string.Join("\n", workbook.Worksheets.SelectMany(sheet => sheet.CellsUsed().Select(c => c.GetString())));
        Assert.That(page, Does.Contain("66.7%").And.Contain("71.3").And.Contain("89.3"));
        Assert.That(cells, Does.Contain("0.6666").And.Contain("71.25").And.Contain("89.333"), "the workbook holds the figures unrounded");
        foreach (var report in new[] { page, cells })
            Assert.That(report, Does.Contain("D = 该项作答数 − “不了解”").And.Contain("少于 5 票的分类不单列").And.Not.Contain("类别权重"));
    }

    private async Task<byte[]> DownloadAsync(string url)
    {
        using var response = await _supervisor.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Test]
    public async Task The_counting_page_after_close_shows_the_rules_read_only_and_says_why()
    {
        var evaluation = await SeedStillOpenAsync();
        using (var saved = await _organizer.PostFormAsync($"{evaluation.Url}/counting", Competence))
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var openPage = await StaffClient.BodyAsync(await _organizer.GetAsync($"{evaluation.Url}/counting"));
        await CloseAsync(evaluation);

        var page = await StaffClient.BodyAsync(await _organizer.GetAsync($"{evaluation.Url}/counting"));

        Assert.That(openPage, Does.Contain("保存</button>").And.Not.Contain("已锁定"));
        Assert.That(page, Does.Contain("投票结束时计票规则已锁定，所有报告均按此规则计算"));
        Assert.That(page, Does.Not.Contain("保存</button>"));
        var inputs = System.Text.RegularExpressions.Regex.Matches(page, "<input [^>]*>").Select(m => m.Value)
            .Where(i => !i.Contains("type=\"hidden\"")).ToList();
        Assert.That(inputs, Is.Not.Empty);
        Assert.That(inputs, Has.All.Contain("disabled"), "every rule is shown, none can be changed");
        Assert.That(page, Does.Contain("value=\"0.8\""), "the rules in force are shown");
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

        Assert.That(page, Does.Contain("前一轮：《动员大会后评议》（动员大会后民主评议）").And.Contain("后一轮：《总结大会后测评》（总结大会后满意度测评）"));
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
    public async Task Roll_up_lists_one_row_per_unit_for_the_campaign_and_only_the_supervisors_units()
    {
        var round = "年中民主评议";
        var (unitC, campaign) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@unitC, '丙单位');
                insert into staff_unit (account_id, unit_id) values (@supervisor, @unitC);
                insert into campaign (id, name) values (@campaign, '年中活动');
                """, new { unitC, campaign, supervisor = _world.Accounts["supervisor-a"] });
        var seeded = new[]
        {
            await ReportScenario.SeedAsync(_world, _world.UnitA, name: "甲单位年中评议", round: round),
            await ReportScenario.SeedAsync(_world, unitC, name: "丙单位年中评议", round: round),
            await ReportScenario.SeedAsync(_world, _world.UnitB, name: "乙单位年中评议", round: round),
        };
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set campaign_id = @campaign where id = any(@Ids)", new { campaign, Ids = seeded.Select(e => e.Id).ToArray() });

        var page = await StaffClient.BodyAsync(await _supervisor.GetAsync($"/results/rollup?campaign={campaign}"));

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
