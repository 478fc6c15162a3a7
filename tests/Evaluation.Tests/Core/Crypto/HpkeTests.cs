using System.Security.Cryptography;
using System.Text.Json;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

/// <summary>RFC 9180 HPKE, DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM, base mode, against the RFC's vectors.</summary>
public sealed class HpkeTests
{
    private static readonly Rfc9180Vector V = Rfc9180Vector.Load();

    [Test]
    public void Vector_IsTheBaseModeOfDhkemP256WithHkdfSha256()
    {
        Assert.That((V.Int("mode"), V.Int("kem_id"), V.Int("kdf_id"), V.Int("aead_id")), Is.EqualTo((0, 16, 1, 1)));
        Assert.That(V.Encryptions, Has.Count.EqualTo(6));
    }

    [Test]
    public void Vector_PublicKeysFromScalars_MatchPkRmAndPkEm()
    {
        using var recipient = BoxPrivateKey.FromScalar(V.Bytes("skRm"));
        using var ephemeral = BoxPrivateKey.FromScalar(V.Bytes("skEm"));

        Assert.That(recipient.PublicKey, Is.EqualTo(V.Bytes("pkRm")));
        Assert.That(ephemeral.PublicKey, Is.EqualTo(V.Bytes("pkEm")));
    }

    [Test]
    public void Vector_SenderKeySchedule_GivesVectorEncSharedSecretContextKeyNonceAndExporterSecret()
    {
        using var ephemeral = BoxPrivateKey.FromScalar(V.Bytes("skEm"));

        using var context = Hpke.SetupBaseS(V.Bytes("pkRm"), V.Bytes("info"), ephemeral, out var enc, Hpke.Aead.Aes128Gcm);

        Assert.That(enc, Is.EqualTo(V.Bytes("enc")));
        Assert.That(context.SharedSecret, Is.EqualTo(V.Bytes("shared_secret")));
        Assert.That(context.KeyScheduleContext, Is.EqualTo(V.Bytes("key_schedule_context")));
        Assert.That(context.Secret, Is.EqualTo(V.Bytes("secret")));
        Assert.That(context.Key, Is.EqualTo(V.Bytes("key")));
        Assert.That(context.BaseNonce, Is.EqualTo(V.Bytes("base_nonce")));
        Assert.That(context.ExporterSecret, Is.EqualTo(V.Bytes("exporter_secret")));
    }

    [Test]
    public void Vector_RecipientKeySchedule_GivesTheSameSecrets()
    {
        using var recipient = BoxPrivateKey.FromScalar(V.Bytes("skRm"));

        using var context = Hpke.SetupBaseR(recipient, V.Bytes("enc"), V.Bytes("info"), Hpke.Aead.Aes128Gcm);

        Assert.That(context.SharedSecret, Is.EqualTo(V.Bytes("shared_secret")));
        Assert.That(context.Key, Is.EqualTo(V.Bytes("key")));
        Assert.That(context.BaseNonce, Is.EqualTo(V.Bytes("base_nonce")));
    }

    [Test]
    public void Vector_EachEncryption_SealsToTheVectorCiphertext_AndOpensToItsPlaintext()
    {
        using var ephemeral = BoxPrivateKey.FromScalar(V.Bytes("skEm"));
        using var recipient = BoxPrivateKey.FromScalar(V.Bytes("skRm"));
        using var sender = Hpke.SetupBaseS(V.Bytes("pkRm"), V.Bytes("info"), ephemeral, out var enc, Hpke.Aead.Aes128Gcm);
        using var receiver = Hpke.SetupBaseR(recipient, enc, V.Bytes("info"), Hpke.Aead.Aes128Gcm);

        foreach (var e in V.Encryptions)
        {
            Assert.That(Convert.ToHexStringLower(sender.Seal(e.Sequence, e.Aad, e.Plaintext)), Is.EqualTo(Convert.ToHexStringLower(e.Ciphertext)), $"seq {e.Sequence}");
            var opened = new byte[e.Plaintext.Length];
            Assert.That(receiver.TryOpen(e.Sequence, e.Aad, e.Ciphertext, opened), Is.True, $"seq {e.Sequence}");
            Assert.That(opened, Is.EqualTo(e.Plaintext), $"seq {e.Sequence}");
            Assert.That(receiver.TryOpen(e.Sequence + 1, e.Aad, e.Ciphertext, opened), Is.False, $"seq {e.Sequence} under the next nonce");
        }
    }

