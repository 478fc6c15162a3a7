using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Evaluations;

/// <summary>
/// The evaluation page and the meeting-day progress page show turnout per category while voting is open and after it
/// closed. 签到 and 已提交 come from ballots, so a category with fewer than k = 5 of them must not show its own figures,
/// nor let the total minus the other lines give them away: it shows only merged with others, or inside the total.
/// Here 机关工作人员 has 20 check-ins (19 ballots), 服务对象代表 3, 离退休老党员 6, and 列席人员 2 check-ins and no ballot.
/// Once voting opens the three small categories (应到 under 2k each) share one key group, and a ballot proves only its
/// group, so the pages show the group's line (11 check-ins, 9 ballots), never a line per small category. The pages are
/// read as each staff role sees them.
/// </summary>
public sealed class TurnoutSmallCellTests : OrganizerSession
{
    private const int K = 5;
    private const string SharedKeyGroup = "离退休老党员、服务对象代表、列席人员";
    private static readonly string[] Roles = ["organizer-a", "supervisor-a", "auditor-a"];
    private SeededEvaluation _evaluation = null!;
    private readonly Dictionary<string, Dictionary<string, TurnoutCells>> _during = [];
    private readonly Dictionary<string, Dictionary<string, TurnoutCells>> _after = [];
    private readonly Dictionary<string, string> _duringPages = [];

    private sealed record TurnoutCells(string Expected, string Issued, string Voided, string CheckedIn, string Ballots);

