using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Voting;
using Npgsql;

namespace Evaluation.Web.Features.Raters;

/// <summary>
/// 评议范围: which targets a respondent category rates (respondent_category.target_ids, null for every target), and what
/// becomes of it when voting opens — key groups that never mix scopes, and the frozen form's raters section.
/// </summary>
public static class RaterScopes
{
    /// <summary>
    /// Each category with its scope reduced to the targets that still exist, in target order. A scope naming every target
    /// is no limit (null); one naming none is kept empty, for <see cref="OpeningProblems"/> to refuse.
    /// </summary>
    public static IReadOnlyList<CategoryRow> Effective(IReadOnlyList<CategoryRow> categories, IReadOnlyList<Target> targets) =>
        categories.Select(c => c with { TargetIds = Effective(c.TargetIds, targets) }).ToList();

    private static Guid[]? Effective(Guid[]? scope, IReadOnlyList<Target> targets)
    {
        if (scope is null) return null;
        var kept = targets.Where(t => scope.Contains(t.Id)).Select(t => t.Id).ToArray();
        return kept.Length == targets.Count && kept.Length > 0 ? null : kept;
    }

    /// <summary>Categories with the same key rate the same targets and may share a key group.</summary>
    public static string Key(CategoryRow category) =>
        category.TargetIds is null ? "*" : string.Join(",", category.TargetIds.Order());

    /// <summary>Why voting cannot open with these scopes, saying what to change; empty when it can.</summary>
    public static IReadOnlyList<string> OpeningProblems(IReadOnlyList<CategoryRow> categories, IReadOnlyList<Target> targets, int k)
    {
        var effective = Effective(categories, targets);
        var errors = effective.Where(c => c.TargetIds is { Length: 0 })
            .Select(c => $"类别“{c.Name}”限定评议的对象都已删除，请在它的“评议范围”中重新勾选，或改为评议全部对象。").ToList();
        var scopes = effective.Where(c => c.TargetIds is not { Length: 0 }).GroupBy(Key).ToList();
        if (scopes.Count < 2) return errors;
        // A key group expecting fewer than 2k voters would let a ballot prove a small group (DESIGN.md §2.1); categories
        // rating different targets cannot share one, so each scope must expect 2k on its own.
        foreach (var scope in scopes.Where(s => s.Sum(c => c.ExpectedCount) < 2 * k))
            errors.Add($"评议范围相同的类别（{string.Join("、", scope.Select(c => c.Name))}）应到合计 {scope.Sum(c => c.ExpectedCount)} 人，"
                + $"少于 {2 * k} 人：它们的选票单独成组会暴露小群体。请提高应到人数，或把评议范围改为与其他类别相同。");
        return errors;
    }

    public static async Task<IReadOnlyList<string>> OpeningProblemsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId,
        IReadOnlyList<Target> targets, IReadOnlyList<CategoryRow> categories)
    {
        if (categories.All(c => c.TargetIds is null)) return [];
        var settings = TallySettings.FromJson(await conn.QuerySingleAsync<string?>(
            "select tally_settings from evaluation where id = @evaluationId", new { evaluationId }, tx));
        return OpeningProblems(categories, targets, settings.EffectiveSmallCell);
    }

    /// <summary>The frozen form's raters section: each limited key group's targets; null when no group is limited.</summary>
    public static IReadOnlyDictionary<Guid, IReadOnlyList<Guid>>? Raters(IReadOnlyList<KeyGroups.KeyGroup> groups)
    {
        var limited = groups.Where(g => g.Members[0].TargetIds is not null)
            .ToDictionary(g => g.Id, g => (IReadOnlyList<Guid>)g.Members[0].TargetIds!);
        return limited.Count > 0 ? limited : null;
    }

    /// <summary>The scope in a few words for the category's row: "评议：全部对象", "评议：领导班子（1 项）".</summary>
    public static string Summary(CategoryRow category, IReadOnlyList<Target> targets)
    {
        var scope = Effective(category.TargetIds, targets);
        if (scope is null) return "评议：全部对象";
        if (scope.Length == 0) return "评议：未选对象（请重新勾选）";
        var names = targets.Where(t => scope.Contains(t.Id)).Select(t => t.Name).ToList();
        return $"评议：{string.Join("、", names.Take(2))}{(names.Count > 2 ? " 等" : "")}（{names.Count} 项）";
    }
}
