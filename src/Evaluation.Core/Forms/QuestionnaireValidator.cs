using System.Text.RegularExpressions;
using Evaluation.Core.Text;

namespace Evaluation.Core.Forms;

/// <summary>Checks a questionnaire before it is stored. Every message says what to change, in the organiser's words.</summary>
public static partial class QuestionnaireValidator
{
    public const int MaxTitleLength = 100;
    public const int MaxInstructionsLength = 2000;
    public const int MaxQuestions = 100;
    public const int MaxQuestionTextLength = 300;
    public const int MaxOptions = 30;
    public const int MaxOptionLength = 100;
    public const int MaxTextAnswerLength = 2000;

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,39}$")]
    private static partial Regex QuestionIdPattern();

    public static IReadOnlyList<string> Validate(Questionnaire questionnaire)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(questionnaire.Title))
            errors.Add("请填写问卷标题。");
        else if (UserText.Length(questionnaire.Title) > MaxTitleLength)
            errors.Add($"问卷标题不能超过 {MaxTitleLength} 个字，请缩短。");
        else if (UserText.HasHiddenCharacters(questionnaire.Title))
            errors.Add(HiddenCharactersProblem("问卷标题"));
        if (questionnaire.Instructions is { } instructions && UserText.Length(instructions) > MaxInstructionsLength)
            errors.Add($"填写说明不能超过 {MaxInstructionsLength} 个字，请缩短。");
        else if (UserText.HasHiddenCharactersBesideLineBreaks(questionnaire.Instructions))
            errors.Add(HiddenCharactersProblem("填写说明"));

        var questions = questionnaire.Questions ?? [];
        if (questions.Count == 0)
            errors.Add("问卷还没有题目，请至少添加一道题。");
        if (questions.Count > MaxQuestions)
            errors.Add($"题目不能超过 {MaxQuestions} 道，请删减。");

        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < questions.Count; i++)
        {
            var q = questions[i];
            if (q is null)
            {
                errors.Add($"第 {i + 1} 题为空，请删除或补全。");
                continue;
            }
            var where = $"第 {i + 1} 题";
            if (q.Id is null || !QuestionIdPattern().IsMatch(q.Id))
                errors.Add($"{where}：题目编号只能由小写字母、数字、下划线和连字符组成（1–40 个字符）。");
            else if (!seenIds.Add(q.Id))
                errors.Add($"{where}：题目编号“{q.Id}”与前面的题目重复，请换一个。");
            ValidateQuestion(q, where, errors);
        }
        return errors;
    }

    private static void ValidateQuestion(Question q, string where, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(q.Text))
            errors.Add($"{where}：请填写题目内容。");
        else if (UserText.Length(q.Text) > MaxQuestionTextLength)
            errors.Add($"{where}：题目内容不能超过 {MaxQuestionTextLength} 个字，请缩短。");
        else if (UserText.HasHiddenCharacters(q.Text))
            errors.Add($"{where}：{HiddenCharactersProblem("题目内容")}");
        if (!Enum.IsDefined(q.Kind))
            errors.Add($"{where}：未知的题型，请从评价等级、四风问题、单选、多选、文字意见中选择。");
        if (!Enum.IsDefined(q.Per))
            errors.Add($"{where}：未知的评议范围，请选择“整卷一次”“每个评议对象”“仅领导班子”或“仅班子成员”。");

        var options = q.Options ?? [];
        switch (q.Kind)
        {
            case QuestionKind.Rating:
                if (Scale.Find(q.Scale) is null)
                    errors.Add($"{where}：未知的评价等级“{q.Scale}”，请选择：{string.Join("；", Scale.All.Select(s => $"{s.Id}（{s.Name}）"))}。");
                if (options.Count > 0)
                    errors.Add($"{where}：评价等级题的选项由等级决定，请不要另填选项。");
                if (q.MaxSelections is not null || q.AllowOther || q.NoneOption is not null || q.MaxLength is not null)
                    errors.Add($"{where}：评价等级题只能设置等级和“不了解”，请去掉其他设置。");
                break;

            case QuestionKind.Symptoms:
            case QuestionKind.SingleChoice:
            case QuestionKind.MultipleChoice:
                ValidateOptions(q, options, where, errors);
                break;

            case QuestionKind.Text:
                if (options.Count > 0 || q.Scale is not null || q.MaxSelections is not null || q.NoneOption is not null || q.AllowOther)
                    errors.Add($"{where}：文字意见题不需要选项或等级，请去掉。");
                if (q.MaxLength is null or < 1 or > MaxTextAnswerLength)
                    errors.Add($"{where}：请为文字意见设置字数上限（1–{MaxTextAnswerLength}）。");
                break;
        }
    }

    private static void ValidateOptions(Question q, IReadOnlyList<string> options, string where, List<string> errors)
    {
        if (q.Scale is not null || q.AllowUnknown)
            errors.Add($"{where}：只有评价等级题可以设置等级和“不了解”。");

        var minimum = q.Kind == QuestionKind.Symptoms ? 1 : 2;
        if (options.Count < minimum)
            errors.Add(q.Kind == QuestionKind.Symptoms
                ? $"{where}：四风问题至少需要 1 个表现选项。"
                : $"{where}：选择题至少需要 {minimum} 个选项。");
        if (options.Count > MaxOptions)
            errors.Add($"{where}：选项不能超过 {MaxOptions} 个，请删减。");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            if (string.IsNullOrWhiteSpace(option))
                errors.Add($"{where}：有空白选项，请删除或填写。");
            else if (UserText.Length(option) > MaxOptionLength)
                errors.Add($"{where}：选项“{UserText.Excerpt(option, 20)}”超过 {MaxOptionLength} 个字，请缩短。");
            else if (UserText.HasHiddenCharacters(option))
                errors.Add($"{where}：{HiddenCharactersProblem("选项")}");
            else if (option != option.Trim())
                errors.Add($"{where}：选项“{option.Trim()}”首尾有空格，请去掉。");
            else if (!seen.Add(option))
                errors.Add($"{where}：选项“{option}”重复，请删除重复项。");
        }

        if (q.NoneOption is not null)
        {
            if (q.Kind != QuestionKind.Symptoms)
                errors.Add($"{where}：只有四风问题可以设置“未发现”选项。");
            else if (string.IsNullOrWhiteSpace(q.NoneOption) || UserText.Length(q.NoneOption) > MaxOptionLength)
                errors.Add($"{where}：“未发现”选项的文字不能为空，也不能超过 {MaxOptionLength} 个字。");
            else if (UserText.HasHiddenCharacters(q.NoneOption))
                errors.Add($"{where}：{HiddenCharactersProblem("“未发现”选项的文字")}");
            else if (seen.Contains(q.NoneOption))
                errors.Add($"{where}：“{q.NoneOption}”已作为“未发现”选项，请不要在普通选项里重复。");
        }

        if (q.MaxSelections is { } max)
        {
            if (q.Kind == QuestionKind.SingleChoice)
                errors.Add($"{where}：单选题不需要设置最多选几项。");
            else if (max < 1 || max > options.Count + (q.AllowOther ? 1 : 0))
                errors.Add($"{where}：最多可选项数应在 1 到选项数之间。");
        }

        if (q.AllowOther)
        {
            if (q.MaxLength is null or < 1 or > MaxOptionLength * 2)
                errors.Add($"{where}：“其他（请注明）”需要字数上限（1–{MaxOptionLength * 2}）。");
        }
        else if (q.MaxLength is not null)
            errors.Add($"{where}：字数上限只用于文字意见题和“其他（请注明）”。");
    }

    // A direction override (U+202E) or a zero-width character in a question reverses or hides the product's own words
    // around it on every phone and in every report; nobody types one, it comes with a paste. Voters' answers are kept as
    // typed (原汁原味) and isolated where shown; what the organiser writes is refused instead.
    private static string HiddenCharactersProblem(string field) =>
        $"{field}中有看不见的控制字符或方向控制字符（通常是从别处复制时带入的），请删除后重新输入。";

    /// <summary>Checks that a questionnaire can be put to these targets: every per-target question has someone to be asked about.</summary>
    public static IReadOnlyList<string> ValidateForVoting(Questionnaire questionnaire, IReadOnlyList<Target> targets)
    {
        var errors = Validate(questionnaire).ToList();
        foreach (var q in questionnaire.Questions.Where(q => q?.IsPerTarget == true))
        {
            if (!targets.Any(t => t.IsAskedAbout(q)))
                errors.Add(q.Per switch
                {
                    TargetScope.Team => $"题目“{q.Text}”针对领导班子，请先添加领导班子作为评议对象。",
                    TargetScope.Members => $"题目“{q.Text}”针对班子成员，请先添加班子成员。",
                    _ => $"题目“{q.Text}”针对每个评议对象，请先添加评议对象。",
                });
        }
        return errors;
    }
}
