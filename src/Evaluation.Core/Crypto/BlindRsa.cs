using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Utilities;

// The tests reach the fixed-randomness Blind overload and FromPrimes to check the RFC 9474 vectors.
[assembly: InternalsVisibleTo("Evaluation.Tests")]

namespace Evaluation.Core.Crypto;

/// <summary>
/// RFC 9474 RSA blind signatures, variant RSABSSA-SHA384-PSS-Randomized: SHA-384, MGF1-SHA-384,
/// 48-byte salt, 32-byte random message prefix.
/// <para>The signer's private operation runs in the platform's OpenSSL where .NET uses it (<see cref="OpenSslRsa"/>), else in
/// BouncyCastle; both give the same signature.</para>
/// <para>Client: <see cref="Prepare"/> → <see cref="Blind(BlindRsaPublicKey, ReadOnlySpan{byte})"/> → (server)
/// → <see cref="Finalize"/>. Server: <see cref="BlindSign"/> at check-in, <see cref="Verify"/> at submit.
/// The prepared message (prefix ‖ message) is what is signed, sent and verified.</para>
/// <para>Malformed input (wrong length, value not below n, a "blinded message" of 0, 1, n − 1 or sharing a factor
/// with n) throws <see cref="ArgumentException"/>;
/// a failed computation (fault, invalid signature in Finalize) throws <see cref="CryptographicException"/>.</para>
/// </summary>
public static class BlindRsa
{
    /// <summary>Length of the random prefix <see cref="Prepare"/> puts before the message.</summary>
    public const int PrefixLength = 32;

    /// <summary>PSS salt length: the SHA-384 output length.</summary>
    public const int SaltLength = EmsaPss.HashLength;

    /// <summary>Result of blinding: send <paramref name="BlindedMessage"/> to the signer; keep <paramref name="Inverse"/> secret for <see cref="Finalize"/>.</summary>
    public sealed record BlindingResult(byte[] BlindedMessage, byte[] Inverse);

    /// <summary>RFC 9474 §4.1, randomized: 32 random bytes ‖ message.</summary>
    public static byte[] Prepare(ReadOnlySpan<byte> message)
    {
        var prepared = new byte[PrefixLength + message.Length];
        RandomNumberGenerator.Fill(prepared.AsSpan(0, PrefixLength));
        message.CopyTo(prepared.AsSpan(PrefixLength));
        return prepared;
    }

