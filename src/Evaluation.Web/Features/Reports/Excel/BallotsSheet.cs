using ClosedXML.Excel;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Core.Text;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>
/// 原始票: a header of targets and questions; its rows, one per valid ballot in the tally's shuffled order, are streamed in.
/// No category column: a row per voter beside its category would let anyone recount a cell the tally kept back.
/// </summary>
public static class BallotsSheet
{
    private sealed record Column(Target? Target, Question Question);

    public static List<StreamedRows> Write(IXLWorksheet ws, Tally tally, int k)
    {
        var s = new SheetWriter(ws);
        if (tally.Suppressed)
        {
            s.Note(1, L.BallotsSuppressedNote(k));
            s.Finish(minimum: 10);
            return [];
        }

        var questions = tally.Form.Questionnaire.Questions;
        var columns = tally.Targets
            .SelectMany(t => questions.Where(t.Target.IsAskedAbout).Select(q => new Column(t.Target, q)))
            .Concat(questions.Where(q => !q.IsPerTarget).Select(q => new Column(null, q)))
            .ToList();
        s.Header(1, 1, ["", .. columns.Select(c => c.Target?.Name ?? L.Whole)]);
        s.Header(2, 1, [L.AbstainedHeader, .. columns.Select(c => c.Question.Text)]);
        var widths = new Dictionary<int, double> { [1] = 10 };
        for (var i = 0; i < columns.Count; i++)
            widths[i + 2] = columns[i].Question.Kind switch
            {
                QuestionKind.Rating => 12,
                QuestionKind.SingleChoice => 16,
                QuestionKind.Text => 40,
                _ => 30,
            };
        if (tally.Turnout.Valid == 0)
            s.Note(3, L.NoValidBallots);
        s.Freeze(2, 1);
        s.Finish(minimum: 10, maximum: 30, fixedWidths: widths, wrap: [], wrapHeaderRow: 2);

        return [new StreamedRows(3, tally.Ballots.Select(ballot => Row(ballot, columns)))];
    }

    private static IEnumerable<StreamedCell> Row(AnonymousBallot ballot, List<Column> columns)
    {
        yield return new StreamedCell(1, ballot.Abstained ? L.Yes : L.No);
        for (var c = 0; c < columns.Count; c++)
        {
            var (target, question) = (columns[c].Target, columns[c].Question);
            var section = target is null ? ballot.Answers.Once : ballot.Answers.Targets.GetValueOrDefault(target.Id);
            if (section?.GetValueOrDefault(question.Id) is { } answer)
                yield return new StreamedCell(c + 2, AnswerText(answer));
        }
    }

    /// <summary>
    /// What a voter gave for one question, as one cell: the grade or choice, the choices, 其他 with its text, or the text.
    /// A text alone stays verbatim; beside the form's words ("其他：…", a choice) it is isolated, so a direction control
    /// in it cannot reorder them.
    /// </summary>
    private static string AnswerText(Answer answer)
    {
        // Most cells hold one grade or one text: no list to build for them.
        if (answer is { HasChoices: false, HasOther: false })
        {
            if (answer is { HasChoice: true, HasText: false }) return answer.Choice!;
            if (answer is { HasChoice: false, HasText: true }) return answer.Text!;
        }
        var parts = new List<string>();
        if (answer.HasChoice) parts.Add(answer.Choice!);
        if (answer.HasChoices) parts.AddRange(answer.Choices!);
        if (answer.HasOther) parts.Add(L.OtherPrefix + UserText.Isolate(answer.Other!));
        if (answer.HasText) parts.Add(UserText.Isolate(answer.Text!));
        return string.Join("、", parts);
    }
}
