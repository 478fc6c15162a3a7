using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Utilities;

namespace Evaluation.Core.Crypto;

/// <summary>
/// An RSA public key for RSABSSA. Exported as a plain rsaEncryption SubjectPublicKeyInfo (not the
/// id-RSASSA-PSS OID of RFC 9474 §6) because that is what WebCrypto's importKey('spki', …, RSA-PSS) accepts.
/// </summary>
public sealed class BlindRsaPublicKey
{
    public const int MinModulusBits = 2048;
    public const int MaxModulusBits = 8192;

    internal BigInteger Modulus { get; }
    internal BigInteger Exponent { get; }

    // The same values in .NET's arithmetic, for the client's blinding and unblinding: BouncyCastle's remainder works bit
    // by bit and made blinding cost ten times a signature.
    internal System.Numerics.BigInteger NumericModulus { get; }
    internal System.Numerics.BigInteger NumericExponent { get; }

    internal static System.Numerics.BigInteger Numeric(BigInteger value) =>
        new(value.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true);

    internal static System.Numerics.BigInteger Numeric(ReadOnlySpan<byte> value) => new(value, isUnsigned: true, isBigEndian: true);

    /// <summary>I2OSP: the value as exactly <see cref="ModulusLength"/> big-endian bytes.</summary>
    internal byte[] Fixed(System.Numerics.BigInteger value)
    {
        var bytes = new byte[ModulusLength];
        var length = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(bytes.AsSpan(bytes.Length - length), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>Bit length of the modulus n.</summary>
    public int ModulusBits => Modulus.BitLength;

    /// <summary>kLen: the length in bytes of n, and of every blinded message, blind signature, inverse and signature.</summary>
    public int ModulusLength => (Modulus.BitLength + 7) / 8;

    internal BlindRsaPublicKey(BigInteger modulus, BigInteger exponent)
    {
        if (modulus.BitLength < MinModulusBits || modulus.BitLength > MaxModulusBits || !modulus.TestBit(0))
            throw new CryptographicException($"The RSA modulus must be odd and {MinModulusBits} to {MaxModulusBits} bits long.");
        if (exponent.BitLength < 2 || !exponent.TestBit(0) || exponent.CompareTo(modulus) >= 0)
            throw new CryptographicException("The RSA public exponent must be odd, at least 3 and less than the modulus.");
        Modulus = modulus;
        Exponent = exponent;
        (NumericModulus, NumericExponent) = (Numeric(modulus), Numeric(exponent));
        Parameters = new RSAParameters
        {
            Modulus = BigIntegers.AsUnsignedByteArray(ModulusLength, modulus),
            Exponent = exponent.ToByteArrayUnsigned(),
        };
    }

    /// <summary>The key for the platform's RSA; its arrays are never handed to code that could change them.</summary>
    private RSAParameters Parameters { get; }

    // Loading a key into the platform's RSA costs five times a verification, and one instance is not documented as safe
    // to share between threads: so each thread takes an idle one, or makes one, and gives it back.
    private readonly ConcurrentBag<RSA> _idleVerifiers = [];

    /// <summary>
    /// The platform's RSASSA-PSS with SHA-384 and a salt as long as the hash: exactly RFC 9474's verification, and about
    /// ten times faster than BouncyCastle's arithmetic. Every ballot at a crowded meeting waits on it, and every ballot an
    /// auditor checks.
    /// </summary>
    internal bool VerifyPss(ReadOnlySpan<byte> preparedMessage, ReadOnlySpan<byte> signature)
    {
        var rsa = _idleVerifiers.TryTake(out var idle) ? idle : RSA.Create(Parameters);
        try
        {
            return rsa.VerifyData(preparedMessage, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            _idleVerifiers.Add(rsa);
        }
    }

    /// <summary>Imports a DER SubjectPublicKeyInfo with the rsaEncryption algorithm identifier.</summary>
    /// <exception cref="CryptographicException">Not a DER rsaEncryption SPKI, trailing bytes, or an unusable key.</exception>
    public static BlindRsaPublicKey ImportSpki(ReadOnlySpan<byte> spki)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(spki, out var read);
        if (read != spki.Length)
            throw new CryptographicException("Trailing bytes after the SubjectPublicKeyInfo.");
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        return new BlindRsaPublicKey(Unsigned(parameters.Modulus), Unsigned(parameters.Exponent));
    }

    /// <summary>DER SubjectPublicKeyInfo, algorithm rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.</summary>
    public byte[] ExportSpki()
    {
        using var rsa = RSA.Create(Parameters);
        return rsa.ExportSubjectPublicKeyInfo();
    }

    internal static BigInteger Unsigned(byte[]? bytes) =>
        bytes is { Length: > 0 } ? new BigInteger(1, bytes) : throw new CryptographicException("Missing RSA key component.");
}
