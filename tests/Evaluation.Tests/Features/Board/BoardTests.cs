using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Board;

/// <summary>
/// The projector board (/evaluations/{id}/board and its board.json) through a meeting: 机关工作人员 (应到 22),
/// 服务对象代表 and 离退休老党员 (应到 10 each, so each has a key group of its own). Early on, 5 have checked in and 4
/// submitted, too few in any group for a line of its own: every category counts only in the total. Later 机关工作人员
/// has 20 check-ins and 19 ballots and stands alone; 服务对象代表 (7, 6) and 离退休老党员 (2, 1) show only merged, as the
/// tally merges them. After 结束投票 and 开箱 the board still shows turnout and nothing of the results.
/// </summary>
public sealed partial class BoardTests : OrganizerSession
{
    private const string Opinion = "大屏上绝不能出现的意见";
    private const string Merged = "其余类别合并（服务对象代表、离退休老党员）";

    /// <summary>Everything board.json may say: turnout and the state of voting, no result of any kind.</summary>
    private static readonly string[] Allowed =
    [
        "status", "statusName", "rehearsal", "votingOpen", "total", "categories", "onlyInTotal", "smallCell", "updatedAt",
        "name", "expected", "checkedIn", "ballots", "waiting", "checkedInPercent", "ballotsPercent",
    ];

    private SeededEvaluation _evaluation = null!;
    private JsonElement _early, _late, _closed;
    private string _earlyPage = "", _latePage = "", _closedPage = "", _lateProgress = "", _earlyShow = "", _lateShow = "";

