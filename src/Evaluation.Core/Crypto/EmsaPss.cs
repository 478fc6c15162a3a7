using System.Security.Cryptography;

namespace Evaluation.Core.Crypto;

/// <summary>
/// EMSA-PSS encoding (RFC 8017 §9.1) with SHA-384 and MGF1-SHA-384. Written out because .NET does not expose
/// PSS encoding with a caller-chosen salt, and blinding (and the RFC 9474 known-answer tests) need exactly that.
/// Verification needs no salt of ours, so it is the platform's (BlindRsa.Verify).
/// </summary>
internal static class EmsaPss
{
    public const int HashLength = 48;

    /// <summary>EMSA-PSS-ENCODE(M, emBits) with the given salt; returns EM of ceil(emBits / 8) bytes.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> message, ReadOnlySpan<byte> salt, int emBits)
    {
        var emLen = (emBits + 7) / 8;
        if (emLen < HashLength + salt.Length + 2)
            throw new ArgumentException("The RSA modulus is too small for PSS with SHA-384 and this salt length.");

        Span<byte> mHash = stackalloc byte[HashLength];
        SHA384.HashData(message, mHash);
        var h = HashOfMPrime(mHash, salt);

        // DB = PS (zeros) || 0x01 || salt, then masked in place.
        var em = new byte[emLen];
        var dbLength = emLen - HashLength - 1;
        var db = em.AsSpan(0, dbLength);
        db[dbLength - salt.Length - 1] = 0x01;
        salt.CopyTo(db[(dbLength - salt.Length)..]);
        XorMgf1(h, db);
        db[0] &= TopByteMask(emLen, emBits);

        h.CopyTo(em.AsSpan(dbLength));
        em[^1] = 0xbc;
        return em;
    }

    // H = Hash(0x00 * 8 || mHash || salt)
    private static byte[] HashOfMPrime(ReadOnlySpan<byte> mHash, ReadOnlySpan<byte> salt)
    {
        var mPrime = new byte[8 + HashLength + salt.Length];
        mHash.CopyTo(mPrime.AsSpan(8));
        salt.CopyTo(mPrime.AsSpan(8 + HashLength));
        return SHA384.HashData(mPrime);
    }

    // target ^= MGF1-SHA-384(seed, target.Length)
    private static void XorMgf1(ReadOnlySpan<byte> seed, Span<byte> target)
    {
        Span<byte> input = stackalloc byte[seed.Length + 4];
        Span<byte> block = stackalloc byte[HashLength];
        seed.CopyTo(input);
        for (int counter = 0, offset = 0; offset < target.Length; counter++, offset += HashLength)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(input[seed.Length..], counter);
            SHA384.HashData(input, block);
            var n = Math.Min(HashLength, target.Length - offset);
            for (var i = 0; i < n; i++)
                target[offset + i] ^= block[i];
        }
    }

    // Clears the 8 * emLen - emBits leftmost bits, which keep EM below the modulus.
    private static byte TopByteMask(int emLen, int emBits) => (byte)(0xFF >> (8 * emLen - emBits));
}
