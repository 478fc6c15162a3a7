using System.Net;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Reports;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using static Evaluation.Tests.Features.OpenBox.OpenBoxPhone;

namespace Evaluation.Tests.Features.OpenBox;

/// <summary>
/// The open 征求意见箱 through HTTP on a real database, as its organiser, its phones and the 督导组 use it: published without
/// slips or key cards, answered by anyone, stored without identity, and its answers in the same triage, tags and exports as
/// the ballots' — marked as coming from the open box in every output, and counted in no turnout, tally or audit bundle.
/// </summary>
public sealed partial class OpenBoxTests : OrganizerSession
{
    private const string Script = "<script>alert('x')</script>下基层太少";
    private const string Hyperlink = "=HYPERLINK(\"http://x\",\"点我\")";
    private const string Lines = "窗口排队太久，\n希望增加自助机👍𠮷";
    private const string Plain = "会议文件偏多，基层负担较重";
    private const string OtherText = "+1+1 停车难";
    private const string Venue = "198.18.7.7";

    private StaffClient _supervisor = null!, _auditor = null!, _otherSupervisor = null!;

    protected override void ConfigureApp(IWebHostBuilder builder) => TestClientAddress.AddTo(builder);

    [OneTimeSetUp]
    public async Task SignIn()
    {
        _supervisor = await World.SignInAsync("supervisor-a");
        _auditor = await World.SignInAsync("auditor-a");
        _otherSupervisor = await World.SignInAsync("supervisor-b");
    }

    [OneTimeTearDown]
    public void SignOut()
    {
        foreach (var client in new[] { _supervisor, _auditor, _otherSupervisor }) client.Dispose();
    }

    private OpenBoxPhone Phone(string address = Venue) => new(TestClientAddress.From(World.App.CreateClient(), address));

