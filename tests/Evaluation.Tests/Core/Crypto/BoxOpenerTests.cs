using System.Security.Cryptography;
using System.Text;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

public sealed class BoxOpenerTests
{
    private static readonly Guid Evaluation = Guid.NewGuid();
    private static readonly Guid GroupA = Guid.NewGuid();
    private static readonly Guid GroupB = Guid.NewGuid();

    private BlindRsaPrivateKey _keyA = null!;
    private BlindRsaPrivateKey _keyB = null!;
    private BoxPrivateKey _box = null!;
    private Dictionary<Guid, BlindRsaPublicKey> _ballotKeys = null!;

    [OneTimeSetUp]
    public void MakeKeys()
    {
        _keyA = BlindRsaPrivateKey.Generate();
        _keyB = BlindRsaPrivateKey.Generate();
        _box = BoxPrivateKey.Generate();
        _ballotKeys = new() { [GroupA] = _keyA.PublicKey, [GroupB] = _keyB.PublicKey };
    }

    [OneTimeTearDown]
    public void DisposeBox() => _box.Dispose();

    private BoxOpener.SealedRow Row(Guid group, SealedBallot.Contents contents, byte[]? door = null)
    {
        door ??= RandomNumberGenerator.GetBytes(64);
        return new(door, group, SealedBallot.Seal(_box.PublicKey, Evaluation, group, door, contents));
    }

    private (BoxOpener.SealedRow Row, SealedBallot.Contents Contents) Valid(Guid group, string? answers = null)
    {
        using var phone = new TestPhone();
        var contents = phone.Contents(group == GroupA ? _keyA : _keyB, Evaluation, group, answers ?? TestPhone.Answers(3));
        return (Row(group, contents), contents);
    }

    private BoxOpener.Outcome Open(params BoxOpener.SealedRow[] rows) => BoxOpener.Open(_box, Evaluation, _ballotKeys, rows);

    [Test]
    public void Open_ValidBallotsOfTwoGroups_OpensEach_WithWhatThePhoneSealed()
    {
        var (rowA, a) = Valid(GroupA, "{\"a\":1}");
        var (rowB, b) = Valid(GroupB, "{\"b\":2}");

        var outcome = Open(rowA, rowB);

        Assert.That(outcome.Rejected, Is.Empty);
        Assert.That(outcome.Opened, Has.Count.EqualTo(2));
        var openedA = outcome.Opened.Single(o => o.KeyGroupId == GroupA);
        Assert.That(openedA.Answers, Is.EqualTo("{\"a\":1}"));
        Assert.That(openedA.Message, Is.EqualTo(a.Message));
        Assert.That(openedA.Signature, Is.EqualTo(a.Signature));
        Assert.That(openedA.PhoneKey, Is.EqualTo(a.PhoneKey));
        Assert.That(openedA.AnswerSignature, Is.EqualTo(a.AnswerSignature));
        Assert.That(outcome.Opened.Single(o => o.KeyGroupId == GroupB).Answers, Is.EqualTo("{\"b\":2}"));
        Assert.That(b.Answers, Is.EqualTo("{\"b\":2}"));
    }

    [Test]
    public void Open_OpenedBallots_KeepTheOrderOfTheRows()
    {
        var rows = Enumerable.Range(0, 12).Select(i => Valid(i % 2 == 0 ? GroupA : GroupB, $"{{\"n\":{i}}}").Row).ToArray();

        var outcome = Open(rows);

        Assert.That(outcome.Opened.Select(o => o.Answers), Is.EqualTo(Enumerable.Range(0, 12).Select(i => $"{{\"n\":{i}}}")));
    }

    [Test]
    public void Open_NoRows_OpensNothing()
    {
        var outcome = Open();

        Assert.That(outcome.Opened, Is.Empty);
        Assert.That(outcome.Rejected, Is.Empty);
    }

