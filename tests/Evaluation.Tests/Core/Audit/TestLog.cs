using Evaluation.Core;

namespace Evaluation.Tests.Core.Audit;

/// <summary>A whole action-log chain, as the server would have written it, for bundles built in memory.</summary>
public static class TestLog
{
    public static List<ActionLogEntry> Chain(params (string Action, string Detail)[] entries)
    {
        var at = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
        return Rechain(entries.Select(e => new ActionLogEntry(0, at, "organizer-a", e.Action, e.Detail, "", "")));
    }

    /// <summary>
    /// The entries numbered and hashed again from the start, as someone rewriting the log with the chain recomputed would
    /// do: the chain is whole, and only what is outside the bundle (an anchor) or the entries' order can tell.
    /// </summary>
    public static List<ActionLogEntry> Rechain(IEnumerable<ActionLogEntry> entries)
    {
        var log = new List<ActionLogEntry>();
        foreach (var e in entries)
        {
            var prev = log.Count == 0 ? ActionLog.GenesisHash : log[^1].Hash;
            var seq = log.Count + 1L;
            log.Add(e with { Seq = seq, PrevHash = prev, Hash = ActionLog.HashOf(seq, e.At, e.Actor, e.Action, e.Detail, prev) });
        }
        return log;
    }
}
