using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>
/// One line of a comparison between two rounds: a target (or a question asked once) with its headline rate in each.
/// The rates may have different names (动员大会后 好评率, 总结大会后 满意率); the change is after − before, in shares.
/// </summary>
public sealed record ComparisonRow(string Label, string? BeforeName, decimal? Before, string? AfterName, decimal? After)
{
    public decimal? Change => Before is { } b && After is { } a ? a - b : null;
}

public static class RoundComparison
{
    /// <summary>
    /// Targets are matched by kind and name (each round has its own target rows), the 班子 by kind alone; questions asked
    /// once are matched by id when both are ratings. A target in one round only still gets a row, with the other side empty.
    /// </summary>
    public static IReadOnlyList<ComparisonRow> Compare(Tally before, Tally after)
    {
        static string Key(Target t) => t.Kind == TargetKind.Team ? "team" : "member:" + t.Name;
        var afterTargets = after.Targets.ToDictionary(t => Key(t.Target));
        var rows = new List<ComparisonRow>();
        foreach (var b in before.Targets)
        {
            afterTargets.Remove(Key(b.Target), out var a);
            rows.Add(Row(b.Target.Kind == TargetKind.Team ? "领导班子" : b.Target.Name, b.Headline, a?.Headline));
        }
        rows.AddRange(afterTargets.Values.OrderBy(a => a.Target.Position).Select(a => Row(a.Target.Name, null, a.Headline)));

        var afterGeneral = after.General.Where(i => i.Question.Kind == QuestionKind.Rating).ToDictionary(i => i.Question.Id);
        foreach (var b in before.General.Where(i => i.Question.Kind == QuestionKind.Rating))
            if (afterGeneral.TryGetValue(b.Question.Id, out var a))
                rows.Add(Row(b.Question.Text, b, a));
        return rows;
    }

    private static ComparisonRow Row(string label, ItemTally? before, ItemTally? after) =>
        new(label, before?.Rates?.PositiveName, before?.Rates?.Positive, after?.Rates?.PositiveName, after?.Rates?.Positive);
}
