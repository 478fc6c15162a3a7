using System.Text;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

public sealed class KeyEncryptionKeyTests
{
    private static readonly BlindRsaPrivateKey SigningKey = BlindRsaPrivateKey.Generate();
    private readonly KeyEncryptionKey _key = KeyEncryptionKey.Generate();
    private readonly Guid _evaluation = Guid.NewGuid();
    private readonly Guid _category = Guid.NewGuid();

    [Test]
    public void SealedSigningKey_UnsealsToTheSameKey_AndDoesNotContainThePkcs8()
    {
        var pkcs8 = SigningKey.ExportPkcs8();

        var sealedKey = SealedSigningKey.Seal(_key, _evaluation, _category, SigningKey);
        var unsealed = SealedSigningKey.Unseal(_key, _evaluation, _category, sealedKey);

        Assert.That(unsealed.ExportPkcs8(), Is.EqualTo(pkcs8));
        Assert.That(KeyEncryptionKey.IsSealed(sealedKey), Is.True);
        Assert.That(KeyEncryptionKey.IsSealed(pkcs8), Is.False, "a DER structure is told apart from sealed bytes by its first byte");
        Assert.That(Contains(sealedKey, pkcs8.AsSpan(pkcs8.Length - 64)), Is.False);
    }

    [Test]
    public void Seal_TwiceTheSame_GivesDifferentBytes()
    {
        Assert.That(SealedSigningKey.Seal(_key, _evaluation, _category, SigningKey),
            Is.Not.EqualTo(SealedSigningKey.Seal(_key, _evaluation, _category, SigningKey)));
    }

    [Test]
    public void Unseal_ForAnotherEvaluationOrCategory_Fails()
    {
        var sealedKey = SealedSigningKey.Seal(_key, _evaluation, _category, SigningKey);

        Assert.That(() => SealedSigningKey.Unseal(_key, Guid.NewGuid(), _category, sealedKey),
            Throws.TypeOf<SealedDataException>().With.Message.Contains("other data"));
        Assert.That(() => SealedSigningKey.Unseal(_key, _evaluation, Guid.NewGuid(), sealedKey), Throws.TypeOf<SealedDataException>());
        Assert.That(() => SealedSigningKey.Unseal(_key, _category, _evaluation, sealedKey), Throws.TypeOf<SealedDataException>());
    }

    [Test]
    public void Unseal_UnderAnotherKey_SaysSoAndNamesBothKeyIds()
    {
        var sealedKey = SealedSigningKey.Seal(_key, _evaluation, _category, SigningKey);
        var other = KeyEncryptionKey.Generate();

        Assert.That(() => SealedSigningKey.Unseal(other, _evaluation, _category, sealedKey),
            Throws.TypeOf<SealedDataException>().With.Message.Contains(_key.IdHex).And.Message.Contains(other.IdHex));
    }

    [Test]
    public void Unseal_AfterAnyByteChanged_Fails()
    {
        var sealedKey = SealedSigningKey.Seal(_key, _evaluation, _category, SigningKey);
        foreach (var at in new[] { 0, 1, 9, 21, sealedKey.Length / 2, sealedKey.Length - 1 })
        {
            var altered = (byte[])sealedKey.Clone();
            altered[at] ^= 0x01;
            Assert.That(() => SealedSigningKey.Unseal(_key, _evaluation, _category, altered), Throws.TypeOf<SealedDataException>(), $"byte {at}");
        }
        Assert.That(() => SealedSigningKey.Unseal(_key, _evaluation, _category, sealedKey[..^1]), Throws.TypeOf<SealedDataException>());
    }

    [Test]
    public void Purposes_AreSeparate()
    {
        var sealedXml = _key.Seal("data-protection", "<key/>"u8, "key-1"u8);

        Assert.That(Encoding.UTF8.GetString(_key.Unseal("data-protection", sealedXml, "key-1"u8)), Is.EqualTo("<key/>"));
        Assert.That(() => _key.Unseal("signing-key", sealedXml, "key-1"u8), Throws.TypeOf<SealedDataException>());
    }

    [Test]
    public void TryParse_TakesBase64OfExactly32Bytes()
    {
        Assert.That(KeyEncryptionKey.TryParse(" " + _key.ToBase64() + "\n", out var parsed), Is.True);
        Assert.That(parsed!.Id, Is.EqualTo(_key.Id));
        Assert.That(KeyEncryptionKey.TryParse(Convert.ToBase64String(new byte[31]), out _), Is.False);
        Assert.That(KeyEncryptionKey.TryParse(Convert.ToBase64String(new byte[33]), out _), Is.False);
        Assert.That(KeyEncryptionKey.TryParse(Convert.ToBase64String(new byte[64]), out _), Is.False);
        Assert.That(KeyEncryptionKey.TryParse("not base64!", out _), Is.False);
        Assert.That(KeyEncryptionKey.TryParse(null, out _), Is.False);
    }

    [Test]
    public void ToString_ShowsTheKeyIdOnly()
    {
        Assert.That(_key.ToString(), Does.Contain(_key.IdHex).And.Not.Contain(_key.ToBase64()));
    }

    private static bool Contains(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle) >= 0;
}
