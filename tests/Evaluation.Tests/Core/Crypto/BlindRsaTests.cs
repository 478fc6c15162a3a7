using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

public sealed class BlindRsaTests
{
    private const string Randomized = "RSABSSA-SHA384-PSS-Randomized";
    private const string Deterministic = "RSABSSA-SHA384-PSS-Deterministic";

    // Generated once: key generation is the slow part of this fixture.
    private BlindRsaPrivateKey _key = null!;
    private BlindRsaPrivateKey _otherKey = null!;

    [OneTimeSetUp]
    public void GenerateKeys()
    {
        _key = BlindRsaPrivateKey.Generate();
        _otherKey = BlindRsaPrivateKey.Generate();
    }

    // ---- RFC 9474 Appendix A vectors ----

    [TestCase(Randomized)]
    [TestCase(Deterministic)]
    public void Vector_KeyFromPrimes_HasVectorModulus(string name)
    {
        var v = Vector.Load(name);

        var key = v.PrivateKey();

        Assert.That(Convert.ToHexStringLower(Modulus(key.PublicKey)), Is.EqualTo(v.Hex("n")));
        Assert.That(key.PublicKey.ModulusBits, Is.EqualTo(4096));
    }

    [TestCase(Randomized)]
    [TestCase(Deterministic)]
    public void Vector_PreparedMessage_IsPrefixThenMessage(string name)
    {
        var v = Vector.Load(name);

        Assert.That(v.Bytes("prepared_msg"), Is.EqualTo(v.Bytes("msg_prefix").Concat(v.Bytes("msg")).ToArray()));
        Assert.That(v.Bytes("msg_prefix"), Has.Length.EqualTo(name == Randomized ? BlindRsa.PrefixLength : 0));
    }

    [TestCase(Randomized)]
    [TestCase(Deterministic)]
    public void Vector_PssEncodingWithVectorSalt_MatchesEncodedMessage(string name)
    {
        var v = Vector.Load(name);

        var em = EmsaPss.Encode(v.Bytes("prepared_msg"), v.Bytes("salt"), 4096 - 1);

        Assert.That(Convert.ToHexStringLower(em), Is.EqualTo(v.Hex("encoded_msg")));
    }

    [TestCase(Randomized)]
    [TestCase(Deterministic)]
    public void Vector_BlindWithVectorSaltAndInverse_MatchesBlindedMessage(string name)
    {
        var v = Vector.Load(name);

        var blinding = BlindRsa.Blind(v.PrivateKey().PublicKey, v.Bytes("prepared_msg"), v.Bytes("salt"), v.Bytes("inv"));

        Assert.That(Convert.ToHexStringLower(blinding.BlindedMessage), Is.EqualTo(v.Hex("blinded_msg")));
        Assert.That(Convert.ToHexStringLower(blinding.Inverse), Is.EqualTo(v.Hex("inv")));
    }

    // Both signing paths: the platform's OpenSSL (where .NET uses it) and the managed fallback.
    [TestCase(Randomized, false)]
    [TestCase(Deterministic, false)]
    [TestCase(Randomized, true)]
    [TestCase(Deterministic, true)]
    public void Vector_BlindSign_MatchesBlindSignature(string name, bool managed)
    {
        var v = Vector.Load(name);
        var key = managed ? v.PrivateKey().ManagedOnly() : v.PrivateKey();
        Assert.That(key.OpenSsl, managed ? Is.Null : Is.Not.Null);

        var blindSig = BlindRsa.BlindSign(key, v.Bytes("blinded_msg"));

        Assert.That(Convert.ToHexStringLower(blindSig), Is.EqualTo(v.Hex("blind_sig")));
    }

    [TestCase(Randomized)]
    [TestCase(Deterministic)]
    public void Vector_Finalize_MatchesSignature(string name)
    {
        var v = Vector.Load(name);

        var sig = BlindRsa.Finalize(v.PrivateKey().PublicKey, v.Bytes("prepared_msg"), v.Bytes("blind_sig"), v.Bytes("inv"));

        Assert.That(Convert.ToHexStringLower(sig), Is.EqualTo(v.Hex("sig")));
    }

    [TestCase(Randomized)]
    [TestCase(Deterministic)]
    public void Vector_Signature_VerifiesHereAndWithDotNetRsaPss(string name)
    {
        var v = Vector.Load(name);
        var pk = v.PrivateKey().PublicKey;

        Assert.That(BlindRsa.Verify(pk, v.Bytes("prepared_msg"), v.Bytes("sig")), Is.True);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(pk.ExportSpki(), out _);
        Assert.That(rsa.VerifyData(v.Bytes("prepared_msg"), v.Bytes("sig"), HashAlgorithmName.SHA384, RSASignaturePadding.Pss), Is.True);
    }

