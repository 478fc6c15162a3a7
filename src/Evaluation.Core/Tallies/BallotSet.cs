using System.Security.Cryptography;
using System.Text;

namespace Evaluation.Core.Tallies;

/// <summary>One accepted ballot as the tally and the audit bundle see it: its category, credential and answers, nothing else.</summary>
public sealed record TallyBallot(Guid CategoryId, byte[] Message, byte[] Signature, string Answers);

public static class BallotSet
{
    /// <summary>
    /// The fingerprint printed on every report and in the audit bundle: SHA-256 (hex) of one line per ballot,
    /// <c>hex(message) TAB hex(signature) TAB canonical answers LF</c>, in ordinal order of hex(message), UTF-8.
    /// The category is left out so a bundle that merges small categories still reproduces it. Storage order cannot
    /// affect it, and a dropped, added, altered or duplicated ballot changes it.
    /// </summary>
    public static string Fingerprint(IEnumerable<TallyBallot> ballots)
    {
        var lines = ballots
            .Select(b => (Key: Convert.ToHexStringLower(b.Message), b))
            .OrderBy(p => p.Key, StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, ballot) in lines)
            hash.AppendData(Encoding.UTF8.GetBytes($"{key}\t{Convert.ToHexStringLower(ballot.Signature)}\t{ballot.Answers}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The fingerprint as reports print it: 64 hex digits in groups of eight, so it can be read aloud and compared.</summary>
    public static string Grouped(string fingerprint) =>
        string.Join(' ', Enumerable.Range(0, fingerprint.Length / 8).Select(i => fingerprint.Substring(i * 8, 8)));
}
