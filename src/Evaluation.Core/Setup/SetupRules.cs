using Evaluation.Core.Forms;
using Evaluation.Core.Text;

namespace Evaluation.Core.Setup;

/// <summary>A 评议对象 as an organiser entered it, typed into the form or read from an imported table; not yet trimmed.</summary>
public sealed record TargetEntry(TargetKind? Kind, string? Name, string? Title, DateOnly? TransferredOutOn);

/// <summary>
/// What makes a 评议对象 or a 评议人员类别 acceptable, in one place: the form that adds one and the import that adds many
/// apply the same rules, so an import cannot store what the form would refuse.
/// </summary>
public static class SetupRules
{
    public const int MaxNameLength = 50;
    public const int MaxTitleLength = 50;
    /// <summary>The table's check on 应到 (respondent_category.expected_count).</summary>
    public const int MaxExpectedCount = 1_000_000;

    public const string OneTeamProblem = "已经有一个领导班子，每次评议只评一个班子。";

    /// <param name="others">The evaluation's other targets (without the one being edited).</param>
    /// <param name="today">Today in China: a transfer cannot be in the future.</param>
    public static List<string> TargetProblems(TargetEntry entry, IEnumerable<Target> others, DateOnly today)
    {
        var errors = new List<string>();
        if (entry.Kind is null)
            errors.Add("请选择评议对象类型：领导班子或班子成员。");
        var name = entry.Name?.Trim();
        var title = NullIfBlank(entry.Title);
        if (string.IsNullOrEmpty(name) || UserText.IsLongerThan(name, MaxNameLength))
            errors.Add($"请填写评议对象名称或姓名（不超过 {MaxNameLength} 个字）。");
        if (UserText.IsLongerThan(title, MaxTitleLength))
            errors.Add($"职务不能超过 {MaxTitleLength} 个字，请缩短。");
        if (UserText.HasHiddenCharacters(entry.Name)) errors.Add(UserText.HiddenCharacterProblem("名称或姓名"));
        if (UserText.HasHiddenCharacters(entry.Title)) errors.Add(UserText.HiddenCharacterProblem("职务"));
        if (entry.Kind == TargetKind.Member && entry.TransferredOutOn > today)
            errors.Add("调出日期不能晚于今天。");
        var list = others.ToList();
        if (entry.Kind == TargetKind.Team && list.Any(t => t.Kind == TargetKind.Team))
            errors.Add(OneTeamProblem);
        else if (!string.IsNullOrEmpty(name) && list.Any(t => t.Kind == entry.Kind && t.Name == name && t.Title == title))
            errors.Add($"已经有评议对象“{UserText.Excerpt(name, 20)}”{(title is null ? "" : $"（{UserText.Excerpt(title, 20)}）")}，请勿重复添加。");
        return errors;
    }

    /// <param name="otherNames">The names of the evaluation's other categories.</param>
    public static List<string> CategoryProblems(string? name, int? expectedCount, IEnumerable<string> otherNames)
    {
        var errors = new List<string>();
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || UserText.IsLongerThan(trimmed, MaxNameLength))
            errors.Add($"请填写类别名称（不超过 {MaxNameLength} 个字），如“机关工作人员”。");
        else if (UserText.HasHiddenCharacters(name))
            errors.Add(UserText.HiddenCharacterProblem("类别名称"));
        else if (otherNames.Contains(trimmed, StringComparer.Ordinal))
            errors.Add($"类别“{trimmed}”已存在。");
        if (expectedCount is not (>= 0 and <= MaxExpectedCount))
            errors.Add(ExpectedCountProblem);
        return errors;
    }

    public static readonly string ExpectedCountProblem = $"应到人数请填写 0 到 {MaxExpectedCount} 之间的整数。";

    public static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