    [Test]
    public void Vector_RandomizedSignature_DoesNotVerifyForTheBareMessage()
    {
        var v = Vector.Load(Randomized);

        Assert.That(BlindRsa.Verify(v.PrivateKey().PublicKey, v.Bytes("msg"), v.Bytes("sig")), Is.False);
    }

    // ---- Protocol with a fresh key ----

    [Test]
    public void RoundTrip_PrepareBlindSignFinalize_Verifies()
    {
        var pk = _key.PublicKey;
        var prepared = BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32));

        var blinding = BlindRsa.Blind(pk, prepared);
        var blindSig = BlindRsa.BlindSign(_key, blinding.BlindedMessage);
        var sig = BlindRsa.Finalize(pk, prepared, blindSig, blinding.Inverse);

        Assert.That(BlindRsa.Verify(pk, prepared, sig), Is.True);
        Assert.That(blinding.BlindedMessage, Has.Length.EqualTo(256));
        Assert.That(blinding.Inverse, Has.Length.EqualTo(256));
        Assert.That(sig, Has.Length.EqualTo(256));
    }

    [Test]
    public void RoundTrip_Signature_VerifiesWithDotNetRsaPss()
    {
        var (prepared, sig) = SignFresh(_key);

        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_key.PublicKey.ExportSpki(), out _);

        Assert.That(rsa.VerifyData(prepared, sig, HashAlgorithmName.SHA384, RSASignaturePadding.Pss), Is.True);
    }

    [Test]
    public void Verify_AcceptsDotNetRsaPssSignature()
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(_key.ExportPkcs8(), out _);
        var message = Encoding.UTF8.GetBytes("signed by System.Security.Cryptography");

        var sig = rsa.SignData(message, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);

        Assert.That(BlindRsa.Verify(_key.PublicKey, message, sig), Is.True);
    }

    [Test]
    public void Prepare_PutsThirtyTwoRandomBytesBeforeTheMessage()
    {
        var message = Encoding.UTF8.GetBytes("ballot credential");

        var a = BlindRsa.Prepare(message);
        var b = BlindRsa.Prepare(message);

        Assert.That(a, Has.Length.EqualTo(32 + message.Length));
        Assert.That(a[32..], Is.EqualTo(message));
        Assert.That(a[..32], Is.Not.EqualTo(b[..32]));
    }

    [Test]
    public void Blind_SameMessageTwice_GivesUnrelatedBlindedMessages()
    {
        var prepared = BlindRsa.Prepare([1, 2, 3]);

        var a = BlindRsa.Blind(_key.PublicKey, prepared);
        var b = BlindRsa.Blind(_key.PublicKey, prepared);

        Assert.That(a.BlindedMessage, Is.Not.EqualTo(b.BlindedMessage));
        Assert.That(a.Inverse, Is.Not.EqualTo(b.Inverse));
    }

    [Test]
    public void BlindSign_SameBlindedMessage_GivesSameBlindSignature()
    {
        var blinding = BlindRsa.Blind(_key.PublicKey, BlindRsa.Prepare([4, 5, 6]));

        var first = BlindRsa.BlindSign(_key, blinding.BlindedMessage);
        var retry = BlindRsa.BlindSign(_key, blinding.BlindedMessage);

        Assert.That(retry, Is.EqualTo(first));
    }

    [Test]
    public void Verify_TamperedSignature_IsFalse()
    {
        var (prepared, sig) = SignFresh(_key);

        sig[^1] ^= 0x01;

        Assert.That(BlindRsa.Verify(_key.PublicKey, prepared, sig), Is.False);
    }

    [Test]
    public void Verify_TamperedMessage_IsFalse()
    {
        var (prepared, sig) = SignFresh(_key);

        prepared[0] ^= 0x80;

        Assert.That(BlindRsa.Verify(_key.PublicKey, prepared, sig), Is.False);
    }

    [Test]
    public void Verify_SignatureFromAnotherKey_IsFalse()
    {
        var (prepared, sig) = SignFresh(_otherKey);

        Assert.That(BlindRsa.Verify(_key.PublicKey, prepared, sig), Is.False);
        Assert.That(BlindRsa.Verify(_otherKey.PublicKey, prepared, sig), Is.True);
    }

    [TestCase(0)]
    [TestCase(255)]
    [TestCase(257)]
    public void Verify_SignatureOfWrongLength_IsFalse(int length)
    {
        Assert.That(BlindRsa.Verify(_key.PublicKey, [1], new byte[length]), Is.False);
    }

    [Test]
    public void Verify_SignatureNotBelowModulus_IsFalse()
    {
        Assert.That(BlindRsa.Verify(_key.PublicKey, [1], Modulus(_key.PublicKey)), Is.False);
    }

    [Test]
    public void BlindSign_BlindedMessageEqualToModulus_IsRejected()
    {
        var n = Modulus(_key.PublicKey);

        Assert.That(() => BlindRsa.BlindSign(_key, n),
            Throws.ArgumentException.With.Message.Contains("not below the RSA modulus"));
    }

    [Test]
    public void BlindSign_BlindedMessageAllOnes_IsRejected()
    {
        var allOnes = Enumerable.Repeat((byte)0xFF, _key.PublicKey.ModulusLength).ToArray();

        Assert.That(() => BlindRsa.BlindSign(_key, allOnes), Throws.ArgumentException);
    }

    [TestCase("0")]
    [TestCase("1")]
    [TestCase("n-1")]
    public void BlindSign_BlindedMessageThatIsItsOwnSignature_IsRejected(string value)
    {
        var n = new System.Numerics.BigInteger(Modulus(_key.PublicKey), isUnsigned: true, isBigEndian: true);
        var m = value switch { "0" => 0, "1" => 1, _ => n - 1 };

        Assert.That(() => BlindRsa.BlindSign(_key, Padded(m, _key.PublicKey.ModulusLength)),
            Throws.ArgumentException.With.Message.Contains("their own signatures"));
    }

    [Test]
    public void BlindSign_BlindedMessageSharingAFactorWithTheModulus_IsRejected()
    {
        var v = Vector.Load(Randomized);
        var key = v.PrivateKey();

        Assert.That(() => BlindRsa.BlindSign(key, Padded(new System.Numerics.BigInteger(v.Bytes("p"), isUnsigned: true, isBigEndian: true) * 3,
                key.PublicKey.ModulusLength)),
            Throws.ArgumentException.With.Message.Contains("shares a factor"));
    }

    [Test]
    public void BlindSign_TwoAndMinusTwo_AreSignedAsAnyOtherValue()
    {
        var n = new System.Numerics.BigInteger(Modulus(_key.PublicKey), isUnsigned: true, isBigEndian: true);

        Assert.That(BlindRsa.BlindSign(_key, Padded(2, _key.PublicKey.ModulusLength)), Has.Length.EqualTo(256));
        Assert.That(BlindRsa.BlindSign(_key, Padded(n - 2, _key.PublicKey.ModulusLength)), Has.Length.EqualTo(256));
    }

    private static byte[] Padded(System.Numerics.BigInteger value, int length)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        return [.. new byte[length - bytes.Length], .. bytes];
    }

    [TestCase(0)]
    [TestCase(255)]
    [TestCase(257)]
    public void BlindSign_BlindedMessageOfWrongLength_IsRejected(int length)
    {
        Assert.That(() => BlindRsa.BlindSign(_key, new byte[length]),
            Throws.ArgumentException.With.Message.Contains("Expected 256 bytes"));
    }

    [Test]
    public void Finalize_BlindSignatureForAnotherMessage_Throws()
    {
        var pk = _key.PublicKey;
        var prepared = BlindRsa.Prepare([7]);
        var blinding = BlindRsa.Blind(pk, prepared);
        var otherBlinding = BlindRsa.Blind(pk, BlindRsa.Prepare([8]));
        var wrongBlindSig = BlindRsa.BlindSign(_key, otherBlinding.BlindedMessage);

        Assert.That(() => BlindRsa.Finalize(pk, prepared, wrongBlindSig, blinding.Inverse),
            Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void Finalize_InverseOfWrongLength_IsRejected()
    {
        var blinding = BlindRsa.Blind(_key.PublicKey, BlindRsa.Prepare([9]));
        var blindSig = BlindRsa.BlindSign(_key, blinding.BlindedMessage);

        Assert.That(() => BlindRsa.Finalize(_key.PublicKey, [9], blindSig, blinding.Inverse[1..]), Throws.ArgumentException);
    }

    // ---- Keys ----

    [Test]
    public void Spki_ExportImport_RoundTrips()
    {
        var spki = _key.PublicKey.ExportSpki();

        var imported = BlindRsaPublicKey.ImportSpki(spki);
        var (prepared, sig) = SignFresh(_key);

        Assert.That(imported.ExportSpki(), Is.EqualTo(spki));
        Assert.That(BlindRsa.Verify(imported, prepared, sig), Is.True);
    }

    [Test]
    public void Spki_UsesRsaEncryptionAlgorithm_AsWebCryptoExpects()
    {
        var reader = new AsnReader(_key.PublicKey.ExportSpki(), AsnEncodingRules.DER);
        var spki = reader.ReadSequence();
        var algorithm = spki.ReadSequence();

        Assert.That(algorithm.ReadObjectIdentifier(), Is.EqualTo("1.2.840.113549.1.1.1"));
        algorithm.ReadNull();
        Assert.That(algorithm.HasData, Is.False);
        Assert.That(reader.HasData, Is.False);
    }

    [Test]
    public void Spki_WithTrailingBytes_IsRejected()
    {
        var spki = _key.PublicKey.ExportSpki().Append((byte)0).ToArray();

        Assert.That(() => BlindRsaPublicKey.ImportSpki(spki), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void Spki_Garbage_IsRejected()
    {
        Assert.That(() => BlindRsaPublicKey.ImportSpki([0x30, 0x03, 0x02, 0x01, 0x00]), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void Spki_1024BitKey_IsRejected()
    {
        using var weak = RSA.Create(1024);

        Assert.That(() => BlindRsaPublicKey.ImportSpki(weak.ExportSubjectPublicKeyInfo()),
            Throws.InstanceOf<CryptographicException>().With.Message.Contains("2048"));
    }

    [Test]
    public void Pkcs8_ExportImport_SignsTheSame()
    {
        var imported = BlindRsaPrivateKey.ImportPkcs8(_key.ExportPkcs8());
        var blinding = BlindRsa.Blind(_key.PublicKey, BlindRsa.Prepare([10]));

        Assert.That(imported.PublicKey.ExportSpki(), Is.EqualTo(_key.PublicKey.ExportSpki()));
        Assert.That(BlindRsa.BlindSign(imported, blinding.BlindedMessage),
            Is.EqualTo(BlindRsa.BlindSign(_key, blinding.BlindedMessage)));
    }

    [Test]
    public void Pkcs8_OfVectorKey_RoundTrips()
    {
        var key = Vector.Load(Randomized).PrivateKey();

        var imported = BlindRsaPrivateKey.ImportPkcs8(key.ExportPkcs8());

        Assert.That(imported.PublicKey.ExportSpki(), Is.EqualTo(key.PublicKey.ExportSpki()));
    }

    [TestCase(1024)]
    [TestCase(2047)]
    [TestCase(2560)]
    public void Generate_UnsupportedSize_Throws(int bits)
    {
        Assert.That(() => BlindRsaPrivateKey.Generate(bits), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test, Explicit("Prints a rough single-core blind-signing rate; asserts nothing about speed.")]
    public void Throughput_BlindSign2048()
    {
        var blinded = Enumerable.Range(0, 64)
            .Select(i => BlindRsa.Blind(_key.PublicKey, BlindRsa.Prepare([(byte)i])).BlindedMessage)
            .ToArray();
        for (var i = 0; i < 50; i++)
            BlindRsa.BlindSign(_key, blinded[i % blinded.Length]);

        var count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
            BlindRsa.BlindSign(_key, blinded[count++ % blinded.Length]);
        var signRate = count / watch.Elapsed.TotalSeconds;

        var (prepared, sig) = SignFresh(_key);
        count = 0;
        watch.Restart();
        while (watch.Elapsed < TimeSpan.FromSeconds(2))
        {
            BlindRsa.Verify(_key.PublicKey, prepared, sig);
            count++;
        }
        var verifyRate = count / watch.Elapsed.TotalSeconds;

        TestContext.Out.WriteLine($"BlindSign 2048-bit, one thread: {signRate:F0}/s; Verify: {verifyRate:F0}/s");
        Assert.That(signRate, Is.GreaterThan(0));
    }

    private static (byte[] Prepared, byte[] Signature) SignFresh(BlindRsaPrivateKey key)
    {
        var prepared = BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32));
        var blinding = BlindRsa.Blind(key.PublicKey, prepared);
        var blindSig = BlindRsa.BlindSign(key, blinding.BlindedMessage);
        return (prepared, BlindRsa.Finalize(key.PublicKey, prepared, blindSig, blinding.Inverse));
    }

    private static byte[] Modulus(BlindRsaPublicKey pk)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(pk.ExportSpki(), out _);
        return rsa.ExportParameters(false).Modulus!;
    }

    /// <summary>One entry of tests/vectors/rfc9474.json (lowercase hex strings).</summary>
    private sealed class Vector(JsonElement json)
    {
        private static readonly Lazy<JsonElement> All = new(() =>
            JsonDocument.Parse(File.ReadAllBytes(VectorsPath())).RootElement.Clone());

        public static Vector Load(string name) =>
            new(All.Value.EnumerateArray().Single(v => v.GetProperty("name").GetString() == name));

        public string Hex(string field) => json.GetProperty(field).GetString()!;

        public byte[] Bytes(string field) => Convert.FromHexString(Hex(field));

        public BlindRsaPrivateKey PrivateKey() => BlindRsaPrivateKey.FromPrimes(Bytes("p"), Bytes("q"), Bytes("e"));

        // RFC 9474's published vectors, kept in the repository (tests/vectors/) so a clone alone can run the tests.
        private static string VectorsPath() => Path.Combine(Evaluation.Tests.Infrastructure.Repository.Root, "tests", "vectors", "rfc9474.json");
    }
}
