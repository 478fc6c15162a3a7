using System.Security.Cryptography;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;

namespace Evaluation.Tests.Core.Tallies;

/// <summary>
/// 评议范围: 服务对象代表 rate the 班子 only. Their ballots count for the 班子 and nowhere else; a ballot of theirs answering
/// about a member is 无效; a member's denominators and breakdown are those of the categories that rate members.
/// </summary>
public sealed class RaterScopeTallyTests
{
    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    private static readonly Target Team = new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 };
    private static readonly Target Zhang = new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Position = 2 };

    private static readonly TallyCategory Staff = new(Guid.NewGuid(), "机关工作人员", Expected: 12, Issued: 12, Voided: 0, CheckedIn: 12);
    private static readonly TallyCategory Retired = new(Guid.NewGuid(), "离退休老党员", Expected: 10, Issued: 10, Voided: 0, CheckedIn: 10);
    private static readonly TallyCategory Clients = new(Guid.NewGuid(), "服务对象代表", Expected: 10, Issued: 10, Voided: 0, CheckedIn: 10);
    private static readonly IReadOnlyList<TallyCategory> Categories = [Staff, Retired, Clients];

    private static readonly FrozenForm Limited = new(Mobilisation, [Team, Zhang],
        new Dictionary<Guid, IReadOnlyList<Guid>> { [Clients.Id] = [Team.Id] });

    private static TallyBallot Ballot(TallyCategory category, string team, string? zhang) => new(category.Id, RandomNumberGenerator.GetBytes(32),
        RandomNumberGenerator.GetBytes(256), BallotJson.Canonical(new BallotAnswers
        {
            Targets = zhang is null
                ? new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [Team.Id] = Rating("team-overall", team) }
                : new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [Team.Id] = Rating("team-overall", team), [Zhang.Id] = Rating("member-overall", zhang) },
        }));

    private static Dictionary<string, Answer> Rating(string question, string grade) => new() { [question] = new() { Choice = grade } };

    /// <summary>Staff: 6 × (好, 优秀); retired: 5 × (较好, 称职); clients: <paramref name="clients"/> × (差, nothing about 张三).</summary>
    private static List<TallyBallot> Meeting(int staff = 6, int retired = 5, int clients = 5) =>
    [
        .. Enumerable.Range(0, staff).Select(_ => Ballot(Staff, "好", "优秀")),
        .. Enumerable.Range(0, retired).Select(_ => Ballot(Retired, "较好", "称职")),
        .. Enumerable.Range(0, clients).Select(_ => Ballot(Clients, "差", null)),
    ];

    private static TargetTally Of(Tally tally, Target target) => tally.Targets.Single(t => t.Target.Id == target.Id);

    [Test]
    public void Limited_category_counts_for_the_team_only_and_the_member_is_counted_over_the_categories_that_rate_him()
    {
        var tally = Tally.Count(Limited, Categories, Meeting(), TallySettings.Default);

        var team = Of(tally, Team);
        Assert.That(team.RatedBy, Is.Null, "everyone rates the 班子");
        Assert.That(team.Headline!.Answered, Is.EqualTo(16));
        Assert.That(team.Headline.Options.Select(o => o.Count), Is.EqualTo(new[] { 6, 5, 0, 5 }));

        var zhang = Of(tally, Zhang);
        Assert.That(zhang.RatedBy, Is.EqualTo(new[] { "机关工作人员", "离退休老党员" }));
        Assert.That((zhang.Expected, zhang.Ballots), Is.EqualTo((22, 11)), "应到 and ballots of the rating categories only");
        Assert.That((zhang.Headline!.Answered, zhang.Headline.Unanswered, zhang.Headline.Denominator), Is.EqualTo((11, 0, 11)),
            "the clients' ballots are not 张三's unanswered items");
        Assert.That(zhang.Headline.Rates!.Positive, Is.EqualTo(1m));
        Assert.That(zhang.Headline.ByGroup.Select(g => g.Group.Name), Is.EqualTo(new[] { "机关工作人员", "离退休老党员" }),
            "no column for a category that does not rate him");
        Assert.That(team.Headline.ByGroup, Has.Count.EqualTo(3));
    }

    [Test]
    public void Ballot_answering_about_a_target_outside_its_scope_is_invalid_as_a_whole()
    {
        var ballots = Meeting();
        ballots.Add(Ballot(Clients, "好", "不称职"));

        var tally = Tally.Count(Limited, Categories, ballots, TallySettings.Default);

        Assert.That((tally.Turnout.Received, tally.Turnout.Valid, tally.Turnout.Invalid), Is.EqualTo((17, 16, 1)));
        Assert.That(tally.Turnout.InvalidReasons, Is.EqualTo(new[] { (Turnout.Misfit, 1) }));
        Assert.That(Of(tally, Team).Headline!.Options[0].Count, Is.EqualTo(6), "nothing of the invalid ballot is counted, its 班子 answer neither");
        Assert.That(Of(tally, Zhang).Headline!.Options.Select(o => o.Count), Is.EqualTo(new[] { 6, 5, 0, 0 }));
    }

    [Test]
    public void Same_ballot_counts_under_a_form_without_limits()
    {
        var ballots = Meeting();
        ballots.Add(Ballot(Clients, "好", "不称职"));

        var tally = Tally.Count(Limited with { Raters = null }, Categories, ballots, TallySettings.Default);

        Assert.That(tally.Turnout.Invalid, Is.Zero);
        Assert.That(Of(tally, Zhang).RatedBy, Is.Null);
        Assert.That(TallyFigures.Of(tally).Select(f => f.Key), Has.None.Contains("/raters"));
    }

    [Test]
    public void Limited_target_is_withheld_when_the_categories_that_do_not_rate_it_sent_fewer_than_k()
    {
        // 3 clients' ballots: 张三's base (11) published beside the total (14) would give the clients' 3 away.
        var tally = Tally.Count(Limited, Categories, Meeting(clients: 3), TallySettings.Default);

        var zhang = Of(tally, Zhang);
        Assert.That(zhang.Ballots, Is.Null);
        Assert.That(zhang.Items, Has.All.Matches<ItemTally>(i => i!.Suppressed));
        Assert.That(TallyFigures.Of(tally).Single(f => f.Key == $"target/{Zhang.Id:N}/ballots").Value, Is.EqualTo("不公布（作答不足）"));
        Assert.That(Of(tally, Team).Headline!.Suppressed, Is.False);
    }

    [Test]
    public void Limited_target_is_withheld_when_the_categories_that_rate_it_sent_fewer_than_k()
    {
        var tally = Tally.Count(Limited, Categories, Meeting(staff: 3, retired: 1, clients: 8), TallySettings.Default);

        Assert.That(Of(tally, Zhang).Ballots, Is.Null);
        Assert.That(Of(tally, Zhang).Items, Has.All.Matches<ItemTally>(i => i!.Suppressed));
    }

    [Test]
    public void Figures_name_the_raters_of_a_limited_target_and_its_own_denominators()
    {
        var figures = TallyFigures.Of(Tally.Count(Limited, Categories, Meeting(), TallySettings.Default)).ToDictionary(f => f.Key, f => f.Value);

        Assert.That(figures[$"target/{Zhang.Id:N}/raters"], Is.EqualTo("机关工作人员、离退休老党员"));
        Assert.That(figures[$"target/{Zhang.Id:N}/expected"], Is.EqualTo("22"));
        Assert.That(figures[$"target/{Zhang.Id:N}/ballots"], Is.EqualTo("11"));
        Assert.That(figures.Keys, Has.None.StartsWith($"target/{Team.Id:N}/raters"));
    }

    [Test]
    public void Frozen_form_without_limits_is_byte_for_byte_what_it_was_and_a_limit_changes_the_hash()
    {
        var before = FormJson.FrozenForm(Mobilisation, [Team, Zhang]);

        Assert.That(FormJson.FrozenForm(new FrozenForm(Mobilisation, [Team, Zhang], new Dictionary<Guid, IReadOnlyList<Guid>>())), Is.EqualTo(before));
        Assert.That(before, Does.Not.Contain("raters"));
        var limited = FormJson.FrozenForm(Limited);
        Assert.That(limited, Does.Contain($"\"raters\":{{\"{Clients.Id}\":[\"{Team.Id}\"]}}"));
        Assert.That(FormJson.Sha256Hex(limited), Is.Not.EqualTo(FormJson.Sha256Hex(before)));
        Assert.That(FormJson.ReadFrozenForm(limited).Raters![Clients.Id], Is.EqualTo(new[] { Team.Id }));
    }

    [Test]
    public void Phone_form_of_a_limited_key_group_holds_only_its_targets_and_no_scope()
    {
        var frozen = FormJson.FrozenForm(Limited);

        var clients = FormJson.ReadFrozenForm(FormJson.PhoneForm(frozen, Clients.Id));
        var staff = FormJson.PhoneForm(frozen, Staff.Id);

        Assert.That(clients.Targets.Select(t => t.Name), Is.EqualTo(new[] { "领导班子" }));
        Assert.That(clients.Raters, Is.Null);
        Assert.That(FormJson.ReadFrozenForm(staff).Targets.Select(t => t.Name), Is.EqualTo(new[] { "领导班子", "张三" }));
        Assert.That(staff, Does.Not.Contain("raters"));
        var unlimited = FormJson.FrozenForm(Mobilisation, [Team, Zhang]);
        Assert.That(FormJson.PhoneForm(unlimited, Clients.Id), Is.SameAs(unlimited), "a form without limits is handed out as frozen");
    }
}
