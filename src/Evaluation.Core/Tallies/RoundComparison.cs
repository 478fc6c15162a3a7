using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>
/// A headline rate of one round: its name (好评率, 称职率, 满意率), the share, and what it rests on: <see cref="Positive"/>
/// answers in the first two grades out of <see cref="N"/> (D, the rate's denominator). Absent when the item was suppressed.
/// </summary>
public sealed record RoundRate(string Name, decimal? Rate, int Positive, int N);

/// <summary>
/// One line of a comparison between two rounds: a target (or a question asked once) with its headline rate in each.
/// The rates may have different names (动员大会后 好评率, 总结大会后 满意率); the change is after − before, in shares.
/// <see cref="P"/> is Fisher's exact two-sided p for the two proportions, null unless both rounds have a rate to compare.
/// </summary>
public sealed record ComparisonRow(string Label, RoundRate? Before, RoundRate? After, double? P)
{
    public decimal? Change => Before?.Rate is { } b && After?.Rate is { } a ? a - b : null;

    /// <summary>
    /// Whether the samples support the change at <see cref="RoundComparison.Level"/>: "差异显著" below it, "差异不显著" at or
    /// above it (a change of this size could well come from the same rate); null when nothing was tested.
    /// </summary>
    public string? Verdict => P is not { } p ? null : p < RoundComparison.Level ? RoundComparison.Significant : RoundComparison.NotSignificant;

    public bool Supported => P < RoundComparison.Level;
}

public static class RoundComparison
{
    /// <summary>The significance level: a change with p at or above it is marked as one the samples cannot support.</summary>
    public const double Level = 0.05;
    public const string Significant = "差异显著";
    public const string NotSignificant = "差异不显著";

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

    private static ComparisonRow Row(string label, ItemTally? before, ItemTally? after)
    {
        var (b, a) = (Rate(before), Rate(after));
        // Tested only where both rounds publish a rate: a suppressed item gives no counts, so nothing about it leaks here.
        double? p = b is { Rate: not null } && a is { Rate: not null } ? FisherExact.TwoSided(b.Positive, b.N, a.Positive, a.N) : null;
        return new ComparisonRow(label, b, a, p);
    }

    // The rate's numerator as Tally computes 好评率: the first two grades over D.
    private static RoundRate? Rate(ItemTally? item) => item is { Suppressed: false, Rates: { } rates }
        ? new RoundRate(rates.PositiveName, rates.Positive, item.Options.Take(2).Sum(o => o.Count), item.Denominator)
        : null;
}
