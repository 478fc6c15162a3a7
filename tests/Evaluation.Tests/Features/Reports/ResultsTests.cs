using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features.Reports;

/// <summary>The results page and the PDF, over HTTP on a real database, with <see cref="ReportScenario"/>'s hand-worked numbers.</summary>
public sealed class ResultsTests
{
    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;
    private ClosedEvaluation _evaluation = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
        _evaluation = await ReportScenario.SeedAsync(_world, _world.UnitA);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    private async Task<string> PageAsync(StaffClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return await StaffClient.BodyAsync(response);
    }

    [Test]
    public async Task Results_page_shows_turnout_rates_ranks_and_warnings_worked_out_by_hand()
    {
        var page = await PageAsync(_supervisor, $"{_evaluation.Url}/results");

        // 应到 21, 实到 17, 发出 20, 收回 17, 有效 17, 无效 0, 弃权 1.
        Assert.That(page, Does.Contain("<td>21</td><td>17</td><td>20</td><td>17</td><td>17</td><td>0</td><td>1</td>"));
        Assert.That(page, Does.Contain("66.7%").And.Contain("20.0%"), "班子 好评率 10/15, 差评率 3/15");
        Assert.That(page, Does.Contain("62.5%").And.Contain("93.3%"), "称职率 of 张三 and 李四");
        Assert.That(page, Does.Contain(Tally.CompetenceWarning));
        Assert.That(page, Does.Contain("<svg class=\"chart\""), "bar charts are drawn on the server");
        Assert.That(page, Does.Not.Contain("<script"), "no chart library, and opinions are escaped");
        // The scenario's opinions were each written by fewer than k = 5 voters: not published (Hostile/MarkupAndFormulaTests
        // shows markup in published opinions escaped).
        Assert.That(page, Does.Not.Contain("alert(").And.Not.Contain("希望张三同志"));
        Assert.That(page, Does.Contain("作答不足 5 人的题目不公布意见原文"));
    }

    [Test]
    public async Task A_category_under_k_is_never_shown_on_its_own()
    {
        // Category names stand in <bdi> (issue 12); the label is read without them.
        var page = Regex.Replace(await PageAsync(_supervisor, $"{_evaluation.Url}/results"), "</?bdi[^>]*>", "");

        Assert.That(page, Does.Contain("其余类别合并（离退休老党员、服务对象代表）"));
        Assert.That(page.Replace("其余类别合并（离退休老党员、服务对象代表）", ""), Does.Not.Contain("服务对象代表"));
    }

    [Test]
    public async Task Organizer_of_the_unit_reads_results_too()
    {
        using var organizer = await _world.SignInAsync("organizer-a");
        Assert.That(await PageAsync(organizer, $"{_evaluation.Url}/results"), Does.Contain("测评结果汇总表"));
    }

    [TestCase("supervisor-b")]
    [TestCase("organizer-b")]
    public async Task Everyone_else_gets_404_for_every_result_url(string user)
    {
        using var client = await _world.SignInAsync(user);
        foreach (var url in new[] { "results", "results.pdf", "results.xlsx", "compare" })
            Assert.That((await client.GetAsync($"{_evaluation.Url}/{url}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{user} {url}");
    }

    [Test]
    public async Task Auditor_of_the_unit_reads_the_published_results_but_is_refused_the_comparison()
    {
        // The 审计 holds the published report against the audit bundle (verifier --report); comparing rounds is the 督导组's.
        using var auditor = await _world.SignInAsync("auditor-a");
        foreach (var url in new[] { "results", "results.pdf", "results.xlsx" })
            Assert.That((await auditor.GetAsync($"{_evaluation.Url}/{url}")).StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        Assert.That((await auditor.GetAsync($"{_evaluation.Url}/compare")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Auditor_of_another_unit_gets_404_for_the_results()
    {
        using var auditor = await _world.SignInAsync("auditor-b");
        foreach (var url in new[] { "results", "results.pdf", "results.xlsx" })
            Assert.That((await auditor.GetAsync($"{_evaluation.Url}/{url}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
    }

    [Test]
    public async Task Results_do_not_exist_before_the_evaluation_is_closed()
    {
        var open = await ReportScenario.SeedAsync(_world, _world.UnitA, name: "尚未结束的评议");
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set status = 'open', closed_at = null where id = @Id", new { open.Id });

        foreach (var url in new[] { "results", "results.pdf", "results.xlsx", "compare", "opinions" })
            Assert.That((await _supervisor.GetAsync($"{open.Url}/{url}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
    }

    [Test]
    public async Task Pdf_carries_cover_summary_numbers_fingerprint_page_numbers_and_signature_lines()
    {
        var response = await _supervisor.GetAsync($"{_evaluation.Url}/results.pdf");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/pdf"));
        var pdf = await response.Content.ReadAsByteArrayAsync();
        var text = await PdfTools.TextAsync(pdf);
        var flat = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

        var tally = await CountAsync();
        Assert.That(text, Does.Contain("甲单位").And.Contain("测试评议").And.Contain("动员大会后民主评议"));
        Assert.That(flat, Does.Contain(tally.Fingerprint[..8] + tally.Fingerprint[8..16]), "the fingerprint, in groups of eight");
        Assert.That(flat, Does.Contain("应到21人，实到（签到）17人，发出20张，收回17份，有效17份，无效0份，弃权1份"));
        Assert.That(text, Does.Contain("66.7%").And.Contain("62.5%").And.Contain("93.3%"));
        Assert.That(flat, Does.Contain("基本称职和不称职合计达三分之一"));
        Assert.That(flat, Does.Contain("第2页共"), "page x of y in the footer");
        Assert.That(flat, Does.Contain("监票人（签字）").And.Contain("计票人（签字）"));
        Assert.That(flat, Does.Contain($"原始意见{tally.Opinions.Count}条"));
        foreach (var opinion in tally.Opinions)
            Assert.That(flat, Does.Contain(string.Concat(opinion.Text.Where(c => !char.IsWhiteSpace(c)))), "published opinions verbatim");
        Assert.That(flat, Does.Not.Contain("希望张三同志多下基层"), "opinions on an item answered by fewer than k are not published");
        Assert.That(flat.Replace("其余类别合并（离退休老党员、服务对象代表）", ""), Does.Not.Contain("服务对象代表"));
    }

    [Test]
    public async Task Pdf_without_chromium_says_what_to_install_and_the_page_still_works()
    {
        await using var app = new AppFactory(_world.ConnectionString, web => web.UseSetting("Pdf:Chromium", "/nonexistent/chromium"));
        app.StartServer();
        using var client = app.CreateStaffClient();
        await client.LoginAsync("supervisor-a", StaffWorld.Password);

        var pdf = await client.GetAsync($"{_evaluation.Url}/results.pdf");
        Assert.That(pdf.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await pdf.Content.ReadAsStringAsync(), Does.Contain("apt-get install").And.Contain("Excel"));
        Assert.That((await client.GetAsync($"{_evaluation.Url}/results")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Exports_are_recorded_in_the_action_log_with_the_fingerprint()
    {
        await _supervisor.GetAsync($"{_evaluation.Url}/results.pdf");
        var tally = await CountAsync();

        var logged = await _world.ScalarAsync<string>(
            "select detail from staff_action where action = '导出结果' order by seq desc limit 1");
        Assert.That(logged, Does.Contain(tally.Fingerprint).And.Contain("PDF"));
    }

    private async Task<Tally> CountAsync()
    {
        await using var conn = await _world.OpenAsync();
        return await Evaluation.Web.Features.Reports.EvaluationResults.CountAsync(conn, _evaluation.Id, CancellationToken.None);
    }
}
