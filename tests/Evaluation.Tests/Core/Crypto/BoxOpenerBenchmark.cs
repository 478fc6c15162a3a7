using System.Diagnostics;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

/// <summary>开箱 at the size of a large meeting: 10,000 sealed ballots of 20 targets each. A measurement, printed.</summary>
public sealed class BoxOpenerBenchmark
{
    [Test, Explicit("a measurement, printed, not a check; sealing the box first takes a while")]
    public void Open_TenThousandBallotsOfTwentyTargets_PrintsTheTime()
    {
        const int ballots = 10_000;
        var evaluation = Guid.NewGuid();
        var group = Guid.NewGuid();
        var ballotKey = BlindRsaPrivateKey.Generate();
        using var box = BoxPrivateKey.Generate();
        var boxKey = box.PublicKey;

        var prepare = Stopwatch.StartNew();
        var rows = new BoxOpener.SealedRow[ballots];
        Parallel.For(0, ballots, i =>
        {
            using var phone = new TestPhone();
            var door = System.Security.Cryptography.RandomNumberGenerator.GetBytes(64);
            var contents = phone.Contents(ballotKey, evaluation, group, TestPhone.Answers(20, i));
            rows[i] = new BoxOpener.SealedRow(door, group, SealedBallot.Seal(boxKey, evaluation, group, door, contents));
        });
        prepare.Stop();

        var keys = new Dictionary<Guid, BlindRsaPublicKey> { [group] = ballotKey.PublicKey };
        BoxOpener.Open(box, evaluation, keys, rows[..100]);   // warm-up: JIT, thread pool
        var open = Stopwatch.StartNew();
        var outcome = BoxOpener.Open(box, evaluation, keys, rows);
        open.Stop();

        Assert.That(outcome.Opened, Has.Count.EqualTo(ballots));
        var size = rows.Average(r => r.Ciphertext.Length);
        TestContext.Out.WriteLine($"sealed {ballots} ballots × 20 targets (≈{size:F0} bytes each) in {prepare.Elapsed.TotalSeconds:F1} s; " +
            $"BoxOpener.Open: {open.Elapsed.TotalSeconds:F2} s on {Environment.ProcessorCount} cores " +
            $"({open.Elapsed.TotalMilliseconds * 1000 / ballots:F0} µs per ballot)");
    }
}