    /// <summary>RFC 9474 §4.2: PSS-encodes the prepared message with a random salt and blinds it with a random r.</summary>
    public static BlindingResult Blind(BlindRsaPublicKey publicKey, ReadOnlySpan<byte> preparedMessage)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        Span<byte> salt = stackalloc byte[SaltLength];
        RandomNumberGenerator.Fill(salt);
        var (r, inverse) = RandomInvertible(publicKey.Modulus);
        return Blind(publicKey, preparedMessage, salt, r, inverse);
    }

    /// <summary>
    /// Blinding with caller-chosen salt and inverse, for the RFC 9474 known-answer tests only:
    /// reusing either links the blinded message to the final signature.
    /// </summary>
    internal static BlindingResult Blind(BlindRsaPublicKey publicKey, ReadOnlySpan<byte> preparedMessage,
        ReadOnlySpan<byte> salt, ReadOnlySpan<byte> inverse)
    {
        var inv = InRange(publicKey, inverse, nameof(inverse));
        if (inv.SignValue == 0)
            throw new ArgumentException("The inverse must not be zero.", nameof(inverse));
        return Blind(publicKey, preparedMessage, salt, BigIntegers.ModOddInverse(publicKey.Modulus, inv), inv);
    }

    /// <summary>
    /// RFC 9474 §4.3: the signer's side. The same blinded message always yields the same blind signature,
    /// so a client retrying after a lost response gets an identical answer.
    /// </summary>
    /// <exception cref="ArgumentException">Not exactly <see cref="BlindRsaPublicKey.ModulusLength"/> bytes, not below n,
    /// or no blinded message at all (see <see cref="Blindable"/>).</exception>
    /// <exception cref="CryptographicException">The result failed its check (a fault during signing).</exception>
    public static byte[] BlindSign(BlindRsaPrivateKey privateKey, ReadOnlySpan<byte> blindedMessage)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        var pk = privateKey.PublicKey;
        var m = InRange(pk, blindedMessage, nameof(blindedMessage));
        Blindable(privateKey, blindedMessage, nameof(blindedMessage));
        if (privateKey.OpenSsl is { } openSsl)
        {
            var signature = openSsl.Private(blindedMessage)
                            ?? throw new CryptographicException("Signing failure: the platform's RSA refused the operation.");
            // RFC 9474 §4.3 step 4, as below: OpenSSL checks its own CRT result too, but the RFC's check costs a twentieth.
            if (openSsl.Public(signature) is not { } back || !CryptographicOperations.FixedTimeEquals(back, blindedMessage))
                throw new CryptographicException("Signing failure: the blind signature did not verify.");
            return signature;
        }
        var s = Rsasp1(privateKey, m);
        // RFC 9474 §4.3 step 4: a CRT fault would otherwise hand out a value that factors n.
        if (!s.ModPow(pk.Exponent, pk.Modulus).Equals(m))
            throw new CryptographicException("Signing failure: the blind signature did not verify.");
        return BigIntegers.AsUnsignedByteArray(pk.ModulusLength, s);
    }

    /// <summary>RFC 9474 §4.4: unblinds and verifies; returns the signature over the prepared message.</summary>
    /// <exception cref="ArgumentException">Wrong lengths, or values not below n.</exception>
    /// <exception cref="CryptographicException">The unblinded signature does not verify.</exception>
    public static byte[] Finalize(BlindRsaPublicKey publicKey, ReadOnlySpan<byte> preparedMessage,
        ReadOnlySpan<byte> blindSignature, ReadOnlySpan<byte> inverse)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        InRange(publicKey, blindSignature, nameof(blindSignature));
        InRange(publicKey, inverse, nameof(inverse));
        var s = BlindRsaPublicKey.Numeric(blindSignature) * BlindRsaPublicKey.Numeric(inverse) % publicKey.NumericModulus;
        var signature = publicKey.Fixed(s);
        if (!Verify(publicKey, preparedMessage, signature))
            throw new CryptographicException("Invalid signature: the blind signature does not match this message and key.");
        return signature;
    }

    /// <summary>
    /// RSASSA-PSS verification (SHA-384, MGF1-SHA-384, 48-byte salt) of a signature over the prepared message.
    /// Any malformed signature, of whatever length, is simply invalid: this never throws on its inputs' content.
    /// </summary>
    public static bool Verify(BlindRsaPublicKey publicKey, ReadOnlySpan<byte> preparedMessage, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (signature.Length != publicKey.ModulusLength)
            return false;
        return publicKey.VerifyPss(preparedMessage, signature);
    }

    private static BlindingResult Blind(BlindRsaPublicKey pk, ReadOnlySpan<byte> preparedMessage,
        ReadOnlySpan<byte> salt, BigInteger r, BigInteger inverse)
    {
        var n = pk.NumericModulus;
        var m = BlindRsaPublicKey.Numeric(EmsaPss.Encode(preparedMessage, salt, pk.ModulusBits - 1));
        if (!System.Numerics.BigInteger.GreatestCommonDivisor(m, n).IsOne)
            throw new CryptographicException("Invalid input: the encoded message is not coprime to n.");
        var z = m * System.Numerics.BigInteger.ModPow(BlindRsaPublicKey.Numeric(r), pk.NumericExponent, n) % n;
        return new BlindingResult(pk.Fixed(z), BigIntegers.AsUnsignedByteArray(pk.ModulusLength, inverse));
    }

    // RSASP1 with CRT, itself blinded with a fresh random value: BouncyCastle's ModPow is not
    // constant-time and m is chosen by the client, so the exponentiation must not see m directly.
    private static BigInteger Rsasp1(BlindRsaPrivateKey key, BigInteger m)
    {
        var n = key.PublicKey.Modulus;
        var (u, uInverse) = RandomInvertible(n);
        var blinded = m.Multiply(u.ModPow(key.PublicKey.Exponent, n)).Mod(n);

        var sp = blinded.Mod(key.P).ModPow(key.DP, key.P);
        var sq = blinded.Mod(key.Q).ModPow(key.DQ, key.Q);
        var h = sp.Subtract(sq).Multiply(key.QInv).Mod(key.P);
        var s = sq.Add(h.Multiply(key.Q));

        return s.Multiply(uInverse).Mod(n);
    }

    // Uniform r in [1, n) with its inverse mod n.
    private static (BigInteger R, BigInteger Inverse) RandomInvertible(BigInteger n)
    {
        var bytes = new byte[(n.BitLength + 7) / 8];
        var topMask = (byte)(0xFF >> (8 * bytes.Length - n.BitLength));
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            bytes[0] &= topMask;
            var r = new BigInteger(1, bytes);
            if (r.SignValue == 0 || r.CompareTo(n) >= 0)
                continue;
            try
            {
                return (r, BigIntegers.ModOddInverse(n, r));
            }
            catch (ArithmeticException)
            {
                // r shares a factor with n: astronomically unlikely; draw again.
            }
        }
    }

    /// <summary>
    /// Refuses what <see cref="Blind(BlindRsaPublicKey, ReadOnlySpan{byte})"/> does not produce (its result is a uniformly
    /// random unit mod n: ±1 with negligible chance, never 0 or a value sharing a factor with n) and what would be signed
    /// to no purpose: 0, 1 and n − 1 are their own signatures, so a slip spent on one buys nothing a ballot could use, and
    /// a value sharing a factor with n already factors the key. Checked here, before anything is spent, because every
    /// caller signs through this method.
    /// </summary>
    private static void Blindable(BlindRsaPrivateKey key, ReadOnlySpan<byte> value, string name)
    {
        // .NET's arithmetic here: BouncyCastle's remainder is bit by bit, and cost half an OpenSSL signature.
        var m = new System.Numerics.BigInteger(value, isUnsigned: true, isBigEndian: true);
        if (m.IsZero || m.IsOne || m + 1 == key.PublicKey.NumericModulus)
            throw new ArgumentException("Not a blinded message: 0, 1 and n − 1 are their own signatures.", name);
        // n = p·q, so a common factor is p or q: two remainders instead of a gcd.
        if ((m % key.Factors.P).IsZero || (m % key.Factors.Q).IsZero)
            throw new ArgumentException("Not a blinded message: it shares a factor with the RSA modulus.", name);
    }

    private static BigInteger InRange(BlindRsaPublicKey pk, ReadOnlySpan<byte> value, string name)
    {
        if (value.Length != pk.ModulusLength)
            throw new ArgumentException($"Expected {pk.ModulusLength} bytes, got {value.Length}.", name);
        var x = new BigInteger(1, value.ToArray());
        if (x.CompareTo(pk.Modulus) >= 0)
            throw new ArgumentException("The value is not below the RSA modulus.", name);
        return x;
    }
}
