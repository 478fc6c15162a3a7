using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;

namespace Evaluation.Tests.Core.Audit;

/// <summary>
/// The bundle merges small categories, so the verifier recounts with groups where the server counted with categories.
/// These meetings have the awkward cases (blank-only and empty categories, invalid ballots, weights, k raised) to show
/// the recount still gives every published number, and that the grouping never singles out fewer than k ballots.
/// </summary>
public sealed class AuditBundleBuilderTests
{
    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    private static readonly Target Team = new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 };
    private static readonly Target Zhang = new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Title = "副局长", Position = 2 };
    private static readonly FrozenForm Form = new(Mobilisation, [Team, Zhang]);
    private static readonly string FrozenJson = FormJson.FrozenForm(Form.Questionnaire, Form.Targets);
    private static readonly string FormHash = FormJson.Sha256Hex(FrozenJson);
    private static readonly BlindRsaPrivateKey[] Keys = Enumerable.Range(0, 5).Select(_ => BlindRsaPrivateKey.Generate()).ToArray();
    private static readonly string[] Grades = ["好", "较好", "一般", "差", "不了解"];
    private static readonly string[] Competence = ["优秀", "称职", "基本称职", "不称职"];

    private sealed record Meeting(IReadOnlyList<BundleCategory> Categories, IReadOnlyList<TallyBallot> Ballots);

    /// <summary>Per category: answering voters, blank ballots, ballots that do not fit the form.</summary>
    private static Meeting Vote(int seed, params (string Name, int Answering, int Blank, int Invalid)[] categories)
    {
        var random = new Random(seed);
        var result = new List<BundleCategory>();
        var ballots = new List<TallyBallot>();
        for (var c = 0; c < categories.Length; c++)
        {
            var (name, answering, blank, invalid) = categories[c];
            var key = Keys[c];
            var counts = new TallyCategory(Guid.NewGuid(), name, Expected: answering + blank + invalid + 2, Issued: answering + blank + invalid + 2,
                Voided: 1, CheckedIn: answering + blank + invalid);
            result.Add(new BundleCategory(counts, key.PublicKey.ExportSpki()));
            for (var v = 0; v < answering + blank + invalid; v++)
            {
                var answers = v < answering ? Answers(random) : v < answering + blank ? new BallotAnswers() : null;
                var json = answers is null ? """{"targets":{"00000000-0000-0000-0000-000000000001":{}}}""" : BallotJson.Canonical(answers);
                var (message, signature) = Sign(key);
                ballots.Add(new TallyBallot(counts.Id, message, signature, json));
            }
        }
        return new Meeting(result, ballots);
    }

    private static BallotAnswers Answers(Random random) => new()
    {
        Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
        {
            [Team.Id] = new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = Grades[random.Next(Grades.Length)] } },
            [Zhang.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = Competence[random.Next(Competence.Length)] } },
        },
    };

    private static (byte[] Message, byte[] Signature) Sign(BlindRsaPrivateKey key)
    {
        var message = BlindRsa.Prepare(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var blinding = BlindRsa.Blind(key.PublicKey, message);
        return (message, BlindRsa.Finalize(key.PublicKey, message, BlindRsa.BlindSign(key, blinding.BlindedMessage), blinding.Inverse));
    }

    private static AuditBundle Bundle(Meeting meeting, TallySettings settings)
    {
        var tally = Tally.Count(Form, meeting.Categories.Select(c => c.Counts).ToList(), meeting.Ballots, settings);
        var id = Guid.NewGuid();
        var log = TestLog.Chain(
            ("开始投票", BundleVerifier.OpenDetail("测试", id, FormHash, meeting.Categories.Select(c => c.PublicKey))),
            ("结束投票", BundleVerifier.CloseDetail("测试", id, settings.Describe(c => meeting.Categories.First(m => m.Counts.Id == c).Counts.Name))),
            (BundleVerifier.ExportAction, BundleVerifier.ExportDetail("测试", id, tally.Turnout.Received, tally.Fingerprint)));
        return AuditBundleBuilder.Build(new BundleEvaluation(id, "甲单位", "测试", "动员大会后", null, null), FrozenJson, FormHash, settings,
            meeting.Categories, meeting.Ballots, tally, log);
    }

    private static readonly (string, int, int, int)[] Awkward =
    [
        ("机关工作人员", 8, 1, 0), ("离退休老党员", 6, 0, 1), ("服务对象代表", 2, 0, 0), ("列席人员", 0, 2, 0), ("未到类别", 0, 0, 0),
    ];

    [TestCase(5)]
    [TestCase(8)]
    [TestCase(10)]
    [TestCase(30)]
    public void Recount_from_the_merged_groups_repeats_every_published_number(int k)
    {
        var meeting = Vote(k, Awkward);
        var weights = meeting.Categories.Take(3).Select((c, i) => (c.Counts.Id, Weight: i + 1m)).ToDictionary(w => w.Id, w => w.Weight);
        var bundle = Bundle(meeting, new TallySettings { SmallCell = k, CategoryWeights = weights });

        var verification = BundleVerifier.Verify(bundle);

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
    }

    [TestCase(0, 0)]
    [TestCase(3, 1)]
    public void Evaluation_with_too_few_ballots_to_publish_still_verifies(int answering, int blank)
    {
        var bundle = Bundle(Vote(answering, ("机关工作人员", answering, blank, 0), ("离退休老党员", 0, 0, 0)), TallySettings.Default);

        var verification = BundleVerifier.Verify(bundle);

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(bundle.Tally.Single(f => f.Key == "published").Value, Is.EqualTo("否（作答不足）"));
    }

    [TestCase(5)]
    [TestCase(8)]
    [TestCase(30)]
    public void No_group_with_ballots_has_fewer_than_k_unless_it_is_everyone(int k)
    {
        var bundle = Bundle(Vote(k, Awkward), new TallySettings { SmallCell = k });
        var total = bundle.Groups.Sum(g => g.Ballots.Count);

        foreach (var group in bundle.Groups.Where(g => g.Ballots.Count > 0))
            Assert.That(group.Ballots.Count >= k || group.Ballots.Count == total, Is.True, $"{group.Name}: {group.Ballots.Count}");
        Assert.That(bundle.Groups.Sum(g => g.Categories.Count), Is.EqualTo(Awkward.Length), "every category is in exactly one group");
    }

    [Test]
    public void Blank_only_category_is_merged_like_any_small_one_since_its_ballots_are_someones()
    {
        var bundle = Bundle(Vote(1, Awkward), TallySettings.Default);

        Assert.That(bundle.Groups.Select(g => g.Name), Is.EqualTo(new[]
        {
            "机关工作人员", "其余类别合并（离退休老党员、服务对象代表、列席人员）", "未到类别",
        }));
        Assert.That(bundle.Groups[1].PublicKeys, Has.Count.EqualTo(3));
        Assert.That(bundle.Settings.CategoryWeights.Keys, Is.SubsetOf(bundle.Groups.Select(g => g.Id)), "weights are restated per group");
    }

    [Test]
    public void Bundle_reads_back_exactly_as_written()
    {
        var bundle = Bundle(Vote(2, Awkward), TallySettings.Default);
        var file = new MemoryStream();
        bundle.WriteTo(file);
        file.Position = 0;

        Assert.That(AuditBundle.TryRead(file, out var read, out var error), Is.True, error);
        Assert.That(BundleVerifier.Verify(read!).Passed, Is.True);
        Assert.That(read!.ActionLog, Is.EqualTo(bundle.ActionLog));
    }

    [TestCase("{}")]
    [TestCase("not json")]
    [TestCase("""{"format":"minzhu-pingyi/audit-bundle/1"}""")]
    public void Something_that_is_not_a_bundle_is_refused_with_a_reason(string text)
    {
        Assert.That(AuditBundle.TryRead(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), out _, out var error), Is.False);
        Assert.That(error, Does.Contain("审计包"));
    }

    [Test]
    public void Key_not_committed_when_voting_opened_fails_the_log_record_check()
    {
        var meeting = Vote(3, Awkward);
        var bundle = Bundle(meeting, TallySettings.Default);
        var swapped = bundle with
        {
            Groups = [bundle.Groups[0] with { PublicKeys = [Convert.ToBase64String(BlindRsaPrivateKey.Generate().PublicKey.ExportSpki())] }, .. bundle.Groups.Skip(1)],
        };

        var verification = BundleVerifier.Verify(swapped);
        Assert.That(verification.Checks.Single(c => c.Name == "日志记录").Detail, Does.Contain("“机关工作人员”的签名公钥不是开始投票时记录的公钥"));
        Assert.That(verification.Checks.Single(c => c.Name == "签名").Passed, Is.False);
    }
}
