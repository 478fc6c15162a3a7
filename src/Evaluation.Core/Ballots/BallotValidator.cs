using System.Collections.ObjectModel;
using Evaluation.Core.Forms;
using Evaluation.Core.Text;

namespace Evaluation.Core.Ballots;

/// <summary>
/// Checks a ballot against the frozen questionnaire and targets it answers. Messages are for the voter: they name the
/// question and, for per-target questions, the target, and say what to change. They quote what the voter wrote, so
/// like the answers themselves they must never be logged (DESIGN.md §2.4).
/// </summary>
public static class BallotValidator
{
    /// <summary>More target sections than this is not a ballot from our page; refused before anything else is looked at.</summary>
    public const int MaxTargetEntries = 200;
    /// <summary>The most answers one section ("once", or one target's) may hold: no questionnaire has more questions.</summary>
    public const int MaxAnswersPerSection = QuestionnaireValidator.MaxQuestions;
    /// <summary>The most errors listed; a ballot from a broken or hostile client must not produce a page of thousands.</summary>
    public const int MaxErrors = 20;

    // Defaults for dictionaries a hand-built BallotAnswers left null.
    private static readonly IReadOnlyDictionary<string, Answer> NoAnswers = ReadOnlyDictionary<string, Answer>.Empty;
    private static readonly IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>> NoSections =
        ReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>>.Empty;

    private const string Reload = "请刷新页面后重新填写。";
    private const int QuoteLength = 20;

    /// <summary>
    /// A ballot with nothing given anywhere (no answers, or only empty ones) is 弃权: valid, and counted as an
    /// abstention rather than as unanswered items (DESIGN.md §4).
    /// </summary>
    public static bool IsBlank(BallotAnswers answers) =>
        (answers.Once ?? NoAnswers).Values.All(IsUnanswered)
        && (answers.Targets ?? NoSections).Values.All(section => section is null || section.Values.All(IsUnanswered));

    /// <summary>
    /// Every problem with the ballot, in questionnaire order (per-target questions target by target, in position order),
    /// after any answers that do not belong to this form at all. Empty means the ballot may be stored.
    /// </summary>
    public static IReadOnlyList<string> Validate(Questionnaire questionnaire, IReadOnlyList<Target> targets, BallotAnswers answers)
    {
        var once = answers.Once ?? NoAnswers;
        var sections = answers.Targets ?? NoSections;
        if (sections.Count > MaxTargetEntries)
            return [$"答卷中的评议对象数量异常（超过 {MaxTargetEntries} 个），无法提交，{Reload}"];
        if (once.Count > MaxAnswersPerSection || sections.Values.Any(s => s?.Count > MaxAnswersPerSection))
            return [$"答卷中的题目数量异常（超过 {MaxAnswersPerSection} 道），无法提交，{Reload}"];

        var questions = new Dictionary<string, Question>(StringComparer.Ordinal);
        foreach (var q in questionnaire.Questions ?? [])
            if (q?.Id is not null) questions.TryAdd(q.Id, q);
        var targetsById = new Dictionary<Guid, Target>();
        foreach (var t in targets)
            targetsById.TryAdd(t.Id, t);

        var errors = new List<string>();
        CheckBelongs(once, questions, targetsById, sections, errors);

        var blank = IsBlank(answers);
        var ordered = targetsById.Values.OrderBy(t => t.Position).ThenBy(t => t.Id).ToList();
        foreach (var q in questions.Values)
        {
            if (!q.IsPerTarget)
            {
                CheckAnswer(q, null, once.GetValueOrDefault(q.Id), blank, errors);
                continue;
            }
            foreach (var t in ordered.Where(t => t.IsAskedAbout(q)))
                CheckAnswer(q, t, sections.GetValueOrDefault(t.Id)?.GetValueOrDefault(q.Id), blank, errors);
        }

        if (errors.Count > MaxErrors)
            return [.. errors.Take(MaxErrors), $"……另有 {errors.Count - MaxErrors} 处问题未列出。"];
        return errors;
    }

    /// <summary>
    /// The form a valid ballot is stored in: empty answers and empty target sections dropped, <see cref="Answer.Text"/>
    /// and <see cref="Answer.Other"/> trimmed, blank fields null. Meaning is unchanged, so the tally reads the same
    /// either way, but one meaning has one canonical JSON. Call it only on a ballot <see cref="Validate"/> accepted.
    /// </summary>
    public static BallotAnswers Normalise(BallotAnswers answers) => new()
    {
        Once = Normalise(answers.Once ?? NoAnswers),
        Targets = (answers.Targets ?? NoSections)
            .Select(p => (p.Key, Answers: Normalise(p.Value ?? NoAnswers)))
            .Where(p => p.Answers.Count > 0)
            .ToDictionary(p => p.Key, p => p.Answers),
    };

