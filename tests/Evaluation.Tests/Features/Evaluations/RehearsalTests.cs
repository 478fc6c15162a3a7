using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using static Evaluation.Tests.Features.Evaluations.CopyEvaluationTests;

namespace Evaluation.Tests.Features.Evaluations;

/// <summary>演练 (issue 14 item 5): a dry run on its own slips and ballot box, marked everywhere, purged in one logged click.</summary>
public sealed class RehearsalTests : OrganizerSession
{
    private async Task<Guid> RehearseAsync(SeededEvaluation real)
    {
        using var response = await PostAsync($"{real.Url}/rehearsal");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/').Last());
    }

    private static string Text(string html) => WebUtility.HtmlDecode(Regex.Replace(html, "</?bdi[^>]*>", ""));

    [Test]
    public async Task A_rehearsal_runs_the_whole_meeting_on_its_own_box_is_marked_everywhere_and_purges_to_nothing()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        await using var conn = await World.OpenAsync();
        var realBefore = await RowCountsAsync(conn, real.Id);

        var rehearsal = await SeededAsync(World, await RehearseAsync(real));
        using (var open = await PostAsync($"{rehearsal.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var tokens = await IssueSlipsAsync(rehearsal, 6);
        using (var phone = new VotingClient(World.App.CreateClient()))
            Assert.That((await phone.DescribeAsync(tokens[5])).GetProperty("evaluation").GetProperty("rehearsal").GetBoolean(), Is.True,
                "the phone is told it is a rehearsal");
        await VoteAsync(World, tokens.Take(5), rehearsal, "好");
        using (var close = await PostAsync($"{rehearsal.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        // Marked on its pages, its results, its PDF (every page) and its workbook; not in the real one's.
        var page = Text(await StaffClient.BodyAsync(await Organizer.GetAsync(rehearsal.Url)));
        var results = Text(await StaffClient.BodyAsync(await Organizer.GetAsync($"{rehearsal.Url}/results")));
        var realPage = Text(await StaffClient.BodyAsync(await Organizer.GetAsync(real.Url)));
        Assert.That(page, Does.Contain("【演练】测试评议").And.Contain("这是演练，不是正式评议").And.Contain("清除演练"));
        Assert.That(results, Does.Contain("这是演练，不是正式评议").And.Contain("本结果来自演练，不是正式评议结果"));
        Assert.That(realPage, Does.Not.Contain("这是演练，不是正式评议").And.Contain("本评议有一场演练").And.Contain("【演练】测试评议"));
        var list = Text(await StaffClient.BodyAsync(await Organizer.GetAsync("/evaluations")));
        Assert.That(list, Does.Contain("<span class=\"badge rehearsal\">演练</span>"));

        using var pdf = await Organizer.GetAsync($"{rehearsal.Url}/results.pdf");
        Assert.That(pdf.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // Kept beside the screenshots, to be looked at.
        var pdfPath = SealedBallotBoxCardsTests.ShotPath("rehearsal-results").Replace(".png", ".pdf");
        await File.WriteAllBytesAsync(pdfPath, await pdf.Content.ReadAsByteArrayAsync());
        var pdfText = await PdfTools.TextAsync(pdfPath);
        var pages = await PdfTools.PagesAsync(pdfPath);
        Assert.That(Regex.Matches(pdfText, "演练 · 不是正式评议结果").Count, Is.EqualTo(pages), "every page says it is a rehearsal");
        Assert.That(pdfText, Does.Contain("本结果来自演练"));
        using var xlsx = await Organizer.GetAsync($"{rehearsal.Url}/results.xlsx");
        using (var workbook = new XLWorkbook(new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync())))
            Assert.That(workbook.Worksheet(1).Cell(1, 1).GetString(), Does.StartWith("【演练】"));

        // Left out of the roll-up; listed last and marked in another round's comparison.
        var other = await ReportScenario.SeedAsync(World, World.UnitA, name: "正式的一轮", round: "动员大会后民主评议");
        using var supervisor = await World.SignInAsync("supervisor-a");
        var rollup = Text(await StaffClient.BodyAsync(await supervisor.GetAsync("/results/rollup?campaign=none")));
        Assert.That(rollup, Does.Contain("正式的一轮").And.Not.Contain("【演练】"));
        var options = Regex.Matches(Text(await StaffClient.BodyAsync(await supervisor.GetAsync($"{other.Url}/compare"))), "<option[^>]*>([^<]*)</option>")
            .Select(m => m.Groups[1].Value).ToList();
        Assert.That(options.Last(), Does.Contain("【演练】测试评议").And.Contain("· 演练"));

        // What the purge must remove is really there.
        var underRehearsal = await RowCountsAsync(conn, rehearsal.Id);
        foreach (var table in new[] { "target", "respondent_category", "slip", "slip_issue", "key_group", "ballot_box", "ballot", "ballot_receipt" })
            Assert.That(underRehearsal[table], Is.GreaterThan(0), table);

        using var purge = await PostAsync($"{real.Url}/rehearsal/purge");

        Assert.That(purge.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(purge));
        Assert.That(purge.Headers.Location!.OriginalString, Is.EqualTo(real.Url));
        Assert.That(await RowCountsAsync(conn, rehearsal.Id), Has.All.Property("Value").EqualTo(0), "nothing of the rehearsal is left in any table");
        Assert.That(await RowCountsAsync(conn, real.Id), Is.EqualTo(realBefore), "the real evaluation is as it was: a draft with no slips, keys or ballots");
        Assert.That(await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @Id", new { real.Id }), Is.EqualTo("draft"));
        var logged = await conn.QuerySingleAsync<string>("select detail from staff_action where action = '清除演练' order by seq desc limit 1");
        Assert.That(logged, Is.EqualTo($"《【演练】测试评议》，编号 {rehearsal.Id}，演练自编号 {real.Id}：票签 6 张，签到 5 人，选票 5 张"));
        Assert.That(Text(await StaffClient.BodyAsync(await Organizer.GetAsync(real.Url))), Does.Contain("演练已清除").And.Contain("创建演练"));
        Assert.That((await Organizer.GetAsync(rehearsal.Url)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_rehearsal_is_made_only_from_a_draft_and_only_one_at_a_time()
    {
        var opened = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        using (var open = await PostAsync($"{opened.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var rehearsal = await RehearseAsync(draft);
        var before = await World.ScalarAsync<long>("select count(*) from evaluation");

        using var fromOpen = await PostAsync($"{opened.Url}/rehearsal");
        using var second = await PostAsync($"{draft.Url}/rehearsal");
        using var ofRehearsal = await PostAsync($"/evaluations/{rehearsal}/rehearsal");

        Assert.That(fromOpen.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StaffClient.BodyAsync(fromOpen), Does.Contain("演练只能在正式投票开始前"));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(WebUtility.HtmlDecode(await StaffClient.BodyAsync(second)), Does.Contain("已有一场演练《【演练】测试评议》").And.Contain("请先"));
        Assert.That(ofRehearsal.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(before));
    }

    [Test]
    public async Task The_real_evaluation_may_open_while_its_rehearsal_exists_and_purging_the_rehearsal_then_leaves_it_open()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var rehearsal = await SeededAsync(World, await RehearseAsync(real));
        using (var open = await PostAsync($"{real.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var realSlips = await IssueSlipsAsync(real, 2);
        var formHash = await World.ScalarAsync<string>("select form_hash from evaluation where id = @Id", new { real.Id });

        using var purge = await PostAsync($"{rehearsal.Url}/rehearsal/purge");

        Assert.That(purge.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation where id = @Id", new { rehearsal.Id }), Is.Zero);
        Assert.That(await World.ScalarAsync<string>("select status || ' ' || form_hash from evaluation where id = @Id", new { real.Id }), Is.EqualTo($"open {formHash}"));
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where evaluation_id = @Id", new { real.Id }), Is.EqualTo(realSlips.Count));
    }

    [Test]
    public async Task Purging_where_there_is_no_rehearsal_is_refused_and_deletes_nothing()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var before = await World.ScalarAsync<long>("select count(*) from evaluation");
        var logBefore = await World.ScalarAsync<long>("select count(*) from staff_action");

        using var purge = await PostAsync($"{real.Url}/rehearsal/purge");

        Assert.That(purge.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StaffClient.BodyAsync(purge), Does.Contain("没有演练可清除"));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(before));
        Assert.That(await World.ScalarAsync<long>("select count(*) from staff_action"), Is.EqualTo(logBefore));
    }

    [Test]
    public async Task Another_units_organizer_can_neither_rehearse_nor_purge_and_gets_404()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var rehearsal = await RehearseAsync(real);
        using var organizerB = await World.SignInAsync("organizer-b");

        using var create = await organizerB.PostFormAsync($"{real.Url}/rehearsal", []);
        using var purgeReal = await organizerB.PostFormAsync($"{real.Url}/rehearsal/purge", []);
        using var purgeRehearsal = await organizerB.PostFormAsync($"/evaluations/{rehearsal}/rehearsal/purge", []);

        Assert.That(new[] { create.StatusCode, purgeReal.StatusCode, purgeRehearsal.StatusCode }, Has.All.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation where rehearsal_of = @Id", new { real.Id }), Is.EqualTo(1));
    }

    [Test]
    public async Task Renaming_a_rehearsal_keeps_its_mark()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var rehearsal = await RehearseAsync(real);

        using var rename = await PostAsync($"/evaluations/{rehearsal}/details", ("Name", "换个名字"), ("Round", "动员大会后民主评议"));

        Assert.That(rename.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await World.ScalarAsync<string>("select name from evaluation where id = @rehearsal", new { rehearsal }), Is.EqualTo("【演练】换个名字"));
    }
}
