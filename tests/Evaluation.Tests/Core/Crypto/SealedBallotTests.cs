using System.Security.Cryptography;
using System.Text;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

/// <summary>What a phone makes for the sealed ballot box (docs/sealed-ballot-box.md), as the tests make it.</summary>
public sealed class TestPhone : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>pk: the 65-byte uncompressed point.</summary>
    public byte[] PhoneKey { get; }

    public TestPhone()
    {
        var q = _key.ExportParameters(false).Q;
        PhoneKey = [0x04, .. q.X!, .. q.Y!];
    }

    /// <summary>M = prefix ‖ H("ballot-key:" ‖ pk), blind-signed under the ballot key as at check-in.</summary>
    public (byte[] Message, byte[] Signature) Credential(BlindRsaPrivateKey ballotKey)
    {
        var message = BlindRsa.Prepare(SealedBallot.MessageFor(PhoneKey));
        var blinded = BlindRsa.Blind(ballotKey.PublicKey, message);
        var blindSignature = BlindRsa.BlindSign(ballotKey, blinded.BlindedMessage);
        return (message, BlindRsa.Finalize(ballotKey.PublicKey, message, blindSignature, blinded.Inverse));
    }

    public byte[] SignAnswers(Guid evaluationId, Guid keyGroupId, string answers) =>
        _key.SignData(SealedBallot.SignedBytes(evaluationId, keyGroupId, answers), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public SealedBallot.Contents Contents(BlindRsaPrivateKey ballotKey, Guid evaluationId, Guid keyGroupId, string answers)
    {
        var (message, signature) = Credential(ballotKey);
        return new(message, signature, PhoneKey, answers, SignAnswers(evaluationId, keyGroupId, answers));
    }

    public void Dispose() => _key.Dispose();

    /// <summary>Answers as the phone serialises them: one entry per target, each with a few items.</summary>
    public static string Answers(int targets, int seed = 0)
    {
        var json = new StringBuilder("{\"targets\":[");
        for (var t = 0; t < targets; t++)
        {
            if (t > 0) json.Append(',');
            json.Append($"{{\"id\":\"{new Guid(t + 1, 0, 0, new byte[8]):D}\",\"overall\":\"{"优良中差"[(t + seed) % 4]}\",");
            json.Append($"\"items\":{{\"q1\":{(t + seed) % 5 + 1},\"q2\":[\"a\",\"c\"],\"comment\":\"工作认真，作风扎实 {t}\"}}}}");
        }
        return json.Append("]}").ToString();
    }
}

public sealed class SealedBallotTests
{
    private static readonly Guid Evaluation = Guid.Parse("6f1c7a2e-0b4d-4c1e-9a7b-1d2e3f405162");
    private static readonly Guid Group = Guid.Parse("a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d");

    private BlindRsaPrivateKey _ballotKey = null!;

    [OneTimeSetUp]
    public void MakeKey() => _ballotKey = BlindRsaPrivateKey.Generate();

    [Test]
    public void Info_IsTheBoxLabelWithLowercaseDashedIds()
    {
        Assert.That(Encoding.UTF8.GetString(SealedBallot.Info(Evaluation, Group)),
            Is.EqualTo("minzhu-pingyi/box/2\n6f1c7a2e-0b4d-4c1e-9a7b-1d2e3f405162\na0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"));
    }

    [Test]
    public void SignedBytes_IsTheBallotLabelIdsAndAnswers()
    {
        Assert.That(Encoding.UTF8.GetString(SealedBallot.SignedBytes(Evaluation, Group, "{\"a\":\"优\"}")),
            Is.EqualTo("minzhu-pingyi/ballot/2\n6f1c7a2e-0b4d-4c1e-9a7b-1d2e3f405162\na0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d\n{\"a\":\"优\"}"));
    }

    [Test]
    public void MessageFor_IsSha256OfBallotKeyLabelAndPhoneKey()
    {
        using var phone = new TestPhone();

        Assert.That(SealedBallot.MessageFor(phone.PhoneKey), Is.EqualTo(SHA256.HashData([.. "ballot-key:"u8, .. phone.PhoneKey])));
    }

    [Test]
    public void BindsPhoneKey_OnlyThePreparedMessageOfThatKey()
    {
        using var phone = new TestPhone();
        using var other = new TestPhone();
        var prepared = BlindRsa.Prepare(SealedBallot.MessageFor(phone.PhoneKey));

        Assert.That(SealedBallot.BindsPhoneKey(prepared, phone.PhoneKey), Is.True);
        Assert.That(SealedBallot.BindsPhoneKey(prepared, other.PhoneKey), Is.False);
        Assert.That(SealedBallot.BindsPhoneKey(prepared[BlindRsa.PrefixLength..], phone.PhoneKey), Is.False, "without the prefix");
        Assert.That(SealedBallot.BindsPhoneKey([.. prepared, 0], phone.PhoneKey), Is.False);
    }

