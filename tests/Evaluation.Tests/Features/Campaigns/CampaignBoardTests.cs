using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Campaigns;

/// <summary>
/// The campaign board (活动看板) of 党的群众路线教育实践活动, run by 甲局 (under 市卫生委), over 甲局 and its units 第一医院 (over
/// 门诊部), 第二医院 and 第三医院; 乙单位 is another branch. k = 5, the low-turnout line 80 %. Its evaluations, counted by hand:
///
/// 动员大会后民主评议 (R1)
///   甲局    局机关动员评议   已开箱  ReportScenario: 收回 17 / 应到 21 = 81.0 % (1700 ≥ 1680, not low);
///                                   班子 好7 较好3 一般2 差3 不了解1 → D 15, 好评率 10/15 = 66.7 %, 差评率 3/15 = 20.0 %
///   第一医院 一院动员评议     已开箱  应到 12 + 8 = 20, 收回 14 = 70.0 % (1400 &lt; 1600: 收回率低);
///                                   班子 好6 较好4 一般1 差2 不了解1 → D 13, 好评率 10/13 = 76.9 %, 差评率 2/13 = 15.4 %
///   门诊部   门诊动员评议     已开箱  收回 4 / 应到 5 = 80.0 % (400 ≥ 400, not low); 4 ballots &lt; k: rates not published
///   第二医院 二院动员评议     已开箱  收回 45 / 应到 50 = 90.0 %;
///                                   班子 好30 较好10 一般3 差1 不了解1 → D 44, 好评率 40/44 = 90.9 %, 差评率 1/44 = 2.3 %
///            二院党委动员评议 草稿    应到 40, no voting yet (a second evaluation in the same round: both shown)
///   第三医院 —                未创建  (its 演练 of the round is no evaluation of the campaign's)
///   total: 草稿 1、已开箱 4, 未创建 1 unit; 收回 17+14+4+45+0 = 80 / 应到 21+20+5+50+40 = 136 = 58.8 %
///
/// 总结大会后民主评议 (R2)
///   甲局    局机关总结评议   进行中  收回 6 / 应到 30 = 20.0 % (still voting: not flagged)
///   第一医院 一院总结评议     待开箱  收回 9 / 应到 20 = 45.0 % (voting ended below the line: 收回率低); no rates before 开箱
///   门诊部, 第二医院 (its 二院另一活动评议 belongs to another campaign), 第三医院: 未创建
///   total: 进行中 1、待开箱 1, 未创建 3 units; 收回 15 / 应到 50 = 30.0 %
///
/// Never on the board: 乙单位动员评议 (another branch's, though in the campaign), 三院演练评议, 二院另一活动评议.
/// </summary>
public sealed class CampaignBoardTests
{
    private const string CampaignName = "党的群众路线教育实践活动";
    private const string R1 = "动员大会后民主评议", R2 = "总结大会后民主评议";

    private StaffWorld _world = null!;
    private Guid _bureau, _top, _first, _clinic, _second, _third, _campaign, _other;

