using System.Collections.ObjectModel;
using System.Text.Json.Serialization;
using Evaluation.Core.Forms;

namespace Evaluation.Core.Ballots;

/// <summary>
/// One voter's answer to one question (for one target). Which fields are used depends on the kind:
/// <list type="bullet">
/// <item>rating: <see cref="Choice"/> = a grade of the question's scale, or <see cref="Scale.Unknown"/> when allowed;</item>
/// <item>single choice: <see cref="Choice"/> = one option, <em>or</em> <see cref="Other"/> (其他，请注明) when allowed — never both;</item>
/// <item>multiple choice and symptoms: <see cref="Choices"/> ⊆ options, plus <see cref="Other"/> when allowed (it counts as one
/// selection); for symptoms <see cref="Choices"/> may instead be exactly [none-option] (未发现), with no <see cref="Other"/>;</item>
/// <item>text: <see cref="Text"/>.</item>
/// </list>
/// A blank string, a white-space string or an empty list means "not given"; an answer with nothing given is unanswered.
/// </summary>
public sealed record Answer
{
    public string? Choice { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }
    public string? Other { get; init; }
    public string? Text { get; init; }

    [JsonIgnore] public bool HasChoice => !string.IsNullOrWhiteSpace(Choice);
    [JsonIgnore] public bool HasChoices => Choices is { Count: > 0 };
    [JsonIgnore] public bool HasOther => !string.IsNullOrWhiteSpace(Other);
    [JsonIgnore] public bool HasText => !string.IsNullOrWhiteSpace(Text);
    [JsonIgnore] public bool IsEmpty => !HasChoice && !HasChoices && !HasOther && !HasText;
}

/// <summary>
/// Everything one ballot answers, as the phone sends it and the server stores it:
/// <c>{"once": {"&lt;questionId&gt;": Answer, …}, "targets": {"&lt;targetId&gt;": {"&lt;questionId&gt;": Answer, …}, …}}</c>.
/// Questions asked once per ballot go under <see cref="Once"/>; per-target questions under <see cref="Targets"/>,
/// keyed by the target's id. A question left out is unanswered. Read with <see cref="BallotJson.TryRead"/>,
/// check with <see cref="BallotValidator.Validate"/>, write with <see cref="BallotJson.Canonical"/>.
/// </summary>
public sealed record BallotAnswers
{
    public IReadOnlyDictionary<string, Answer> Once { get; init; } = ReadOnlyDictionary<string, Answer>.Empty;

    public IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>> Targets { get; init; } =
        ReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>>.Empty;
}
