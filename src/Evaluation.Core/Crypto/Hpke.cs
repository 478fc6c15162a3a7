using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Evaluation.Core.Crypto;

/// <summary>
/// RFC 9180 HPKE, base mode, single-shot: DHKEM(P-256, HKDF-SHA256) (kem 0x0010), HKDF-SHA256 (kdf 0x0001),
/// AES-256-GCM (aead 0x0002). Glue over the platform's ECDH, HKDF and AES-GCM; wwwroot/js/hpke.js is the phone's
/// twin and both pass the RFC's test vectors.
/// </summary>
public static class Hpke
{
    public const int EncLength = 65;
    public const int TagLength = 16;

    private const int SecretLength = 32;   // Nsecret = Nh = 32
    private const int NonceLength = 12;    // Nn

    private static readonly byte[] KemSuite = [.. "KEM"u8, 0x00, 0x10];

    /// <summary>The AEAD of the key schedule. The box uses AES-256-GCM only; AES-128-GCM is here because RFC 9180's
    /// published vectors for DHKEM(P-256, HKDF-SHA256) with HKDF-SHA256 (Appendix A.3) use it, and they check the KEM and
    /// the key schedule this class shares between the two.</summary>
    internal enum Aead : ushort { Aes128Gcm = 0x0001, Aes256Gcm = 0x0002 }

    private static byte[] HpkeSuite(Aead aead) => [.. "HPKE"u8, 0x00, 0x10, 0x00, 0x01, 0x00, (byte)aead];

    private static int KeyLength(Aead aead) => aead == Aead.Aes256Gcm ? 32 : 16;

    /// <summary>Encrypts to <paramref name="recipientPublicKey"/> (65-byte uncompressed P-256 point): enc ‖ ciphertext ‖ tag.</summary>
    /// <exception cref="CryptographicException">The recipient key is not a point on P-256.</exception>
    public static byte[] Seal(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
    {
        using var ephemeral = BoxPrivateKey.Generate();
        return Seal(recipientPublicKey, info, aad, plaintext, ephemeral);
    }

    /// <summary>Seal with a given ephemeral key: the RFC 9180 known-answer tests only; reusing one breaks the encryption.</summary>
    internal static byte[] Seal(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> plaintext, BoxPrivateKey ephemeral)
    {
        using var context = SetupBaseS(recipientPublicKey, info, ephemeral, out var enc);
        var sealedBox = new byte[EncLength + plaintext.Length + TagLength];
        enc.CopyTo(sealedBox, 0);
        context.Seal(0, aad, plaintext, sealedBox.AsSpan(EncLength));
        return sealedBox;
    }

    /// <summary>Decrypts enc ‖ ciphertext ‖ tag. False for anything that does not authenticate: wrong key, info or aad,
    /// any changed byte, a malformed enc.</summary>
    public static bool TryOpen(BoxPrivateKey key, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> sealedBox, out byte[] plaintext)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var opener = new Opener(key);
        return opener.TryOpen(info, aad, sealedBox, out plaintext);
    }

    /// <summary>
    /// The recipient's side with the private key loaded once: 开箱 opens thousands of boxes, and loading the key costs
    /// about as much as the agreement itself. One per thread.
    /// </summary>
    internal sealed class Opener(BoxPrivateKey key) : IDisposable
    {
        private readonly ECDiffieHellman _agreement = key.CreateAgreement();
        private readonly byte[] _publicKey = key.PublicKey;

        public bool TryOpen(ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> sealedBox, out byte[] plaintext)
        {
            plaintext = [];
            if (sealedBox.Length < EncLength + TagLength)
                return false;
            Context context;
            try
            {
                context = SetupBaseR(_agreement, _publicKey, sealedBox[..EncLength], info);
            }
            catch (CryptographicException)
            {
                return false;   // enc is not a point on the curve
            }
            using (context)
            {
                var result = new byte[sealedBox.Length - EncLength - TagLength];
                if (!context.TryOpen(0, aad, sealedBox[EncLength..], result))
                    return false;
                plaintext = result;
                return true;
            }
        }

