using System.Security.Cryptography;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;

namespace Evaluation.Tests.Core.Tallies;

/// <summary>
/// A fixed meeting whose numbers are worked out by hand in <see cref="Meeting"/>: 18 ballots received from three
/// categories, one blank (弃权) and one that does not fit the form (无效).
/// </summary>
public sealed class TallyTests
{
    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    private static readonly Target Team = new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 };
    private static readonly Target Zhang = new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Position = 2 };
    private static readonly Target Li = new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "李四", Position = 3 };
    private static readonly FrozenForm Form = new(Mobilisation, [Team, Zhang, Li]);

    private static readonly TallyCategory Staff = new(Guid.NewGuid(), "机关工作人员", Expected: 10, Issued: 11, Voided: 1, CheckedIn: 10);
    private static readonly TallyCategory Retired = new(Guid.NewGuid(), "离退休老党员", Expected: 8, Issued: 8, Voided: 0, CheckedIn: 7);
    private static readonly TallyCategory Clients = new(Guid.NewGuid(), "服务对象代表", Expected: 3, Issued: 3, Voided: 0, CheckedIn: 2);
    private static readonly IReadOnlyList<TallyCategory> Categories = [Staff, Retired, Clients];

    private const string Wenshan = "文山会海、以会议落实会议";
    private const string Zouguochang = "调查研究走过场、搞形式";

    /// <summary>
    /// 16 answering ballots: 8 staff, 6 retired, 2 clients, in that order.
    /// 班子 (好/较好/一般/差): staff 好4 较好2 一般1 不了解1; retired 好2 较好1 一般1 差2; clients 好1 差1.
    ///   → 好7 较好3 一般2 差3 不了解1; answered 16, D 15, 好评率 10/15, 差评率 3/15.
    /// 张三 (优秀/称职/基本称职/不称职): 优秀5 称职5 基本称职4 不称职2 → D 16, 称职率 10/16, (4+2)·3 = 18 ≥ 16: warning.
    /// 李四: 优秀8 称职6 基本称职1 不了解1 → D 15, 称职率 14/15, no warning. So 李四 ranks 1, 张三 2.
    /// 班子 形式主义: ballots 0–2 tick 文山会海; ballot 3 ticks 文山会海 and 走过场; ballots 4–5 tick 未发现;
    ///   ballot 6 ticks 未发现 together with 走过场, which voids that item alone. → 文山会海 4, 走过场 1, 未发现 2, answered 6, void 1.
    /// Plus one blank ballot from staff (弃权) and one naming a target the form does not have (无效).
    /// </summary>
    private static List<TallyBallot> Meeting(int opinionsAboutZhang = 2)
    {
        string[] team = ["好", "好", "好", "好", "较好", "较好", "一般", "不了解", "好", "好", "较好", "一般", "差", "差", "好", "差"];
        string[] zhang = ["优秀", "优秀", "优秀", "优秀", "优秀", "称职", "称职", "称职", "称职", "称职", "基本称职", "基本称职", "基本称职", "基本称职", "不称职", "不称职"];
        string[] li = ["优秀", "优秀", "优秀", "优秀", "优秀", "优秀", "优秀", "优秀", "称职", "称职", "称职", "称职", "称职", "称职", "基本称职", "不了解"];
        var ballots = new List<TallyBallot>();
        for (var i = 0; i < 16; i++)
        {
            var category = i < 8 ? Staff : i < 14 ? Retired : Clients;
            var teamSection = new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = team[i] } };
            if (i < 3) teamSection["wind-1"] = new() { Choices = [Wenshan] };
            if (i == 3) teamSection["wind-1"] = new() { Choices = [Wenshan, Zouguochang] };
            if (i is 4 or 5) teamSection["wind-1"] = new() { Choices = [FormTemplates.NoneSeen] };
            if (i == 6) teamSection["wind-1"] = new() { Choices = [FormTemplates.NoneSeen, Zouguochang] };
            var zhangSection = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = zhang[i] } };
            if (i < opinionsAboutZhang) zhangSection["target-opinion"] = new() { Text = $"希望张三同志多下基层 {i}" };
            ballots.Add(Ballot(category, new BallotAnswers
            {
                Once = i == 0 ? new Dictionary<string, Answer> { ["campaign-opinion"] = new() { Text = "=1+1" } } : new Dictionary<string, Answer>(),
                Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
                {
                    [Team.Id] = teamSection,
                    [Zhang.Id] = zhangSection,
                    [Li.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = li[i] } },
                },
            }));
        }
        ballots.Add(Ballot(Staff, new BallotAnswers()));
        ballots.Add(Ballot(Retired, new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [Guid.NewGuid()] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = "优秀" } },
            },
        }));
        return ballots;
    }

    private static TallyBallot Ballot(TallyCategory category, BallotAnswers answers) =>
        new(category.Id, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(256), BallotJson.Canonical(answers));

    private static Tally Count(TallySettings? settings = null, IReadOnlyList<TallyBallot>? ballots = null) =>
        Tally.Count(Form, Categories, ballots ?? Meeting(), settings ?? TallySettings.Default);

    private static int CountOf(ItemTally item, string option) => item.Options.Single(o => o.Option == option).Count;

    [Test]
    public void Turnout_header_adds_up_slips_check_ins_and_ballots_with_blank_as_abstention_and_misfit_as_invalid()
    {
        Assert.That(Count().Turnout, Is.EqualTo(new Turnout(Expected: 21, CheckedIn: 19, Issued: 21, Received: 18, Valid: 17, Invalid: 1, Abstained: 1)
        {
            InvalidReasons = [(Turnout.Misfit, 1)],
        }));
        Assert.That(Count().Turnout.InvalidNote, Is.EqualTo("与问卷不符 1"));
    }

    [Test]
    public void Ballots_rejected_at_opening_count_as_received_and_invalid_by_reason()
    {
        var rejected = new Dictionary<string, int>
        {
            [BoxOpener.Reasons.BadSignature] = 2, [BoxOpener.Reasons.Undecryptable] = 1, [BoxOpener.Reasons.Duplicate] = 0,
        };

        var tally = Tally.Count(Form, Categories, Meeting(), TallySettings.Default, rejected);

        Assert.That((tally.Turnout.Received, tally.Turnout.Valid, tally.Turnout.Invalid, tally.Turnout.Abstained), Is.EqualTo((21, 17, 4, 1)));
        Assert.That(tally.Turnout.InvalidNote, Is.EqualTo("无法解密 1、答卷签名无效 2、与问卷不符 1"));
        Assert.That(TallyFigures.Of(tally).Where(f => f.Key.StartsWith("turnout/invalid/", StringComparison.Ordinal)).Select(f => (f.Label, f.Value)),
            Is.EqualTo(new[] { ("投票情况 · 无效 · 无法解密", "1"), ("投票情况 · 无效 · 答卷签名无效", "2") }));
        Assert.That(tally.Targets.Single(t => t.Target.Id == Team.Id).Headline!.Answered, Is.EqualTo(16), "rejections change no item's count");
    }

    [Test]
    public void Item_breaking_its_rules_is_void_alone_and_the_rest_of_the_ballot_stands()
    {
        var ballots = Meeting(opinionsAboutZhang: 6);
        // The box cannot refuse these (they arrive sealed); each breaks one item's rule and nothing else.
        ballots.AddRange(new[]
        {
            new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = "很好" } },                       // no such grade
            new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = "好", Text = "x" } },              // wrong shape
            new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = "好" }, ["wind-1"] = new() { Choices = [Wenshan, Wenshan] } },
            new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = "好" }, ["wind-1"] = new() { Choices = ["别的"] } },
            new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = "好" } },                          // 张三's required rating left empty
        }.Select((team, i) => Ballot(Staff, new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [Team.Id] = team,
                [Zhang.Id] = i == 4
                    ? new Dictionary<string, Answer> { ["target-opinion"] = new() { Text = new string('长', 301) } }  // over 300, and no rating
                    : new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = "优秀" } },
                [Li.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = "称职" } },
            },
        })));

        var tally = Tally.Count(Form, Categories, ballots, TallySettings.Default);
        var team = tally.Targets.Single(t => t.Target.Id == Team.Id);
        var zhang = tally.Targets.Single(t => t.Target.Id == Zhang.Id);
        var li = tally.Targets.Single(t => t.Target.Id == Li.Id).Headline!;

        Assert.That((tally.Turnout.Valid, tally.Turnout.Invalid), Is.EqualTo((22, 1)), "no ballot is 无效 for one bad item");
        Assert.That((team.Headline!.Answered, team.Headline.Void, team.Headline.Denominator), Is.EqualTo((19, 2, 18)));
        var wind = team.Items.Single(i => i.Question.Id == "wind-1");
        Assert.That((wind.Answered, wind.Void), Is.EqualTo((6, 3)));
        Assert.That((zhang.Headline!.Answered, zhang.Headline.Void, zhang.Headline.Unanswered), Is.EqualTo((20, 1, 0)), "a required item left empty is void");
        Assert.That(zhang.Items.Single(i => i.Question.Id == "target-opinion") is { Answered: 6, Void: 1 }, Is.True);
        Assert.That(tally.Opinions.Select(o => o.Text), Has.None.StartsWith("长长"), "a void text is not published");
        Assert.That((li.Answered, CountOf(li, "称职")), Is.EqualTo((21, 11)), "the rest of each ballot counts");
    }

    [Test]
    public void Fingerprint_pins_the_phone_key_and_the_answer_signature()
    {
        var ballot = new TallyBallot(Staff.Id, [1, 2], [3, 4], "{}", [5, 6], [7, 8]);
        var plain = BallotSet.Fingerprint([ballot with { PhoneKey = null, AnswerSignature = null }]);
        var sealedBox = BallotSet.Fingerprint([ballot]);

        Assert.That(sealedBox, Is.Not.EqualTo(plain));
        Assert.That(BallotSet.Fingerprint([ballot with { PhoneKey = [5, 7] }]), Is.Not.EqualTo(sealedBox));
        Assert.That(BallotSet.Fingerprint([ballot with { AnswerSignature = [7, 9] }]), Is.Not.EqualTo(sealedBox));
        Assert.That(plain, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData("0102\t0304\t{}\n"u8))), "ballots from before the sealed box keep their lines");
    }

    [Test]
    public void Team_rating_counts_each_grade_and_leaves_unknown_out_of_the_denominator()
    {
        var team = Count().Targets.Single(t => t.Target.Id == Team.Id).Headline!;

        Assert.That(team.Options.Select(o => (o.Option, o.Count)), Is.EqualTo(new[] { ("好", 7), ("较好", 3), ("一般", 2), ("差", 3) }));
        Assert.That((team.Unknown, team.Answered, team.Denominator, team.Void), Is.EqualTo((1, 16, 15, 0)));
        Assert.That(team.Rates!.PositiveName, Is.EqualTo("好评率"));
        Assert.That(team.Rates.Positive, Is.EqualTo(10m / 15));
        Assert.That(team.Rates.Negative, Is.EqualTo(3m / 15));
        Assert.That(team.Options[0].Share, Is.EqualTo(7m / 15));
        Assert.That(team.Rates.Score, Is.Null, "no coefficients, no score");
    }

    [Test]
    public void Unknown_counts_in_the_denominator_when_the_evaluation_says_so()
    {
        var team = Count(new TallySettings { UnknownInDenominator = true }).Targets.Single(t => t.Target.Id == Team.Id).Headline!;

        Assert.That(team.Denominator, Is.EqualTo(16));
        Assert.That(team.Rates!.Positive, Is.EqualTo(10m / 16));
    }

    [Test]
    public void Members_get_competence_rate_rank_and_the_one_third_warning()
    {
        var tally = Count();
        var zhang = tally.Targets.Single(t => t.Target.Id == Zhang.Id);
        var li = tally.Targets.Single(t => t.Target.Id == Li.Id);

        Assert.That(zhang.Headline!.Rates!.PositiveName, Is.EqualTo("称职率"));
        Assert.That(zhang.Headline.Rates.Positive, Is.EqualTo(10m / 16));
        Assert.That(zhang.Headline.Rates.Negative, Is.EqualTo(2m / 16));
        Assert.That(zhang.Warnings, Is.EqualTo(new[] { Tally.CompetenceWarning }));
        Assert.That(li.Headline!.Rates!.Positive, Is.EqualTo(14m / 15));
        Assert.That(li.Warnings, Is.Empty);
        Assert.That((li.Rank, zhang.Rank), Is.EqualTo((1, 2)));
        Assert.That(tally.Targets.Single(t => t.Target.Id == Team.Id).Rank, Is.Null, "the 班子 is not ranked against its members");
    }

    [Test]
    public void Exactly_one_third_basic_and_incompetent_already_warns()
    {
        // 优秀 4, 称职 2, 基本称职 3: 3 × 3 = 9 = D.
        string[] grades = ["优秀", "优秀", "优秀", "优秀", "称职", "称职", "基本称职", "基本称职", "基本称职"];
        var ballots = grades.Select(g => Ballot(Staff, new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [Zhang.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = g } } },
        })).ToList();

        Assert.That(Count(ballots: ballots).Targets.Single(t => t.Target.Id == Zhang.Id).Warnings, Does.Contain(Tally.CompetenceWarning));
    }

    [Test]
    public void Score_uses_the_coefficients_of_the_scale_and_ranks_by_score()
    {
        var settings = new TallySettings { Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { ["competence"] = [1m, 0.8m, 0.6m, 0m] } };
        var tally = Count(settings);

        // 张三: 100 × (5·1 + 5·0.8 + 4·0.6 + 2·0) / 16 = 71.25; 李四: 100 × (8 + 6·0.8 + 1·0.6) / 15 = 89.33…
        Assert.That(tally.Targets.Single(t => t.Target.Id == Zhang.Id).Headline!.Rates!.Score, Is.EqualTo(71.25m));
        Assert.That(tally.Targets.Single(t => t.Target.Id == Li.Id).Headline!.Rates!.Score, Is.EqualTo(1340m / 15));
        Assert.That(tally.Targets.Single(t => t.Target.Id == Team.Id).Headline!.Rates!.Score, Is.Null, "quality scale has no coefficients here");
    }

    [Test]
    public void Small_category_is_merged_with_the_next_smallest_so_no_column_has_fewer_than_k_ballots()
    {
        var tally = Count();

        // Clients (2) are under k = 5; alone in the merged group they could be read off the total, so retired (6) join them.
        Assert.That(tally.Groups.Select(g => (g.Name, g.Ballots, g.Merged)), Is.EqualTo(new[]
        {
            ("机关工作人员", 8, false),
            ("其余类别合并（离退休老党员、服务对象代表）", 8, true),
        }));
        var team = tally.Targets.Single(t => t.Target.Id == Team.Id).Headline!;
        Assert.That(team.ByGroup.Select(g => (g.Answered, g.Denominator, g.Positive, g.Negative)), Is.EqualTo(new[]
        {
            (8, 7, (decimal?)(6m / 7), (decimal?)0m),
            (8, 8, (decimal?)(4m / 8), (decimal?)(3m / 8)),
        }));
    }

    [Test]
    public void Raising_k_above_every_category_leaves_no_breakdown_at_all()
    {
        var tally = Count(new TallySettings { SmallCell = 9 });

        Assert.That(tally.Groups, Is.Empty);
        Assert.That(tally.Targets.SelectMany(t => t.Items).SelectMany(i => i.ByGroup), Is.Empty);
    }

    [Test]
    public void Category_weights_are_renormalised_over_the_groups_shown()
    {
        var settings = new TallySettings
        {
            CategoryWeights = new Dictionary<Guid, decimal> { [Staff.Id] = 2m, [Retired.Id] = 1m, [Clients.Id] = 1m },
        };
        var team = Count(settings).Targets.Single(t => t.Target.Id == Team.Id).Headline!;

        // (2 × 6/7 + (1 + 1) × 1/2) / 4 = 19/28.
        Assert.That(team.Rates!.WeightedPositive, Is.EqualTo((2m * (6m / 7) + 2m * 0.5m) / 4m));
    }

    [Test]
    public void Symptoms_are_counted_per_option_and_an_inconsistent_selection_voids_only_that_item()
    {
        var tally = Count();
        var team = tally.Targets.Single(t => t.Target.Id == Team.Id);
        var wind = team.Items.Single(i => i.Question.Id == "wind-1");

        Assert.That((CountOf(wind, Wenshan), CountOf(wind, Zouguochang), CountOf(wind, FormTemplates.NoneSeen)), Is.EqualTo((4, 1, 2)));
        Assert.That((wind.Answered, wind.Void, wind.Unanswered), Is.EqualTo((6, 1, 9)));
        Assert.That(wind.Options.Single(o => o.Option == Wenshan).Share, Is.EqualTo(4m / 6));
        Assert.That(team.Headline!.Answered, Is.EqualTo(16), "the ballot with the void item still counts for the rating");
    }

    [Test]
    public void Items_answered_by_fewer_than_k_voters_show_no_counts()
    {
        var wind2 = Count().Targets.Single(t => t.Target.Id == Team.Id).Items.Single(i => i.Question.Id == "wind-2");

        Assert.That(wind2.Suppressed, Is.True);
        Assert.That(wind2.Options, Is.Empty);
    }

    [Test]
    public void Free_text_of_an_item_answered_by_k_or_more_is_kept_verbatim_with_its_target_and_a_key_that_is_not_the_receipt()
    {
        var opinions = Count(ballots: Meeting(opinionsAboutZhang: 5)).Opinions;

        Assert.That(opinions.Select(o => o.Text), Is.EquivalentTo(Enumerable.Range(0, 5).Select(i => $"希望张三同志多下基层 {i}")));
        Assert.That(opinions.All(o => o.Target?.Id == Zhang.Id), Is.True);
        Assert.That(opinions.Select(o => o.Key).Distinct().Count(), Is.EqualTo(5));
    }

    [Test]
    public void Free_text_of_an_item_answered_by_fewer_than_k_is_not_published_so_it_cannot_be_counted()
    {
        var tally = Count();

        Assert.That(tally.Opinions, Is.Empty, "two opinions about 张三 and one about the campaign are each fewer than k");
        var zhangOpinion = tally.Targets.Single(t => t.Target.Id == Zhang.Id).Items.Single(i => i.Question.Id == "target-opinion");
        Assert.That((zhangOpinion.Suppressed, zhangOpinion.Answered, zhangOpinion.Void, zhangOpinion.Unanswered, zhangOpinion.Other), Is.EqualTo((true, 0, 0, 0, 0)));
    }

    [Test]
    public void Anonymous_ballots_leave_out_answers_to_suppressed_items_and_keep_the_rest()
    {
        var tally = Count();
        var teamWind1 = tally.Targets.Single(t => t.Target.Id == Team.Id).Items.Single(i => i.Question.Id == "wind-1");
        Assert.That(teamWind1.Suppressed, Is.False);
        var zhangOpinion = tally.Targets.Single(t => t.Target.Id == Zhang.Id).Items.Single(i => i.Question.Id == "target-opinion");
        Assert.That(zhangOpinion.Suppressed, Is.True, "two opinions about 张三 are fewer than k");

        Assert.That(tally.Ballots.Count(), Is.EqualTo(17));
        Assert.That(tally.Ballots.Count(b => b.Abstained), Is.EqualTo(1));
        Assert.That(tally.Ballots.Count(b => b.Answers.Targets.GetValueOrDefault(Team.Id)?.ContainsKey("wind-1") == true), Is.EqualTo(7));
        Assert.That(tally.Ballots.Count(b => b.Answers.Targets.GetValueOrDefault(Zhang.Id)?.ContainsKey("target-opinion") == true), Is.Zero);
    }

    [Test]
    public void Fewer_than_k_answering_ballots_publish_the_turnout_and_nothing_else()
    {
        var tally = Count(ballots: Meeting().Take(4).ToList());

        Assert.That(tally.Suppressed, Is.True);
        Assert.That(tally.Turnout.Received, Is.EqualTo(4));
        Assert.That(tally.Targets.SelectMany(t => t.Items).All(i => i.Suppressed && i.Options.Count == 0 && i.Rates is null), Is.True);
        Assert.That(tally.Opinions, Is.Empty);
        Assert.That(tally.Ballots, Is.Empty);
        Assert.That(tally.Groups, Is.Empty);
    }

    [Test]
    public void Fingerprint_ignores_storage_order_and_changes_with_any_altered_dropped_or_duplicated_ballot()
    {
        var ballots = Meeting();
        var fingerprint = BallotSet.Fingerprint(ballots);

        Assert.That(BallotSet.Fingerprint(Enumerable.Reverse(ballots)), Is.EqualTo(fingerprint));
        Assert.That(fingerprint, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(BallotSet.Fingerprint(ballots.Skip(1)), Is.Not.EqualTo(fingerprint));
        Assert.That(BallotSet.Fingerprint([.. ballots, ballots[0]]), Is.Not.EqualTo(fingerprint));
        Assert.That(BallotSet.Fingerprint([ballots[0] with { Answers = ballots[0].Answers.Replace("好", "差") }, .. ballots.Skip(1)]), Is.Not.EqualTo(fingerprint));
        Assert.That(Count(ballots: ballots).Fingerprint, Is.EqualTo(fingerprint));
    }

    [Test]
    public void Plain_survey_counts_each_question_once_per_ballot()
    {
        var survey = new FrozenForm(FormTemplates.OpinionSurvey.Questionnaire, []);
        string[] grades = ["满意", "满意", "基本满意", "不满意", "不满意", "不满意"];
        var ballots = grades.Select((g, i) => Ballot(Staff, new BallotAnswers
        {
            Once = new Dictionary<string, Answer>
            {
                ["service-satisfaction"] = new() { Choice = g },
                ["concerns"] = i < 5 ? new() { Choices = ["办事效率", "服务态度"] } : new() { Choices = ["办事效率"], Other = "停车难" },
            },
        })).ToList();

        var tally = Tally.Count(survey, Categories, ballots, TallySettings.Default);
        var satisfaction = tally.General.Single(i => i.Question.Id == "service-satisfaction");
        var concerns = tally.General.Single(i => i.Question.Id == "concerns");

        // 满意率 = 3/6 < 60%.
        Assert.That(satisfaction.Rates!.Positive, Is.EqualTo(0.5m));
        Assert.That(satisfaction.Rates.Warnings, Is.EqualTo(new[] { Tally.SatisfactionWarning }));
        Assert.That((CountOf(concerns, "办事效率"), CountOf(concerns, "服务态度"), concerns.Other), Is.EqualTo((6, 5, 1)));
        Assert.That(tally.Opinions.Single().Text, Is.EqualTo("停车难"));
        Assert.That(tally.Opinions.Single().IsOther, Is.True);
        Assert.That(tally.Targets, Is.Empty);
    }

    [TestCase(4, "不能小于 5")]
    [TestCase(1001, "不能超过 1000")]
    public void Small_cell_threshold_can_only_be_raised(int k, string message)
    {
        Assert.That(new TallySettings { SmallCell = k }.Problems([]), Has.Some.Contains(message));
        Assert.That(new TallySettings { SmallCell = 5 }.Problems([]), Is.Empty);
    }

    [Test]
    public void Settings_survive_their_json_and_refuse_wrong_coefficients()
    {
        var settings = new TallySettings
        {
            SmallCell = 7, UnknownInDenominator = true,
            Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { ["quality"] = [1m, 0.8m, 0.6m, 0m] },
            CategoryWeights = new Dictionary<Guid, decimal> { [Staff.Id] = 2m },
        };
        var back = TallySettings.FromJson(settings.ToJson());

        Assert.That((back.SmallCell, back.UnknownInDenominator, back.Coefficients["quality"][1], back.CategoryWeights[Staff.Id]), Is.EqualTo((7, true, 0.8m, 2m)));
        Assert.That(new TallySettings { Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { ["quality"] = [1m, 2m, 0m, 0m] } }.Problems([]),
            Has.Some.Contains("0 到 1"));
        Assert.That(new TallySettings { Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { ["quality"] = [1m] } }.Problems([]),
            Has.Some.Contains("需要 4 个"));
        Assert.That(new TallySettings { CategoryWeights = new Dictionary<Guid, decimal> { [Guid.NewGuid()] = 1m } }.Problems([Staff.Id]),
            Has.Some.Contains("没有的评议人员类别"));
    }

    [Test]
    public void Digest_counts_originals_and_consolidated_lines()
    {
        var opinions = Count(ballots: Meeting(opinionsAboutZhang: 6)).Opinions;
        var zhang = opinions.Where(o => o.Target?.Id == Zhang.Id).Select(o => o.Key).Take(4).ToList();
        var entry = new TriageEntry(Guid.NewGuid(), "希望张三同志多深入基层", ["官僚主义"], [.. zhang, "no-such-opinion"]);

        var digest = OpinionDigest.Build(opinions, [entry]);

        Assert.That((digest.OriginalCount, digest.ConsolidatedCount), Is.EqualTo((6, 3)));
        Assert.That(digest.Items[0].Originals.Select(o => o.Key), Is.EquivalentTo(zhang));
        Assert.That(digest.TagCounts(), Is.EqualTo(new[] { ("官僚主义", 1, 4) }));
    }
}