    private async Task<string> PageAsync(StaffClient client, string url, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(url);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(status), body);
        return body;
    }

    [Test]
    public async Task PureBox_WithoutSlipsOrCards_TakesAnswersAndFeedsTriageAndExports_AsOpenNeverAsVotes()
    {
        var id = await OpenBoxSetup.CreateSurveyAsync(Organizer, World.UnitA);
        var url = $"/evaluations/{id}";

        // Before publishing: what it would ask. The rating question is not among them.
        var before = await PageAsync(Organizer, $"{url}/open-box");
        Assert.That(before, Does.Contain("未发布").And.Contain("意见和建议").And.Contain("以下题目不在征求意见箱中提问"));
        var publicId = await OpenBoxSetup.PublishAsync(Organizer, World, id);
        Assert.That(publicId, Does.Match("^[23456789A-HJKMNP-Z]{20}$"));
        Assert.That(publicId, Does.Not.Contain(id.ToString("N")[..8].ToUpperInvariant()));
        var published = await PageAsync(Organizer, $"{url}/open-box");
        Assert.That(published, Does.Contain($"/o/{publicId}").And.Contain("<svg").And.Contain("这是公开的征求意见箱，不记录您的身份；任何人都可以提交，可以多次提交，不计作评议票"));

        using var phone = Phone();
        // Published before 开始投票: the page says so, and an answer is refused.
        var waiting = await phone.DescriptionAsync(publicId);
        Assert.That(waiting.GetProperty("state").GetString(), Is.EqualTo("not-open"));
        Assert.That(waiting.GetProperty("form").ValueKind, Is.EqualTo(JsonValueKind.Null));
        using (var early = await phone.SubmitAsync(publicId, Once(("opinion", Text(Plain)))))
            Assert.That(early.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));

        // No categories, no slips, no key cards: 开始投票 takes the box as the evaluation's way in.
        await OpenBoxSetup.OpenVotingAsync(Organizer, id);
        var open = await phone.DescriptionAsync(publicId);
        Assert.That(open.GetProperty("state").GetString(), Is.EqualTo("open"));
        Assert.That(open.GetProperty("notice").GetString(), Is.EqualTo("这是公开的征求意见箱，不记录您的身份；任何人都可以提交，可以多次提交，不计作评议票。"));
        Assert.That(open.GetProperty("form").GetProperty("questions").EnumerateArray().Select(q => q.GetProperty("id").GetString()),
            Is.EqualTo(new[] { "identity", "concerns", "opinion" }), "the 满意度 rating is not asked");

        // One person may submit several times, from one address or many.
        await phone.SubmitOkAsync(publicId, Once(("opinion", Text(Script)), ("identity", new { choice = "服务对象" })));
        await phone.SubmitOkAsync(publicId, Once(("opinion", Text(Hyperlink)), ("concerns", new { choices = new[] { "办事效率", "服务态度" }, other = OtherText })));
        await phone.SubmitOkAsync(publicId, Once(("opinion", Text(Lines)), ("concerns", new { choices = new[] { "办事效率" } })));
        using (var elsewhere = Phone("198.18.8.8"))
        {
            await elsewhere.SubmitOkAsync(publicId, Once(("opinion", Text(Plain))));
            await elsewhere.SubmitOkAsync(publicId, Once(("opinion", Text(Plain + "，会议也多"))));
        }
        var evaluationPage = await PageAsync(Organizer, url);
        Assert.That(evaluationPage, Does.Contain("已收到 <strong>5</strong> 份").And.Contain("不限人次，不计票"));

        await OpenBoxSetup.CloseVotingAsync(Organizer, id);
        using (var late = await phone.SubmitAsync(publicId, Once(("opinion", Text(Plain)))))
            Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await World.ScalarAsync<string>("select status from evaluation where id = @id", new { id }), Is.EqualTo("closed"));

        // The results: the box apart, said to be open and no vote; the turnout counts nothing of it.
        var results = await PageAsync(_supervisor, $"{url}/results");
        Assert.That(results, Does.Contain("收回 <strong>0</strong> 份").And.Contain("公开征求意见箱</a> 5 份（不限人次，不计票）：不计入以上任何数字"));
        Assert.That(results, Does.Contain(OpinionDigest.OpenBoxSource).And.Contain("提及次数（不限人次，不计票）"));
        Assert.That(MentionRow().Matches(results).Select(m => (m.Groups[1].Value, m.Groups[2].Value)),
            Is.SupersetOf(new[] { ("办事效率", "2"), ("服务态度", "1"), ("服务对象", "1"), ("信息公开", "0") }));
        AssertInert(results);
        await using (var conn = await World.OpenAsync())
        {
            var tally = await EvaluationResults.CountAsync(conn, id, CancellationToken.None);
            Assert.That((tally.Turnout.Received, tally.Turnout.Valid, tally.Turnout.Expected, tally.Opinions.Count), Is.EqualTo((0, 0, 0, 0)));
        }

        // The triage: the box's texts under a heading that says what they are; tagged and merged like any opinion.
        var triage = await PageAsync(_supervisor, $"{url}/opinions");
        Assert.That(triage, Does.Contain("原始意见 6 条，其中 6 条来自公开征求意见箱（不限人次，不计票），梳理为 6 条"));
        Assert.That(triage, Does.Contain($"<h3><bdi>{OpinionDigest.OpenBoxSource}</bdi></h3>"));
        AssertInert(triage);
        Assert.That(WebUtility.HtmlDecode(triage), Does.Contain(Script).And.Contain(Hyperlink).And.Contain(Lines).And.Contain(OtherText));
        var keys = OpinionKey().Matches(triage).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[2].Value), m => m.Groups[1].Value);
        using (var merged = await _supervisor.PostFormAsync($"{url}/opinions/entries",
                   [new("Keys", keys[Plain]), new("Keys", keys[Plain + "，会议也多"]), new("Text", "会议文件偏多"), new("Tags", "形式主义"), new("Theme", "文风会风")]))
            Assert.That(merged.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(merged));
        triage = await PageAsync(_supervisor, $"{url}/opinions");
        Assert.That(triage, Does.Contain("原始意见 2 条，其中 2 条来自公开征求意见箱（不限人次，不计票）"));
        Assert.That(triage, Does.Contain("<span class=\"badge open-box\">来自公开征求意见箱（不限人次，不计票）</span>"));
        Assert.That(triage, Does.Contain("<bdi>形式主义</bdi></span>").And.Contain("<bdi>文风会风</bdi></span>"));

        // Excel: 意见建议 says where the texts came from, holds them exactly, as text and never as a formula.
        using var xlsx = await _supervisor.GetAsync($"{url}/results.xlsx");
        Assert.That(xlsx.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var workbook = new XLWorkbook(new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync()));
        var sheet = workbook.Worksheet(WorkbookLayout.OpinionsSheet);
        var texts = sheet.CellsUsed().Select(AsExcelReads).ToList();
        Assert.That(texts, Does.Contain("原始意见 6 条，其中 6 条来自公开征求意见箱（不限人次，不计票），梳理为 5 条。"));
        Assert.That(texts, Does.Contain(WorkbookLayout.OpenBoxVerbatimHeading).And.Contain(WorkbookLayout.OpenBoxChoicesHeading)
            .And.Contain(WorkbookLayout.DigestOpenBoxHeader).And.Contain(WorkbookLayout.OpenBoxNote(5)));
        foreach (var text in new[] { Script, Hyperlink, Lines, Plain, OtherText })
            Assert.That(sheet.CellsUsed().Where(c => AsExcelReads(c) == text).Select(c => c.DataType), Is.Not.Empty.And.All.EqualTo(XLDataType.Text), text);
        Assert.That(workbook.Worksheets.SelectMany(w => w.CellsUsed()).Where(c => c.HasFormula), Is.Empty);
        Assert.That(sheet.CellsUsed().Where(c => AsExcelReads(c) is Hyperlink or OtherText).Select(c => c.Style.IncludeQuotePrefix), Is.All.True);
        Assert.That(sheet.CellsUsed().Count(c => c.GetString() == WorkbookLayout.OpenBoxSourceCell), Is.EqualTo(6));

        // The audit bundle: no ballot, and nothing of the box.
        using var bundleResponse = await _auditor.GetAsync($"{url}/audit-bundle");
        Assert.That(bundleResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(bundleResponse));
        var bundleBytes = await bundleResponse.Content.ReadAsByteArrayAsync();
        Assert.That(AuditBundle.TryRead(new MemoryStream(bundleBytes), out var bundle, out var error), Is.True, error);
        Assert.That(bundle!.Groups.SelectMany(g => g.Ballots), Is.Empty);
        AssertVerifies(bundle);
        var bundleText = System.Text.Encoding.UTF8.GetString(bundleBytes);
        Assert.That(bundleText, Does.Not.Contain("停车难").And.Not.Contain("自助机"));

        // The PDF, where Chromium prints it: the same label, the texts as text.
        if (World.App.Services.GetService(typeof(PdfPrinter)) is PdfPrinter { ChromiumPath: not null })
        {
            using var pdf = await _supervisor.GetAsync($"{url}/results.pdf");
            Assert.That(pdf.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(pdf));
            var printed = Regex.Replace(await PdfTools.TextAsync(await pdf.Content.ReadAsByteArrayAsync()), @"\s+", "");
            Assert.That(printed, Does.Contain("来自公开征求意见箱（不限人次，不计票）").And.Contain("<script>alert('x')</script>下基层太少")
                .And.Contain("公开征求意见箱收到5份（不限人次，不计票）"));
        }

        // The staff actions are logged, with the count and never an answer.
        var logged = (await QueryAsync<string>("select action || '：' || detail from staff_action where evaluation_id = @id order by seq", new { id })).ToList();
        Assert.That(logged.Count(l => l.StartsWith("开放征求意见箱：")), Is.EqualTo(1));
        Assert.That(string.Join("\n", logged), Does.Not.Contain("停车难").And.Not.Contain(Plain));

        // Another unit's 督导组 finds none of it.
        foreach (var path in new[] { "/open-box", "/opinions", "/results" })
            await PageAsync(_otherSupervisor, url + path, HttpStatusCode.NotFound);
    }

    [Test]
    public async Task MixedEvaluation_BoxAnswersJoinTheBallotsTriage_ButNotTheirTurnoutTallyOrBundle()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var publicId = await OpenBoxSetup.PublishAsync(Organizer, World, evaluation.Id);
        await OpenBoxSetup.OpenVotingAsync(Organizer, evaluation.Id);
        var slips = await IssueSlipsAsync(evaluation, 5);
        using (var voting = new Voting.VotingClient(World.App.CreateClient()))
            for (var i = 0; i < 5; i++)
            {
                var credential = await voting.CheckInAsync(slips[i]);
                using var ballot = await voting.SubmitAsync(credential, evaluation.CompleteAnswers(opinion: $"票签意见{i}"));
                Assert.That(ballot.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }
        using (var phone = Phone("198.18.9.9"))
            for (var i = 0; i < 3; i++)
                await phone.SubmitOkAsync(publicId, Once(("campaign-opinion", Text($"箱中意见{i}"))));
        // The box asks only what is asked once and takes words: a grade about the 班子 is not among its questions.
        using (var phone = Phone("198.18.9.10"))
        using (var grade = await phone.SubmitAsync(publicId, Once(("team-overall", new { choice = "差" }))))
            Assert.That(grade.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await OpenBoxSetup.CloseVotingAsync(Organizer, evaluation.Id);

        await using var conn = await World.OpenAsync();
        var tally = await EvaluationResults.CountAsync(conn, evaluation.Id, CancellationToken.None);
        Assert.That((tally.Turnout.Received, tally.Turnout.Valid), Is.EqualTo((5, 5)), "the box's three are no ballots");
        Assert.That(tally.Opinions.Select(o => o.Text), Is.EquivalentTo(Enumerable.Range(0, 5).Select(i => $"票签意见{i}")));
        var supervisor = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, World.Accounts["supervisor-a"].ToString())]));
        var header = await EvaluationScope.FindAsync(conn, evaluation.Id, supervisor);
        Assert.That(header, Is.Not.Null);
        var report = await EvaluationResults.LoadAsync(conn, header!, CancellationToken.None);
        Assert.That((report.Digest.OriginalCount, report.Digest.OpenBoxCount, report.OpenBox!.Submissions), Is.EqualTo((8, 3, 3)));

        // One entry may hold a ballot's opinion and the box's; its count says how many of each.
        var keys = report.Digest.Items.SelectMany(i => i.Originals).ToDictionary(o => o.Text, o => o.Key);
        using (var merged = await _supervisor.PostFormAsync($"{evaluation.Url}/opinions/entries",
                   [new("Keys", keys["票签意见0"]), new("Keys", keys["箱中意见0"]), new("Text", "希望多听基层意见"), new("Tags", "官僚主义")]))
            Assert.That(merged.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(merged));
        var results = await PageAsync(_supervisor, $"{evaluation.Url}/results");
        Assert.That(results, Does.Contain("收回 <strong>5</strong> 份").And.Contain("公开征求意见箱</a> 3 份（不限人次，不计票）"));
        Assert.That(results, Does.Contain("原始意见 <strong>8</strong> 条，其中 3 条来自公开征求意见箱（不限人次，不计票），梳理为 <strong>7</strong> 条"));
        Assert.That(results, Does.Contain("（2 条，其中 1 条来自公开征求意见箱（不限人次，不计票））"));

        using var bundleResponse = await _auditor.GetAsync($"{evaluation.Url}/audit-bundle");
        var bundleBytes = await bundleResponse.Content.ReadAsByteArrayAsync();
        Assert.That(AuditBundle.TryRead(new MemoryStream(bundleBytes), out var bundle, out var error), Is.True, error);
        Assert.That(bundle!.Groups.Sum(g => g.Ballots.Count), Is.EqualTo(5));
        AssertVerifies(bundle);
        Assert.That(System.Text.Encoding.UTF8.GetString(bundleBytes), Does.Not.Contain("箱中意见"));
    }

    [Test]
    public async Task Organizer_PausesAndReopens_TheBoxRefusesMeanwhile_AndEachChangeIsLogged()
    {
        var id = await OpenBoxSetup.CreateSurveyAsync(Organizer, World.UnitA, "暂停测试");
        var publicId = await OpenBoxSetup.PublishAsync(Organizer, World, id);
        await OpenBoxSetup.OpenVotingAsync(Organizer, id);
        using var phone = Phone("198.18.10.10");
        await phone.SubmitOkAsync(publicId, Once(("opinion", Text("第一条"))));

        await OpenBoxSetup.RedirectsAsync(Organizer, $"/evaluations/{id}/open-box/close");
        Assert.That((await phone.DescriptionAsync(publicId)).GetProperty("state").GetString(), Is.EqualTo("paused"));
        using (var paused = await phone.SubmitAsync(publicId, Once(("opinion", Text("暂停时提交")))))
        {
            Assert.That(paused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(await paused.Content.ReadAsStringAsync(), Does.Contain("暂停"));
        }
        using (var again = await Organizer.PostFormAsync($"/evaluations/{id}/open-box/close", []))
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        // Only the organiser changes it; the 督导组 may look.
        using (var bySupervisor = await _supervisor.PostFormAsync($"/evaluations/{id}/open-box", []))
            Assert.That(bySupervisor.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PageAsync(_supervisor, $"/evaluations/{id}/open-box"), Does.Contain("已暂停").And.Contain("已收到 <strong id=\"open-box-count\">1</strong> 份"));

        await OpenBoxSetup.RedirectsAsync(Organizer, $"/evaluations/{id}/open-box");
        await phone.SubmitOkAsync(publicId, Once(("opinion", Text("重新开放后"))));
        Assert.That(await World.ScalarAsync<long>("select count(*) from open_box_answer where evaluation_id = @id", new { id }), Is.EqualTo(2));
        Assert.That(await World.ScalarAsync<string>("select public_id from open_box where evaluation_id = @id", new { id }), Is.EqualTo(publicId),
            "reopening keeps the link already posted");

        var actions = (await QueryAsync<string>("select action from staff_action where evaluation_id = @id order by seq", new { id })).ToList();
        Assert.That(actions.Where(a => a.Contains("征求意见箱")), Is.EqualTo(new[] { "开放征求意见箱", "暂停征求意见箱", "开放征求意见箱" }));
        Assert.That(await QueryAsync<string>("select detail from staff_action where evaluation_id = @id and action = '暂停征求意见箱'", new { id }),
            Has.One.Contains("已收到 1 份"));

        // Once voting has ended, the box ends with it and cannot be reopened.
        await OpenBoxSetup.CloseVotingAsync(Organizer, id);
        using var reopen = await Organizer.PostFormAsync($"/evaluations/{id}/open-box", []);
        Assert.That(reopen.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StaffClient.BodyAsync(reopen), Does.Contain("投票已经结束"));
    }

    [Test]
    public async Task Storage_KeepsNoAddressNoTimeAndNoOrder_OnlyARandomIdAndTheAnswers()
    {
        var id = await OpenBoxSetup.CreateSurveyAsync(Organizer, World.UnitA, "存储测试");
        var publicId = await OpenBoxSetup.PublishAsync(Organizer, World, id);
        await OpenBoxSetup.OpenVotingAsync(Organizer, id);
        const string address = "198.18.77.66";
        using (var phone = Phone(address))
            for (var i = 0; i < 4; i++)
                await phone.SubmitOkAsync(publicId, Once(("opinion", Text($"存储测试意见{i}"))));

        var columns = await QueryAsync<string>(
            "select column_name from information_schema.columns where table_name = 'open_box_answer' order by ordinal_position");
        Assert.That(columns, Is.EqualTo(new[] { "id", "evaluation_id", "answers" }), "no time, address, agent, session or sequence");
        var ids = (await QueryAsync<Guid>("select id from open_box_answer where evaluation_id = @id", new { id })).ToList();
        Assert.That(ids.Select(g => g.ToString()[14]), Is.All.EqualTo('4'), "random (version 4) ids, which order nothing");
        // Four batches, four transactions; pausing writes the rows again, in random order, in one.
        const string transactions = "select count(distinct xmin::text) from open_box_answer where evaluation_id = @id";
        Assert.That(await World.ScalarAsync<long>(transactions, new { id }), Is.EqualTo(4));
        await OpenBoxSetup.RedirectsAsync(Organizer, $"/evaluations/{id}/open-box/close");
        Assert.That(await World.ScalarAsync<long>(transactions, new { id }), Is.EqualTo(1));
        await OpenBoxSetup.RedirectsAsync(Organizer, $"/evaluations/{id}/open-box");
        using (var phone = Phone(address))
            await phone.SubmitOkAsync(publicId, Once(("opinion", Text("重新开放后的意见"))));
        Assert.That(await World.ScalarAsync<long>(transactions, new { id }), Is.EqualTo(2));
        // 结束投票 does the same.
        await OpenBoxSetup.CloseVotingAsync(Organizer, id);
        Assert.That(await World.ScalarAsync<long>(transactions, new { id }), Is.EqualTo(1));
        // Nowhere in the database: every table's rows as text.
        await using var conn = await World.OpenAsync();
        foreach (var table in await conn.QueryAsync<string>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'"))
            Assert.That(await conn.ExecuteScalarAsync<long>($"select count(*) from public.\"{table}\" t where t::text like '%' || @address || '%'", new { address }),
                Is.Zero, $"the client address is in {table}");
    }

    private static void AssertVerifies(AuditBundle bundle)
    {
        var verification = BundleVerifier.Verify(bundle);
        Assert.That(verification.Passed, Is.True, string.Join("；", verification.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
    }

    private async Task<IEnumerable<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await World.OpenAsync();
        return (await conn.QueryAsync<T>(sql, args)).ToList();
    }

    /// <summary>Markup typed into an answer is text on the page: escaped, never an element.</summary>
    private static void AssertInert(string html)
    {
        Assert.That(html, Does.Not.Contain("<script>alert"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert("));
    }

    /// <summary>A cell's text as Excel reads it (it decodes _xHHHH_ once): see ExcelDownloadTests.</summary>
    private static string AsExcelReads(IXLCell cell) =>
        Regex.Replace(cell.GetString(), "_x([0-9A-Fa-f]{4})_", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

    // <tr><td><bdi>办事效率</bdi></td><td class="num">2</td></tr>
    [GeneratedRegex(@"<tr><td><bdi>([^<]+)</bdi></td><td class=""num"">(\d+)</td></tr>")]
    private static partial Regex MentionRow();

    // The untriaged list: a box holding the opinion's key, beside its text.
    [GeneratedRegex(@"name=""Keys"" value=""([^""]+)""[^>]*>\s*<span class=""verbatim""><bdi>([^<]*)</bdi>")]
    private static partial Regex OpinionKey();
}
