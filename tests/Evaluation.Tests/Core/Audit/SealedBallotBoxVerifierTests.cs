using System.Security.Cryptography;
using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Verifier;

namespace Evaluation.Tests.Core.Audit;

/// <summary>
/// The audit bundle of a sealed-box evaluation, made the way the service makes it: phones with their own ECDSA keys, two
/// blind-signed credentials each, ballots sealed to a box key split into 监票人 cards, opened with two of three cards by
/// <see cref="BoxOpener"/>, counted, logged. The verifier passes it, and fails it loudly when the service, which holds
/// the ballot keys and opened the box, changes answers, drops, adds or duplicates ballots, swaps a key or a card, or
/// alters the rejections, even when it recomputes the tally, the fingerprint and the export entry to match.
/// </summary>
public sealed class SealedBallotBoxVerifierTests
{
    private const string Name = "测评";
    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    private static readonly Target Team = new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 };
    private static readonly Target Zhang = new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Title = "副局长", Position = 2 };
    private static readonly FrozenForm Form = new(Mobilisation, [Team, Zhang]);
    private static readonly string FrozenJson = FormJson.FrozenForm(Form.Questionnaire, Form.Targets);
    private static readonly string FormHash = FormJson.Sha256Hex(FrozenJson);
    private static readonly string[] Grades = ["好", "较好", "一般", "差", "不了解"];
    private static readonly string[] Competence = ["优秀", "称职", "基本称职", "不称职"];

    /// <summary>A key group as the service holds it: both private keys (it signs every credential), and the counts.</summary>
    private sealed record Group(TallyCategory Counts, IReadOnlyList<string> Categories, BlindRsaPrivateKey DoorKey, BlindRsaPrivateKey BallotKey);

    private static readonly Lazy<Group[]> Groups = new(() =>
    [
        new(new TallyCategory(Guid.NewGuid(), "机关工作人员", 12, 12, 1, 10), ["机关工作人员"], BlindRsaPrivateKey.Generate(), BlindRsaPrivateKey.Generate()),
        new(new TallyCategory(Guid.NewGuid(), "服务对象代表、离退休老党员", 10, 10, 0, 9), ["服务对象代表", "离退休老党员"],
            BlindRsaPrivateKey.Generate(), BlindRsaPrivateKey.Generate()),
    ]);

    /// <summary>One meeting: the box, its cards, the ballots opened and the rejections, and the evaluation's id.</summary>
    private sealed record Meeting(Guid Id, BoxPrivateKey Box, IReadOnlyList<KeyCards.Card> Cards, string[] Holders, int Sealed,
        IReadOnlyList<TallyBallot> Opened, IReadOnlyDictionary<string, int> Rejected);

    private static Meeting Vote(int seed = 1)
    {
        var random = new Random(seed);
        var id = Guid.NewGuid();
        var box = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(box, 2, 3);
        var rows = new List<BoxOpener.SealedRow>();
        foreach (var (group, voters) in Groups.Value.Zip([8, 7]))
            for (var v = 0; v < voters; v++)
                rows.Add(Seal(id, box.PublicKey, group, Answers(random), signOther: false));
        // Two ballots the box must refuse, each counted 无效: one tampered in the box, one whose answers are not what the phone signed.
        var tampered = Seal(id, box.PublicKey, Groups.Value[0], Answers(random), signOther: false);
        tampered.Ciphertext[^1] ^= 1;
        rows.Add(tampered);
        rows.Add(Seal(id, box.PublicKey, Groups.Value[1], Answers(random), signOther: true));

        // 开箱 with two of the three cards, as the 监票人 would.
        using var rebuilt = KeyCards.Combine([cards[0], cards[2]]);
        var outcome = BoxOpener.Open(rebuilt, id, Groups.Value.ToDictionary(g => g.Counts.Id, g => g.BallotKey.PublicKey), rows);
        var opened = outcome.Opened.Select(b => new TallyBallot(b.KeyGroupId, b.Message, b.Signature, b.Answers, b.PhoneKey, b.AnswerSignature)).ToList();
        return new Meeting(id, box, cards, ["李监票", "王、监票", "赵监票"], rows.Count, opened, outcome.Rejected);
    }

    /// <summary>What a phone does (docs/sealed-ballot-box.md steps 2–5), with the service's blind signatures.</summary>
    private static BoxOpener.SealedRow Seal(Guid evaluationId, byte[] boxKey, Group group, BallotAnswers answers, bool signOther)
    {
        using var phone = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = phone.ExportParameters(false).Q;
        byte[] pk = [0x04, .. q.X!, .. q.Y!];
        var door = BlindRsa.Prepare(SHA256.HashData(RandomNumberGenerator.GetBytes(32)));
        var message = BlindRsa.Prepare(SealedBallot.MessageFor(pk));
        var signature = Credential(group.BallotKey, message);
        var json = BallotJson.Canonical(answers);
        var signed = signOther ? BallotJson.Canonical(new BallotAnswers()) : json;
        var tau = phone.SignData(SealedBallot.SignedBytes(evaluationId, group.Counts.Id, signed), HashAlgorithmName.SHA256);
        var contents = new SealedBallot.Contents(message, signature, pk, json, tau);
        return new BoxOpener.SealedRow(door, group.Counts.Id, SealedBallot.Seal(boxKey, evaluationId, group.Counts.Id, door, contents));
    }

    private static byte[] Credential(BlindRsaPrivateKey key, byte[] message)
    {
        var blinding = BlindRsa.Blind(key.PublicKey, message);
        return BlindRsa.Finalize(key.PublicKey, message, BlindRsa.BlindSign(key, blinding.BlindedMessage), blinding.Inverse);
    }

    private static BallotAnswers Answers(Random random) => new()
    {
        Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
        {
            [Team.Id] = new Dictionary<string, Answer> { ["team-overall"] = new() { Choice = Grades[random.Next(Grades.Length)] } },
            [Zhang.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = Competence[random.Next(Competence.Length)] } },
        },
    };

    private static BoxCommitment Commitment(Meeting m) =>
        new(BoxCommitment.CardsCustody, m.Box.PublicKey, 2, m.Cards.Select((c, i) => (m.Holders[i], KeyCards.CardPublicKey(c))).ToList());

    /// <summary>
    /// The bundle as the service would hand it out, everything recomputed from <paramref name="ballots"/> and
    /// <paramref name="rejected"/> (the tally, the fingerprint, the export entry); the log's opening and 开箱 are those of
    /// the meeting unless given.
    /// </summary>
    private static AuditBundle Bundle(Meeting m, IReadOnlyList<TallyBallot>? ballots = null, IReadOnlyDictionary<string, int>? rejected = null,
        BoxCommitment? bundleBox = null, string? openDetail = null)
    {
        ballots ??= m.Opened;
        rejected ??= m.Rejected;
        var groups = Groups.Value;
        var settings = TallySettings.Default;
        var tally = Tally.Count(Form, groups.Select(g => g.Counts).ToList(), ballots, settings, rejected);
        var keys = groups.SelectMany(g => new[] { g.DoorKey.PublicKey.ExportSpki(), g.BallotKey.PublicKey.ExportSpki() });
        var log = TestLog.Chain(
            (BundleVerifier.CreateAction, $"甲单位《{Name}》（动员大会后），模板：空白，编号 {m.Id}"),
            (BundleVerifier.OpenAction, openDetail ?? BundleVerifier.OpenDetail(Name, m.Id, FormHash, keys, Commitment(m))),
            (BundleVerifier.CloseAction, BundleVerifier.CloseDetail(Name, m.Id, settings.Describe(_ => ""))),
            (BundleVerifier.UnsealAction, BundleVerifier.UnsealDetail(Name, m.Id, m.Sealed, m.Opened.Count, m.Rejected)),
            (BundleVerifier.ExportAction, BundleVerifier.ExportDetail(Name, m.Id, tally.Turnout.Received, tally.Fingerprint)));
        return AuditBundleBuilder.Build(new BundleEvaluation(m.Id, "甲单位", Name, "动员大会后", null, null), FrozenJson, FormHash, settings,
            groups.Select(g => new BundleKeyGroup(g.Counts, g.Categories, g.DoorKey.PublicKey.ExportSpki(), g.BallotKey.PublicKey.ExportSpki())).ToList(),
            bundleBox ?? Commitment(m), ballots, rejected, tally, log);
    }

    private static Check Failed(Verification v, string name)
    {
        Assert.That(v.Passed, Is.False, "the verifier passed a bundle it should have failed");
        var check = v.Checks.Single(c => c.Name == name);
        Assert.That(check.Passed, Is.False, string.Join("\n", v.Checks));
        return check;
    }

    private static Meeting? _meeting;
    private static Meeting Honest => _meeting ??= Vote();

    [Test]
    public void Honest_bundle_passes_every_check_with_the_rejections_counted_as_invalid()
    {
        var bundle = Bundle(Honest);

        var verification = BundleVerifier.Verify(bundle);

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(bundle.Format, Is.EqualTo(AuditBundle.CurrentFormat));
        Assert.That(Honest.Rejected, Is.EquivalentTo(new Dictionary<string, int>
        {
            [BoxOpener.Reasons.Undecryptable] = 1, [BoxOpener.Reasons.BadSignature] = 1,
        }));
        var turnout = verification.Recomputed!.Turnout;
        Assert.That((turnout.Received, turnout.Valid, turnout.Invalid), Is.EqualTo((17, 15, 2)));
        Assert.That(turnout.InvalidNote, Is.EqualTo("无法解密 1、答卷签名无效 1"));
        Assert.That(verification.Checks.Select(c => c.Name), Is.SupersetOf(new[] { "投票凭证", "答卷签名", "投票箱", "日志记录" }));
    }

    [Test]
    public void Bundle_survives_writing_and_reading_as_json()
    {
        var file = new MemoryStream();
        Bundle(Honest).WriteTo(file);
        file.Position = 0;

        Assert.That(AuditBundle.TryRead(file, out var read, out var error), Is.True, error);
        var verification = BundleVerifier.Verify(read!);

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(read!.Groups[0].Ballots[0].PhoneKey, Has.Length.EqualTo(130));
    }

    [Test]
    public void Answers_changed_after_opening_fail_on_the_phone_signature_even_with_everything_recomputed()
    {
        var changed = Honest.Opened.ToList();
        var answers = BallotJson.Canonical(new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [Zhang.Id] = new Dictionary<string, Answer> { ["member-overall"] = new() { Choice = "不称职" } },
            },
        });
        changed[3] = changed[3] with { Answers = answers == changed[3].Answers ? answers.Replace("不称职", "优秀") : answers };

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, changed)), "答卷签名");

        Assert.That(check.Detail, Does.Contain("1 张选票的答卷签名无效").And.Contain("加密之后被改过"));
    }

    [Test]
    public void Answers_changed_in_the_bundle_file_fail_signature_fingerprint_and_tally()
    {
        var bundle = Bundle(Honest);
        var group = bundle.Groups[0];
        var ballot = group.Ballots[0];
        var altered = bundle with
        {
            Groups = [group with { Ballots = [ballot with { Answers = ballot.Answers.Replace("好", "差") + " " }, .. group.Ballots.Skip(1)] }, .. bundle.Groups.Skip(1)],
        };

        var verification = BundleVerifier.Verify(altered);

        Failed(verification, "答卷签名");
        Failed(verification, "指纹");
    }

    [Test]
    public void Ballot_dropped_after_opening_fails_against_the_opening_entry()
    {
        var dropped = Honest.Opened.Skip(1).ToList();

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, dropped)), "日志记录");

        Assert.That(check.Detail, Does.Contain($"开箱时开出 {Honest.Opened.Count} 张").And.Contain("被删或加过"));
    }

    [Test]
    public void Ballot_added_with_a_credential_the_service_signed_itself_fails_against_the_opening_entry()
    {
        // The service holds the ballot keys, so it can mint a credential and sign answers with a key of its own.
        var group = Groups.Value[0];
        using var phone = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = phone.ExportParameters(false).Q;
        byte[] pk = [0x04, .. q.X!, .. q.Y!];
        var message = BlindRsa.Prepare(SealedBallot.MessageFor(pk));
        var answers = BallotJson.Canonical(Answers(new Random(9)));
        var forged = new TallyBallot(group.Counts.Id, message, Credential(group.BallotKey, message), answers, pk,
            phone.SignData(SealedBallot.SignedBytes(Honest.Id, group.Counts.Id, answers), HashAlgorithmName.SHA256));

        var verification = BundleVerifier.Verify(Bundle(Honest, [.. Honest.Opened, forged]));

        Assert.That(Failed(verification, "日志记录").Detail, Does.Contain("被删或加过"));
        Assert.That(verification.Checks.Single(c => c.Name == "投票凭证").Passed, Is.True, "the credential itself is genuine");
    }

    [Test]
    public void Ballot_added_with_a_credential_from_another_key_fails_the_credential_check()
    {
        var group = Groups.Value[1];
        var stranger = BlindRsaPrivateKey.Generate();
        using var phone = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = phone.ExportParameters(false).Q;
        byte[] pk = [0x04, .. q.X!, .. q.Y!];
        var message = BlindRsa.Prepare(SealedBallot.MessageFor(pk));
        var answers = BallotJson.Canonical(Answers(new Random(3)));
        var forged = new TallyBallot(group.Counts.Id, message, Credential(stranger, message), answers, pk,
            phone.SignData(SealedBallot.SignedBytes(Honest.Id, group.Counts.Id, answers), HashAlgorithmName.SHA256));

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, [.. Honest.Opened, forged])), "投票凭证");

        Assert.That(check.Detail, Does.Contain("投票凭证签名无效"));
    }

    [Test]
    public void Ballot_duplicated_fails_one_ballot_per_credential()
    {
        var check = Failed(BundleVerifier.Verify(Bundle(Honest, [.. Honest.Opened, Honest.Opened[5]])), "一票一签");

        Assert.That(check.Detail, Does.Contain("出现 2 次"));
    }

    [Test]
    public void Ballot_moved_to_another_key_group_fails_its_credential_and_its_signature()
    {
        var moved = Honest.Opened.ToList();
        var other = Groups.Value.Single(g => g.Counts.Id != moved[0].CategoryId).Counts.Id;
        moved[0] = moved[0] with { CategoryId = other };

        var verification = BundleVerifier.Verify(Bundle(Honest, moved));

        Failed(verification, "投票凭证");
        Failed(verification, "答卷签名");
    }

    [Test]
    public void Credential_that_does_not_bind_the_phone_key_fails()
    {
        var swapped = Honest.Opened.ToList();
        swapped[0] = swapped[0] with { PhoneKey = swapped[1].PhoneKey, AnswerSignature = swapped[1].AnswerSignature, Answers = swapped[1].Answers };

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, swapped)), "投票凭证");

        Assert.That(check.Detail, Does.Contain("不是为这把手机公钥签发的"));
    }

    [Test]
    public void Ballot_without_phone_key_is_refused_in_a_sealed_box_bundle()
    {
        var bare = Honest.Opened.ToList();
        bare[0] = bare[0] with { PhoneKey = null, AnswerSignature = null };

        var verification = BundleVerifier.Verify(Bundle(Honest, bare));

        Assert.That(Failed(verification, "投票凭证").Detail, Does.Contain("没有手机公钥"));
        Failed(verification, "答卷签名");
    }

    [Test]
    public void Card_key_swapped_in_the_bundle_is_named()
    {
        var commitment = Commitment(Honest);
        using var other = BoxPrivateKey.Generate();
        var cards = commitment.Cards.ToList();
        cards[1] = (cards[1].Holder, other.PublicKey);

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, bundleBox: commitment with { Cards = cards })), "日志记录");

        Assert.That(check.Detail, Does.Contain("第 2 张密钥卡（王、监票）的公钥不是开始投票时记录的"));
    }

    [Test]
    public void Cards_that_are_not_shares_of_the_box_key_fail_even_when_the_log_committed_them()
    {
        // Cards of another key, committed at opening as if they were the box's: t of them could never open this box.
        using var other = BoxPrivateKey.Generate();
        var foreign = Commitment(Honest) with
        {
            Cards = KeyCards.Split(other, 2, 3).Select((c, i) => (Honest.Holders[i], KeyCards.CardPublicKey(c))).ToList(),
        };
        var keys = Groups.Value.SelectMany(g => new[] { g.DoorKey.PublicKey.ExportSpki(), g.BallotKey.PublicKey.ExportSpki() });

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, bundleBox: foreign, openDetail: BundleVerifier.OpenDetail(Name, Honest.Id, FormHash, keys, foreign))), "投票箱");

        Assert.That(check.Detail, Does.Contain("第 1、2 张密钥卡合起来不是投票箱的密钥"));
    }

    [Test]
    public void Box_key_swapped_in_the_bundle_fails()
    {
        using var other = BoxPrivateKey.Generate();

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, bundleBox: Commitment(Honest) with { PublicKey = other.PublicKey })), "日志记录");

        Assert.That(check.Detail, Does.Contain("投票箱公钥被换过"));
    }

    [Test]
    public void Server_custody_in_the_bundle_against_cards_in_the_log_fails()
    {
        var server = new BoxCommitment(BoxCommitment.ServerCustody, Honest.Box.PublicKey, 0, []);

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, bundleBox: server)), "日志记录");

        Assert.That(check.Detail, Does.Contain("保管方式为“服务器保管”"));
    }

    [Test]
    public void Ballot_key_swapped_in_the_bundle_fails()
    {
        var bundle = Bundle(Honest);
        var other = BlindRsaPrivateKey.Generate();
        var swapped = bundle with { Groups = [bundle.Groups[0] with { BallotKey = Convert.ToBase64String(other.PublicKey.ExportSpki()) }, .. bundle.Groups.Skip(1)] };

        var verification = BundleVerifier.Verify(swapped);

        Assert.That(Failed(verification, "日志记录").Detail, Does.Contain("选票公钥不是开始投票时记录的公钥"));
        Failed(verification, "投票凭证");
    }

    [Test]
    public void Rejected_counts_altered_fail_against_the_opening_entry()
    {
        var fewer = new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 1 };

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, rejected: fewer)), "日志记录");

        Assert.That(check.Detail, Does.Contain("开箱时记录的拒收（答卷签名无效 1、无法解密 1）与包内（无法解密 1）不符"));
    }

    [Test]
    public void Rejected_counts_altered_in_the_bundle_file_fail_the_recount_too()
    {
        var bundle = Bundle(Honest);
        var altered = bundle with { Rejected = new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 2, [BoxOpener.Reasons.BadSignature] = 1 } };

        var verification = BundleVerifier.Verify(altered);

        Failed(verification, "日志记录");
        Assert.That(Failed(verification, "计票").Detail, Does.Contain("无效"));
    }

    [Test]
    public void More_ballots_than_check_ins_fail_with_the_rejections_counted()
    {
        var bundle = Bundle(Honest);
        var altered = bundle with { Groups = bundle.Groups.Select(g => g with { CheckedIn = g.Ballots.Count }).ToList() };

        var check = Failed(BundleVerifier.Verify(altered), "票数");

        Assert.That(check.Detail, Does.Contain("拒收 2 张，多于签到"));
    }

    [Test]
    public void Opening_entry_without_the_box_does_not_do_for_a_sealed_box_bundle()
    {
        var keys = Groups.Value.SelectMany(g => new[] { g.DoorKey.PublicKey.ExportSpki(), g.BallotKey.PublicKey.ExportSpki() });

        var check = Failed(BundleVerifier.Verify(Bundle(Honest, openDetail: BundleVerifier.OpenDetail(Name, Honest.Id, FormHash, keys))), "日志记录");

        Assert.That(check.Detail, Does.Contain("没有投票箱公钥"));
    }

    [Test]
    public void Opening_entry_reads_back_the_box_and_each_card_with_its_holder()
    {
        var commitment = Commitment(Honest);
        var detail = BundleVerifier.OpenDetail(Name, Honest.Id, FormHash, [[1, 2, 3]], commitment);
        var log = TestLog.Chain((BundleVerifier.OpenAction, detail),
            (BundleVerifier.UnsealAction, BundleVerifier.UnsealDetail(Name, Honest.Id, 17, 15, Honest.Rejected)));

        var entries = BundleVerifier.EntriesOf(log, Name, Honest.Id);

        var box = entries.Opened.Single().Box!;
        Assert.That(detail, Does.Contain("监票人密钥卡 2/3：李监票 "));
        Assert.That((box.Custody, box.Threshold, box.Count, box.PublicKeyHash), Is.EqualTo(("cards", 2, 3, BundleVerifier.KeyHash(Honest.Box.PublicKey))));
        Assert.That(box.Cards, Is.EqualTo(commitment.Cards.Select(c => (c.Holder, BundleVerifier.KeyHash(c.CardKey))).ToList()));
        var unsealed = entries.Unsealed.Single();
        Assert.That((unsealed.Sealed, unsealed.Opened, unsealed.RejectedTotal), Is.EqualTo((17, 15, 2)));
        Assert.That(unsealed.Rejected, Is.EquivalentTo(Honest.Rejected));
    }

    [Test]
    public void Server_custody_opening_entry_says_so()
    {
        var detail = BundleVerifier.OpenDetail(Name, Honest.Id, FormHash, [[1, 2, 3]], new BoxCommitment(BoxCommitment.ServerCustody, Honest.Box.PublicKey, 0, []));

        var box = BundleVerifier.EntriesOf(TestLog.Chain((BundleVerifier.OpenAction, detail)), Name, Honest.Id).Opened.Single().Box!;

        Assert.That(detail, Does.EndWith("，服务器保管"));
        Assert.That((box.Custody, box.Cards.Count), Is.EqualTo(("server", 0)));
    }

    [Test]
    public void Verifier_command_exits_0_on_the_honest_bundle_and_1_on_one_with_answers_changed()
    {
        var directory = Directory.CreateTempSubdirectory("sealed-box-verifier-");
        try
        {
            var honest = Path.Combine(directory.FullName, "honest.json");
            using (var file = File.Create(honest)) Bundle(Honest).WriteTo(file);
            var changed = Honest.Opened.ToList();
            changed[0] = changed[0] with { Answers = changed[0].Answers + " " };
            var tampered = Path.Combine(directory.FullName, "tampered.json");
            using (var file = File.Create(tampered)) Bundle(Honest, changed).WriteTo(file);

            var output = new StringWriter();
            var console = Console.Out;
            Console.SetOut(output);
            int honestStatus, tamperedStatus;
            try
            {
                honestStatus = VerifierCommand.Main([honest]);
                tamperedStatus = VerifierCommand.Main([tampered]);
            }
            finally { Console.SetOut(console); }

            Assert.That((honestStatus, tamperedStatus), Is.EqualTo((0, 1)), output.ToString());
            Assert.That(output.ToString(), Does.Contain("[失败] 答卷签名：1 张选票的答卷签名无效"));
        }
        finally { directory.Delete(recursive: true); }
    }
}
