using System.Security.Cryptography;
using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;

namespace Evaluation.Tests.Core.Audit;

/// <summary>
/// A sealed-box bundle whose 服务对象代表 key group rates the 班子 only: the verifier names the scope, recounts the member
/// over the other group alone with the out-of-scope ballot 无效, and fails a bundle whose scope or per-target count was
/// changed, even with everything else recomputed to match.
/// </summary>
public sealed class RaterScopeVerifierTests
{
    private const string Name = "测评";
    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    private static readonly Target Team = new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 };
    private static readonly Target Zhang = new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Title = "副局长", Position = 2 };

    private sealed record Group(TallyCategory Counts, BlindRsaPrivateKey DoorKey, BlindRsaPrivateKey BallotKey);

    private static readonly Lazy<(Group Staff, Group Clients)> Groups = new(() => (
        new(new TallyCategory(Guid.NewGuid(), "机关工作人员", 12, 12, 0, 12), BlindRsaPrivateKey.Generate(), BlindRsaPrivateKey.Generate()),
        new(new TallyCategory(Guid.NewGuid(), "服务对象代表", 10, 10, 0, 10), BlindRsaPrivateKey.Generate(), BlindRsaPrivateKey.Generate())));

    private static FrozenForm Form => new(Mobilisation, [Team, Zhang],
        new Dictionary<Guid, IReadOnlyList<Guid>> { [Groups.Value.Clients.Counts.Id] = [Team.Id] });

    private sealed record Meeting(Guid Id, BoxPrivateKey Box, IReadOnlyList<KeyCards.Card> Cards, IReadOnlyList<TallyBallot> Opened);

    private static readonly Lazy<Meeting> Honest = new(() =>
    {
        var id = Guid.NewGuid();
        var box = BoxPrivateKey.Generate();
        var (staff, clients) = Groups.Value;
        var opened = new List<TallyBallot>();
        for (var i = 0; i < 6; i++) opened.Add(Signed(id, staff, Answers("好", "称职")));
        for (var i = 0; i < 5; i++) opened.Add(Signed(id, clients, Answers("差", null)));
        // Not from our phone page: a 服务对象代表's ballot answering about 张三, duly signed. 无效 as a whole.
        opened.Add(Signed(id, clients, Answers("好", "不称职")));
        return new Meeting(id, box, KeyCards.Split(box, 2, 3), opened);
    });

    private static BallotAnswers Answers(string team, string? zhang) => new()
    {
        Targets = zhang is null
            ? new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [Team.Id] = new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = team } } }
            : new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [Team.Id] = new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = team } },
                [Zhang.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = zhang } },
            },
    };

    /// <summary>An opened ballot as the phone makes it: its own key, a credential binding that key, its signature over the answers.</summary>
    private static TallyBallot Signed(Guid evaluationId, Group group, BallotAnswers answers)
    {
        using var phone = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = phone.ExportParameters(false).Q;
        byte[] pk = [0x04, .. q.X!, .. q.Y!];
        var message = BlindRsa.Prepare(SealedBallot.MessageFor(pk));
        var blinding = BlindRsa.Blind(group.BallotKey.PublicKey, message);
        var signature = BlindRsa.Finalize(group.BallotKey.PublicKey, message, BlindRsa.BlindSign(group.BallotKey, blinding.BlindedMessage), blinding.Inverse);
        var json = BallotJson.Canonical(answers);
        var tau = phone.SignData(SealedBallot.SignedBytes(evaluationId, group.Counts.Id, json), HashAlgorithmName.SHA256);
        return new TallyBallot(group.Counts.Id, message, signature, json, pk, tau);
    }

    /// <summary>
    /// The bundle as the service would hand it out, the form hash committed at opening and the tally counted with
    /// <paramref name="countedWith"/> (the bundle's own form unless given), everything else recomputed to match.
    /// </summary>
    private static AuditBundle Bundle(FrozenForm form, FrozenForm? countedWith = null, string? openedHash = null)
    {
        var m = Honest.Value;
        var (staff, clients) = Groups.Value;
        Group[] groups = [staff, clients];
        var frozen = FormJson.FrozenForm(form);
        var hash = FormJson.Sha256Hex(frozen);
        var settings = TallySettings.Default;
        var none = new Dictionary<string, int>();
        var tally = Tally.Count(countedWith ?? form, groups.Select(g => g.Counts).ToList(), m.Opened, settings, none);
        var commitment = new BoxCommitment(BoxCommitment.CardsCustody, m.Box.PublicKey, 2,
            m.Cards.Select((c, i) => ($"监票人{i + 1}", KeyCards.CardPublicKey(c))).ToList());
        var keys = groups.SelectMany(g => new[] { g.DoorKey.PublicKey.ExportSpki(), g.BallotKey.PublicKey.ExportSpki() });
        var log = TestLog.Chain(
            (BundleVerifier.CreateAction, $"甲单位《{Name}》（动员大会后），模板：空白，编号 {m.Id}"),
            (BundleVerifier.OpenAction, BundleVerifier.OpenDetail(Name, m.Id, openedHash ?? hash, keys, commitment)),
            (BundleVerifier.CloseAction, BundleVerifier.CloseDetail(Name, m.Id, settings.Describe(_ => ""))),
            (BundleVerifier.UnsealAction, BundleVerifier.UnsealDetail(Name, m.Id, m.Opened.Count, m.Opened.Count, none)),
            (BundleVerifier.ExportAction, BundleVerifier.ExportDetail(Name, m.Id, tally.Turnout.Received, tally.Fingerprint)));
        return AuditBundleBuilder.Build(new BundleEvaluation(m.Id, "甲单位", Name, "动员大会后", null, null), frozen, hash, settings,
            groups.Select(g => new BundleKeyGroup(g.Counts, [g.Counts.Name], g.DoorKey.PublicKey.ExportSpki(), g.BallotKey.PublicKey.ExportSpki())).ToList(),
            commitment, m.Opened, none, tally, log);
    }

    private static Check CheckNamed(Verification v, string name) => v.Checks.Single(c => c.Name == name);

    [Test]
    public void Honest_bundle_with_a_limited_group_passes_and_counts_the_out_of_scope_ballot_invalid()
    {
        var verification = BundleVerifier.Verify(Bundle(Form));

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(CheckNamed(verification, "评议范围").Detail, Does.Contain("服务对象代表（1 个对象）").And.Contain("1 张选票为范围外的对象作答"));
        var recomputed = verification.Recomputed!;
        Assert.That((recomputed.Turnout.Valid, recomputed.Turnout.Invalid), Is.EqualTo((11, 1)));
        var zhang = recomputed.Targets.Single(t => t.Target.Id == Zhang.Id);
        Assert.That(zhang.RatedBy, Is.EqualTo(new[] { "机关工作人员" }));
        Assert.That((zhang.Expected, zhang.Ballots, zhang.Headline!.Answered), Is.EqualTo((12, 6, 6)));
    }

    [Test]
    public void Scope_removed_from_the_bundle_with_hash_and_tally_recomputed_fails_against_the_opening_entry()
    {
        var honest = Form;
        var bundle = Bundle(honest with { Raters = null }, openedHash: FormJson.Sha256Hex(FormJson.FrozenForm(honest)));

        var verification = BundleVerifier.Verify(bundle);

        Assert.That(verification.Passed, Is.False);
        Assert.That(CheckNamed(verification, "日志记录").Passed, Is.False, string.Join("\n", verification.Checks));
        Assert.That(CheckNamed(verification, "计票").Passed, Is.True, "the recount agrees with the tampered form: only the log can tell");
    }

    [Test]
    public void Scope_changed_in_the_bundle_file_fails_the_form_hash()
    {
        var bundle = Bundle(Form);
        var tampered = bundle with { FrozenForm = FormJson.FrozenForm(Form with { Raters = new Dictionary<Guid, IReadOnlyList<Guid>>
        {
            [Groups.Value.Clients.Counts.Id] = [Team.Id, Zhang.Id],
        } }) };

        var verification = BundleVerifier.Verify(tampered);

        Assert.That(CheckNamed(verification, "问卷").Passed, Is.False);
        Assert.That(verification.Passed, Is.False);
    }

    [Test]
    public void Tally_that_counted_the_out_of_scope_ballot_fails_the_recount()
    {
        var bundle = Bundle(Form, countedWith: Form with { Raters = null });

        var verification = BundleVerifier.Verify(bundle);

        Assert.That(CheckNamed(verification, "计票").Passed, Is.False);
        Assert.That(CheckNamed(verification, "计票").Detail, Does.Contain("无效"));
    }

    [Test]
    public void Per_target_count_altered_in_the_bundle_fails_the_recount()
    {
        var bundle = Bundle(Form);
        var key = $"target/{Zhang.Id:N}/ballots";
        var tampered = bundle with { Tally = bundle.Tally.Select(f => f.Key == key ? f with { Value = "7" } : f).ToList() };

        var check = CheckNamed(BundleVerifier.Verify(tampered), "计票");

        Assert.That(check.Passed, Is.False);
        Assert.That(check.Detail, Does.Contain("张三（副局长） · 作答（票）：包内为 7，重算为 6"));
    }

    [Test]
    public void Scope_naming_a_group_not_in_the_bundle_fails_the_scope_check()
    {
        var stray = Form with { Raters = new Dictionary<Guid, IReadOnlyList<Guid>> { [Guid.NewGuid()] = [Team.Id] } };

        var check = CheckNamed(BundleVerifier.Verify(Bundle(stray)), "评议范围");

        Assert.That(check.Passed, Is.False);
        Assert.That(check.Detail, Does.Contain("不在包内"));
    }
}