    [OneTimeSetUp]
    public async Task VoteAndReadTheBoard()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 22);
        Guid clients = Guid.NewGuid(), retired = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (@clients, @Id, '服务对象代表', 10, 2), (@retired, @Id, '离退休老党员', 10, 3)
                """, new { clients, retired, _evaluation.Id });
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var slips = new Dictionary<Guid, List<string>>
        {
            [_evaluation.CategoryId] = await IssueSlipsAsync(_evaluation, 21, _evaluation.CategoryId),
            [clients] = await IssueSlipsAsync(_evaluation, 8, clients),
            [retired] = await IssueSlipsAsync(_evaluation, 4, retired),
        };

        // (category, first slip, check-ins, ballots)
        await VoteAsync(slips, [(_evaluation.CategoryId, 0, 4, 3), (retired, 0, 1, 1)]);
        (_early, _earlyPage, _earlyShow) = (await BoardJsonAsync(Organizer), await PageAsync(Organizer, "/board"), await PageAsync(Organizer, ""));

        await VoteAsync(slips, [(_evaluation.CategoryId, 4, 16, 16), (clients, 0, 7, 6), (retired, 1, 1, 0)]);
        (_late, _latePage, _lateShow) = (await BoardJsonAsync(Organizer), await PageAsync(Organizer, "/board"), await PageAsync(Organizer, ""));
        _lateProgress = await PageAsync(Organizer, "/progress");

        using (var close = await PostAsync($"{_evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        Assert.That(await World.ScalarAsync<string>("select status from evaluation where id = @Id", new { _evaluation.Id }), Is.EqualTo("closed"),
            "server custody: 开箱 right after 结束投票");
        (_closed, _closedPage) = (await BoardJsonAsync(Organizer), await PageAsync(Organizer, "/board"));
    }

    private async Task VoteAsync(Dictionary<Guid, List<string>> slips, (Guid Category, int From, int CheckIns, int Ballots)[] plan)
    {
        foreach (var (category, from, checkIns, ballots) in plan)
            for (var v = 0; v < checkIns; v++)
            {
                using var phone = new VotingClient(World.App.CreateClient());
                var credential = await phone.CheckInAsync(slips[category][from + v]);
                if (v >= ballots) continue;
                using var submitted = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers(opinion: Opinion));
                Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
            }
    }

    private async Task<JsonElement> BoardJsonAsync(StaffClient staff)
    {
        using var response = await staff.GetAsync($"{_evaluation.Url}/board.json");
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "a projector must never show a cached figure");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<string> PageAsync(StaffClient staff, string path)
    {
        using var response = await staff.GetAsync(_evaluation.Url + path);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return body;
    }

    private sealed record Line(string Name, int Expected, int CheckedIn, int Ballots, int Waiting, int? CheckedInPercent, int? BallotsPercent);

    private static Line Read(JsonElement line) => new(
        line.GetProperty("name").GetString()!, line.GetProperty("expected").GetInt32(), line.GetProperty("checkedIn").GetInt32(),
        line.GetProperty("ballots").GetInt32(), line.GetProperty("waiting").GetInt32(),
        line.GetProperty("checkedInPercent").ValueKind == JsonValueKind.Null ? null : line.GetProperty("checkedInPercent").GetInt32(),
        line.GetProperty("ballotsPercent").ValueKind == JsonValueKind.Null ? null : line.GetProperty("ballotsPercent").GetInt32());

    private static List<Line> Categories(JsonElement figures) => figures.GetProperty("categories").EnumerateArray().Select(Read).ToList();

    private static List<string> OnlyInTotal(JsonElement figures) =>
        figures.GetProperty("onlyInTotal").EnumerateArray().Select(n => n.GetString()!).ToList();

    [Test]
    public void Early_no_group_has_k_ballots_so_every_category_counts_only_in_the_total()
    {
        Assert.That(Read(_early.GetProperty("total")), Is.EqualTo(new Line("合计", 42, 5, 4, 1, 11, 9)));
        Assert.That(Categories(_early), Is.Empty);
        Assert.That(OnlyInTotal(_early), Is.EqualTo(new[] { "机关工作人员", "服务对象代表", "离退休老党员" }));
        Assert.That(_early.GetProperty("smallCell").GetInt32(), Is.EqualTo(5));
        Assert.That(_earlyPage, Does.Contain("人数少于 5 的类别只计入合计").And.Contain("已签到未提交 <strong id=\"total-waiting\">1</strong> 人"));
    }

    [Test]
    public void Later_a_large_category_stands_alone_and_the_small_one_only_merged_as_the_tally_merges_it()
    {
        Assert.That(Read(_late.GetProperty("total")), Is.EqualTo(new Line("合计", 42, 29, 26, 3, 69, 61)));
        Assert.That(Categories(_late), Is.EqualTo(new[]
        {
            new Line("机关工作人员", 22, 20, 19, 1, 90, 86),
            new Line(Merged, 20, 9, 7, 2, 45, 35),
        }));
        Assert.That(OnlyInTotal(_late), Is.Empty);
        Assert.That(_latePage, Does.Contain("<p class=\"note\" id=\"only-in-total\" hidden=\"hidden\">"));
        Assert.That(_latePage, Does.Not.Contain(">离退休老党员<").And.Not.Contain(">服务对象代表<"));
        Assert.That(_latePage, Does.Contain("已提交&nbsp;19（86%） · 已签到&nbsp;20 · 应到&nbsp;22 · 已签到未提交&nbsp;1"));
    }

    [Test]
    public void No_line_on_the_board_stands_on_fewer_than_k_ballots()
    {
        foreach (var figures in new[] { _early, _late, _closed })
            foreach (var line in Categories(figures))
                Assert.That(line.Ballots, Is.GreaterThanOrEqualTo(5), line.ToString());
    }

    [Test]
    public void Board_totals_are_the_progress_pages()
    {
        var progress = ProgressTotals().Match(_lateProgress);
        Assert.That(progress.Success, Is.True);
        var total = Read(_late.GetProperty("total"));
        Assert.That((total.Ballots, total.CheckedIn, total.Expected),
            Is.EqualTo((int.Parse(progress.Groups[1].Value), int.Parse(progress.Groups[2].Value), int.Parse(progress.Groups[3].Value))));
    }

    [GeneratedRegex(@"已提交 <strong>(\d+)</strong> 份 ·\s*已签到 <strong>(\d+)</strong> 人 ·\s*应到 <strong>(\d+)</strong> 人")]
    private static partial Regex ProgressTotals();

    [Test]
    public void Board_json_says_nothing_but_turnout_during_voting_and_after_the_box_is_opened()
    {
        foreach (var figures in new[] { _early, _late, _closed })
            Assert.That(Names(figures).Distinct(), Is.SubsetOf(Allowed));
        foreach (var body in new[] { _earlyPage, _latePage, _closedPage, _closed.GetRawText() })
            Assert.That(body, Does.Not.Contain(Opinion).And.Not.Contain("较好").And.Not.Contain("称职").And.Not.Contain("好评率").And.Not.Contain("文山会海"));
        Assert.That(Read(_closed.GetProperty("total")), Is.EqualTo(Read(_late.GetProperty("total"))), "the same turnout once opened");
        Assert.That((_closed.GetProperty("status").GetString(), _closed.GetProperty("votingOpen").GetBoolean()), Is.EqualTo(("closed", false)));
    }

    private static IEnumerable<string> Names(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Names(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Names),
        _ => [],
    };

    [Test]
    public void Board_page_has_the_address_and_its_qr_while_open_and_no_staff_menu()
    {
        Assert.That(_latePage, Does.Match("<p class=\"address\" id=\"address\">https?://localhost</p>"), "the site's own address: the voter's page");
        Assert.That(Regex.Match(_latePage, "<section class=\"vote\" id=\"vote\"[^>]*>").Value, Does.Not.Contain("hidden"));
        Assert.That(_latePage, Does.Contain("<svg"));
        Assert.That(_latePage, Does.Not.Contain("href=\"/evaluations\"").And.Not.Contain("退出").And.Not.Contain("/logout"));
        Assert.That(_latePage, Does.Contain("src=\"/js/board.js"));
        Assert.That(Regex.Match(_closedPage, "<section class=\"vote\" id=\"vote\"[^>]*>").Value, Does.Contain("hidden"), "no voting address once closed");
        Assert.That(_closedPage, Does.Contain("投票已结束"));
        Assert.That(_closedPage, Does.Contain("<p class=\"waiting\" id=\"waiting\" hidden=\"hidden\">"), "nobody is waiting to submit once voting has ended");
    }

    [Test]
    public async Task Board_page_runs_its_own_script_only()
    {
        using var response = await Organizer.GetAsync($"{_evaluation.Url}/board");
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var scripts = Regex.Match(policy, "script-src ([^;]*)").Groups[1].Value;
        Assert.That(scripts, Does.Contain("'self'").And.Not.Contain("unsafe-inline").And.Not.Contain("*"));
        Assert.That(policy, Does.Contain("default-src 'self'").And.Contain("frame-ancestors 'none'"));
        Assert.That(await StaffClient.BodyAsync(response), Does.Not.Match("<script>|<script [^>]*>[^<]"), "no inline script");
    }

    [Test]
    public void Close_confirmation_says_how_many_checked_in_and_have_not_submitted()
    {
        Assert.That(_earlyShow, Does.Contain("data-confirm=\"还有 1 人已签到未提交，结束后他们将无法提交。"));
        Assert.That(_lateShow, Does.Contain("data-confirm=\"还有 3 人已签到未提交，结束后他们将无法提交。"));
    }

    [Test]
    public void Evaluation_and_progress_pages_link_the_board()
    {
        Assert.That(_lateShow, Does.Contain($"href=\"{_evaluation.Url}/board\""));
        Assert.That(_lateProgress, Does.Contain($"href=\"{_evaluation.Url}/board\""));
    }

    [TestCase("supervisor-a"), TestCase("auditor-a")]
    public async Task Other_staff_of_the_unit_see_the_same_board(string userName)
    {
        using var staff = await World.SignInAsync(userName);
        var figures = await BoardJsonAsync(staff);
        Assert.That(Read(figures.GetProperty("total")), Is.EqualTo(Read(_closed.GetProperty("total"))));
        Assert.That(await PageAsync(staff, "/board"), Does.Contain(_evaluation.Url + "/board.json"));
    }

    [TestCase("/board"), TestCase("/board.json")]
    public async Task Staff_of_another_unit_get_404(string path)
    {
        foreach (var userName in new[] { "organizer-b", "supervisor-b" })
        {
            using var staff = await World.SignInAsync(userName);
            using var response = await staff.GetAsync(_evaluation.Url + path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), userName);
        }
    }

    [Test]
    public async Task Typed_names_show_on_the_board_as_text()
    {
        var hostile = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                "update evaluation set name = '<img src=x onerror=alert(1)>' where id = @Id; update respondent_category set name = '<script>alert(2)</script>' where evaluation_id = @Id",
                new { hostile.Id });

        var page = await StaffClient.BodyAsync(await Organizer.GetAsync($"{hostile.Url}/board"));

        Assert.That(page, Does.Not.Contain("<img src=x").And.Not.Contain("<script>alert"));
        Assert.That(page, Does.Contain("&lt;img src=x onerror=alert(1)&gt;").And.Contain("&lt;script&gt;alert(2)&lt;/script&gt;"));
    }

    [Test]
    public async Task A_rehearsal_says_so_on_the_board()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var rehearsal = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync("update evaluation set rehearsal_of = @Real where id = @Rehearsal", new { Real = real.Id, Rehearsal = rehearsal.Id });

        using var response = await Organizer.GetAsync($"{rehearsal.Url}/board.json");
        Assert.That(JsonDocument.Parse(await StaffClient.BodyAsync(response)).RootElement.GetProperty("rehearsal").GetBoolean(), Is.True);
        var page = await StaffClient.BodyAsync(await Organizer.GetAsync($"{rehearsal.Url}/board"));
        Assert.That(page, Does.Contain("<p class=\"rehearsal-mark\">演练 · 不是正式投票</p>").And.Contain("<title>【演练】"));
        var realPage = await StaffClient.BodyAsync(await Organizer.GetAsync($"{real.Url}/board"));
        Assert.That(realPage, Does.Not.Contain("演练"));
        Assert.That(realPage, Does.Contain("投票尚未开始"), "a draft's board says voting has not begun");
    }
}