    [OneTimeSetUp]
    public async Task VoteReadPagesCloseReadAgain()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 22);
        Guid retired = Guid.NewGuid(), clients = Guid.NewGuid(), guests = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (@retired, @Id, '离退休老党员', 8, 2), (@clients, @Id, '服务对象代表', 4, 3), (@guests, @Id, '列席人员', 3, 4)
                """, new { retired, clients, guests, _evaluation.Id });
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        // (category, slips, check-ins, ballots): the last check-in of 机关工作人员 and both of 列席人员 never submit.
        foreach (var (category, issued, checkIns, ballots) in new[]
                 { (_evaluation.CategoryId, 21, 20, 19), (retired, 7, 6, 6), (clients, 4, 3, 3), (guests, 3, 2, 0) })
        {
            var tokens = await IssueSlipsAsync(_evaluation, issued, category);
            for (var v = 0; v < checkIns; v++)
            {
                using var phone = new VotingClient(World.App.CreateClient());
                var credential = await phone.CheckInAsync(tokens[v]);
                if (v >= ballots) continue;
                using var submitted = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());
                Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
            }
        }
        await ReadPagesAsync(_during, _duringPages);

        using (var close = await PostAsync($"{_evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        await ReadPagesAsync(_after, []);
    }

    private async Task ReadPagesAsync(Dictionary<string, Dictionary<string, TurnoutCells>> tables, Dictionary<string, string> pages)
    {
        foreach (var role in Roles)
        {
            using var staff = await World.SignInAsync(role);
            foreach (var path in new[] { "", "/progress" })
            {
                using var response = await staff.GetAsync(_evaluation.Url + path);
                var body = await StaffClient.BodyAsync(response);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{role} {path}");
                tables[$"{role} {_evaluation.Url}{path}"] = Rows(body);
                pages[$"{role} {_evaluation.Url}{path}"] = body;
            }
        }
    }

    private static Dictionary<string, TurnoutCells> Rows(string body)
    {
        var table = Regex.Match(body, """<table[^>]*>\s*<thead><tr><th>类别</th><th>应到</th><th>发出</th>(.*?)</table>""", RegexOptions.Singleline);
        Assert.That(table.Success, Is.True, "the turnout table");
        var rows = Regex.Matches(table.Groups[1].Value,
            """<td data-label="类别">(.*?)</td><td data-label="应到">(.*?)</td><td data-label="发出">(.*?)</td>\s*<td data-label="作废">(.*?)</td><td data-label="补发">\d*</td><td data-label="已签到">(.*?)</td><td data-label="已提交">(.*?)</td>""")
            .ToDictionary(m => m.Groups[1].Value, m => new TurnoutCells(m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value, m.Groups[6].Value));
        var total = Regex.Match(table.Groups[1].Value, @"<th>合计</th><th[^>]*>(\d+)</th><th[^>]*>(\d+)</th><th[^>]*>(\d+)</th>\s*<th[^>]*>\d+</th><th[^>]*>(\d+)</th><th[^>]*>(\d+)</th>");
        Assert.That(total.Success, Is.True, "the total line");
        rows["合计"] = new TurnoutCells(total.Groups[1].Value, total.Groups[2].Value, total.Groups[3].Value, total.Groups[4].Value, total.Groups[5].Value);
        return rows;
    }

    private static IEnumerable<TestCaseData> Phases() => [new TestCaseData("during").SetName("{m}(during voting)"), new TestCaseData("after").SetName("{m}(after close)")];

    private Dictionary<string, Dictionary<string, TurnoutCells>> Pages(string phase) => phase == "during" ? _during : _after;

    [TestCaseSource(nameof(Phases))]
    public void No_line_but_the_total_shows_check_ins_or_ballots_of_fewer_than_k_ballots(string phase)
    {
        Assert.That(Pages(phase), Has.Count.EqualTo(6), "three roles, two pages");
        foreach (var (page, rows) in Pages(phase))
        {
            foreach (var (name, cells) in rows.Where(r => r.Key != "合计"))
                Assert.That(cells.Ballots == "—" && cells.CheckedIn == "—" || int.Parse(cells.Ballots) >= K, Is.True, $"{page}: {name} {cells}");
            Assert.That(rows.Keys, Is.EquivalentTo(new[] { "机关工作人员", SharedKeyGroup, "合计" }), page);
            Assert.That(rows["机关工作人员"], Is.EqualTo(new TurnoutCells("22", "21", "0", "20", "19")), page);
            Assert.That(rows[SharedKeyGroup], Is.EqualTo(new TurnoutCells("15", "14", "0", "11", "9")), page);
            Assert.That(rows["合计"], Is.EqualTo(new TurnoutCells("37", "35", "0", "31", "28")), page);
        }
    }

    [TestCaseSource(nameof(Phases))]
    public void Total_minus_the_lines_shown_leaves_no_ballot_of_a_small_category(string phase)
    {
        foreach (var (page, rows) in Pages(phase))
        {
            var shown = rows.Where(r => r.Key != "合计" && r.Value.Ballots != "—").Sum(r => int.Parse(r.Value.Ballots));
            var left = int.Parse(rows["合计"].Ballots) - shown;
            Assert.That(left, Is.Zero.Or.GreaterThanOrEqualTo(K), $"{page}: {left} ballots unaccounted for");
            // 列席人员 checked in twice and submitted nothing: its check-ins must not be the total minus the lines shown either.
            var checkedIn = rows.Where(r => r.Key != "合计" && r.Value.CheckedIn != "—").Sum(r => int.Parse(r.Value.CheckedIn));
            Assert.That(int.Parse(rows["合计"].CheckedIn) - checkedIn, Is.Zero, $"{page}: check-ins unaccounted for");
        }
    }

    [Test]
    public void Progress_page_figures_are_the_totals()
    {
        foreach (var (page, body) in _duringPages.Where(p => p.Key.EndsWith("/progress")))
            Assert.That(body, Does.Contain("已提交 <strong>28</strong> 份").And.Contain("已签到 <strong>31</strong> 人").And.Contain("应到 <strong>37</strong> 人"), page);
    }

    [Test]
    public async Task Pages_show_the_log_entry_of_opening_while_voting_and_of_closing_after()
    {
        await using var conn = await World.OpenAsync();
        var entries = (await conn.QueryAsync<(long Seq, string Action, string Hash)>(
            "select seq, action, hash from staff_action where action = any(@actions) and detail like '%' || @id || '%' order by seq",
            new { actions = new[] { BundleVerifier.OpenAction, BundleVerifier.CloseAction }, id = _evaluation.Id.ToString() })).ToList();
        var opened = entries.Single(e => e.Action == BundleVerifier.OpenAction);
        var closed = entries.Single(e => e.Action == BundleVerifier.CloseAction);

        foreach (var (page, body) in _duringPages)
        {
            Assert.That(body, Does.Contain($"""id="log-opened">第 <span class="seq">{opened.Seq}</span> 条，哈希 <span class="hash grouped">{Grouped(opened.Hash)}</span>"""), page);
            Assert.That(body, Does.Not.Contain("log-closed"), page);
        }
        using var auditor = await World.SignInAsync("auditor-a");
        var after = await StaffClient.BodyAsync(await auditor.GetAsync(_evaluation.Url));
        Assert.That(after, Does.Contain($"""id="log-opened">第 <span class="seq">{opened.Seq}</span>"""));
        Assert.That(after, Does.Contain($"""id="log-closed">第 <span class="seq">{closed.Seq}</span> 条，哈希 <span class="hash grouped">{Grouped(closed.Hash)}</span>"""));
    }

    private static string Grouped(string hash) => Evaluation.Core.Tallies.BallotSet.Grouped(hash);
}
