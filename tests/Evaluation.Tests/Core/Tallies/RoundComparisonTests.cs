using System.Security.Cryptography;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;

namespace Evaluation.Tests.Core.Tallies;

/// <summary>
/// Fisher's exact test against published values and values worked out exactly (Python's fractions over math.comb, summing
/// the hypergeometric probabilities no larger than the observed one), and the comparison rows that carry n and the verdict.
/// </summary>
public sealed class RoundComparisonTests
{
    // Fisher's lady tasting tea: 3 of 4 milk-first cups named right against 1 of 4; two-sided p = 17/35 (R: 0.4857).
    [TestCase(3, 4, 1, 4, 17.0 / 35)]
    // Wikipedia's dieting example, men 1 of 12 against women 9 of 12: p = 41/14858 ≈ 0.002759.
    [TestCase(1, 12, 9, 12, 41.0 / 14858)]
    // The case, 100 % of 8 against 143 of 190 (75.3 %): exactly 162818954613/805850836648 ≈ 0.2020.
    [TestCase(8, 8, 143, 190, 162818954613.0 / 805850836648)]
    [TestCase(8, 8, 100, 190, 0.008460763698177224)]
    [TestCase(0, 5, 5, 5, 1.0 / 126)]
    [TestCase(10, 16, 10, 10, 175.0 / 3289)]
    [TestCase(7, 12, 2, 10, 32.0 / 323)]
    [TestCase(100, 200, 80, 200, 0.05604779162551655)]
    [TestCase(1000, 2000, 950, 2000, 0.1211305094308109)]
    public void Fisher_exact_two_sided_p_matches_the_exact_value(int x1, int n1, int x2, int n2, double expected)
    {
        Assert.That(FisherExact.TwoSided(x1, n1, x2, n2), Is.EqualTo(expected).Within(1e-7).Percent);
    }

    [TestCase(3, 4, 1, 4)]
    [TestCase(8, 8, 143, 190)]
    [TestCase(1, 12, 9, 12)]
    [TestCase(14, 15, 90, 120)]
    public void Fisher_exact_is_the_same_whichever_sample_comes_first_and_whichever_answer_counts_as_success(int x1, int n1, int x2, int n2)
    {
        var p = FisherExact.TwoSided(x1, n1, x2, n2);
        Assert.That(FisherExact.TwoSided(x2, n2, x1, n1), Is.EqualTo(p).Within(1e-12));
        Assert.That(FisherExact.TwoSided(n1 - x1, n1, n2 - x2, n2), Is.EqualTo(p).Within(1e-12));
    }

    [TestCase(0, 0, 0, 0)]
    [TestCase(0, 8, 0, 190)]
    [TestCase(8, 8, 190, 190)]
    [TestCase(5, 10, 5, 10)]
    [TestCase(1, 3, 1, 3)]
    [TestCase(0, 0, 7, 9)]
    public void Fisher_exact_gives_1_for_equal_proportions_and_tables_with_one_possible_outcome(int x1, int n1, int x2, int n2)
    {
        Assert.That(FisherExact.TwoSided(x1, n1, x2, n2), Is.EqualTo(1).Within(1e-12));
    }

