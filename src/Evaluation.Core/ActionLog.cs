using System.Globalization;
using Evaluation.Core.Forms;

namespace Evaluation.Core;

/// <summary>One staff action. The log is append-only and each entry's hash covers the previous one, so a deleted, inserted or edited entry breaks the chain.</summary>
public sealed record ActionLogEntry(long Seq, DateTimeOffset At, string Actor, string Action, string Detail, string PrevHash, string Hash);

/// <summary>
/// The newest entry of the log when something was printed or shown: reports and the evaluation page carry it, and the
/// verifier's <c>--anchor</c> checks that a bundle's log still holds it, so a log rewritten later cannot pass.
/// </summary>
public sealed record ActionLogHead(long Seq, string Hash)
{
    public override string ToString() => $"第 {Seq} 条，{Hash}";
}

public static class ActionLog
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string HashOf(long seq, DateTimeOffset at, string actor, string action, string detail, string prevHash) =>
        FormJson.Sha256Hex(FormJson.Canonical(new
        {
            seq,
            at = at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            actor,
            action,
            detail,
            prev = prevHash,
        }));

    /// <summary>The sequence number of the first entry that does not follow from the one before, or null when the chain is whole.</summary>
    public static long? FirstBrokenLink(IEnumerable<ActionLogEntry> entriesInOrder)
    {
        var prev = GenesisHash;
        long expectedSeq = 1;
        foreach (var e in entriesInOrder)
        {
            if (e.Seq != expectedSeq || e.PrevHash != prev || e.Hash != HashOf(e.Seq, e.At, e.Actor, e.Action, e.Detail, e.PrevHash))
                return e.Seq;
            prev = e.Hash;
            expectedSeq++;
        }
        return null;
    }
}
