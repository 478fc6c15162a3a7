namespace Evaluation.Core.Tallies;

/// <summary>
/// Fisher's exact test of two proportions, two-sided: whether x₁ of n₁ against x₂ of n₂ could well come from one rate.
/// Exact for any sample sizes, small or lopsided (8 against 190), which the normal approximation is not: the 2×2 table's
/// probabilities are hypergeometric, summed in logs so that n in the thousands neither overflows nor loses precision.
/// </summary>
public static class FisherExact
{
    // Tables whose probability equals the observed one's up to rounding count as "as extreme" (R's fisher.test uses the same
    // relative tolerance): without it, two mirror tables of equal probability could fall on either side of the comparison.
    private const double RelativeTolerance = 1e-7;

    /// <summary>
    /// The two-sided p-value: the total probability, given both sample sizes and the pooled count of successes, of every
    /// table no more probable than the observed one. 1 when the margins allow only one table (an empty sample, or all
    /// successes or none in both).
    /// </summary>
    public static double TwoSided(int x1, int n1, int x2, int n2)
    {
        if (n1 < 0 || n2 < 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2)
            throw new ArgumentOutOfRangeException(nameof(x1), $"not a 2×2 table: {x1}/{n1} against {x2}/{n2}");
        var n = n1 + n2;
        var successes = x1 + x2;
        var logFactorial = LogFactorials(n);
        // P(X = x) for X, the successes in the first sample: C(n1, x) C(n2, K − x) / C(n, K).
        double LogP(int x) =>
            logFactorial[n1] - logFactorial[x] - logFactorial[n1 - x]
            + logFactorial[n2] - logFactorial[successes - x] - logFactorial[n2 - successes + x]
            - (logFactorial[n] - logFactorial[successes] - logFactorial[n - successes]);

        var observed = LogP(x1);
        var threshold = observed + RelativeTolerance; // ln(1 + ε) ≈ ε
        double p = 0;
        for (var x = Math.Max(0, successes - n2); x <= Math.Min(successes, n1); x++)
            if (LogP(x) is var logP && logP <= threshold)
                p += Math.Exp(logP);
        return Math.Min(1, p);
    }

    private static double[] LogFactorials(int n)
    {
        var table = new double[n + 1];
        for (var i = 2; i <= n; i++)
            table[i] = table[i - 1] + Math.Log(i);
        return table;
    }
}
