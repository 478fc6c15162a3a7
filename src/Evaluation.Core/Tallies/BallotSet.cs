using System.Security.Cryptography;
using System.Text;

namespace Evaluation.Core.Tallies;

/// <summary>
/// One opened ballot as the tally and the audit bundle see it: its key group (<see cref="CategoryId"/>; before the sealed
/// box, its category), credential and answers, and from the sealed box on the phone's public key the credential binds
/// and the phone's signature over the answers. Nothing else.
/// </summary>
public sealed record TallyBallot(Guid CategoryId, byte[] Message, byte[] Signature, string Answers, byte[]? PhoneKey = null, byte[]? AnswerSignature = null);

public static class BallotSet
{
    /// <summary>
    /// The fingerprint printed on every report and in the audit bundle: SHA-256 (hex) of one line per ballot,
    /// <c>hex(message) TAB hex(signature) TAB answers LF</c>, or for a ballot from the sealed box (with a phone key)
    /// <c>hex(message) TAB hex(signature) TAB hex(phoneKey) TAB hex(answerSignature) TAB answers LF</c>, so the
    /// fingerprint pins the proofs too; in ordinal order of hex(message), UTF-8, answers exactly as stored.
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
            hash.AppendData(Encoding.UTF8.GetBytes(ballot.PhoneKey is null
                ? $"{key}\t{Convert.ToHexStringLower(ballot.Signature)}\t{ballot.Answers}\n"
                : $"{key}\t{Convert.ToHexStringLower(ballot.Signature)}\t{Convert.ToHexStringLower(ballot.PhoneKey)}\t"
                  + $"{Convert.ToHexStringLower(ballot.AnswerSignature ?? [])}\t{ballot.Answers}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The fingerprint as reports print it: 64 hex digits in groups of eight, so it can be read aloud and compared.</summary>
    public static string Grouped(string fingerprint) =>
        string.Join(' ', Enumerable.Range(0, fingerprint.Length / 8).Select(i => fingerprint.Substring(i * 8, 8)));
}
