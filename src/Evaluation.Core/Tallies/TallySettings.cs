using System.Text.Json;
using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>
/// The counting choices an evaluation may make (DESIGN.md §4). Stored as canonical JSON beside the evaluation and printed
/// on every report, so that whoever reads a number can see how it was counted.
/// </summary>
public sealed record TallySettings
{
    /// <summary>DESIGN.md §2.5: the smallest group of ballots a breakdown may show. Configurable upward only.</summary>
    public const int MinimumSmallCell = 5;
    public const int MaximumSmallCell = 1000;
    public const decimal MaximumWeight = 1000m;

    public static readonly TallySettings Default = new();

    /// <summary>k: no breakdown cell with fewer ballots than this is shown anywhere.</summary>
    public int SmallCell { get; init; } = MinimumSmallCell;

    /// <summary>k as every output applies it: a stored value below the minimum (from before it was enforced) counts as the minimum.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int EffectiveSmallCell => Math.Max(SmallCell, MinimumSmallCell);

    /// <summary>Count 不了解 in the denominator D. Off by default: D = answers − 不了解.</summary>
    public bool UnknownInDenominator { get; init; }

    /// <summary>
    /// Optional score = 100 × Σ coefficient × n / D, per scale id: one coefficient per grade, in the scale's order,
    /// each between 0 and 1 (e.g. 好 1, 较好 0.8, 一般 0.6, 差 0). A scale without coefficients has no score.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<decimal>> Coefficients { get; init; } = new Dictionary<string, IReadOnlyList<decimal>>();

    /// <summary>Optional weight per respondent category; rates are then also given weighted, renormalised over the groups present.</summary>
    public IReadOnlyDictionary<Guid, decimal> CategoryWeights { get; init; } = new Dictionary<Guid, decimal>();

    public IReadOnlyList<decimal>? CoefficientsFor(Scale scale) =>
        Coefficients.TryGetValue(scale.Id, out var c) && c.Count == scale.Grades.Count ? c : null;

    /// <summary>Every reason these settings cannot be used, in Chinese, saying what to change.</summary>
    public IReadOnlyList<string> Problems(IEnumerable<Guid> categoryIds)
    {
        var errors = new List<string>();
        if (SmallCell < MinimumSmallCell)
            errors.Add($"最小公布单元不能小于 {MinimumSmallCell} 票（只能调高，以保护匿名）。");
        else if (SmallCell > MaximumSmallCell)
            errors.Add($"最小公布单元不能超过 {MaximumSmallCell} 票。");
        foreach (var (scaleId, coefficients) in Coefficients)
        {
            if (Scale.Find(scaleId) is not { } scale)
            {
                errors.Add($"计分系数中有未知的评价等级“{scaleId}”，请删除。");
                continue;
            }
            if (coefficients.Count != scale.Grades.Count)
                errors.Add($"“{scale.Name}”需要 {scale.Grades.Count} 个计分系数（每个等级一个），请补全。");
            else if (coefficients.Any(c => c is < 0 or > 1))
                errors.Add($"“{scale.Name}”的计分系数须在 0 到 1 之间（如 1、0.8、0.6、0）。");
        }
        var known = categoryIds.ToHashSet();
        if (CategoryWeights.Keys.Any(id => !known.Contains(id)))
            errors.Add("类别权重中有本次评议没有的评议人员类别，请刷新页面后重新设置。");
        if (CategoryWeights.Values.Any(w => w is <= 0 or > MaximumWeight))
            errors.Add($"类别权重须大于 0、不超过 {MaximumWeight}；不参与加权的类别请留空。");
        return errors;
    }

    public string ToJson() => FormJson.Canonical(this);

    public static TallySettings FromJson(string? json) =>
        string.IsNullOrWhiteSpace(json) ? Default : JsonSerializer.Deserialize<TallySettings>(json, FormJson.Options) ?? Default;

    /// <summary>The counting choices in a sentence for a report's footnote.</summary>
    public string Describe(Func<Guid, string> categoryName)
    {
        var parts = new List<string>
        {
            UnknownInDenominator ? "“不了解”计入分母 D" : "D = 该项作答数 − “不了解”",
            $"少于 {SmallCell} 票的分类不单列",
        };
        foreach (var scale in Scale.All)
            if (CoefficientsFor(scale) is { } c)
                parts.Add($"{scale.Name} 计分系数 {string.Join(" / ", c.Select(x => x.ToString("0.##")))}");
        if (CategoryWeights.Count > 0)
            parts.Add("类别权重 " + string.Join("、", CategoryWeights.Select(p => $"{categoryName(p.Key)} {p.Value:0.##}")));
        return string.Join("；", parts) + "。";
    }
}
