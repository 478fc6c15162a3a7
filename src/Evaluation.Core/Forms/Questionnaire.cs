using System.Text.Json.Serialization;

namespace Evaluation.Core.Forms;

[JsonConverter(typeof(JsonStringEnumConverter<QuestionKind>))]
public enum QuestionKind
{
    /// <summary>One grade on a fixed scale (好/较好/一般/差 …), optionally 不了解.</summary>
    [JsonStringEnumMemberName("rating")] Rating,
    /// <summary>四风-style symptom list: several may be ticked, or the none-option (未发现) alone.</summary>
    [JsonStringEnumMemberName("symptoms")] Symptoms,
    [JsonStringEnumMemberName("single")] SingleChoice,
    [JsonStringEnumMemberName("multiple")] MultipleChoice,
    [JsonStringEnumMemberName("text")] Text,
}

/// <summary>Which targets a question is asked about; <see cref="Once"/> means it is asked once per ballot.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TargetScope>))]
public enum TargetScope
{
    [JsonStringEnumMemberName("once")] Once,
    [JsonStringEnumMemberName("all")] AllTargets,
    [JsonStringEnumMemberName("team")] Team,
    [JsonStringEnumMemberName("members")] Members,
}

public sealed record Question
{
    public required string Id { get; init; }
    public required QuestionKind Kind { get; init; }
    public required string Text { get; init; }
    public TargetScope Per { get; init; } = TargetScope.Once;
    public bool Required { get; init; }
    /// <summary>Rating only: the id of a <see cref="Scale"/>.</summary>
    public string? Scale { get; init; }
    /// <summary>Rating only: offer 不了解, which is left out of the denominator by default.</summary>
    public bool AllowUnknown { get; init; }
    /// <summary>Choice and symptom questions.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];
    /// <summary>Multiple choice and symptoms: more ticks than this void the item alone.</summary>
    public int? MaxSelections { get; init; }
    /// <summary>Symptoms: the option that means "none seen" (未发现); it excludes all others.</summary>
    public string? NoneOption { get; init; }
    /// <summary>Choice and symptoms: a 其他(请注明) box with its own short text.</summary>
    public bool AllowOther { get; init; }
    /// <summary>Text, and the 其他 box: the most characters accepted.</summary>
    public int? MaxLength { get; init; }

    [JsonIgnore] public bool IsPerTarget => Per != TargetScope.Once;
}

public sealed record Questionnaire
{
    public required string Title { get; init; }
    public string? Instructions { get; init; }
    public IReadOnlyList<Question> Questions { get; init; } = [];

    [JsonIgnore] public bool HasPerTargetQuestions => Questions.Any(q => q.IsPerTarget);
}

[JsonConverter(typeof(JsonStringEnumConverter<TargetKind>))]
public enum TargetKind
{
    /// <summary>领导班子 as a whole.</summary>
    [JsonStringEnumMemberName("team")] Team,
    /// <summary>One 班子成员 (or a 党员领导干部 evaluated with them).</summary>
    [JsonStringEnumMemberName("member")] Member,
}

public sealed record Target
{
    public required Guid Id { get; init; }
    public required TargetKind Kind { get; init; }
    public required string Name { get; init; }
    public string? Title { get; init; }
    /// <summary>调出: transferred out within the past year, evaluated with the 班子 all the same.</summary>
    public DateOnly? TransferredOutOn { get; init; }
    public int Position { get; init; }

    public bool IsAskedAbout(Question q) => q.Per switch
    {
        TargetScope.AllTargets => true,
        TargetScope.Team => Kind == TargetKind.Team,
        TargetScope.Members => Kind == TargetKind.Member,
        _ => false,
    };
}

/// <summary>
/// What voters answer once voting opens: the questionnaire and the targets, frozen together, and <see cref="Raters"/>:
/// for each key group whose categories evaluate only some targets (服务对象代表 rate the 班子, not each member), those
/// targets' ids. A key group not listed rates every target; null when no category is limited, so a form without limits
/// hashes exactly as before.
/// </summary>
public sealed record FrozenForm(Questionnaire Questionnaire, IReadOnlyList<Target> Targets,
    IReadOnlyDictionary<Guid, IReadOnlyList<Guid>>? Raters = null)
{
    /// <summary>Whether ballots of this key group (a ballot proves its group) may answer about the target.</summary>
    public bool Rates(Guid keyGroupId, Guid targetId) =>
        Raters is null || !Raters.TryGetValue(keyGroupId, out var scope) || scope.Contains(targetId);

    /// <summary>Whether some key group does not rate the target, so its figures count only part of the ballots.</summary>
    public bool IsLimited(Guid targetId) => Raters is not null && Raters.Values.Any(scope => !scope.Contains(targetId));

    /// <summary>The form a phone of this key group answers: only the targets in its scope, without the scope itself.</summary>
    public FrozenForm ForKeyGroup(Guid keyGroupId) =>
        Raters is null ? this : new(Questionnaire, Targets.Where(t => Rates(keyGroupId, t.Id)).ToList());
}
