using ClosedXML.Excel;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>四风: a column per target asked (and 整体), a block per symptoms question, a row per symptom, and the 合计.</summary>
public static class WindsSheet
{
    public static void Write(IXLWorksheet ws, Tally tally, int k)
    {
        var s = new SheetWriter(ws);
        var questions = tally.Form.Questionnaire.Questions.Where(q => q.Kind == QuestionKind.Symptoms).ToList();
        var columns = tally.Targets
            .Where(t => questions.Any(t.Target.IsAskedAbout))
            .Select(t => (Name: t.Target.Name, Items: t.Items))
            .ToList();
        if (questions.Any(q => !q.IsPerTarget))
            columns.Add((L.Whole, tally.General));

        s.Title(1, L.WindsTitle);
        s.Header(2, 1, [L.WindsCorner, .. columns.Select(c => c.Name), L.TotalColumn]);
        var row = 3;
        foreach (var q in questions)
        {
            s.Subtitle(row++, q.Text);
            var cells = columns.Select(c => c.Items.FirstOrDefault(i => i.Question.Id == q.Id)).ToList();
            if (cells.All(c => c is null or { Suppressed: true }))
            {
                s.Note(row++, L.WindsAllSuppressed(k));
                row++;
                continue;
            }
            var labels = new List<(string Label, Func<ItemTally, int> Count)>();
            labels.AddRange(q.Options.Select((o, i) => (o, (Func<ItemTally, int>)(t => t.Options[i].Count))));
            if (q.NoneOption is not null)
                labels.Add((q.NoneOption, t => t.Options[q.Options.Count].Count));
            if (q.AllowOther)
                labels.Add((L.OtherLabel, t => t.Other));
            labels.Add((L.AnsweredLabel, t => t.Answered));

            foreach (var (label, count) in labels)
            {
                s.Text(row, 1, label);
                int? total = null;
                for (var c = 0; c < cells.Count; c++)
                {
                    if (cells[c] is not { } item) continue;
                    if (item.Suppressed)
                    {
                        s.Text(row, c + 2, L.Dash);
                        continue;
                    }
                    var n = count(item);
                    s.Count(row, c + 2, n);
                    total = (total ?? 0) + n;
                }
                if (total is { } sum) s.Count(row, cells.Count + 2, sum);
                else s.Text(row, cells.Count + 2, L.Dash);
                row++;
            }
            row++;
        }
        s.Note(row++, L.WindsDashNote(k));
        s.Note(row, L.WindsMultipleNote);
        s.Freeze(2, 1);
        s.Finish(minimum: 8);
    }
}
