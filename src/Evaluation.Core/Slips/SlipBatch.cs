namespace Evaluation.Core.Slips;

/// <summary>What the slips forms propose and show, by the same small-cell rule as the turnout (DESIGN.md §2.6–2.7).</summary>
public static class SlipBatch
{
    /// <summary>The number a category's issue form proposes: what is still missing to reach its 应到, never below 0.</summary>
    public static int DefaultCount(int expected, int issued, int voided) => Math.Max(0, expected - (issued - voided));

    /// <summary>
    /// A batch's unused slips, or null where showing them would tell staff whose slip was used: a batch of fewer than k
    /// slips (a replacement is one person they saw), or any batch of a category whose check-ins the turnout does not show,
    /// since a category's batches add up to its check-ins. Before voting opens nothing is used and nothing is hidden.
    /// </summary>
    public static int? ShownUnused(int unused, int slipCount, bool votingOpened, bool categoryCheckInsShown, int k) =>
        !votingOpened || slipCount >= k && categoryCheckInsShown ? unused : null;
}