        public void Dispose() => _agreement.Dispose();
    }

    /// <summary>RFC 9180 §5.1.1 SetupBaseS with a given ephemeral key (Encap, then the key schedule).</summary>
    internal static Context SetupBaseS(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, BoxPrivateKey ephemeral, out byte[] enc,
        Aead aead = Aead.Aes256Gcm)
    {
        enc = ephemeral.PublicKey;
        Span<byte> dh = stackalloc byte[SecretLength];
        using (var agreement = ephemeral.CreateAgreement())
            Agree(agreement, recipientPublicKey, dh);
        return KeySchedule(dh, enc, recipientPublicKey, info, aead);
    }

    /// <summary>RFC 9180 §5.1.1 SetupBaseR (Decap, then the key schedule).</summary>
    internal static Context SetupBaseR(BoxPrivateKey recipient, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> info, Aead aead = Aead.Aes256Gcm)
    {
        using var agreement = recipient.CreateAgreement();
        return SetupBaseR(agreement, recipient.PublicKey, enc, info, aead);
    }

    private static Context SetupBaseR(ECDiffieHellman agreement, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> enc,
        ReadOnlySpan<byte> info, Aead aead = Aead.Aes256Gcm)
    {
        Span<byte> dh = stackalloc byte[SecretLength];
        Agree(agreement, enc, dh);
        return KeySchedule(dh, enc, recipientPublicKey, info, aead);
    }

