using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>
/// The round comparison on a real database: which round it compares at once, the rounds named by evaluation and closing
/// date, n beside each rate, and Fisher's exact test marking the changes the samples cannot support.
/// </summary>
public sealed class RoundComparisonPageTests
{
    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    public sealed record TwoRounds(ClosedEvaluation Small, ClosedEvaluation Large);

    /// <summary>
    /// Two closed rounds of one unit under the same name and round label, the small one 40 days earlier:
    /// small, 8 ballots: 班子 好 × 8 (好评率 8/8); 张三 answered by 3 only (under k = 5: suppressed); 李四 称职 × 8.
    /// large, 190 ballots: 班子 好/较好 143, 一般 47 (143/190 = 75.3%, p ≈ 0.202 against 8/8: 差异不显著);
    /// 张三 称职 150, 基本称职 40 (78.9%); 李四 称职 100, 不称职 90 (52.6%, p ≈ 0.0085 against 8/8: 差异显著).
    /// </summary>
    public static async Task<TwoRounds> SeedTwoRoundsAsync(Func<Task<Npgsql.NpgsqlConnection>> open, Guid unit, string name = "动员大会后民主评议")
    {
        static IEnumerable<SeedBallot> Ballots(FrozenForm form, int count, int teamPositive, int zhangAnswers, int zhangPositive, int liPositive)
        {
            var (team, zhang, li) = (form.Targets[0].Id, form.Targets.First(t => t.Name == "张三").Id, form.Targets.First(t => t.Name == "李四").Id);
            return Enumerable.Range(0, count).Select(i =>
            {
                var targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
                {
                    [team] = new Dictionary<string, Answer> { ["team-overall"] = Choice(i < teamPositive ? (i % 2 == 0 ? "好" : "较好") : "一般") },
                    [li] = new Dictionary<string, Answer> { ["member-overall"] = Choice(i < liPositive ? "称职" : "不称职") },
                };
                if (i < zhangAnswers)
                    targets[zhang] = new Dictionary<string, Answer> { ["member-overall"] = Choice(i < zhangPositive ? "称职" : "基本称职") };
                return new SeedBallot(0, new BallotAnswers { Targets = targets });
            });
        }

        var smallForm = ReportScenario.NewForm();
        var small = await SeedClosedAsync(open, unit, smallForm, [("机关工作人员", 10)], Ballots(smallForm, 8, 8, 3, 3, 8), name: name);
        var largeForm = ReportScenario.NewForm();
        var large = await SeedClosedAsync(open, unit, largeForm, [("机关工作人员", 200)], Ballots(largeForm, 190, 143, 190, 150, 100), name: name);
        await using var conn = await open();
        await conn.ExecuteAsync("update evaluation set closed_at = now() - interval '40 days' where id = @Id", new { small.Id });
        return new TwoRounds(small, large);
    }

    private async Task<string> PageAsync(string url)
    {
        using var response = await _supervisor.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return await StaffClient.BodyAsync(response);
    }

    // Names stand in <bdi> (issue 12) and <option> text in FSI…PDI; the words are read without either.
    private static string Text(string html) =>
        WebUtility.HtmlDecode(Regex.Replace(Regex.Replace(html, "<[^>]+>", ""), "[\u2066-\u2069]", "")).Trim();

    private static string? Selected(string page) => Regex.Match(page, "<option value=\"([^\"]*)\" selected=\"selected\"").Groups[1].Value is { Length: > 0 } v ? v : null;

    private static List<string> Options(string page) => Regex.Matches(page, "<option[^>]*>(.*?)</option>").Select(m => Text(m.Groups[1].Value)).ToList();

    /// <summary>The table's rows by their first cell, each as its cells' text (a rate's cell repeats its n for the phone's stacked card).</summary>
    private static Dictionary<string, string[]> Rows(string page) =>
        Regex.Matches(page[page.IndexOf("<tbody>", StringComparison.Ordinal)..], "<tr>(.*?)</tr>", RegexOptions.Singleline)
            .Select(r => Regex.Matches(r.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline)
                .Select(c => Regex.Replace(Text(c.Groups[1].Value), @"\s+", " ")).ToArray())
            .ToDictionary(cells => cells[0]);

    private async Task<string> ClosedDayAsync(Guid id) =>
        ChinaTime.Format(await _world.ScalarAsync<DateTime>("select closed_at from evaluation where id = @id", new { id }))[..10];

