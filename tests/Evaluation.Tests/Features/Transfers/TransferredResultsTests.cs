using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Transfers;

namespace Evaluation.Tests.Features.Transfers;

/// <summary>
/// 调出人员的评议结果转上级单位 ("评议结果转局党委教育实践活动办公室"), through HTTP on real PostgreSQL. The tree: 甲局 over
/// 直属一 (which evaluates) and 直属二; 乙局 is another branch. 直属一's meeting votes on phones: 7 ballots of 机关工作人员
/// (应到 10), k = 5, and its organiser closes voting, the server opening the box (服务器保管). Counted by hand:
///   班子: 好 ×7.
///   张三（局长）, 调出 2026-09-15: 优秀 3, 称职 1, 基本称职 1, 不称职 1, 不了解 1 → 作答 7, D = 6, 称职率 4/6 = 66.7%,
///     差评率 1/6 = 16.7%, 预警 (基本称职 + 不称职 = 2 ≥ 6/3), rank 2; five opinions about him, published (5 ≥ k).
///   李四（副局长）, not 调出: 称职 ×7 → 称职率 100.0%, rank 1; five opinions about him.
///   王五（副局长）, 调出 2026-10-08: rated by 3 voters only, under k: nothing about him is published.
/// 甲局 (a root) holds a meeting of its own with 赵六 调出, and 直属一 a rehearsal with 钱七 调出: nothing travels from either.
/// </summary>
public sealed partial class TransferredResultsTests
{
    private const string Zhang = "张三", Li = "李四", Wang = "王五", Zhao = "赵六";
    private static readonly string[] ZhangGrades = ["优秀", "优秀", "优秀", "称职", "基本称职", "不称职", "不了解"];
    private static readonly string[] Outsiders = ["organizer-first", "supervisor-first", "organizer-second", "supervisor-second", "organizer-b", "supervisor-b"];
    private static readonly string[] Office = ["organizer-a", "supervisor-a"];

    private StaffWorld _world = null!;
    private Guid _first;
    private SeededEvaluation _evaluation = null!, _root = null!, _rehearsal = null!;
    private readonly Dictionary<string, Guid> _targets = [];
    private readonly Dictionary<string, HttpStatusCode> _beforeOpening = [];