    [Test]
    public void Open_CiphertextMovedToAnotherRow_IsUndecryptable()
    {
        var (row, _) = Valid(GroupA);
        var moved = row with { DoorMessage = RandomNumberGenerator.GetBytes(64) };

        var outcome = Open(moved);

        Assert.That(outcome.Opened, Is.Empty);
        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 1 }));
    }

    [Test]
    public void Open_CiphertextFiledUnderAnotherGroup_IsUndecryptable()
    {
        var (row, _) = Valid(GroupA);

        var outcome = Open(row with { KeyGroupId = GroupB });

        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 1 }));
    }

    [Test]
    public void Open_TamperedOrTruncatedCiphertext_OrAnotherBoxKey_IsUndecryptable()
    {
        var (row, _) = Valid(GroupA);
        var tampered = row.Ciphertext.ToArray();
        tampered[^20] ^= 0x80;
        using var otherBox = BoxPrivateKey.Generate();

        var outcome = Open(row with { Ciphertext = tampered }, row with { Ciphertext = row.Ciphertext[..70] }, row with { Ciphertext = [] });
        var wrongKey = BoxOpener.Open(otherBox, Evaluation, _ballotKeys, [row]);

        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 3 }));
        Assert.That(wrongKey.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 1 }));
    }

    [Test]
    public void Open_ForAnotherEvaluation_IsUndecryptable()
    {
        var (row, _) = Valid(GroupA);

        var outcome = BoxOpener.Open(_box, Guid.NewGuid(), _ballotKeys, [row]);

        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Undecryptable] = 1 }));
    }

    [Test]
    public void Open_PlaintextThatIsNotTheBallotJson_IsUnreadable()
    {
        var door = RandomNumberGenerator.GetBytes(64);
        var garbage = Hpke.Seal(_box.PublicKey, SealedBallot.Info(Evaluation, GroupA), door, "{\"answers\":\"{}\"}"u8);

        var outcome = Open(new BoxOpener.SealedRow(door, GroupA, garbage));

        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Unreadable] = 1 }));
    }

    [Test]
    public void Open_CredentialOfAnotherGroupsKey_OrUnknownGroup_OrForgedSignature_OrNotBindingThePhoneKey_IsBadCredential()
    {
        using var phone = new TestPhone();
        using var other = new TestPhone();
        var answers = TestPhone.Answers(1);
        var signedByB = phone.Contents(_keyB, Evaluation, GroupA, answers);
        var unknownGroup = Guid.NewGuid();
        var forUnknown = phone.Contents(_keyA, Evaluation, unknownGroup, answers);
        var forged = phone.Contents(_keyA, Evaluation, GroupA, answers) with { Signature = RandomNumberGenerator.GetBytes(256) };
        // A valid credential of another phone key, with answers signed by this phone: M does not bind pk.
        var (otherMessage, otherSignature) = other.Credential(_keyA);
        var unbound = new SealedBallot.Contents(otherMessage, otherSignature, phone.PhoneKey, answers, phone.SignAnswers(Evaluation, GroupA, answers));

        var outcome = Open(Row(GroupA, signedByB), Row(unknownGroup, forUnknown), Row(GroupA, forged), Row(GroupA, unbound));

        Assert.That(outcome.Opened, Is.Empty);
        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.BadCredential] = 4 }));
    }

    [Test]
    public void Open_AnswersChangedAfterSigning_OrSignedForAnotherGroup_IsBadSignature()
    {
        using var phone = new TestPhone();
        var contents = phone.Contents(_keyA, Evaluation, GroupA, "{\"q\":\"优\"}");
        var changed = contents with { Answers = "{\"q\":\"差\"}" };
        var otherGroupSignature = contents with { AnswerSignature = phone.SignAnswers(Evaluation, GroupB, contents.Answers) };
        var garbageSignature = contents with { AnswerSignature = new byte[10] };

        var outcome = Open(Row(GroupA, changed), Row(GroupA, otherGroupSignature), Row(GroupA, garbageSignature));

        Assert.That(outcome.Opened, Is.Empty);
        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.BadSignature] = 3 }));
    }

    [Test]
    public void Open_SameCredentialInThreeRows_OpensOne_CountsTwoDuplicates()
    {
        using var phone = new TestPhone();
        var contents = phone.Contents(_keyA, Evaluation, GroupA, "{\"first\":1}");
        var second = contents with { Answers = "{\"second\":2}", AnswerSignature = phone.SignAnswers(Evaluation, GroupA, "{\"second\":2}") };
        var (other, _) = Valid(GroupB);

        var outcome = Open(Row(GroupA, contents), other, Row(GroupA, second), Row(GroupA, contents));

        Assert.That(outcome.Opened, Has.Count.EqualTo(2));
        Assert.That(outcome.Opened.Count(o => o.Message.SequenceEqual(contents.Message)), Is.EqualTo(1));
        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.Duplicate] = 2 }));
    }

    [Test]
    public void Open_Duplicates_TheOneOpenedDoesNotDependOnRowOrder()
    {
        using var phone = new TestPhone();
        var shared = phone.Contents(_keyA, Evaluation, GroupA, "{}");
        var rows = Enumerable.Range(0, 5).Select(i => $"{{\"i\":{i}}}")
            .Select(answers => Row(GroupA, shared with { Answers = answers, AnswerSignature = phone.SignAnswers(Evaluation, GroupA, answers) }))
            .ToList();

        var forward = Open([.. rows]);
        var backward = Open([.. Enumerable.Reverse(rows)]);

        Assert.That(forward.Opened.Single().Answers, Is.EqualTo(backward.Opened.Single().Answers));
        Assert.That(forward.Rejected[BoxOpener.Reasons.Duplicate], Is.EqualTo(4));
    }

    [Test]
    public void Open_ADuplicateThatFailsAnEarlierCheck_CountsForThatCheck()
    {
        using var phone = new TestPhone();
        var contents = phone.Contents(_keyA, Evaluation, GroupA, "{\"a\":1}");
        var badSignature = contents with { Answers = "{\"a\":2}" };

        var outcome = Open(Row(GroupA, contents), Row(GroupA, badSignature));

        Assert.That(outcome.Opened, Has.Count.EqualTo(1));
        Assert.That(outcome.Rejected, Is.EqualTo(new Dictionary<string, int> { [BoxOpener.Reasons.BadSignature] = 1 }));
    }

    [Test]
    public void Open_MixedBox_CountsEachReasonOnce_InCheckOrder()
    {
        var (valid, _) = Valid(GroupA);
        var (moved, _) = Valid(GroupA);
        using var phone = new TestPhone();
        var c = phone.Contents(_keyA, Evaluation, GroupA, "{}");
        var door = RandomNumberGenerator.GetBytes(64);

        var outcome = Open(
            valid,
            moved with { DoorMessage = door },
            new BoxOpener.SealedRow(door, GroupA, Hpke.Seal(_box.PublicKey, SealedBallot.Info(Evaluation, GroupA), door, "x"u8)),
            Row(GroupA, c with { Signature = new byte[256] }),
            Row(GroupA, c with { Answers = "{ }" }),
            Row(GroupA, c),
            Row(GroupA, c));

        Assert.That(outcome.Opened, Has.Count.EqualTo(2));
        Assert.That(outcome.Rejected.Keys, Is.EqualTo(new[] { "undecryptable", "unreadable", "bad-credential", "bad-signature", "duplicate" }));
        Assert.That(outcome.Rejected.Values, Is.All.EqualTo(1));
    }

    [Test]
    public void ReasonName_IsTheChineseLabel_ForEachReason()
    {
        Assert.That(BoxOpener.Reasons.All.Select(BoxOpener.ReasonName),
            Is.EqualTo(new[] { "无法解密", "内容无法读取", "投票凭证无效", "答卷签名无效", "凭证重复" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => BoxOpener.ReasonName("lost"));
    }

    [Test]
    public void Open_ManyBallots_InParallel_AllOpen()
    {
        var rows = Enumerable.Range(0, 200).Select(i => Valid(i % 3 == 0 ? GroupB : GroupA, TestPhone.Answers(2, i)).Row).ToArray();

        var outcome = Open(rows);

        Assert.That(outcome.Opened, Has.Count.EqualTo(200));
        Assert.That(outcome.Rejected, Is.Empty);
        Assert.That(outcome.Opened.Select(o => Encoding.UTF8.GetString(o.Message)).Distinct().Count(), Is.EqualTo(200));
    }
}