    [Test]
    public void VerifyAnswers_TheSignedAnswers_True_AnythingElse_False()
    {
        using var phone = new TestPhone();
        using var other = new TestPhone();
        var answers = TestPhone.Answers(3);
        var tau = phone.SignAnswers(Evaluation, Group, answers);

        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Group, phone.PhoneKey, answers, tau), Is.True);
        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Group, phone.PhoneKey, answers + " ", tau), Is.False, "answers changed");
        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Guid.NewGuid(), phone.PhoneKey, answers, tau), Is.False, "another group");
        Assert.That(SealedBallot.VerifyAnswers(Guid.NewGuid(), Group, phone.PhoneKey, answers, tau), Is.False, "another evaluation");
        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Group, other.PhoneKey, answers, tau), Is.False, "another key");
        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Group, phone.PhoneKey, answers, tau[..63]), Is.False, "short signature");
        var offCurve = phone.PhoneKey.ToArray();
        offCurve[64] ^= 1;
        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Group, offCurve, answers, tau), Is.False, "not a point");
        Assert.That(SealedBallot.VerifyAnswers(Evaluation, Group, phone.PhoneKey[..33], answers, tau), Is.False, "compressed key");
    }

    [Test]
    public void Plaintext_ThenTryRead_RoundTripsEveryField()
    {
        using var phone = new TestPhone();
        var contents = phone.Contents(_ballotKey, Evaluation, Group, "{\"评语\":\"好\\n\"}");

        var plaintext = SealedBallot.Plaintext(contents);

        Assert.That(SealedBallot.TryRead(plaintext, out var read), Is.True);
        Assert.That(read!.Message, Is.EqualTo(contents.Message));
        Assert.That(read.Signature, Is.EqualTo(contents.Signature));
        Assert.That(read.PhoneKey, Is.EqualTo(contents.PhoneKey));
        Assert.That(read.Answers, Is.EqualTo(contents.Answers));
        Assert.That(read.AnswerSignature, Is.EqualTo(contents.AnswerSignature));
    }

    [Test]
    public void TryRead_TheDocumentedShape_AsAPhoneWritesIt()
    {
        var json = """{ "message": "AAEC", "signature": "AwQ=", "phoneKey": "BQ==", "answers": "{\"x\":1}", "answerSignature": "Bg==" }""";

        Assert.That(SealedBallot.TryRead(Encoding.UTF8.GetBytes(json), out var read), Is.True);
        Assert.That(read!.Message, Is.EqualTo(new byte[] { 0, 1, 2 }));
        Assert.That(read.Answers, Is.EqualTo("{\"x\":1}"));
    }

    [TestCase("")]
    [TestCase("[]")]
    [TestCase("not json")]
    [TestCase("""{"message":"AA==","signature":"AA==","phoneKey":"AA==","answers":"{}"}""")]
    [TestCase("""{"message":"AA==","signature":"AA==","phoneKey":"AA==","answers":"{}","answerSignature":"AA==","extra":1}""")]
    [TestCase("""{"message":"AA==","message":"AA==","signature":"AA==","phoneKey":"AA==","answers":"{}","answerSignature":"AA=="}""")]
    [TestCase("""{"message":"AA==","signature":"AA==","phoneKey":"AA==","answers":{},"answerSignature":"AA=="}""")]
    [TestCase("""{"message":"!!","signature":"AA==","phoneKey":"AA==","answers":"{}","answerSignature":"AA=="}""")]
    [TestCase("""{"message":null,"signature":"AA==","phoneKey":"AA==","answers":"{}","answerSignature":"AA=="}""")]
    [TestCase("""{"message":"AA==","signature":"AA==","phoneKey":"AA==","answers":"{}","answerSignature":"AA=="} {}""")]
    public void TryRead_AnythingButExactlyTheFiveStrings_IsFalse(string json)
    {
        Assert.That(SealedBallot.TryRead(Encoding.UTF8.GetBytes(json), out var read), Is.False);
        Assert.That(read, Is.Null);
    }

    [Test]
    public void TryRead_InvalidUtf8_IsFalse()
    {
        byte[] json = [.. Encoding.UTF8.GetBytes("{\"message\":\"AA==\",\"signature\":\"AA==\",\"phoneKey\":\"AA==\",\"answers\":\""), 0xFF,
            .. Encoding.UTF8.GetBytes("\",\"answerSignature\":\"AA==\"}")];

        Assert.That(SealedBallot.TryRead(json, out _), Is.False);
    }

    [Test]
    public void Seal_OpensWithTheBoxKey_UnderInfoOfItsGroup_AndTheDoorMessageAsAad()
    {
        using var box = BoxPrivateKey.Generate();
        using var phone = new TestPhone();
        var contents = phone.Contents(_ballotKey, Evaluation, Group, TestPhone.Answers(2));
        var door = RandomNumberGenerator.GetBytes(64);

        var sealedBox = SealedBallot.Seal(box.PublicKey, Evaluation, Group, door, contents);

        Assert.That(Hpke.TryOpen(box, SealedBallot.Info(Evaluation, Group), door, sealedBox, out var plaintext), Is.True);
        Assert.That(plaintext, Is.EqualTo(SealedBallot.Plaintext(contents)));
        Assert.That(Hpke.TryOpen(box, SealedBallot.Info(Evaluation, Guid.NewGuid()), door, sealedBox, out _), Is.False, "another group");
        Assert.That(Hpke.TryOpen(box, SealedBallot.Info(Evaluation, Group), door[1..], sealedBox, out _), Is.False, "another door message");
    }
}