    [OneTimeSetUp]
    public async Task VoteThenOpenTheBox()
    {
        _world = await StaffWorld.StartAsync();
        Guid first = _first = Guid.NewGuid(), second = Guid.NewGuid();
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync(
                """
                update unit set name = '甲局' where id = @UnitA;
                update unit set name = '乙局' where id = @UnitB;
                insert into unit (id, name, parent_id) values (@first, '直属一', @UnitA), (@second, '直属二', @UnitA);
                """, new { _world.UnitA, _world.UnitB, first, second });
        foreach (var role in new[] { "organizer", "supervisor", "auditor" })
        {
            await _world.AddAccountAsync($"{role}-first", role, first);
            await _world.AddAccountAsync($"{role}-second", role, second);
        }

        _evaluation = await SeedDraftAsync(first, "直属一民主评议", (Zhang, "局长", new DateOnly(2026, 9, 15)), (Li, "副局长", null),
            (Wang, "副局长", new DateOnly(2026, 10, 8)));
        using var organizer = await _world.SignInAsync("organizer-first");
        await PostAsync(organizer, $"{_evaluation.Url}/open");
        var tokens = await OrganizerSession.IssueSlipsAsync(organizer, _evaluation, 7);
        for (var v = 0; v < 7; v++)
        {
            using var phone = new VotingClient(_world.App.CreateClient());
            var credential = await phone.CheckInAsync(tokens[v]);
            using var submitted = await phone.SubmitAsync(credential, Answers(v));
            Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
        }
        foreach (var user in Office.Concat(Outsiders))
        {
            using var staff = await _world.SignInAsync(user);
            using var response = await staff.GetAsync(SheetUrl(Zhang));
            _beforeOpening[user] = response.StatusCode;
        }
        await PostAsync(organizer, $"{_evaluation.Url}/close");

        // A meeting of the root itself, closed without a ballot: there is no unit above to send 赵六's result to.
        _root = await SeedDraftAsync(_world.UnitA, "甲局民主评议", (Zhao, "副局长", new DateOnly(2026, 8, 1)));
        using var rootOrganizer = await _world.SignInAsync("organizer-a");
        await PostAsync(rootOrganizer, $"{_root.Url}/open");
        await PostAsync(rootOrganizer, $"{_root.Url}/close");

        // A rehearsal at 直属一 with a member 调出: its results are not results, and go nowhere.
        var real = await _world.SeedDraftAsync(first);
        _rehearsal = await SeedDraftAsync(first, "直属一演练", rehearsalOf: real.Id, ("钱七", "副局长", new DateOnly(2026, 7, 1)));
        await PostAsync(organizer, $"{_rehearsal.Url}/open");
        await PostAsync(organizer, $"{_rehearsal.Url}/close");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _world.DisposeAsync();

    [Test]
    public async Task TheParentsOffice_DownloadsTheMembersSheet_WithTheFiguresCountedByHand([ValueSource(nameof(Office))] string user)
    {
        using var office = await _world.SignInAsync(user);
        using var response = await office.GetAsync(SheetUrl(Zhang));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/pdf"));
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Directory.CreateDirectory("/tmp/shots");
        await File.WriteAllBytesAsync($"/tmp/shots/transferred-sheet-{user}.pdf", pdf);
        var text = Squashed(await PdfTools.TextAsync(pdf));

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("调出人员民主评议结果"));
            Assert.That(text, Does.Contain("评议对象张三（局长）"));
            Assert.That(text, Does.Contain("调出日期2026年9月15日"));
            Assert.That(text, Does.Contain("评议单位直属一"));
            Assert.That(text, Does.Contain("直属一民主评议"));
            Assert.That(text, Does.Contain("已于2026-09-15调出，评议结果已转甲局。"));
            Assert.That(text, Does.Contain("第2名"));
            // The report's header: 应到 10, 实到 7, 发出 7, 收回 7, 有效 7, 无效 0, 弃权 0, and the counting rules with k.
            Assert.That(text, Does.Contain("应到实到（签到）发出收回有效无效弃权10777700"));
            Assert.That(text, Does.Contain("少于5票的分类不单列"));
            Assert.That(text, Does.Contain("作答7人，不了解1。"));
            Assert.That(text, Does.Contain("D=6，称职率66.7%，差评率16.7%。"));
            Assert.That(text, Does.Contain("预警：基本称职和不称职合计达三分之一"));
            for (var i = 0; i < 5; i++)
                Assert.That(text, Does.Contain(Squashed(ZhangOpinion(i))));
            // Nothing about anyone else: not the other members, not their opinions, not the meeting-wide items.
            Assert.That(text, Does.Not.Contain(Li).And.Not.Contain(Wang).And.Not.Contain("领导班子"));
            Assert.That(text, Does.Not.Contain("李四同志"));
        });
    }

    [Test]
    public async Task StaffOfTheEvaluatingUnit_OfASiblingUnit_OrOfAnotherBranch_Get404([ValueSource(nameof(Outsiders))] string user)
    {
        using var staff = await _world.SignInAsync(user);
        foreach (var member in new[] { Zhang, Wang })
        {
            using var response = await staff.GetAsync(SheetUrl(member));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{user}: {member}");
        }
    }

    [Test]
    public async Task Auditors_AreNotTheCampaignOffice_AndAreRefusedByRole([Values("auditor-a", "auditor-first", "auditor-b")] string user)
    {
        using var auditor = await _world.SignInAsync(user);
        using var sheet = await auditor.GetAsync(SheetUrl(Zhang));
        using var list = await auditor.GetAsync("/transferred");
        Assert.That(sheet.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public void BeforeTheBoxWasOpened_TheSheetWas404ForEveryone()
    {
        Assert.That(_beforeOpening.Keys, Is.EquivalentTo(Office.Concat(Outsiders)));
        Assert.That(_beforeOpening.Values, Is.All.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AMemberNotMarked调出_AndTheTeam_HaveNoSheet()
    {
        using var office = await _world.SignInAsync("supervisor-a");
        foreach (var url in new[] { SheetUrl(Li), $"/evaluations/{_evaluation.Id}/transferred/{_evaluation.TeamId}.pdf", $"/evaluations/{_evaluation.Id}/transferred/{Guid.NewGuid()}.pdf" })
        {
            using var response = await office.GetAsync(url);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
        }
    }

    [Test]
    public async Task AMemberRatedByFewerThanK_HasASheetWithoutAnyBreakdown_AsInTheReport()
    {
        using var office = await _world.SignInAsync("supervisor-a");
        using var response = await office.GetAsync(SheetUrl(Wang));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var sheet = await response.Content.ReadAsByteArrayAsync();
        Directory.CreateDirectory("/tmp/shots");
        await File.WriteAllBytesAsync("/tmp/shots/transferred-sheet-under-k.pdf", sheet);
        var text = Squashed(await PdfTools.TextAsync(sheet));
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("评议对象王五（副局长）"));
            Assert.That(text, Does.Contain("已于2026-10-08调出，评议结果已转甲局。"));
            Assert.That(text, Does.Contain("对该同志作风方面情况的总体评价作答不足5人，为保护匿名不公布。"));
            Assert.That(text, Does.Not.Contain("作答3人").And.Not.Contain("D=3").And.Not.Contain("称职率").And.Not.Contain("排名"));
        });

        using var organizer = await _world.SignInAsync("organizer-first");
        var report = Squashed(await PdfTools.TextAsync(await (await organizer.GetAsync($"{_evaluation.Url}/results.pdf")).Content.ReadAsByteArrayAsync()));
        Assert.That(report, Does.Contain("王五（副局长）").And.Contain("作答不足5人，为保护匿名不公布"), "the report withholds him as well");
    }

    [Test]
    public async Task TheEvaluatingUnitsReport_KeepsTheMembersSection_AndSaysWhereTheResultWent_OnThePageInThePdfAndInTheExcel()
    {
        using var organizer = await _world.SignInAsync("organizer-first");
        var page = await StaffClient.BodyAsync(await organizer.GetAsync($"{_evaluation.Url}/results"));
        Assert.That(page, Does.Contain("已于 2026-09-15 调出，评议结果已转 <bdi>甲局</bdi>。"));
        Assert.That(page, Does.Contain("已于 2026-10-08 调出，评议结果已转 <bdi>甲局</bdi>。"));
        Assert.That(page, Does.Contain($"id=\"target-{_targets[Zhang]:N}\""), "张三's card stays");
        Assert.That(page, Does.Not.Contain("李四</bdi>：已于"));

        using var pdfResponse = await organizer.GetAsync($"{_evaluation.Url}/results.pdf");
        var report = await pdfResponse.Content.ReadAsByteArrayAsync();
        Directory.CreateDirectory("/tmp/shots");
        await File.WriteAllBytesAsync("/tmp/shots/transferred-report.pdf", report);
        var pdf = Squashed(await PdfTools.TextAsync(report));
        Assert.That(pdf, Does.Contain("张三（局长）：已于2026-09-15调出，评议结果已转甲局。"));
        Assert.That(pdf, Does.Contain("王五（副局长）：已于2026-10-08调出，评议结果已转甲局。"));
        Assert.That(pdf, Does.Contain("D=6，称职率66.7%，差评率16.7%。"), "the member's section in the report, as before");

        using var excel = await organizer.GetAsync($"{_evaluation.Url}/results.xlsx");
        using var workbook = new XLWorkbook(new MemoryStream(await excel.Content.ReadAsByteArrayAsync()));
        var summary = workbook.Worksheet("汇总");
        var noted = summary.RowsUsed().Where(r => r.Cell(1).GetString() == "调出人员").Select(r => r.Cell(2).GetString()).ToList();
        Assert.That(noted, Is.EqualTo(new[]
        {
            "\u2068张三\u2069（\u2068局长\u2069）：已于 2026-09-15 调出，评议结果已转 \u2068甲局\u2069。",
            "\u2068王五\u2069（\u2068副局长\u2069）：已于 2026-10-08 调出，评议结果已转 \u2068甲局\u2069。",
        }));
        var zhangSheet = workbook.Worksheets.Single(ws => ws.Cell(1, 1).GetString().StartsWith("评议对象：") && ws.Cell(1, 1).GetString().Contains(Zhang));
        Assert.That(zhangSheet.Column(1).CellsUsed().Select(c => c.GetString()), Does.Contain("已于 2026-09-15 调出，评议结果已转 \u2068甲局\u2069。"));
    }

    [Test]
    public async Task ARootUnitsReport_SaysPlainlyThatNothingTravelled_AndNoSheetExists()
    {
        var zhao = await _world.ScalarAsync<Guid>("select id from target where evaluation_id = @Id and name = @Zhao", new { _root.Id, Zhao });
        using var organizer = await _world.SignInAsync("organizer-a");
        var page = await StaffClient.BodyAsync(await organizer.GetAsync($"{_root.Url}/results"));
        Assert.That(page, Does.Contain("已于 2026-08-01 调出，本单位开箱时没有上级单位，评议结果未转出。"));
        foreach (var user in new[] { "supervisor-a", "organizer-a", "supervisor-b" })
        {
            using var staff = await _world.SignInAsync(user);
            using var response = await staff.GetAsync($"/evaluations/{_root.Id}/transferred/{zhao}.pdf");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), user);
        }
        Assert.That(await _world.ScalarAsync<long>("select count(*) from result_transfer where evaluation_id = @Id", new { _root.Id }), Is.Zero);
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action where evaluation_id = @Id and action = @SendAction",
            new { _root.Id, ResultTransfers.SendAction }), Is.Zero);
    }

    [Test]
    public async Task ARehearsal_SendsNothing_AndSaysSo()
    {
        using var organizer = await _world.SignInAsync("organizer-first");
        var page = await StaffClient.BodyAsync(await organizer.GetAsync($"{_rehearsal.Url}/results"));
        Assert.That(page, Does.Contain("已于 2026-07-01 调出，演练的结果不转出。"));
        Assert.That(await _world.ScalarAsync<long>("select count(*) from result_transfer where evaluation_id = @Id", new { _rehearsal.Id }), Is.Zero);
        Assert.That(await _world.ScalarAsync<long>("select count(*) from staff_action where evaluation_id = @Id and action = @SendAction",
            new { _rehearsal.Id, ResultTransfers.SendAction }), Is.Zero);
    }

    [Test]
    public async Task AUnitMovedAfter开箱_LeavesTheResultWithTheOfficeItWasSentTo()
    {
        using var admin = await _world.SignInAsync("admin2");
        await PostAsync(admin, $"/admin/units/{_first}/parent", ("parent", _world.UnitB.ToString()));
        try
        {
            using var sentTo = await _world.SignInAsync("supervisor-a");
            using var newParent = await _world.SignInAsync("supervisor-b");
            Assert.That((await sentTo.GetAsync(SheetUrl(Zhang))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await newParent.GetAsync(SheetUrl(Zhang))).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await StaffClient.BodyAsync(await newParent.GetAsync($"{_evaluation.Url}/results")),
                Does.Contain("已于 2026-09-15 调出，评议结果已转 <bdi>甲局</bdi>。"), "乙局 now covers 直属一 and reads that the result went to 甲局");
        }
        finally
        {
            await PostAsync(admin, $"/admin/units/{_first}/parent", ("parent", _world.UnitA.ToString()));
        }
    }

    [Test]
    public async Task TheSendingAt开箱_AndEachDownload_AreLogged_AndNoAnswerIs()
    {
        var subject = $"《直属一民主评议》，编号 {_evaluation.Id}";
        var before = await EntriesAsync();
        var opened = before.Single(e => e.Action == "开箱");
        var sent = before.Where(e => e.Action == ResultTransfers.SendAction).ToList();
        Assert.That(sent.Select(e => e.Detail), Is.EqualTo(new[]
        {
            $"{subject}，张三（局长）（2026-09-15 调出）的评议结果已转 甲局，由其组织者和督导组下载结果单",
            $"{subject}，王五（副局长）（2026-10-08 调出）的评议结果已转 甲局，由其组织者和督导组下载结果单",
        }));
        Assert.That(sent.Select(e => e.Actor), Is.All.EqualTo("organizer-first（organizer-first，组织者）"), "who opened the box");
        Assert.That(sent.Select(e => e.Seq), Is.All.GreaterThan(opened.Seq));

        using (var supervisor = await _world.SignInAsync("supervisor-a"))
            Assert.That((await supervisor.GetAsync(SheetUrl(Zhang))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var organizer = await _world.SignInAsync("organizer-a"))
            Assert.That((await organizer.GetAsync(SheetUrl(Wang))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var outsider = await _world.SignInAsync("supervisor-first"))
            Assert.That((await outsider.GetAsync(SheetUrl(Zhang))).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var after = await EntriesAsync();
        var downloads = after.Where(e => e.Seq > before.Max(b => b.Seq)).ToList();
        Assert.That(downloads.Select(e => (e.Action, e.Actor)), Is.EqualTo(new[]
        {
            (ResultTransfers.DownloadAction, "supervisor-a（supervisor-a，督导组）"),
            (ResultTransfers.DownloadAction, "organizer-a（organizer-a，组织者）"),
        }), "one entry per download, none for the refusal");
        Assert.That(downloads[0].Detail, Does.Match($"^{Regex.Escape(subject)}，张三（局长），PDF，收回 7 票，指纹 [0-9a-f]{{64}}$"));
        Assert.That(downloads[1].Detail, Does.StartWith($"{subject}，王五（副局长），PDF，收回 7 票，指纹 "));

        foreach (var e in after)
        {
            Assert.That(e.Detail, Does.Not.Contain("调走前").And.Not.Contain("深入基层"), $"no opinion in entry {e.Seq}");
            if (e.Action is ResultTransfers.SendAction or ResultTransfers.DownloadAction)
                Assert.That(e.Detail, Does.Not.Contain("优秀").And.Not.Contain("称职").And.Not.Contain("%"), $"no answer or figure in entry {e.Seq}");
        }
    }

    [Test]
    public async Task TheOfficesList_ShowsEveryResultSentToIt_AndNothingElse()
    {
        using var office = await _world.SignInAsync("supervisor-a");
        var list = await StaffClient.BodyAsync(await office.GetAsync("/transferred"));
        Assert.That(list, Does.Contain($"/evaluations/{_evaluation.Id}/transferred/{_targets[Zhang]}.pdf")
            .And.Contain($"/evaluations/{_evaluation.Id}/transferred/{_targets[Wang]}.pdf"));
        Assert.That(list, Does.Contain("张三（局长）").And.Contain("2026-09-15").And.Contain("直属一").And.Contain("直属一民主评议"));
        Assert.That(list, Does.Not.Contain(Li).And.Not.Contain(Zhao));

        using var evaluatingUnit = await _world.SignInAsync("supervisor-first");
        var own = await StaffClient.BodyAsync(await evaluatingUnit.GetAsync("/transferred"));
        Assert.That(own, Does.Contain("还没有转到您负责单位的调出人员评议结果").And.Not.Contain(Zhang));
    }

    private string SheetUrl(string member) => $"/evaluations/{_evaluation.Id}/transferred/{_targets[member]}.pdf";

    private static string ZhangOpinion(int i) => $"张三同志调走前抓落实很到位，希望保持{i + 1}";
    private static string LiOpinion(int i) => $"李四同志要多深入基层{i + 1}";

    /// <summary>
    /// Ballot v of 7. Voters who do not know a member skip him, as on paper: three rate 王五. Five write about 张三, five about 李四.
    /// </summary>
    private object Answers(int v)
    {
        Dictionary<string, object> Section(string grade, string? opinion) => opinion is null
            ? new() { ["member-overall"] = new { choice = grade } }
            : new() { ["member-overall"] = new { choice = grade }, ["target-opinion"] = new { text = opinion } };
        var targets = new Dictionary<string, object>
        {
            [_evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "好" } },
            [_targets[Zhang].ToString()] = Section(ZhangGrades[v], v < 5 ? ZhangOpinion(v) : null),
            [_targets[Li].ToString()] = Section("称职", v < 5 ? LiOpinion(v) : null),
        };
        if (v < 3) targets[_targets[Wang].ToString()] = Section("优秀", null);
        return new { once = new Dictionary<string, object>(), targets };
    }

    /// <summary>A draft with the mobilisation form (a member's rating not required), the 班子, these members and one category of 10.</summary>
    private Task<SeededEvaluation> SeedDraftAsync(Guid unit, string name, params (string Name, string Title, DateOnly? Left)[] members) =>
        SeedDraftAsync(unit, name, null, members);

    private async Task<SeededEvaluation> SeedDraftAsync(Guid unit, string name, Guid? rehearsalOf, params (string Name, string Title, DateOnly? Left)[] members)
    {
        var template = FormTemplates.MobilisationEvaluation.Questionnaire;
        var questionnaire = template with { Questions = [.. template.Questions.Select(q => q.Id == "member-overall" ? q with { Required = false } : q)] };
        var seeded = new SeededEvaluation(Guid.NewGuid(), Guid.NewGuid(), Guid.Empty, Guid.NewGuid(), "member-overall");
        await using var conn = await _world.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire, rehearsal_of)
            values (@Id, @unit, @name, '动员大会后民主评议', @Questionnaire, @rehearsalOf);
            insert into target (id, evaluation_id, kind, name, position) values (@TeamId, @Id, 'team', '领导班子', 1);
            insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@CategoryId, @Id, '机关工作人员', 10, 1);
            """, new { seeded.Id, unit, name, rehearsalOf, seeded.TeamId, seeded.CategoryId, Questionnaire = FormJson.Canonical(questionnaire) });
        for (var i = 0; i < members.Length; i++)
        {
            var id = _targets[members[i].Name] = Guid.NewGuid();
            await conn.ExecuteAsync(
                """
                insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
                values (@id, @Evaluation, 'member', @Name, @Title, @Left, @Position)
                """, new { id, Evaluation = seeded.Id, members[i].Name, members[i].Title, members[i].Left, Position = i + 2 });
        }
        return seeded;
    }

    private static async Task PostAsync(StaffClient staff, string url, params (string Key, string Value)[] fields)
    {
        using var response = await staff.PostFormAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"{url}: {await StaffClient.BodyAsync(response)}");
    }

    private sealed record Entry(long Seq, string Actor, string Action, string Detail);

    private async Task<List<Entry>> EntriesAsync()
    {
        await using var conn = await _world.OpenAsync();
        return (await conn.QueryAsync<Entry>(
            "select seq, actor, action, detail from staff_action where evaluation_id = @Id order by seq", new { _evaluation.Id })).ToList();
    }

    /// <summary>pdftotext's layout puts spaces and line breaks where the page has room; compared without any whitespace.</summary>
    private static string Squashed(string text) => Whitespace().Replace(text, "");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
