using System.Security.Cryptography;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Utilities;

namespace Evaluation.Core.Crypto;

/// <summary>An RSA private key for RSABSSA, kept in CRT form for the signing operation.</summary>
public sealed class BlindRsaPrivateKey
{
    public BlindRsaPublicKey PublicKey { get; }

    internal BigInteger P { get; }
    internal BigInteger Q { get; }
    internal BigInteger DP { get; }
    internal BigInteger DQ { get; }
    internal BigInteger QInv { get; }
    private readonly BigInteger _d;

    // Made on the first signature, not with the key: most keys are generated or unsealed only to be stored or shown.
    private readonly Lazy<OpenSslRsa?> _openSsl;

    private BlindRsaPrivateKey(BigInteger n, BigInteger e, BigInteger d, BigInteger p, BigInteger q,
        BigInteger dp, BigInteger dq, BigInteger qInv, bool platform = true)
    {
        PublicKey = new BlindRsaPublicKey(n, e);
        if (!p.Multiply(q).Equals(n))
            throw new CryptographicException("The RSA private key is inconsistent: p·q ≠ n.");
        (_d, P, Q, DP, DQ, QInv) = (d, p, q, dp, dq, qInv);
        Factors = new(BlindRsaPublicKey.Numeric(p), BlindRsaPublicKey.Numeric(q));
        _openSsl = new(() => platform ? WithParameters(OpenSslRsa.TryCreate) : null);
    }

    /// <summary>p and q in .NET's arithmetic, for the input checks of every signature (<see cref="BlindRsa.BlindSign"/>).</summary>
    internal sealed record PrimeFactors(System.Numerics.BigInteger P, System.Numerics.BigInteger Q);

    internal PrimeFactors Factors { get; }

    /// <summary>The platform's OpenSSL signs with this key (Linux); null where the managed arithmetic does.</summary>
    internal OpenSslRsa? OpenSsl => _openSsl.Value;

    /// <summary>The same key without the platform's OpenSSL, so the tests can hold the managed path to the same vectors.</summary>
    internal BlindRsaPrivateKey ManagedOnly() =>
        new(PublicKey.Modulus, PublicKey.Exponent, _d, P, Q, DP, DQ, QInv, platform: false);

    /// <summary>Generates a key with e = 65537. 2048 bits is the default; 3072 or 4096 for longer-lived keys.</summary>
    public static BlindRsaPrivateKey Generate(int modulusBits = 2048)
    {
        if (modulusBits is not (2048 or 3072 or 4096))
            throw new ArgumentOutOfRangeException(nameof(modulusBits), modulusBits, "The modulus must be 2048, 3072 or 4096 bits.");
        using var rsa = RSA.Create(modulusBits);
        return FromParameters(rsa.ExportParameters(includePrivateParameters: true));
    }

    /// <summary>Imports an unencrypted DER PKCS#8 PrivateKeyInfo holding an RSA key.</summary>
    /// <exception cref="CryptographicException">Not DER PKCS#8 RSA, trailing bytes, or an unusable key.</exception>
    public static BlindRsaPrivateKey ImportPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out var read);
        if (read != pkcs8.Length)
            throw new CryptographicException("Trailing bytes after the PKCS#8 PrivateKeyInfo.");
        return FromParameters(rsa.ExportParameters(includePrivateParameters: true));
    }

    /// <summary>Unencrypted DER PKCS#8 PrivateKeyInfo (rsaEncryption). Protect it like any private key.</summary>
    public byte[] ExportPkcs8() => WithParameters(parameters =>
    {
        using var rsa = RSA.Create(parameters);
        return rsa.ExportPkcs8PrivateKey();
    });

    /// <summary>Hands the key to the platform as RSAParameters, and wipes their private arrays afterwards.</summary>
    private T WithParameters<T>(Func<RSAParameters, T> use)
    {
        // RSAParameters wants D as long as n and the CRT values half as long, zero-padded.
        var k = PublicKey.ModulusLength;
        var half = (k + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = BigIntegers.AsUnsignedByteArray(k, PublicKey.Modulus),
            Exponent = PublicKey.Exponent.ToByteArrayUnsigned(),
            D = BigIntegers.AsUnsignedByteArray(k, _d),
            P = BigIntegers.AsUnsignedByteArray(half, P),
            Q = BigIntegers.AsUnsignedByteArray(half, Q),
            DP = BigIntegers.AsUnsignedByteArray(half, DP),
            DQ = BigIntegers.AsUnsignedByteArray(half, DQ),
            InverseQ = BigIntegers.AsUnsignedByteArray(half, QInv),
        };
        try
        {
            return use(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
    }

    /// <summary>Builds a key from its primes and public exponent (the RFC 9474 test vectors give p, q, e).</summary>
    internal static BlindRsaPrivateKey FromPrimes(byte[] p, byte[] q, byte[] e)
    {
        var (bp, bq, be) = (new BigInteger(1, p), new BigInteger(1, q), new BigInteger(1, e));
        var phi = bp.Subtract(BigInteger.One).Multiply(bq.Subtract(BigInteger.One));
        var d = be.ModInverse(phi);
        return new BlindRsaPrivateKey(bp.Multiply(bq), be, d, bp, bq,
            d.Mod(bp.Subtract(BigInteger.One)), d.Mod(bq.Subtract(BigInteger.One)), bq.ModInverse(bp));
    }

    private static BlindRsaPrivateKey FromParameters(RSAParameters k)
    {
        try
        {
            return new BlindRsaPrivateKey(
                BlindRsaPublicKey.Unsigned(k.Modulus), BlindRsaPublicKey.Unsigned(k.Exponent), BlindRsaPublicKey.Unsigned(k.D),
                BlindRsaPublicKey.Unsigned(k.P), BlindRsaPublicKey.Unsigned(k.Q),
                BlindRsaPublicKey.Unsigned(k.DP), BlindRsaPublicKey.Unsigned(k.DQ), BlindRsaPublicKey.Unsigned(k.InverseQ));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(k.D);
            CryptographicOperations.ZeroMemory(k.P);
            CryptographicOperations.ZeroMemory(k.Q);
            CryptographicOperations.ZeroMemory(k.DP);
            CryptographicOperations.ZeroMemory(k.DQ);
            CryptographicOperations.ZeroMemory(k.InverseQ);
        }
    }
}
