using System.Security.Cryptography;
using System.Text;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;

namespace Evaluation.Tests.Core.Slips;

public sealed class ReceiptTests
{
    // A fixed secret, so the derivations below are checked against values computed independently of Receipt.
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Test]
    public void MessageFor_IsSha256OfDoorPrefixAndSecret()
    {
        var expected = SHA256.HashData([.. "door:"u8, .. Secret]);

        Assert.That(Receipt.MessageFor(Secret), Is.EqualTo(expected));
    }

    [Test]
    public void FromSecret_IsTenSymbolsOfTheSlipAlphabet_TakenFromSha256OfReceiptPrefixAndSecret()
    {
        var receipt = Receipt.FromSecret(Secret);

        Assert.That(receipt, Has.Length.EqualTo(Receipt.Length));
        Assert.That(receipt.All(SlipToken.Alphabet.Contains), Is.True);
        Assert.That(receipt, Is.EqualTo(Base31(SHA256.HashData([.. "receipt:"u8, .. Secret]))));
    }

    [Test]
    public void FromSecret_SameSecret_SameReceipt_OtherSecret_OtherReceipt()
    {
        var other = Receipt.NewSecret();

        Assert.That(Receipt.FromSecret(Secret.ToArray()), Is.EqualTo(Receipt.FromSecret(Secret)));
        Assert.That(Receipt.FromSecret(other), Is.Not.EqualTo(Receipt.FromSecret(Secret)));
    }

    [Test]
    public void Receipt_IsNotTheReceiptOfTheMessage_NorOfWhatTheMessageEndsWith()
    {
        // What a holder of the audit bundle can compute: anything of the published message. None of it is the receipt.
        var prepared = BlindRsa.Prepare(Receipt.MessageFor(Secret));
        var receipt = Receipt.FromSecret(Secret);

        Assert.That(receipt, Is.Not.EqualTo(Base31(SHA256.HashData([.. "receipt:"u8, .. prepared]))), "the old receipt, of the whole message");
        Assert.That(receipt, Is.Not.EqualTo(Receipt.FromSecret(prepared.AsSpan(BlindRsa.PrefixLength))));
        Assert.That(receipt, Is.Not.EqualTo(Receipt.FromSecret(prepared.AsSpan(0, BlindRsa.PrefixLength))));
    }

    [Test]
    public void IsMessageOf_PreparedMessageOfTheSecret_IsTrue()
    {
        var prepared = BlindRsa.Prepare(Receipt.MessageFor(Secret));

        Assert.That(prepared, Has.Length.EqualTo(Receipt.PreparedMessageLength));
        Assert.That(Receipt.IsMessageOf(prepared, Secret), Is.True);
    }

    [Test]
    public void IsMessageOf_AnotherSecret_IsFalse()
    {
        var prepared = BlindRsa.Prepare(Receipt.MessageFor(Secret));

        Assert.That(Receipt.IsMessageOf(prepared, Receipt.NewSecret()), Is.False);
    }

    [Test]
    public void IsMessageOf_MessageOfAnyOtherLength_IsFalse()
    {
        var digest = Receipt.MessageFor(Secret);

        Assert.That(Receipt.IsMessageOf(digest, Secret), Is.False, "without the prefix");
        Assert.That(Receipt.IsMessageOf([.. new byte[33], .. digest], Secret), Is.False, "a longer prefix");
        Assert.That(Receipt.IsMessageOf([.. BlindRsa.Prepare(digest), 0], Secret), Is.False, "a byte after");
        Assert.That(Receipt.IsMessageOf(BlindRsa.Prepare(digest), Secret.AsSpan(0, 31)), Is.False, "a short secret");
    }

    [Test]
    public void FromSecret_OfTheWrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => Receipt.FromSecret(new byte[31]));
        Assert.Throws<ArgumentException>(() => Receipt.MessageFor(new byte[33]));
    }

    [TestCase("ABCDE-FGHJK", "ABCDEFGHJK")]
    [TestCase("abcdefghjk", "ABCDEFGHJK")]
    [TestCase("  abcde fghjk \t", "ABCDEFGHJK")]
    [TestCase("ABCDE-FGHJ", null)]
    [TestCase("ABCDE-FGHJKM", null)]
    [TestCase("ABCDE-FGHJ0", null)]
    [TestCase("ABCDE-FGHJI", null)]
    [TestCase("", null)]
    [TestCase(null, null)]
    public void Normalize_IgnoresCaseSpacesAndTheDash_RefusesAnythingElse(string? typed, string? expected)
    {
        Assert.That(Receipt.Normalize(typed), Is.EqualTo(expected));
    }

    [Test]
    public void Grouped_PutsADashAfterFiveSymbols()
    {
        Assert.That(Receipt.Grouped("ABCDEFGHJK"), Is.EqualTo("ABCDE-FGHJK"));
    }

    private static string Base31(byte[] digest)
    {
        var value = BitConverter.ToUInt64(digest, 0);
        var text = new StringBuilder();
        for (var i = 0; i < Receipt.Length; i++, value /= 31) text.Append(SlipToken.Alphabet[(int)(value % 31)]);
        return text.ToString();
    }
}
