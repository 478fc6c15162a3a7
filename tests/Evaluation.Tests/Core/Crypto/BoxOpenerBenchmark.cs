using System.Diagnostics;
using System.Security.Cryptography;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

/// <summary>开箱 at the size of a large meeting: 10,000 sealed ballots of 20 targets each. A measurement, printed.</summary>
public sealed class BoxOpenerBenchmark
{
    [Test, Explicit("a measurement, printed, not a check; sealing the box first takes about a minute")]
    public void Open_TenThousandBallotsOfTwentyTargets_PrintsTheTime()
    {
        const int ballots = 10_000;
        var evaluation = Guid.NewGuid();
        var group = Guid.NewGuid();
        var ballotKey = BlindRsaPrivateKey.Generate();
        using var box = BoxPrivateKey.Generate();
        var boxKey = box.PublicKey;
        // The credentials are signed directly (RSASSA-PSS, SHA-384, 48-byte salt: what a finalised blind signature is),
        // not blind-signed: the same signature BlindRsa.Verify checks, made in a tenth of the time.
        using var signer = RSA.Create();
        signer.ImportPkcs8PrivateKey(ballotKey.ExportPkcs8(), out _);

        var prepare = Stopwatch.StartNew();
        var rows = new BoxOpener.SealedRow[ballots];
        Parallel.For(0, ballots, i =>
        {
            using var phone = new TestPhone();
            var message = BlindRsa.Prepare(SealedBallot.MessageFor(phone.PhoneKey));
            byte[] signature;
            lock (signer) signature = signer.SignData(message, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
            var answers = TestPhone.Answers(20, i);
            var contents = new SealedBallot.Contents(message, signature, phone.PhoneKey, answers, phone.SignAnswers(evaluation, group, answers));
            var door = RandomNumberGenerator.GetBytes(64);
            rows[i] = new BoxOpener.SealedRow(door, group, SealedBallot.Seal(boxKey, evaluation, group, door, contents));
        });
        prepare.Stop();

        var keys = new Dictionary<Guid, BlindRsaPublicKey> { [group] = ballotKey.PublicKey };
        BoxOpener.Open(box, evaluation, keys, rows[..200]);   // warm-up: JIT, thread pool, idle RSA verifiers
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var open = Stopwatch.StartNew();
        var outcome = BoxOpener.Open(box, evaluation, keys, rows);
        open.Stop();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        Assert.That(outcome.Opened, Has.Count.EqualTo(ballots));
        Assert.That(outcome.Rejected, Is.Empty);
        TestContext.Out.WriteLine(
            $"sealed {ballots} ballots × 20 targets (≈{rows.Average(r => r.Ciphertext.Length):F0} bytes each) in {prepare.Elapsed.TotalSeconds:F1} s; " +
            $"BoxOpener.Open: {open.Elapsed.TotalSeconds:F2} s wall on {Environment.ProcessorCount} cores, " +
            $"{cpuUsed.TotalSeconds:F2} s CPU ({cpuUsed.TotalMilliseconds * 1000 / ballots:F0} µs CPU per ballot; " +
            $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    }
}