    private static IReadOnlyDictionary<string, Answer> Normalise(IReadOnlyDictionary<string, Answer> section) =>
        section.Where(p => !IsUnanswered(p.Value)).ToDictionary(p => p.Key, p => new Answer
        {
            Choice = p.Value.HasChoice ? p.Value.Choice : null,
            Choices = p.Value.HasChoices ? p.Value.Choices : null,
            Other = p.Value.HasOther ? p.Value.Other!.Trim() : null,
            Text = p.Value.HasText ? p.Value.Text!.Trim() : null,
        }, StringComparer.Ordinal);

    private static bool IsUnanswered(Answer? answer) => answer is null || answer.IsEmpty;

    /// <summary>
    /// Whether one answer breaks its question's rules, by the very checks <see cref="Validate"/> makes: a wrong shape,
    /// an option or grade the question does not offer, a blank or repeated option, over-selection, 未发现 with something
    /// else, a text or 其他 over its limit, or a required question left empty on a ballot that is not blank. The tally
    /// voids such an item alone (DESIGN.md §4): ballots arrive sealed, so nobody could refuse them before they were stored.
    /// Builds no message unless the answer breaks a rule.
    /// </summary>
    public static bool BreaksRules(Question question, Answer? answer, bool blankBallot)
    {
        var errors = new List<string>(0);
        CheckAnswer(question, null, answer, blankBallot, errors);
        return errors.Count > 0;
    }

    // Answers that do not fit the form's structure. The phone page cannot produce them, so the voter's only remedy is
    // to reload; they are reported even when the answer itself is empty.
    private static void CheckBelongs(
        IReadOnlyDictionary<string, Answer> once,
        Dictionary<string, Question> questions,
        Dictionary<Guid, Target> targets,
        IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>> sections,
        List<string> errors)
    {
        foreach (var id in once.Keys.Order(StringComparer.Ordinal))
        {
            if (!questions.TryGetValue(id, out var q))
                errors.Add(UnknownQuestion(id));
            else if (q.IsPerTarget)
                errors.Add($"{Where(q, null)}：本题需要对每个评议对象分别作答，{Reload}");
        }
        foreach (var (targetId, section) in sections.OrderBy(p => p.Key))
        {
            if (!targets.TryGetValue(targetId, out var t))
            {
                errors.Add($"答卷中的评议对象（编号 {targetId}）不在本次评议名单中，{Reload}");
                continue;
            }
            foreach (var id in (section ?? NoAnswers).Keys.Order(StringComparer.Ordinal))
            {
                if (!questions.TryGetValue(id, out var q))
                    errors.Add(UnknownQuestion(id));
                else if (!t.IsAskedAbout(q))
                    errors.Add($"{Where(q, t)}：本题不针对该评议对象，{Reload}");
            }
        }
    }

    private static string UnknownQuestion(string id) => $"答卷中有问卷里没有的题目（编号“{Quote(id)}”），{Reload}";

    private static void CheckAnswer(Question q, Target? t, Answer? a, bool blankBallot, List<string> errors)
    {
        var where = new Place(q, t);
        if (a is null || a.IsEmpty)
        {
            // A blank ballot is 弃权, not a ballot with missing items.
            if (q.Required && !blankBallot)
                errors.Add($"{where}：{MissingMessage(q)}");
            return;
        }

        if (WrongShape(q, a) is { } expected)
        {
            errors.Add($"{where}：答案格式与题型不符（{expected}），{Reload}");
            return;
        }
        if (a.HasOther && !q.AllowOther)
        {
            errors.Add($"{where}：本题没有“其他（请注明）”，{Reload}");
            return;
        }

        switch (q.Kind)
        {
            case QuestionKind.Rating:
                CheckRating(q, a.Choice!, where, errors);
                break;
            case QuestionKind.SingleChoice:
                if (a.HasChoice && a.HasOther)
                    errors.Add($"{where}：请只选一项：选择一个选项，或在“其他”中注明，不能同时填写。");
                else if (a.HasChoice && !q.Options.Contains(a.Choice, StringComparer.Ordinal))
                    errors.Add($"{where}：选项“{Quote(a.Choice!)}”不在本题选项中，请重新选择。");
                break;
            case QuestionKind.MultipleChoice:
            case QuestionKind.Symptoms:
                CheckSelections(q, a, where, errors);
                break;
            case QuestionKind.Text:
                var length = UserText.Length(a.Text!.Trim());
                var max = q.MaxLength ?? QuestionnaireValidator.MaxTextAnswerLength;
                if (length > max)
                    errors.Add($"{where}：内容不能超过 {max} 个字，您写了 {length} 个字，请删减。");
                break;
        }

        if (a.HasOther)
        {
            var length = UserText.Length(a.Other!.Trim());
            var max = q.MaxLength ?? QuestionnaireValidator.MaxOptionLength * 2;
            if (length > max)
                errors.Add($"{where}：“其他”的说明不能超过 {max} 个字，您写了 {length} 个字，请删减。");
        }
    }