    // DH(sk, pk): the x-coordinate of sk·pk (RFC 9180 §7.1.1: Ndh = 32 for P-256). The platform checks that pk is on the curve.
    private static void Agree(ECDiffieHellman agreement, ReadOnlySpan<byte> publicKey, Span<byte> dh)
    {
        if (publicKey.Length != EncLength || publicKey[0] != 0x04)
            throw new CryptographicException("Not an uncompressed P-256 point.");
        using var peer = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = publicKey[1..33].ToArray(), Y = publicKey[33..].ToArray() },
        });
        using var peerKey = peer.PublicKey;
        var secret = agreement.DeriveRawSecretAgreement(peerKey);
        try
        {
            if (secret.Length != dh.Length)
                throw new CryptographicException("Unexpected shared secret length.");
            secret.CopyTo(dh);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    // ExtractAndExpand of DHKEM (§4.1), then KeySchedule (§5.1) for mode_base with empty psk and psk_id. dh is zeroed.
    private static Context KeySchedule(Span<byte> dh, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, Aead aead)
    {
        var suite = HpkeSuite(aead);
        Span<byte> kemContext = stackalloc byte[2 * EncLength];
        enc.CopyTo(kemContext);
        recipientPublicKey.CopyTo(kemContext[EncLength..]);

        var sharedSecret = new byte[SecretLength];
        Span<byte> prk = stackalloc byte[SecretLength];
        LabeledExtract(KemSuite, [], "eae_prk"u8, dh, prk);
        LabeledExpand(KemSuite, prk, "shared_secret"u8, kemContext, sharedSecret);
        CryptographicOperations.ZeroMemory(dh);

        Span<byte> context = stackalloc byte[1 + 2 * SecretLength];
        context[0] = 0x00; // mode_base
        LabeledExtract(suite, [], "psk_id_hash"u8, [], context[1..33]);
        LabeledExtract(suite, [], "info_hash"u8, info, context[33..]);

        var secret = new byte[SecretLength];
        LabeledExtract(suite, sharedSecret, "secret"u8, [], secret);   // psk = ""
        var key = new byte[KeyLength(aead)];
        var baseNonce = new byte[NonceLength];
        var exporterSecret = new byte[SecretLength];
        LabeledExpand(suite, secret, "key"u8, context, key);
        LabeledExpand(suite, secret, "base_nonce"u8, context, baseNonce);
        LabeledExpand(suite, secret, "exp"u8, context, exporterSecret);
        CryptographicOperations.ZeroMemory(prk);
        return new Context(sharedSecret, secret, key, baseNonce, exporterSecret, context.ToArray());
    }

    // LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). An empty salt is HMAC's
    // all-zero key, as the RFC requires.
    private static void LabeledExtract(ReadOnlySpan<byte> suite, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label,
        ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        var labeled = new byte[7 + suite.Length + label.Length + ikm.Length];
        "HPKE-v1"u8.CopyTo(labeled);
        suite.CopyTo(labeled.AsSpan(7));
        label.CopyTo(labeled.AsSpan(7 + suite.Length));
        ikm.CopyTo(labeled.AsSpan(7 + suite.Length + label.Length));
        HKDF.Extract(HashAlgorithmName.SHA256, labeled, salt, prk);
        CryptographicOperations.ZeroMemory(labeled);
    }

    // LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L).
    private static void LabeledExpand(ReadOnlySpan<byte> suite, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label,
        ReadOnlySpan<byte> info, Span<byte> output)
    {
        var labeled = new byte[2 + 7 + suite.Length + label.Length + info.Length];
        BinaryPrimitives.WriteUInt16BigEndian(labeled, (ushort)output.Length);
        "HPKE-v1"u8.CopyTo(labeled.AsSpan(2));
        suite.CopyTo(labeled.AsSpan(9));
        label.CopyTo(labeled.AsSpan(9 + suite.Length));
        info.CopyTo(labeled.AsSpan(9 + suite.Length + label.Length));
        HKDF.Expand(HashAlgorithmName.SHA256, prk, output, labeled);
    }

    /// <summary>An encryption context (RFC 9180 §5.2). Sequence numbers are the caller's: the single-shot API uses 0 only,
    /// the test vectors the others. Dispose zeroes the secrets.</summary>
    internal sealed class Context(byte[] sharedSecret, byte[] secret, byte[] key, byte[] baseNonce, byte[] exporterSecret,
        byte[] keyScheduleContext) : IDisposable
    {
        public byte[] KeyScheduleContext { get; } = keyScheduleContext;
        public byte[] SharedSecret { get; } = sharedSecret;
        public byte[] Secret { get; } = secret;
        public byte[] Key { get; } = key;
        public byte[] BaseNonce { get; } = baseNonce;
        public byte[] ExporterSecret { get; } = exporterSecret;

        /// <summary>ciphertext ‖ tag into <paramref name="output"/> (plaintext length + 16).</summary>
        public void Seal(ulong sequence, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> output)
        {
            Span<byte> nonce = stackalloc byte[NonceLength];
            Nonce(sequence, nonce);
            using var gcm = new AesGcm(Key, TagLength);
            gcm.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, TagLength), aad);
        }

        public byte[] Seal(ulong sequence, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
        {
            var output = new byte[plaintext.Length + TagLength];
            Seal(sequence, aad, plaintext, output);
            return output;
        }

        /// <summary>Decrypts ciphertext ‖ tag into <paramref name="plaintext"/>; false (and plaintext zeroed) if it does not authenticate.</summary>
        public bool TryOpen(ulong sequence, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
        {
            if (ciphertext.Length != plaintext.Length + TagLength)
                return false;
            Span<byte> nonce = stackalloc byte[NonceLength];
            Nonce(sequence, nonce);
            using var gcm = new AesGcm(Key, TagLength);
            try
            {
                gcm.Decrypt(nonce, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], plaintext, aad);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        // base_nonce XOR I2OSP(seq, Nn).
        private void Nonce(ulong sequence, Span<byte> nonce)
        {
            BaseNonce.CopyTo(nonce);
            Span<byte> seq = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(seq, sequence);
            for (var i = 0; i < 8; i++)
                nonce[NonceLength - 8 + i] ^= seq[i];
        }

        public void Dispose()
        {
            CryptographicOperations.ZeroMemory(SharedSecret);
            CryptographicOperations.ZeroMemory(Secret);
            CryptographicOperations.ZeroMemory(Key);
            CryptographicOperations.ZeroMemory(BaseNonce);
            CryptographicOperations.ZeroMemory(ExporterSecret);
        }
    }
}