    [Test]
    public void Interop_BoxSuiteSealedByPycaCryptography_Opens()
    {
        var x = Rfc9180Vector.Interop();
        using var recipient = BoxPrivateKey.FromScalar(x.Bytes("skRm"));

        Assert.That(recipient.PublicKey, Is.EqualTo(x.Bytes("pkRm")));
        Assert.That(Hpke.TryOpen(recipient, x.Bytes("info"), x.Bytes("aad"), x.Bytes("sealed"), out var plaintext), Is.True);
        Assert.That(plaintext, Is.EqualTo(x.Bytes("pt")));
        Assert.That(Hpke.TryOpen(recipient, x.Bytes("info")[..^1], x.Bytes("aad"), x.Bytes("sealed"), out _), Is.False, "another info");
    }

    [Test]
    public void Interop_SameEphemeralAndPlaintext_SealsToTheSameBox()
    {
        // Sealing is deterministic given the ephemeral key: with the vector's recipient and our own ephemeral scalar the
        // box opens, and sealing twice with that scalar gives the same bytes (what hpke.js's test hook relies on).
        var x = Rfc9180Vector.Interop();
        using var ephemeral = BoxPrivateKey.FromScalar(V.Bytes("skEm"));

        var a = Hpke.Seal(x.Bytes("pkRm"), x.Bytes("info"), "aad"u8, x.Bytes("pt"), ephemeral);
        var b = Hpke.Seal(x.Bytes("pkRm"), x.Bytes("info"), "aad"u8, x.Bytes("pt"), ephemeral);

        Assert.That(a, Is.EqualTo(b));
        using var recipient = BoxPrivateKey.FromScalar(x.Bytes("skRm"));
        Assert.That(Hpke.TryOpen(recipient, x.Bytes("info"), "aad"u8, a, out var plaintext), Is.True);
        Assert.That(plaintext, Is.EqualTo(x.Bytes("pt")));
    }

    [Test]
    public void Seal_ThenTryOpen_RoundTrips_WithAFreshEphemeralEachTime()
    {
        using var key = BoxPrivateKey.Generate();
        var plaintext = "选票内容 ballot"u8.ToArray();

        var a = Hpke.Seal(key.PublicKey, "info"u8, "aad"u8, plaintext);
        var b = Hpke.Seal(key.PublicKey, "info"u8, "aad"u8, plaintext);

        Assert.That(a, Has.Length.EqualTo(Hpke.EncLength + plaintext.Length + Hpke.TagLength));
        Assert.That(a[..Hpke.EncLength], Is.Not.EqualTo(b[..Hpke.EncLength]));
        Assert.That(Hpke.TryOpen(key, "info"u8, "aad"u8, a, out var opened), Is.True);
        Assert.That(opened, Is.EqualTo(plaintext));
    }

    [Test]
    public void TryOpen_WrongKeyInfoOrAad_OrAnyFlippedByte_IsFalse()
    {
        using var key = BoxPrivateKey.Generate();
        using var other = BoxPrivateKey.Generate();
        var sealedBox = Hpke.Seal(key.PublicKey, "info"u8, "aad"u8, "hello"u8);

        Assert.That(Hpke.TryOpen(other, "info"u8, "aad"u8, sealedBox, out _), Is.False, "another key");
        Assert.That(Hpke.TryOpen(key, "infx"u8, "aad"u8, sealedBox, out _), Is.False, "another info");
        Assert.That(Hpke.TryOpen(key, "info"u8, "aae"u8, sealedBox, out _), Is.False, "another aad");
        for (var i = 0; i < sealedBox.Length; i++)
        {
            var tampered = sealedBox.ToArray();
            tampered[i] ^= 0x01;
            Assert.That(Hpke.TryOpen(key, "info"u8, "aad"u8, tampered, out _), Is.False, $"byte {i} flipped");
        }
    }