    private static string MissingMessage(Question q) => q.Kind switch
    {
        QuestionKind.Rating or QuestionKind.SingleChoice => "请选择一项。",
        QuestionKind.Symptoms when q.NoneOption is not null => $"请至少选择一项；没有发现问题请选择“{q.NoneOption}”。",
        QuestionKind.MultipleChoice or QuestionKind.Symptoms => "请至少选择一项。",
        _ => "请填写内容。",
    };

    /// <summary>What the kind expects, when the answer uses fields the kind does not have; null when the shape fits.</summary>
    private static string? WrongShape(Question q, Answer a) => q.Kind switch
    {
        QuestionKind.Rating when a.HasChoices || a.HasOther || a.HasText || !a.HasChoice => "本题应选择一个等级",
        QuestionKind.SingleChoice when a.HasChoices || a.HasText => "本题为单选",
        QuestionKind.MultipleChoice or QuestionKind.Symptoms when a.HasChoice || a.HasText => "本题为多选",
        QuestionKind.Text when a.HasChoice || a.HasChoices || a.HasOther => "本题应填写文字",
        _ => null,
    };

    private static void CheckRating(Question q, string choice, Place where, List<string> errors)
    {
        var grades = Scale.Find(q.Scale)?.Grades ?? [];
        if (choice == Scale.Unknown)
        {
            if (!q.AllowUnknown)
                errors.Add($"{where}：本题不设“{Scale.Unknown}”，请选择一个等级。");
        }
        else if (!grades.Contains(choice, StringComparer.Ordinal))
        {
            var offered = q.AllowUnknown ? [.. grades, Scale.Unknown] : grades;
            errors.Add($"{where}：“{Quote(choice)}”不是本题的评价等级，请从{string.Join("、", offered)}中选择。");
        }
    }

    private static void CheckSelections(Question q, Answer a, Place where, List<string> errors)
    {
        var choices = a.Choices ?? [];
        var none = q.Kind == QuestionKind.Symptoms ? q.NoneOption : null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? unknown = null, duplicate = null;
        var blank = false;
        foreach (var choice in choices)
        {
            if (string.IsNullOrWhiteSpace(choice))
                blank = true;
            else if (!q.Options.Contains(choice, StringComparer.Ordinal) && choice != none)
                unknown ??= choice;
            else if (!seen.Add(choice))
                duplicate ??= choice;
        }
        // One message per kind of mistake: a list of bad options would only repeat itself.
        if (blank)
            errors.Add($"{where}：有空白选项，{Reload}");
        if (unknown is not null)
            errors.Add($"{where}：选项“{Quote(unknown)}”不在本题选项中，请重新选择。");
        if (duplicate is not null)
            errors.Add($"{where}：选项“{Quote(duplicate)}”重复选择，请只保留一次。");

        if (none is not null && seen.Contains(none) && (seen.Count > 1 || a.HasOther))
        {
            errors.Add($"{where}：选择“{none}”时不能再选择其他选项或填写“其他”，请重新选择。");
            return;
        }
        var count = choices.Count + (a.HasOther ? 1 : 0);
        if (q.MaxSelections is { } max && count > max)
            errors.Add($"{where}：最多选择 {max} 项{(a.HasOther ? "（“其他”也算一项）" : "")}，您选了 {count} 项，请减少。");
    }

    /// <summary>Where an answer is, written out only when a message names it: the tally checks every answer of every ballot.</summary>
    private readonly record struct Place(Question Question, Target? Target)
    {
        public override string ToString() => Where(Question, Target);
    }

    private static string Where(Question q, Target? t) => t is null ? $"“{q.Text}”" : $"“{q.Text}”（{t.Name}）";

    private static string Quote(string value) => UserText.Excerpt(value, QuoteLength);
}
