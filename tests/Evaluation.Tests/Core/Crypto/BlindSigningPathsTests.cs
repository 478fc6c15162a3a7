using System.Diagnostics;
using System.Security.Cryptography;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

/// <summary>
/// The blind signature's private operation runs in the platform's OpenSSL on Linux and in BouncyCastle elsewhere: the two
/// must be indistinguishable from outside (RFC 9474's vectors for both are in BlindRsaTests).
/// </summary>
public sealed class BlindSigningPathsTests
{
    private BlindRsaPrivateKey _key = null!;

    [OneTimeSetUp]
    public void GenerateKey() => _key = BlindRsaPrivateKey.Generate();

    [Test]
    public void GeneratedAndImportedKeys_SignThroughOpenSsl_OnThisMachine()
    {
        // A silent fall-back to the managed path would cost every check-in twenty times the CPU.
        Assert.That(_key.OpenSsl, Is.Not.Null, "generated key");
        Assert.That(BlindRsaPrivateKey.ImportPkcs8(_key.ExportPkcs8()).OpenSsl, Is.Not.Null, "imported key");
        Assert.That(_key.ManagedOnly().OpenSsl, Is.Null);
    }

    [TestCase(2048)]
    [TestCase(3072)]
    public void BothPaths_GiveTheSameSignature_ThatFinalizesAndVerifies(int bits)
    {
        var key = bits == 2048 ? _key : BlindRsaPrivateKey.Generate(bits);
        var managed = key.ManagedOnly();
        for (var i = 0; i < 20; i++)
        {
            var prepared = BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32));
            var blinding = BlindRsa.Blind(key.PublicKey, prepared);

            var viaOpenSsl = BlindRsa.BlindSign(key, blinding.BlindedMessage);
            var viaManaged = BlindRsa.BlindSign(managed, blinding.BlindedMessage);

            Assert.That(viaOpenSsl, Is.EqualTo(viaManaged));
            var signature = BlindRsa.Finalize(key.PublicKey, prepared, viaOpenSsl, blinding.Inverse);
            Assert.That(BlindRsa.Verify(key.PublicKey, prepared, signature), Is.True);
        }
    }

    [Test]
    public void ManyThreadsSigningWithOneKey_AllGetCorrectSignatures()
    {
        var work = Enumerable.Range(0, 400).Select(_ =>
        {
            var prepared = BlindRsa.Prepare(RandomNumberGenerator.GetBytes(16));
            return (Prepared: prepared, Blinding: BlindRsa.Blind(_key.PublicKey, prepared));
        }).ToArray();
        var signatures = new byte[work.Length][];

        Parallel.For(0, work.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            i => signatures[i] = BlindRsa.BlindSign(_key, work[i].Blinding.BlindedMessage));

        for (var i = 0; i < work.Length; i++)
            Assert.That(BlindRsa.Verify(_key.PublicKey, work[i].Prepared,
                BlindRsa.Finalize(_key.PublicKey, work[i].Prepared, signatures[i], work[i].Blinding.Inverse)), Is.True, $"signature {i}");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void BothPaths_RefuseWhatIsNoBlindedMessage(bool managed)
    {
        var key = managed ? _key.ManagedOnly() : _key;
        var k = key.PublicKey.ModulusLength;
        var n = Modulus(key);

        Assert.That(() => BlindRsa.BlindSign(key, new byte[k - 1]), Throws.ArgumentException, "too short");
        Assert.That(() => BlindRsa.BlindSign(key, new byte[k + 1]), Throws.ArgumentException, "too long");
        Assert.That(() => BlindRsa.BlindSign(key, Padded(n, k)), Throws.ArgumentException, "n");
        Assert.That(() => BlindRsa.BlindSign(key, Enumerable.Repeat((byte)0xFF, k).ToArray()), Throws.ArgumentException, "above n");
        foreach (var own in new[] { System.Numerics.BigInteger.Zero, System.Numerics.BigInteger.One, n - 1 })
            Assert.That(() => BlindRsa.BlindSign(key, Padded(own, k)), Throws.ArgumentException, $"{own} is its own signature");
    }

    /// <summary>
    /// µs per blind signature on one thread: the OpenSSL path, the managed path, and the platform's own RSA signature
    /// (PKCS#1, what <c>openssl speed rsa2048</c> measures) as the ceiling. Run alone:
    /// <c>./test.sh --filter "FullyQualifiedName~BlindSigningCost" --logger "console;verbosity=detailed"</c>.
    /// </summary>
    [Test, Explicit("a measurement, printed, not a check")]
    public void BlindSigningCost_IsPrinted()
    {
        var blinded = BlindRsa.Blind(_key.PublicKey, BlindRsa.Prepare("cost"u8)).BlindedMessage;
        using var platform = RSA.Create(2048);
        var hash = SHA256.HashData("cost"u8);
        var managed = _key.ManagedOnly();

        // Rounds interleaved and the fastest kept: on a shared machine the others' load comes and goes between rounds.
        Action[] ops =
        [
            () => platform.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            () => BlindRsa.BlindSign(_key, blinded),
            () => _key.OpenSsl!.Private(blinded),
            () => _key.OpenSsl!.Public(blinded),
        ];
        var best = ops.Select(_ => double.MaxValue).ToArray();
        for (var round = 0; round < 20; round++)
            for (var o = 0; o < ops.Length; o++)
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < 200; i++) ops[o]();
                best[o] = Math.Min(best[o], clock.Elapsed.TotalMicroseconds / 200);
            }
        var managedBest = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 20; i++) BlindRsa.BlindSign(managed, blinded);
            managedBest = Math.Min(managedBest, clock.Elapsed.TotalMicroseconds / 20);
        }
        var (raw, openSsl, privateOnly, publicOnly) = (best[0], best[1], best[2], best[3]);
        TestContext.Out.WriteLine($"2048-bit key, one thread, µs per operation (load average {File.ReadAllText("/proc/loadavg").Trim()}):");
        TestContext.Out.WriteLine($"  platform RSA.SignHash PKCS#1 (OpenSSL, the raw ceiling)  {raw,8:0.0}");
        TestContext.Out.WriteLine($"  BlindRsa.BlindSign via OpenSSL                          {openSsl,8:0.0}");
        TestContext.Out.WriteLine($"    of which the private operation alone                 {privateOnly,8:0.0}");
        TestContext.Out.WriteLine($"    of which the check s^e = m (public operation)        {publicOnly,8:0.0}");
        TestContext.Out.WriteLine($"    the rest (input range, 0/1/n−1, factors, copies)     {openSsl - privateOnly - publicOnly,8:0.0}");
        TestContext.Out.WriteLine($"  BlindRsa.BlindSign managed (BouncyCastle)               {managedBest,8:0.0}");
    }

    private static System.Numerics.BigInteger Modulus(BlindRsaPrivateKey key)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(key.PublicKey.ExportSpki(), out _);
        return new(rsa.ExportParameters(false).Modulus, isUnsigned: true, isBigEndian: true);
    }

    private static byte[] Padded(System.Numerics.BigInteger value, int length)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return padded;
    }
}