    [Test]
    public async Task The_comparison_names_both_rounds_by_evaluation_and_closing_date_even_when_their_labels_match()
    {
        var (small, large) = await SeedTwoRoundsAsync(_world.OpenAsync, _world.UnitA);

        var page = await PageAsync($"{large.Url}/compare?with={small.Id}");

        var (smallDay, largeDay) = (await ClosedDayAsync(small.Id), await ClosedDayAsync(large.Id));
        Assert.That(Text(Regex.Match(page, "<h2 class=\"compare-rounds\">(.*?)</h2>").Groups[1].Value),
            Is.EqualTo($"《动员大会后民主评议》{smallDay} → 《动员大会后民主评议》{largeDay}"));
        var header = Text(Regex.Match(page, "<thead>(.*?)</thead>", RegexOptions.Singleline).Groups[1].Value);
        Assert.That(header, Does.Contain($"前一轮《动员大会后民主评议》{smallDay}").And.Contain($"后一轮《动员大会后民主评议》{largeDay}"));
    }

    [Test]
    public async Task Each_rate_shows_its_n_and_Fishers_test_marks_the_change_8_of_8_against_143_of_190_as_not_significant()
    {
        var (small, large) = await SeedTwoRoundsAsync(_world.OpenAsync, _world.UnitA);

        var page = await PageAsync($"{large.Url}/compare?with={small.Id}");
        var rows = Rows(page);

        Assert.That(Text(page), Does.Contain("差异检验用费希尔精确检验（Fisher's exact test，双侧）比较两轮的比率，p < 0.05 记为“差异显著”，p ≥ 0.05 记为“差异不显著”"));
        Assert.That(rows["领导班子"], Is.EqualTo(new[] { "领导班子", "好评率 100.0%（n = 8）", "8", "好评率 75.3%（n = 190）", "190", "-24.7 个百分点", "差异不显著 p = 0.202" }));
        Assert.That(rows["李四"], Is.EqualTo(new[] { "李四", "称职率 100.0%（n = 8）", "8", "称职率 52.6%（n = 190）", "190", "-47.4 个百分点", "差异显著 p = 0.008" }));
        // 3 answers about 张三 in the small round: neither the rate nor n, no change and no test.
        Assert.That(rows["张三"], Is.EqualTo(new[] { "张三", "—", "—", "称职率 78.9%（n = 190）", "190", "—", "—" }));
        Assert.That(Regex.Match(page, "<tr>\\s*<td class=\"label\" data-label=\"评议对象\"><bdi>领导班子</bdi>.*?</tr>", RegexOptions.Singleline).Value,
            Does.Contain("change-unsupported"), "a change the samples cannot support is not coloured as a fall");
    }

    [Test]
    public async Task Without_a_choice_the_unit_s_previous_real_round_is_compared_and_every_round_is_listed()
    {
        var (small, large) = await SeedTwoRoundsAsync(_world.OpenAsync, _world.UnitB, name: "乙单位民主评议");
        var older = await ReportScenario.SeedAsync(_world, _world.UnitB, name: "乙单位去年评议", round: "总结大会后民主评议");
        var rehearsal = await ReportScenario.SeedAsync(_world, _world.UnitB, name: "【演练】乙单位民主评议");
        var otherUnit = await ReportScenario.SeedAsync(_world, _world.UnitA, name: "甲单位上周评议");
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync(
                """
                update evaluation set closed_at = now() - interval '400 days' where id = @older;
                -- Closed after the previous round and before this one, but a rehearsal: never the default.
                update evaluation set closed_at = now() - interval '10 days', rehearsal_of = @large where id = @rehearsal;
                update evaluation set closed_at = now() - interval '5 days' where id = @otherUnit;
                """, new { older = older.Id, rehearsal = rehearsal.Id, otherUnit = otherUnit.Id, large = large.Id });
        using var supervisorB = await _world.SignInAsync("supervisor-b");

        async Task<string> Compare(ClosedEvaluation e)
        {
            using var response = await supervisorB.GetAsync($"{e.Url}/compare");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            return await StaffClient.BodyAsync(response);
        }
        var fromLarge = await Compare(large);
        var fromOlder = await Compare(older);

        Assert.That(Selected(fromLarge), Is.EqualTo(small.Id.ToString()), "the latest real round closed before this one");
        Assert.That(Rows(fromLarge)["领导班子"][2], Is.EqualTo("8"), "compared at once, without choosing");
        Assert.That(Selected(fromOlder), Is.EqualTo(large.Id.ToString()), "with no earlier round, the latest real one");
        var options = Options(fromLarge);
        Assert.That(options, Has.Count.EqualTo(3), string.Join("\n", options));
        Assert.That(options, Has.One.StartsWith("乙单位民主评议（动员大会后民主评议，").And.EndsWith("结束）"));
        Assert.That(options, Has.One.StartsWith("乙单位去年评议（总结大会后民主评议，"));
        Assert.That(options.Last(), Does.StartWith("【演练】乙单位民主评议（").And.EndWith("· 演练"), "rehearsals listed last, marked");
        Assert.That(string.Join("\n", options), Does.Not.Contain("甲单位"), "another unit's round is not offered");
        Assert.That((await supervisorB.GetAsync($"{large.Url}/compare?with={otherUnit.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
