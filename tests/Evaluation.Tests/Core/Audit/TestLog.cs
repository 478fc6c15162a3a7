using Evaluation.Core;

namespace Evaluation.Tests.Core.Audit;

/// <summary>A whole action-log chain, as the server would have written it, for bundles built in memory.</summary>
public static class TestLog
{
    public static List<ActionLogEntry> Chain(params (string Action, string Detail)[] entries)
    {
        var log = new List<ActionLogEntry>();
        var at = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
        foreach (var (action, detail) in entries)
        {
            var prev = log.Count == 0 ? ActionLog.GenesisHash : log[^1].Hash;
            var seq = log.Count + 1L;
            log.Add(new ActionLogEntry(seq, at, "organizer-a", action, detail, prev, ActionLog.HashOf(seq, at, "organizer-a", action, detail, prev)));
        }
        return log;
    }
}