    [Test]
    public void TryOpen_TruncatedOrEncNotOnTheCurve_IsFalse_NotAnException()
    {
        using var key = BoxPrivateKey.Generate();
        var sealedBox = Hpke.Seal(key.PublicKey, "info"u8, "aad"u8, "hello"u8);

        Assert.That(Hpke.TryOpen(key, "info"u8, "aad"u8, sealedBox[..(Hpke.EncLength + 15)], out _), Is.False);
        Assert.That(Hpke.TryOpen(key, "info"u8, "aad"u8, [], out _), Is.False);
        var offCurve = sealedBox.ToArray();
        offCurve[64] ^= 0x01;   // y changed: no longer on P-256
        Assert.That(Hpke.TryOpen(key, "info"u8, "aad"u8, offCurve, out _), Is.False);
        var compressed = sealedBox.ToArray();
        compressed[0] = 0x02;
        Assert.That(Hpke.TryOpen(key, "info"u8, "aad"u8, compressed, out _), Is.False);
    }

    [Test]
    public void Seal_ToAPointNotOnTheCurve_Throws()
    {
        var notAPoint = BoxPrivateKey.Generate().PublicKey;
        notAPoint[64] ^= 0x01;

        Assert.Throws(Is.InstanceOf<CryptographicException>(), () => Hpke.Seal(notAPoint, "info"u8, "aad"u8, "x"u8));
    }

    [Test]
    public void BoxPrivateKey_FromScalar_RefusesZeroOrderAndWrongLength()
    {
        var n = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
        var nMinus1 = n.ToArray();
        nMinus1[^1]--;

        Assert.Throws<CryptographicException>(() => BoxPrivateKey.FromScalar(new byte[32]));
        Assert.Throws<CryptographicException>(() => BoxPrivateKey.FromScalar(n));
        Assert.Throws<CryptographicException>(() => BoxPrivateKey.FromScalar(new byte[31]));
        using var last = BoxPrivateKey.FromScalar(nMinus1);
        Assert.That(last.PublicKey, Has.Length.EqualTo(65));
    }

    [Test]
    public void BoxPrivateKey_ExportScalar_RoundTrips_AndDisposeZeroesIt()
    {
        var key = BoxPrivateKey.Generate();
        var scalar = key.ExportScalar();
        using (var again = BoxPrivateKey.FromScalar(scalar))
            Assert.That(again.PublicKey, Is.EqualTo(key.PublicKey));

        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.ExportScalar());
    }
}

/// <summary>tests/vectors/rfc9180-p256.json: RFC 9180 A.3.1 (mode 0, kem 16, kdf 1, aead 1) and a box-suite (aead 2) interop box, hex strings.</summary>
public sealed class Rfc9180Vector(JsonElement json)
{
    public sealed record Encryption(ulong Sequence, byte[] Aad, byte[] Plaintext, byte[] Ciphertext, byte[] Nonce);

    public static string Path => System.IO.Path.Combine(Evaluation.Tests.Infrastructure.Repository.Root, "tests", "vectors", "rfc9180-p256.json");

    private static JsonElement Root()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path));
        return doc.RootElement.Clone();
    }

    public static Rfc9180Vector Load() => new(Root().GetProperty("vectors").EnumerateArray().Single(v =>
        v.GetProperty("mode").GetInt32() == 0 && v.GetProperty("kem_id").GetInt32() == 16
        && v.GetProperty("kdf_id").GetInt32() == 1 && v.GetProperty("aead_id").GetInt32() == 1));

    public static Rfc9180Vector Interop() => new(Root().GetProperty("interop"));

    public string Hex(string field) => json.GetProperty(field).GetString()!;
    public byte[] Bytes(string field) => Convert.FromHexString(Hex(field));
    public int Int(string field) => json.GetProperty(field).GetInt32();

    public IReadOnlyList<Encryption> Encryptions => json.GetProperty("encryptions").EnumerateArray().Select(e => new Encryption(
        e.GetProperty("sequence_number").GetUInt64(),
        Convert.FromHexString(e.GetProperty("aad").GetString()!), Convert.FromHexString(e.GetProperty("pt").GetString()!),
        Convert.FromHexString(e.GetProperty("ct").GetString()!), Convert.FromHexString(e.GetProperty("nonce").GetString()!))).ToList();
}
