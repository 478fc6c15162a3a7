using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Math.EC.Multiplier;

namespace Evaluation.Core.Crypto;

/// <summary>
/// The ballot box's private key: a P-256 scalar, the HPKE recipient key of docs/sealed-ballot-box.md. It exists only in
/// memory, made at 开始投票 (then split into key cards) and rebuilt from the cards at 开箱; <see cref="Dispose"/> zeroes it.
/// </summary>
public sealed class BoxPrivateKey : IDisposable
{
    public const int ScalarLength = 32;
    public const int PublicKeyLength = 65;

    private readonly byte[] _scalar;
    private readonly byte[] _publicKey;
    private bool _disposed;

    private BoxPrivateKey(byte[] scalar, byte[] publicKey)
    {
        _scalar = scalar;
        _publicKey = publicKey;
    }

    /// <summary>A fresh random key, drawn by the platform.</summary>
    public static BoxPrivateKey Generate()
    {
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdh.ExportParameters(includePrivateParameters: true);
        try
        {
            return FromScalar(parameters.D);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <summary>The key with this scalar (32 bytes, big-endian).</summary>
    /// <exception cref="CryptographicException">Not 32 bytes, zero, or not below the group order n.</exception>
    public static BoxPrivateKey FromScalar(ReadOnlySpan<byte> scalar32)
    {
        if (scalar32.Length != ScalarLength)
            throw new CryptographicException($"A P-256 private key is {ScalarLength} bytes.");
        if (!P256.IsValidScalar(scalar32))
            throw new CryptographicException("A P-256 private key must be between 1 and n − 1.");
        var scalar = scalar32.ToArray();
        return new BoxPrivateKey(scalar, P256.MultiplyBase(scalar));
    }

    /// <summary>The public key: the 65-byte uncompressed point 04 ‖ x ‖ y. A copy.</summary>
    public byte[] PublicKey => _publicKey.ToArray();

    /// <summary>The scalar, 32 bytes big-endian. The caller zeroes it.</summary>
    public byte[] ExportScalar()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _scalar.ToArray();
    }

    /// <summary>A platform key for Diffie–Hellman with this scalar; the caller disposes it. Not shared between threads.</summary>
    internal ECDiffieHellman CreateAgreement()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var d = _scalar.ToArray();
        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                D = d,
                Q = new ECPoint { X = _publicKey[1..33], Y = _publicKey[33..] },
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_scalar);
        _disposed = true;
    }
}

/// <summary>
/// P-256 group arithmetic the platform does not offer: scalar·G and sums of scalars mod n (Shamir's key cards).
/// BouncyCastle's BigInteger is immutable and cannot be zeroed, so its copies of a secret wait for the collector; the
/// byte arrays callers hold are zeroed.
/// </summary>
internal static class P256
{
    private static readonly X9ECParameters Curve = ECNamedCurveTable.GetByName("P-256");
    private static readonly FixedPointCombMultiplier BaseMultiplier = new();

    public static Org.BouncyCastle.Math.BigInteger Order => Curve.N;

    /// <summary>0 &lt; d &lt; n for a 32-byte big-endian d.</summary>
    public static bool IsValidScalar(ReadOnlySpan<byte> scalar32)
    {
        if (scalar32.Length != BoxPrivateKey.ScalarLength) return false;
        var d = new Org.BouncyCastle.Math.BigInteger(1, scalar32);
        return d.SignValue > 0 && d.CompareTo(Curve.N) < 0;
    }

    /// <summary>d·G as a 65-byte uncompressed point; d must be valid.</summary>
    public static byte[] MultiplyBase(ReadOnlySpan<byte> scalar32)
    {
        var d = new Org.BouncyCastle.Math.BigInteger(1, scalar32);
        return BaseMultiplier.Multiply(Curve.G, d).Normalize().GetEncoded(compressed: false);
    }

    public static byte[] ToScalarBytes(Org.BouncyCastle.Math.BigInteger x) =>
        Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(BoxPrivateKey.ScalarLength, x);
}
