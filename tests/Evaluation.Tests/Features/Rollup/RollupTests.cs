using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Rollup;

/// <summary>
/// The 督导组's roll-up across units: by campaign or a chosen set, 收回 / 应到 with the low-turnout flag, the Excel and PDF
/// exports, and what it never shows (another unit's evaluations). ReportScenario's meeting has 应到 21 and 收回 17
/// (16 answering and one blank): 17/21 = 81.0%, just above the 80% line (1700 ≥ 1680); with 应到 raised to 193 it is
/// 17/193 = 8.8%, below it. Its 班子: 好评率 10/15 = 66.7%, 差评率 3/15 = 20.0%.
/// </summary>
public sealed class RollupTests
{
    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;
    private Guid _unitC;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
        _unitC = Guid.NewGuid();
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into unit (id, name) values (@_unitC, '丙单位');
            insert into staff_unit (account_id, unit_id) values (@supervisor, @_unitC);
            """, new { _unitC, supervisor = _world.Accounts["supervisor-a"] });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    private async Task<Guid> CampaignAsync(string name)
    {
        var id = Guid.NewGuid();
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync("insert into campaign (id, name) values (@id, @name)", new { id, name });
        return id;
    }

    /// <summary>ReportScenario's closed meeting in <paramref name="unit"/>, in <paramref name="campaign"/>, its 应到 optionally raised.</summary>
    private async Task<ClosedEvaluation> ClosedAsync(Guid unit, string name, Guid? campaign, int? expected = null)
    {
        var evaluation = await ReportScenario.SeedAsync(_world, unit, name: name);
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync("update evaluation set campaign_id = @campaign where id = @Id", new { campaign, evaluation.Id });
        // The largest category takes what is added, so the categories' sum is the asked 应到.
        if (expected is { } e)
            await conn.ExecuteAsync("update respondent_category set expected_count = expected_count + @Add where id = @First",
                new { Add = e - 21, First = evaluation.Categories[0] });
        return evaluation;
    }

    private async Task<string> PageAsync(string url)
    {
        using var response = await _supervisor.GetAsync(url);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return body;
    }

    /// <summary>The table row naming this evaluation, its markup whole.</summary>
    private static string Row(string page, string name)
    {
        var rows = Regex.Matches(page, "<tr[ >].*?</tr>", RegexOptions.Singleline).Select(m => m.Value).Where(r => r.Contains(name)).ToList();
        Assert.That(rows, Has.Count.EqualTo(1), $"one row for {name}");
        return rows[0];
    }

    /// <summary>The roll-up table alone: the pickers above it list every closed evaluation of one's units.</summary>
    private static string Table(string page) => page[page.IndexOf("<table class=\"stack rollup", StringComparison.Ordinal)..];

    private static string Text(string html) => Regex.Replace(WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", "")), @"\s+", " ");

    [Test]
    public async Task Grouping_by_campaign_shows_that_campaigns_evaluations_of_the_callers_units_and_no_other()
    {
        var first = await CampaignAsync("群众路线教育实践活动（分组）");
        var second = await CampaignAsync("三严三实专题教育（分组）");
        await ClosedAsync(_world.UnitA, "分组甲单位第一轮", first);
        await ClosedAsync(_unitC, "分组丙单位第一轮", first);
        await ClosedAsync(_world.UnitA, "分组甲单位另一活动", second);
        await ClosedAsync(_world.UnitA, "分组甲单位未归入", null);
        await ClosedAsync(_world.UnitB, "分组乙单位第一轮", first);

        var full = await PageAsync($"/results/rollup?campaign={first}");
        var page = Table(full);

        Assert.That(page, Does.Contain("分组甲单位第一轮").And.Contain("分组丙单位第一轮"));
        Assert.That(page, Does.Not.Contain("分组甲单位另一活动"), "another campaign's round");
        Assert.That(page, Does.Not.Contain("分组甲单位未归入"), "a round in no campaign");
        Assert.That(page, Does.Not.Contain("分组乙单位第一轮"), "unit B is not this supervisor's");
        Assert.That(Regex.Matches(page, "<tr[ >]").Count - 1, Is.EqualTo(2), "two evaluation rows under the header");
        Assert.That(Text(full), Does.Contain("群众路线教育实践活动（分组）（2 个评议）"), "the picker counts the caller's own evaluations only");
        Assert.That(full, Does.Not.Contain("分组乙单位第一轮"), "nor does the picker list unit B's");

        var none = Table(await PageAsync("/results/rollup?campaign=none"));
        Assert.That(none, Does.Contain("分组甲单位未归入").And.Not.Contain("分组甲单位第一轮").And.Not.Contain("分组甲单位另一活动"));
    }

    [Test]
    public async Task A_chosen_set_shows_exactly_those_evaluations_and_its_link_reproduces_it()
    {
        var campaign = await CampaignAsync("选定测试活动");
        var one = await ClosedAsync(_world.UnitA, "选定一号", campaign);
        var two = await ClosedAsync(_unitC, "选定二号", null);
        await ClosedAsync(_world.UnitA, "未选三号", campaign);

        var full = await PageAsync($"/results/rollup?evaluation={one.Id}&evaluation={two.Id}");
        var page = Table(full);

        Assert.That(page, Does.Contain("选定一号").And.Contain("选定二号").And.Not.Contain("未选三号"));
        Assert.That(Row(page, "选定一号"), Does.Contain("/evaluations/" + one.Id));
        Assert.That(Regex.Matches(page, "<tr[ >]").Count - 1, Is.EqualTo(2), "exactly the two chosen rows");
        Assert.That(full, Does.Contain("选定的 2 个评议"));
        Assert.That(Regex.IsMatch(full, $"<input type=\"checkbox\" name=\"evaluation\" value=\"{one.Id}\" checked"), "the choice stays ticked");
        var link = Regex.Match(full, "href=\"(/results/rollup\\?evaluation=[^\"]+)\">本页链接").Groups[1].Value;
        Assert.That(WebUtility.HtmlDecode(link), Does.Contain(one.Id.ToString()).And.Contain(two.Id.ToString()));
        Assert.That(Regex.Matches(await PageAsync(WebUtility.HtmlDecode(link)), "<tr[ >]").Count - 1, Is.EqualTo(2));
    }

    [Test]
    public async Task Turnout_is_shown_as_received_over_expected_and_a_row_below_the_line_is_flagged_with_its_rates()
    {
        var campaign = await CampaignAsync("收回率测试活动");
        await ClosedAsync(_world.UnitA, "收回充足评议", campaign);
        await ClosedAsync(_unitC, "收回偏低评议", campaign, expected: 193);

        var page = await PageAsync($"/results/rollup?campaign={campaign}");

        Assert.That(Text(page), Does.Contain("收回率预警线：收回率低于 80%"));
        var enough = Row(page, "收回充足评议");
        Assert.That(enough, Does.Not.Contain("class=\"low\"").And.Not.Contain("low-flag"));
        Assert.That(Text(enough), Does.Contain("17 / 21").And.Contain("81.0%").And.Contain("好评率 66.7%").And.Contain("作答 15 人"));
        var low = Row(page, "收回偏低评议");
        Assert.That(low, Does.StartWith("<tr class=\"low\">"));
        Assert.That(Text(low), Does.Contain("17 / 193").And.Contain("8.8%").And.Contain("低于 80%"));
        Assert.That(low, Does.Match("好评率 <strong>66.7%</strong><span class=\"low-flag\">收回率低</span>"), "the rate carries the flag");
        Assert.That(low, Does.Match("20.0%<span class=\"low-flag\">收回率低</span>"));
        Assert.That(Text(page), Does.Contain("收回 34 / 应到 214（15.9%）").And.Contain("1 个收回率低于 80%"));
    }

    [Test]
    public async Task A_small_evaluation_shows_its_turnout_but_no_rates()
    {
        var campaign = await CampaignAsync("小单元测试活动");
        var small = await ClosedAsync(_world.UnitA, "小单元评议", campaign);
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set tally_settings = '{\"smallCell\":20}' where id = @Id", new { small.Id });

        var row = Row(await PageAsync($"/results/rollup?campaign={campaign}"), "小单元评议");

        Assert.That(Text(row), Does.Contain("17 / 21").And.Contain("作答不足 20 人，为保护匿名不公布"));
        Assert.That(row, Does.Not.Contain("66.7%").And.Not.Contain("20.0%"));
    }

    [Test]
    public async Task The_excel_export_has_the_same_rows_the_line_and_the_flags_and_is_logged()
    {
        var campaign = await CampaignAsync("Excel导出测试活动");
        await ClosedAsync(_world.UnitA, "Excel充足评议", campaign);
        var low = await ClosedAsync(_unitC, "Excel偏低评议", campaign, expected: 193);

        using var response = await _supervisor.GetAsync($"/results/rollup.xlsx?campaign={campaign}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
        using var workbook = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var ws = workbook.Worksheet("各单位汇总");

        Assert.That(ws.Cell(1, 1).GetString(), Does.Contain("活动“Excel导出测试活动”"));
        Assert.That(ws.Cell(3, 1).GetString(), Does.Contain("收回率低于 80%"));
        var header = ws.Row(5);
        Assert.That(header.Cell(7).GetString(), Is.EqualTo("收回率"));
        var rows = ws.RowsUsed().Where(r => r.RowNumber() > 5 && r.Cell(2).GetString().StartsWith("Excel")).ToList();
        Assert.That(rows.Select(r => r.Cell(2).GetString()), Is.EquivalentTo(new[] { "Excel充足评议", "Excel偏低评议" }));
        var (enough, flagged) = (rows.Single(r => r.Cell(2).GetString() == "Excel充足评议"), rows.Single(r => r.Cell(2).GetString() == "Excel偏低评议"));
        Assert.That((enough.Cell(5).GetValue<int>(), enough.Cell(6).GetValue<int>()), Is.EqualTo((21, 17)));
        Assert.That(enough.Cell(7).GetValue<double>(), Is.EqualTo(17.0 / 21).Within(1e-9));
        Assert.That(enough.Cell(8).GetString(), Is.Empty);
        Assert.That(enough.Cell(10).GetString(), Is.EqualTo("好评率"));
        Assert.That(enough.Cell(11).GetValue<double>(), Is.EqualTo(10.0 / 15).Within(1e-4));
        Assert.That((flagged.Cell(5).GetValue<int>(), flagged.Cell(6).GetValue<int>()), Is.EqualTo((193, 17)));
        Assert.That(flagged.Cell(7).GetValue<double>(), Is.EqualTo(17.0 / 193).Within(1e-9));
        Assert.That(flagged.Cell(8).GetString(), Is.EqualTo("收回率低"));
        Assert.That(flagged.Cell(10).GetString(), Is.EqualTo("好评率（收回率低）"), "the rate's label carries the flag");
        Assert.That(flagged.Cell(12).GetValue<int>(), Is.EqualTo(15));
        Assert.That(await _world.ScalarAsync<string>("select detail from staff_action where action = '导出汇总' order by seq desc limit 1"),
            Does.Contain("活动“Excel导出测试活动”Excel，评议 2 个，收回率低于 80% 1 个").And.Contain(low.Id.ToString()));
    }

    [Test]
    public async Task The_pdf_export_reads_back_with_the_rows_the_line_and_the_flags_and_is_logged()
    {
        var campaign = await CampaignAsync("PDF导出测试活动");
        await ClosedAsync(_world.UnitA, "PDF充足评议", campaign);
        await ClosedAsync(_unitC, "PDF偏低评议", campaign, expected: 193);
        var before = await _world.ScalarAsync<long>("select count(*) from staff_action where action = '导出汇总'");

        using var response = await _supervisor.GetAsync($"/results/rollup.pdf?campaign={campaign}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
        var text = await PdfTools.TextAsync(await response.Content.ReadAsByteArrayAsync());

        Assert.That(text, Does.Contain("收回率预警线：收回率低于 80%"));
        var enough = text.Split('\n').Single(l => l.Contains("PDF充足评议"));
        Assert.That(enough, Does.Contain("17 / 21").And.Contain("81.0%").And.Contain("好评率 66.7%").And.Not.Contain("收回率低"));
        var low = text.Split('\n').Single(l => l.Contains("PDF偏低评议"));
        Assert.That(low, Does.Contain("17 / 193").And.Contain("8.8%").And.Contain("好评率 66.7%"));
        Assert.That(Regex.Matches(text, "收回率低").Count, Is.GreaterThanOrEqualTo(4), "the line, the turnout and both rates of the low row");
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action where action = '导出汇总' and detail like '%PDF，%'"),
            Is.GreaterThan(0));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action where action = '导出汇总'"), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task Another_units_evaluation_or_campaign_answers_404_and_bad_parameters_400()
    {
        var campaign = await CampaignAsync("只有乙单位的活动");
        var theirs = await ClosedAsync(_world.UnitB, "乙单位独有评议", campaign);
        var mine = await ClosedAsync(_world.UnitA, "甲单位混选评议", null);
        var draft = await _world.SeedDraftAsync(_world.UnitA);

        foreach (var url in new[]
                 {
                     $"/results/rollup?evaluation={theirs.Id}", $"/results/rollup?evaluation={mine.Id}&evaluation={theirs.Id}",
                     $"/results/rollup?evaluation={draft.Id}", $"/results/rollup?campaign={campaign}",
                     $"/results/rollup.xlsx?evaluation={theirs.Id}", $"/results/rollup.pdf?evaluation={theirs.Id}",
                 })
        {
            using var response = await _supervisor.GetAsync(url);
            var body = await StaffClient.BodyAsync(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
            Assert.That(body, Does.Not.Contain("乙单位独有评议"), url);
        }
        foreach (var (url, message) in new[]
                 {
                     ("/results/rollup?evaluation=abc", "评议编号格式不对"),
                     ($"/results/rollup?evaluation={mine.Id}&campaign=none", "请只选一种汇总方式"),
                     ("/results/rollup?campaign=xyz", "活动参数不对"),
                 })
        {
            using var response = await _supervisor.GetAsync(url);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), url);
            Assert.That(await StaffClient.BodyAsync(response), Does.Contain(message));
        }
        var everything = Text(await PageAsync("/results/rollup?campaign=none"));
        Assert.That(everything, Does.Not.Contain("乙单位独有评议").And.Not.Contain("只有乙单位的活动"), "neither row nor picker names unit B's");
    }
}
