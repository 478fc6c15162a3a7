using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;

namespace Evaluation.LoadBench;

/// <summary>
/// Answers a person might give to whatever frozen form the slip describes: mostly the upper grades, 未发现 for most
/// 四风 lists, an opinion now and then, and about one ballot in a hundred left blank (弃权). Always valid for the form,
/// so every refusal the benchmark sees is the server's doing.
/// </summary>
public static class RandomBallot
{
    public const double BlankShare = 0.01;

    private static readonly string[] Opinions =
    [
        "希望多深入基层调研，少开会、开短会。",
        "建议进一步简化办事流程，提高窗口服务效率。",
        "班子团结务实，希望继续保持，加强对年轻干部的培养。",
        "部分文件转发多、落实少，建议减少层层发文。",
        "下基层检查时间安排较紧，和群众交流不够充分。",
        "公务接待总体规范，建议进一步公开相关费用情况。",
        "希望对群众反映的问题及时反馈办理结果。",
        "工作作风扎实，敢于担当，希望在重点项目上继续抓好落实。",
        "建议多听取一线职工的意见，改进考核办法。",
        "会议材料过多过长，建议精简。",
    ];

    private static readonly string[] OtherNotes = ["检查评比过多", "基层负担偏重", "个别同志作风漂浮", "落实不够到位"];

    public static BallotAnswers Create(FrozenForm form, Random random)
    {
        if (random.NextDouble() < BlankShare) return new BallotAnswers();
        var once = new Dictionary<string, Answer>(StringComparer.Ordinal);
        var targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>();
        foreach (var question in form.Questionnaire.Questions)
        {
            if (!question.IsPerTarget)
            {
                if (AnswerTo(question, random) is { } answer) once[question.Id] = answer;
                continue;
            }
            foreach (var target in form.Targets.Where(t => t.IsAskedAbout(question)))
            {
                if (AnswerTo(question, random) is not { } answer) continue;
                if (!targets.TryGetValue(target.Id, out var section))
                    targets[target.Id] = section = new Dictionary<string, Answer>(StringComparer.Ordinal);
                ((Dictionary<string, Answer>)section)[question.Id] = answer;
            }
        }
        var ballot = new BallotAnswers { Once = once, Targets = targets };
        // A generator bug must not pass for the server refusing ballots.
        var problems = BallotValidator.Validate(form.Questionnaire, form.Targets, ballot);
        return problems.Count == 0 ? ballot
            : throw new InvalidOperationException($"the random ballot does not fit the form: {problems[0]}");
    }

    private static Answer? AnswerTo(Question q, Random random)
    {
        if (!q.Required && random.NextDouble() >= AnswerRate(q)) return null;
        return q.Kind switch
        {
            QuestionKind.Rating => new Answer { Choice = Grade(q, random) },
            QuestionKind.Symptoms when q.NoneOption is not null && random.NextDouble() < 0.75 => new Answer { Choices = [q.NoneOption] },
            QuestionKind.Symptoms or QuestionKind.MultipleChoice => Selections(q, random),
            QuestionKind.SingleChoice when q.AllowOther && random.NextDouble() < 0.05 => new Answer { Other = Fit(Pick(OtherNotes, random), q.MaxLength) },
            QuestionKind.SingleChoice => q.Options.Count == 0 ? null : new Answer { Choice = Pick(q.Options, random) },
            QuestionKind.Text => new Answer { Text = Fit(Pick(Opinions, random), q.MaxLength) },
            _ => null,
        };
    }

    /// <summary>How often a question nobody has to answer is answered: lists nearly always, opinions about one ballot in three.</summary>
    private static double AnswerRate(Question q) => q.Kind switch
    {
        QuestionKind.Text => q.IsPerTarget ? 0.08 : 0.35,
        QuestionKind.Symptoms => 0.85,
        _ => 0.9,
    };

    private static string Grade(Question q, Random random)
    {
        if (q.AllowUnknown && random.NextDouble() < 0.02) return Scale.Unknown;
        var grades = Scale.Find(q.Scale)?.Grades ?? throw new InvalidOperationException($"question {q.Id} has no known scale");
        // Meetings grade high: most ballots give the first or second grade.
        var roll = random.NextDouble();
        var index = roll < 0.55 ? 0 : roll < 0.87 ? 1 : roll < 0.97 ? 2 : 3;
        return grades[Math.Min(index, grades.Count - 1)];
    }

    private static Answer? Selections(Question q, Random random)
    {
        var limit = Math.Min(q.MaxSelections ?? 2, q.Options.Count);
        if (limit == 0) return null;
        var choices = q.Options.OrderBy(_ => random.Next()).Take(random.Next(1, limit + 1)).ToList();
        // 其他 counts as one selection; only when there is room for it.
        var other = q.AllowOther && choices.Count < (q.MaxSelections ?? int.MaxValue) && random.NextDouble() < 0.1
            ? Fit(Pick(OtherNotes, random), q.MaxLength) : null;
        return new Answer { Choices = choices, Other = other };
    }

    private static string Pick(IReadOnlyList<string> items, Random random) => items[random.Next(items.Count)];

    private static string Fit(string text, int? maxLength) => maxLength is { } max && text.Length > max ? text[..max] : text;
}