    [TestCase(5, 4, 1, 4)]
    [TestCase(-1, 4, 1, 4)]
    [TestCase(1, 4, 1, -4)]
    public void Fisher_exact_refuses_what_is_not_a_table(int x1, int n1, int x2, int n2)
    {
        Assert.That(() => FisherExact.TwoSided(x1, n1, x2, n2), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [TestCase(0.4857142857, "p = 0.486")]
    [TestCase(0.0496, "p = 0.0496")]
    [TestCase(0.0504, "p = 0.050")]
    [TestCase(0.0002, "p < 0.001")]
    [TestCase(1.0, "p = 1.000")]
    public void P_is_printed_so_that_its_digits_never_contradict_the_verdict(double p, string printed)
    {
        Assert.That(RoundComparisonResult.P(p), Is.EqualTo(printed));
    }

    private static EvaluationHeader Closed(string utc) => new(Guid.NewGuid(), Guid.NewGuid(), "甲单位", "动员大会后民主评议", "动员大会后民主评议",
        "closed", "{}", null, DateTime.UtcNow, null, DateTime.SpecifyKind(DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc));

    [Test]
    public void Rounds_are_dated_by_their_closing_day_in_China_time_and_by_the_minute_when_both_closed_the_same_day()
    {
        // 17:30 UTC is 01:30 the next day in Beijing.
        var (spring, autumn) = (Closed("2026-04-10T17:30:00"), Closed("2026-10-09T02:00:00"));
        var apart = new RoundComparisonResult(spring, autumn, []);
        Assert.That((apart.Closed(spring), apart.Closed(autumn)), Is.EqualTo(("2026-04-11", "2026-10-09")));

        var (morning, afternoon) = (Closed("2026-10-09T01:00:00"), Closed("2026-10-09T07:15:30"));
        var sameDay = new RoundComparisonResult(morning, afternoon, []);
        Assert.That((sameDay.Closed(morning), sameDay.Closed(afternoon)), Is.EqualTo(("2026-10-09 09:00:00", "2026-10-09 15:15:30")));
    }

    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    private static readonly TallyCategory Staff = new(Guid.NewGuid(), "机关工作人员", Expected: 200, Issued: 200, Voided: 0, CheckedIn: 200);

    /// <summary>
    /// One round: the 班子 rated by every ballot, <paramref name="teamPositive"/> of them 好 or 较好 and the rest 一般;
    /// 张三 rated by the first <paramref name="zhangAnswers"/> ballots only, all 优秀; 李四 by all, the first
    /// <paramref name="liPositive"/> 称职, the rest 不称职.
    /// </summary>
    private static Tally Round(int ballots, int teamPositive, int zhangAnswers, int liPositive)
    {
        var team = new Target { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 };
        var zhang = new Target { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Position = 2 };
        var li = new Target { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "李四", Position = 3 };
        var list = Enumerable.Range(0, ballots).Select(i =>
        {
            var targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [team.Id] = new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = i < teamPositive ? (i % 2 == 0 ? "好" : "较好") : "一般" } },
                [li.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = i < liPositive ? "称职" : "不称职" } },
            };
            if (i < zhangAnswers) targets[zhang.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = "优秀" } };
            return new TallyBallot(Staff.Id, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(256),
                BallotJson.Canonical(new BallotAnswers { Targets = targets }));
        }).ToList();
        return Tally.Count(new FrozenForm(Mobilisation, [team, zhang, li]), [Staff], list, TallySettings.Default);
    }

    [Test]
    public void Comparison_rows_carry_n_and_the_verdict_and_nothing_of_a_suppressed_item()
    {
        // 班子 8/8 against 143/190: p ≈ 0.202, not supported. 李四 8/8 against 100/190: p ≈ 0.0085, supported.
        // 张三: 3 answers before (fewer than k = 5: suppressed), 190 after.
        var rows = RoundComparison.Compare(Round(8, 8, 3, 8), Round(190, 143, 190, 100)).ToDictionary(r => r.Label);

        var team = rows["领导班子"];
        Assert.That((team.Before!.Name, team.Before.Positive, team.Before.N, team.Before.Rate), Is.EqualTo(("好评率", 8, 8, 1m)));
        Assert.That((team.After!.Positive, team.After.N), Is.EqualTo((143, 190)));
        Assert.That(team.P, Is.EqualTo(162818954613.0 / 805850836648).Within(1e-9));
        Assert.That((team.Supported, team.Verdict), Is.EqualTo((false, "差异不显著")));

        var li = rows["李四"];
        Assert.That((li.Before!.N, li.After!.N, li.After.Positive), Is.EqualTo((8, 190, 100)));
        Assert.That(li.P, Is.EqualTo(0.008460763698177224).Within(1e-9));
        Assert.That((li.Supported, li.Verdict), Is.EqualTo((true, "差异显著")));

        var zhang = rows["张三"];
        Assert.That(zhang.Before, Is.Null, "a suppressed item gives neither its rate nor its n");
        Assert.That((zhang.After!.N, zhang.P, zhang.Verdict, zhang.Change), Is.EqualTo((190, (double?)null, (string?)null, (decimal?)null)));
    }
}