    [OneTimeSetUp]
    public async Task SeedTheCampaign()
    {
        _world = await StaffWorld.StartAsync();
        _bureau = _world.UnitA;
        (_top, _first, _clinic, _second, _third, _campaign, _other) =
            (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@_top, '市卫生委');
                update unit set name = '甲局', parent_id = @_top where id = @_bureau;
                insert into unit (id, name, parent_id) values (@_first, '第一医院', @_bureau), (@_second, '第二医院', @_bureau), (@_third, '第三医院', @_bureau);
                insert into unit (id, name, parent_id) values (@_clinic, '门诊部', @_first);
                insert into campaign (id, name, unit_id) values (@_campaign, @CampaignName, @_bureau), (@_other, '另一活动', @_bureau);
                """, new { _top, _bureau, _first, _second, _third, _clinic, _campaign, _other, CampaignName });
        await _world.AddAccountAsync("supervisor-top", "supervisor", _top);
        await _world.AddAccountAsync("supervisor-first", "supervisor", _first);
        await _world.AddAccountAsync("organizer-first", "organizer", _first);

        var bureauFirst = await ReportScenario.SeedAsync(_world, _bureau, name: "局机关动员评议", round: R1);
        await InCampaignAsync(bureauFirst.Id, _campaign);
        await SeedAsync(_bureau, "局机关总结评议", R2, "open", [("机关工作人员", 30)], Team(0, ("好", 6)));
        await SeedAsync(_first, "一院动员评议", R1, "closed", [("中层干部", 12), ("职工代表", 8)],
            Team(0, ("好", 6), ("较好", 4)).Concat(Team(1, ("一般", 1), ("差", 2), ("不了解", 1))));
        await SeedAsync(_first, "一院总结评议", R2, "sealed", [("中层干部", 12), ("职工代表", 8)], Team(0, ("好", 9)));
        await SeedAsync(_clinic, "门诊动员评议", R1, "closed", [("职工", 5)], Team(0, ("好", 2), ("较好", 1), ("差", 1)));
        await SeedAsync(_second, "二院动员评议", R1, "closed", [("职工", 50)],
            Team(0, ("好", 30), ("较好", 10), ("一般", 3), ("差", 1), ("不了解", 1)));
        var draft = await _world.SeedDraftAsync(_second, expectedCount: 40);
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set name = '二院党委动员评议', round = @R1 where id = @Id", new { R1, draft.Id });
        await InCampaignAsync(draft.Id, _campaign);

        var elsewhere = await ReportScenario.SeedAsync(_world, _second, name: "二院另一活动评议", round: R2);
        await InCampaignAsync(elsewhere.Id, _other);
        var rehearsal = await ReportScenario.SeedAsync(_world, _third, name: "三院演练评议", round: R1 + "（演练）");
        await InCampaignAsync(rehearsal.Id, _campaign);
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set rehearsal_of = @Of where id = @Id", new { Of = bureauFirst.Id, rehearsal.Id });
        var otherBranch = await ReportScenario.SeedAsync(_world, _world.UnitB, name: "乙单位动员评议", round: R1);
        await InCampaignAsync(otherBranch.Id, _campaign);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _world.DisposeAsync();

    private static IEnumerable<(int Category, string Grade)> Team(int category, params (string Grade, int Count)[] grades) =>
        grades.SelectMany(g => Enumerable.Repeat((category, g.Grade), g.Count));

    private async Task InCampaignAsync(Guid evaluation, Guid campaign)
    {
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync("update evaluation set campaign_id = @campaign where id = @evaluation", new { campaign, evaluation });
    }

    /// <summary>An evaluation of the campaign whose ballots rate the 班子 only; open or sealed ones hold them in the box, unopened.</summary>
    private async Task SeedAsync(Guid unit, string name, string round, string status, IReadOnlyList<(string, int)> categories,
        IEnumerable<(int Category, string Grade)> ballots)
    {
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, "张三");
        var team = form.Targets.First(t => t.Kind == TargetKind.Team).Id;
        var seeded = await _world.SeedClosedAsync(unit, form, categories, ballots.Select(b => new SeedBallot(b.Category, new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [team] = new Dictionary<string, Answer> { ["team-overall"] = Choice(b.Grade) } },
        })), name: name, round: round);
        await InCampaignAsync(seeded.Id, _campaign);
        if (status == "closed") return;
        // Still voting, or voting ended before 开箱: the same ballots as ciphertexts in the box, none of them opened.
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into sealed_ballot (door_message, evaluation_id, key_group_id, ciphertext)
            select message, evaluation_id, key_group_id, '\x00'::bytea from ballot where evaluation_id = @Id;
            delete from ballot where evaluation_id = @Id;
            update evaluation set status = @status, closed_at = case when @status = 'sealed' then now() end where id = @Id;
            """, new { seeded.Id, status });
    }

    private async Task<string> PageAsync(string user, string url)
    {
        using var staff = await _world.SignInAsync(user);
        using var response = await staff.GetAsync(url);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return body;
    }

    private static string Text(string html) => Regex.Replace(WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", "")), @"\s+", " ").Trim();

    private static List<string> Rows(string page) =>
        Regex.Matches(page, "<tr class=\"depth-\\d\">.*?</tr>", RegexOptions.Singleline).Select(m => m.Value).ToList();

    /// <summary>The board's row of a unit, its markup whole.</summary>
    private static string Row(string page, string unit) =>
        Rows(page).Single(r => Regex.IsMatch(r, $"<td class=\"unit\"[^>]*>(└ )?<bdi>{unit}</bdi></td>"));

    /// <summary>A row's cell under a round, as text.</summary>
    private static string Cell(string row, string round) =>
        Text(Regex.Match(row, $"<td data-label=\"{Regex.Escape(round)}\">(.*?)</td>", RegexOptions.Singleline).Groups[1].Value);

    [Test]
    public async Task The_board_lists_every_unit_below_in_tree_order_with_each_rounds_state_turnout_and_班子_rates_as_counted_by_hand()
    {
        var page = await PageAsync("supervisor-a", $"/campaigns/{_campaign}");

        var rows = Rows(page);
        Assert.That(rows, Has.Count.EqualTo(5), "甲局 and its four units; neither 市卫生委 above nor 乙单位 beside");
        Assert.That(rows[0], Does.Contain("<bdi>甲局</bdi>").And.StartWith("<tr class=\"depth-0\">"));
        var first = rows.FindIndex(r => r.Contains("<bdi>第一医院</bdi>"));
        Assert.That(rows[first + 1], Does.Contain("└ <bdi>门诊部</bdi>").And.StartWith("<tr class=\"depth-2\">"), "a unit's units follow it, indented");
        Assert.That(Regex.Matches(page, "<th><bdi>([^<]*)</bdi></th>").Select(m => m.Groups[1].Value), Is.EqualTo(new[] { R1, R2 }),
            "the rounds in the order they were set up, the rehearsal's not among them");

        var bureau = Row(page, "甲局");
        Assert.That(Cell(bureau, R1), Does.Contain("已开箱 局机关动员评议").And.Contain("收回 17 / 应到 21（81.0%）")
            .And.Contain("班子好评率 66.7%，差评率 20.0%").And.Contain("作答 15 人").And.Not.Contain("收回率低"));
        Assert.That(Cell(bureau, R2), Does.Contain("进行中 局机关总结评议").And.Contain("收回 6 / 应到 30（20.0%）")
            .And.Not.Contain("好评率").And.Not.Contain("收回率低"));

        var hospital = Row(page, "第一医院");
        Assert.That(Cell(hospital, R1), Does.Contain("已开箱 一院动员评议").And.Contain("收回 14 / 应到 20（70.0%） 收回率低")
            .And.Contain("班子好评率 76.9%，差评率 15.4% 收回率低").And.Contain("作答 13 人"));
        Assert.That(Cell(hospital, R2), Does.Contain("待开箱 一院总结评议").And.Contain("收回 9 / 应到 20（45.0%） 收回率低")
            .And.Not.Contain("好评率"), "no figure of a sealed box but its turnout");

        var clinic = Row(page, "门诊部");
        Assert.That(Cell(clinic, R1), Does.Contain("已开箱 门诊动员评议").And.Contain("收回 4 / 应到 5（80.0%）")
            .And.Contain("作答不足 5 人，为保护匿名不公布").And.Not.Contain("好评率").And.Not.Contain("差评率"), "4 ballots: a small cell");
        Assert.That(Cell(clinic, R2), Is.EqualTo("未创建"));

        var second = Row(page, "第二医院");
        Assert.That(Cell(second, R1), Does.Contain("已开箱 二院动员评议").And.Contain("收回 45 / 应到 50（90.0%）")
            .And.Contain("班子好评率 90.9%，差评率 2.3%").And.Contain("作答 44 人")
            .And.Contain("草稿 二院党委动员评议").And.Contain("应到 40，未开始投票"), "both evaluations of the round");
        Assert.That(Cell(second, R2), Is.EqualTo("未创建"), "its evaluation of another campaign is not this one's");

        var third = Row(page, "第三医院");
        Assert.That((Cell(third, R1), Cell(third, R2)), Is.EqualTo(("未创建", "未创建")));
        Assert.That(page, Does.Not.Contain("三院演练评议").And.Not.Contain("乙单位动员评议").And.Not.Contain("二院另一活动评议"));

        var totals = Text(Regex.Match(page, "<tfoot>.*?</tfoot>", RegexOptions.Singleline).Value);
        Assert.That(totals, Does.Contain("草稿 1、已开箱 4、未创建 1 个单位；收回 80 / 应到 136（58.8%）")
            .And.Contain("进行中 1、待开箱 1、未创建 3 个单位；收回 15 / 应到 50（30.0%）"));
    }

    [Test]
    public async Task The_excel_export_has_a_row_per_unit_and_round_with_the_hand_counted_figures_and_is_logged()
    {
        using var staff = await _world.SignInAsync("organizer-a");
        using var response = await staff.GetAsync($"/campaigns/{_campaign}.xlsx");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
        using var workbook = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var ws = workbook.Worksheet("活动看板");
        Assert.That(ws.Cell(1, 1).GetString(), Does.Contain(CampaignName));
        Assert.That(ws.Row(5).Cell(7).GetString(), Is.EqualTo("收回率"));

        var rows = ws.RowsUsed().Where(r => r.RowNumber() > 5).TakeWhile(r => r.Cell(1).GetString() != "各轮次合计").ToList();
        IXLRow Of(string unit, string round, string state) =>
            rows.Single(r => r.Cell(1).GetString() == unit && r.Cell(2).GetString() == round && r.Cell(4).GetString() == state);
        Assert.That(rows, Has.Count.EqualTo(11), "7 evaluations and 4 units × rounds without one");

        var bureau = Of("甲局", R1, "已开箱");
        Assert.That((bureau.Cell(3).GetString(), bureau.Cell(5).GetValue<int>(), bureau.Cell(6).GetValue<int>()), Is.EqualTo(("局机关动员评议", 21, 17)));
        Assert.That(bureau.Cell(7).GetValue<double>(), Is.EqualTo(17.0 / 21).Within(1e-9));
        Assert.That((bureau.Cell(8).GetString(), bureau.Cell(9).GetString(), bureau.Cell(11).GetValue<int>()), Is.EqualTo(("", "好评率", 15)));
        Rates(bureau, 10.0 / 15, 3.0 / 15);

        var hospital = Of("第一医院", R1, "已开箱");
        Assert.That((hospital.Cell(5).GetValue<int>(), hospital.Cell(6).GetValue<int>(), hospital.Cell(8).GetString()), Is.EqualTo((20, 14, "收回率低")));
        Assert.That((hospital.Cell(9).GetString(), hospital.Cell(11).GetValue<int>()), Is.EqualTo(("好评率（收回率低）", 13)));
        Rates(hospital, 10.0 / 13, 2.0 / 13);
        Assert.That(hospital.Cell(1).Style.Alignment.Indent, Is.EqualTo(1));

        var clinic = Of("门诊部", R1, "已开箱");
        Assert.That((clinic.Cell(5).GetValue<int>(), clinic.Cell(6).GetValue<int>(), clinic.Cell(8).GetString()), Is.EqualTo((5, 4, "")));
        Assert.That((clinic.Cell(9).GetString(), clinic.Cell(10).GetString(), clinic.Cell(12).GetString()),
            Is.EqualTo(("作答不足 5 人，为保护匿名不公布", "", "")), "a small cell: turnout only, the note where the rates would be");
        Assert.That(clinic.Cell(1).Style.Alignment.Indent, Is.EqualTo(2));

        var second = Of("第二医院", R1, "已开箱");
        Assert.That((second.Cell(5).GetValue<int>(), second.Cell(6).GetValue<int>(), second.Cell(11).GetValue<int>()), Is.EqualTo((50, 45, 44)));
        Rates(second, 40.0 / 44, 1.0 / 44);
        var draft = Of("第二医院", R1, "草稿");
        Assert.That((draft.Cell(3).GetString(), draft.Cell(5).GetValue<int>(), draft.Cell(6).GetString()), Is.EqualTo(("二院党委动员评议", 40, "")));

        var open = Of("甲局", R2, "进行中");
        Assert.That((open.Cell(5).GetValue<int>(), open.Cell(6).GetValue<int>(), open.Cell(8).GetString(), open.Cell(9).GetString()), Is.EqualTo((30, 6, "", "")));
        var sealedBox = Of("第一医院", R2, "待开箱");
        Assert.That((sealedBox.Cell(5).GetValue<int>(), sealedBox.Cell(6).GetValue<int>(), sealedBox.Cell(8).GetString(), sealedBox.Cell(9).GetString()),
            Is.EqualTo((20, 9, "收回率低", "")));
        foreach (var (unit, round) in new[] { ("门诊部", R2), ("第二医院", R2), ("第三医院", R1), ("第三医院", R2) })
            Assert.That(Of(unit, round, "未创建").Cell(5).GetString(), Is.Empty, $"{unit} {round}");

        var totals = ws.RowsUsed().SkipWhile(r => r.Cell(1).GetString() != "各轮次合计").Skip(2).ToList();
        Assert.That(totals.Select(r => (r.Cell(1).GetString(), r.Cell(2).GetString(), r.Cell(3).GetValue<int>(), r.Cell(4).GetValue<int>(), r.Cell(5).GetValue<int>())),
            Is.EqualTo(new[] { (R1, "草稿 1、已开箱 4", 1, 136, 80), (R2, "进行中 1、待开箱 1", 3, 50, 15) }));
        Assert.That(await _world.ScalarAsync<string>("select detail from staff_action where action = '导出活动看板' and detail like '%Excel，%' order by seq desc limit 1"),
            Does.StartWith($"活动“{CampaignName}”Excel，单位 5 个，评议 7 个："));
    }

    /// <summary>评价率 and 差评率 as the sheet stores them: numbers, formatted as percentages.</summary>
    private static void Rates(IXLRow row, double positive, double negative)
    {
        Assert.That(row.Cell(10).GetValue<double>(), Is.EqualTo(positive).Within(1e-4));
        Assert.That(row.Cell(12).GetValue<double>(), Is.EqualTo(negative).Within(1e-4));
    }

    [Test]
    public async Task The_pdf_export_reads_back_with_the_hand_counted_figures_under_each_unit_and_is_logged()
    {
        using var staff = await _world.SignInAsync("supervisor-top");
        using var response = await staff.GetAsync($"/campaigns/{_campaign}.pdf");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
        var text = await PdfTools.TextAsync(await response.Content.ReadAsByteArrayAsync());
        var lines = text.Split('\n');
        // A unit's block: from its line (the name first, then its cells beside it) to the next unit's.
        string Block(string unit)
        {
            bool IsUnit(string line, string name) => Regex.IsMatch(line, $@"^\s*(└\s*)?{name}\s{{2,}}");
            string[] units = ["甲局", "第一医院", "门诊部", "第二医院", "第三医院"];
            var start = Array.FindIndex(lines, l => IsUnit(l, unit));
            Assert.That(start, Is.GreaterThanOrEqualTo(0), $"{unit} has a row:\n{text}");
            var end = Array.FindIndex(lines, start + 1, l => units.Any(u => IsUnit(l, u)) || l.Contains("合计"));
            return Regex.Replace(string.Join(" ", lines[start..(end < 0 ? lines.Length : end)]), @"\s+", " ");
        }

        Assert.That(text, Does.Contain("活动看板").And.Contain(CampaignName).And.Contain("牵头单位：甲局"));
        Assert.That(Block("甲局"), Does.Contain("收回 17 / 应到 21（81.0%）").And.Contain("班子好评率 66.7%，差评率 20.0%")
            .And.Contain("收回 6 / 应到 30（20.0%）").And.Contain("进行中"));
        Assert.That(Block("第一医院"), Does.Contain("收回 14 / 应到 20（70.0%）").And.Contain("班子好评率 76.9%，差评率 15.4%")
            .And.Contain("收回 9 / 应到 20（45.0%）").And.Contain("待开箱"));
        Assert.That(Regex.Matches(Block("第一医院"), "收回率低").Count, Is.EqualTo(3), "turnout and rates of R1, turnout of R2");
        Assert.That(Block("门诊部"), Does.Contain("收回 4 / 应到 5（80.0%）").And.Contain("作答不足 5 人，为保护匿名不公布").And.Not.Contain("好评率"));
        Assert.That(Block("第二医院"), Does.Contain("收回 45 / 应到 50（90.0%）").And.Contain("班子好评率 90.9%，差评率 2.3%")
            .And.Contain("应到 40，未开始投票").And.Contain("未创建"));
        Assert.That(Regex.Matches(Block("第三医院"), "未创建").Count, Is.EqualTo(2));
        Assert.That(text, Does.Contain("收回 80 / 应到 136（58.8%）").And.Contain("收回 15 / 应到 50（30.0%）"));
        Assert.That(text, Does.Not.Contain("乙单位").And.Not.Contain("演练评议").And.Not.Contain("另一活动"));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action where action = '导出活动看板' and detail like '%PDF，单位 5 个，评议 7 个%'"),
            Is.GreaterThan(0));
    }

    [Test]
    public async Task Staff_of_the_running_unit_and_above_see_the_board_staff_below_or_of_another_branch_get_404()
    {
        foreach (var (user, status) in new[]
                 {
                     ("organizer-a", HttpStatusCode.OK), ("supervisor-a", HttpStatusCode.OK), ("supervisor-top", HttpStatusCode.OK),
                     ("supervisor-first", HttpStatusCode.NotFound), ("organizer-first", HttpStatusCode.NotFound),
                     ("supervisor-b", HttpStatusCode.NotFound), ("organizer-b", HttpStatusCode.NotFound),
                     ("auditor-a", HttpStatusCode.Forbidden),
                 })
        {
            using var staff = await _world.SignInAsync(user);
            // The PDF of an allowed caller is the export test's; here only that it is refused.
            var paths = status == HttpStatusCode.OK
                ? new[] { $"/campaigns/{_campaign}", $"/campaigns/{_campaign}.xlsx" }
                : [$"/campaigns/{_campaign}", $"/campaigns/{_campaign}.xlsx", $"/campaigns/{_campaign}.pdf"];
            foreach (var path in paths)
            {
                using var response = await staff.GetAsync(path);
                var body = await StaffClient.BodyAsync(response);
                Assert.That(response.StatusCode, Is.EqualTo(status), $"{user} {path}");
                if (status != HttpStatusCode.OK) Assert.That(body, Does.Not.Contain(CampaignName), $"{user} {path}");
            }
            var list = await StaffClient.BodyAsync(await staff.GetAsync("/campaigns"));
            Assert.That(list.Contains(CampaignName), Is.EqualTo(status == HttpStatusCode.OK), $"{user}'s list of campaigns");
        }
        Assert.That(Text(await PageAsync("supervisor-a", "/campaigns")), Does.Contain($"{CampaignName} 甲局 7 个，已开箱 4 个"));
        Assert.That(await PageAsync("supervisor-a", "/evaluations"), Does.Contain("<a href=\"/campaigns\">活动</a>"), "in the staff navigation");
        using (var someone = await _world.SignInAsync("supervisor-a"))
            Assert.That((await someone.GetAsync($"/campaigns/{Guid.NewGuid()}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_campaign_without_evaluations_lists_its_units_as_未创建_and_has_nothing_to_export()
    {
        var empty = Guid.NewGuid();
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("insert into campaign (id, name, unit_id) values (@empty, '尚无评议的活动', @_first)", new { empty, _first });

        var page = await PageAsync("supervisor-first", $"/campaigns/{empty}");
        Assert.That(Rows(page).Count, Is.EqualTo(2), "第一医院 and 门诊部");
        Assert.That(Text(page), Does.Contain("还没有评议").And.Contain("在“所属活动”中选择本活动"));
        using var staff = await _world.SignInAsync("supervisor-first");
        using var excel = await staff.GetAsync($"/campaigns/{empty}.xlsx");
        Assert.That(excel.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StaffClient.BodyAsync(excel), Does.Contain("没有可导出的内容").And.Contain("选择本活动后，即可导出"));
    }
}
