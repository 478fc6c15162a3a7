using System.Security.Cryptography;
using System.Text;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>How often each option of one choice question was ticked in the open box: mentions, not votes.</summary>
public sealed record OpenBoxChoice(Question Question, IReadOnlyList<(string Option, int Mentions)> Options, int Other, int Answered);

/// <summary>
/// What the open 征求意见箱 received: how many submissions, their texts verbatim (in random order, as
/// <see cref="Opinion.OpenBox"/> opinions that join the 梳理汇总 beside the ballots'), and the choices ticked. Anyone may
/// submit, and as often as they like, so none of it is a vote: nothing here enters the turnout, a rate, the ballots'
/// fingerprint or the audit bundle, and no figure is suppressed under k, since a box without a roll of who may answer has
/// no small group of known people that a count could single out.
/// </summary>
public sealed record OpenBoxTally(int Submissions, IReadOnlyList<Opinion> Opinions, IReadOnlyList<OpenBoxChoice> Choices)
{
    /// <param name="rows">Each stored submission: its random id and its answers as <see cref="BallotJson"/> wrote them.</param>
    public static OpenBoxTally Count(Questionnaire boxForm, IReadOnlyList<(Guid Id, string Answers)> rows, Random? random = null)
    {
        var questions = boxForm.Questions.ToDictionary(q => q.Id, StringComparer.Ordinal);
        var mentions = boxForm.Questions.Where(q => q.Kind != QuestionKind.Text)
            .ToDictionary(q => q.Id, q => new Dictionary<string, int>(StringComparer.Ordinal), StringComparer.Ordinal);
        var other = new Dictionary<string, int>(StringComparer.Ordinal);
        var answered = new Dictionary<string, int>(StringComparer.Ordinal);
        var opinions = new List<Opinion>();
        foreach (var (id, json) in rows)
        {
            // Checked against the box's form when it arrived; one that no longer reads is skipped rather than guessed at.
            if (!BallotJson.TryRead(json, out var answers, out _)) continue;
            foreach (var (questionId, answer) in answers.Once)
            {
                if (!questions.TryGetValue(questionId, out var question) || answer.IsEmpty) continue;
                answered[questionId] = answered.GetValueOrDefault(questionId) + 1;
                if (answer.HasText)
                    opinions.Add(OpinionOf(id, question, answer.Text!.Trim(), isOther: false));
                if (answer.HasOther)
                {
                    other[questionId] = other.GetValueOrDefault(questionId) + 1;
                    opinions.Add(OpinionOf(id, question, answer.Other!.Trim(), isOther: true));
                }
                if (mentions.TryGetValue(questionId, out var counts))
                    foreach (var choice in answer.HasChoice ? [answer.Choice!] : answer.Choices ?? [])
                        counts[choice] = counts.GetValueOrDefault(choice) + 1;
            }
        }

        var shuffled = opinions.ToArray();
        (random ?? Random.Shared).Shuffle(shuffled);
        var choices = boxForm.Questions.Where(q => q.Kind != QuestionKind.Text).Select(q => new OpenBoxChoice(q,
            [.. q.Options.Concat(q.Kind == QuestionKind.Symptoms && q.NoneOption is { } none ? [none] : [])
                .Select(o => (o, mentions[q.Id].GetValueOrDefault(o)))],
            other.GetValueOrDefault(q.Id), answered.GetValueOrDefault(q.Id))).ToList();
        return new OpenBoxTally(rows.Count, shuffled, choices);
    }

    /// <summary>
    /// Keyed like a ballot's opinion (<see cref="Opinion.Key"/>), one-way from the submission's id and the answer's place, so
    /// the keys a triage page lists do not show which texts came in one submission; "open-" keeps them apart from those.
    /// </summary>
    private static Opinion OpinionOf(Guid submission, Question question, string text, bool isOther)
    {
        var input = Encoding.UTF8.GetBytes($"open-box-opinion:{submission:N}/{question.Id}{(isOther ? "/other" : "")}");
        var key = "open-" + Convert.ToHexStringLower(SHA256.HashData(input))[..32];
        return new Opinion(key, null, question, text, isOther) { OpenBox = true };
    }
}
