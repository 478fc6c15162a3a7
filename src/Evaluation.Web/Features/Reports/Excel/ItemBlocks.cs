using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>
/// The item blocks of a target's sheet, the general sheet and a plain survey's summary: per question its heading, its
/// counts and rates, and the category table; a suppressed item gets its note and no number at all.
/// </summary>
public static class ItemBlocks
{
    public static int Write(SheetWriter s, int row, IReadOnlyList<ItemTally> items, Tally tally, int k)
    {
        for (var i = 0; i < items.Count; i++)
            row = Item(s, row, items[i], i + 1, tally, k) + 1;
        return row;
    }

    private static int Item(SheetWriter s, int row, ItemTally item, int number, Tally tally, int k)
    {
        var q = item.Question;
        s.Subtitle(row++, L.ItemHeading(number, q));
        if (item.Suppressed)
        {
            s.Note(row++, ReportFormat.SuppressedNote(k) + "。");
            return row;
        }

        switch (q.Kind)
        {
            case QuestionKind.Rating:
                var scale = item.Scale!;
                var rateName = Tally.PositiveName(scale);
                row = Options(s, row, item, L.GradeHeader, L.ShareOfDHeader);
                if (q.AllowUnknown)
                {
                    s.Text(row, 1, Scale.Unknown);
                    s.Count(row++, 2, item.Unknown);
                }
                s.Label(row, 1, L.DenominatorLabel);
                s.Count(row++, 2, item.Denominator);
                s.Label(row, 1, rateName);
                s.Percent(row++, 2, item.Rates?.Positive);
                s.Label(row, 1, L.NegativeRate);
                s.Percent(row++, 2, item.Rates?.Negative);
                if (item.Rates?.Score is { } score)
                {
                    s.Label(row, 1, L.ScoreColumn);
                    s.Score(row++, 2, score);
                }
                if (item.Rates?.WeightedPositive is { } weighted)
                {
                    s.Label(row, 1, L.Weighted(rateName));
                    s.Percent(row++, 2, weighted);
                }
                row = Participation(s, row, item);
                if (item.Rates is { Warnings.Count: > 0 } rates)
                {
                    s.Label(row, 1, L.WarningColumn);
                    s.Text(row++, 2, string.Join(L.WarningSeparator, rates.Warnings), measure: false);
                }
                if (item.ByGroup.Count > 0)
                {
                    s.Label(row++, 1, L.ByGroupLabel);
                    row = GroupTable(s, row, scale, rateName, [(null, item.ByGroup)]);
                }
                else if (tally.Groups.Count > 0)
                    s.Note(row++, L.ItemGroupsUnderK(k));
                return row;

            case QuestionKind.Text:
                s.Label(row, 1, L.TextsLabel);
                s.Count(row++, 2, item.Answered);
                s.Label(row, 1, L.UnansweredLabel);
                s.Count(row++, 2, item.Unanswered);
                s.Note(row++, L.TextsPointer);
                return row;

            default:
                row = Options(s, row, item, L.OptionHeader, L.ShareOfAnsweredHeader);
                if (q.AllowOther)
                {
                    s.Text(row, 1, L.OtherLabel);
                    s.Count(row, 2, item.Other);
                    s.Percent(row++, 3, item.Answered == 0 ? null : (decimal)item.Other / item.Answered);
                }
                row = Participation(s, row, item);
                if (q.Kind != QuestionKind.SingleChoice)
                    s.Note(row++, L.MultipleNote);
                if (q.AllowOther)
                    s.Note(row++, L.OtherPointer);
                return row;
        }
    }

    /// <summary>A row per grade or option: its count and its share (of D for grades, of those who answered for options).</summary>
    private static int Options(SheetWriter s, int row, ItemTally item, string header, string shareHeader)
    {
        s.Header(row++, 1, header, L.CountHeader, shareHeader);
        foreach (var option in item.Options)
        {
            s.Text(row, 1, option.Option);
            s.Count(row, 2, option.Count);
            s.Percent(row++, 3, option.Share);
        }
        return row;
    }

    private static int Participation(SheetWriter s, int row, ItemTally item)
    {
        s.Label(row, 1, L.AnsweredLabel);
        s.Count(row++, 2, item.Answered);
        s.Label(row, 1, L.UnansweredLabel);
        s.Count(row++, 2, item.Unanswered);
        if (item.Void > 0)
        {
            s.Label(row, 1, L.VoidLabel);
            s.Count(row++, 2, item.Void);
        }
        return row;
    }

    /// <summary>Rates per category group: under one item, or in the 汇总 with a row per target and group.</summary>
    public static int GroupTable(SheetWriter s, int row, Scale scale, string rateName, IEnumerable<(string? Owner, IReadOnlyList<GroupRates> Groups)> rows)
    {
        var list = rows.ToList();
        var owned = list.Any(r => r.Owner is not null);
        var headers = new List<string>();
        if (owned) headers.Add(L.TargetColumn);
        headers.AddRange([L.GroupColumn, L.GroupAnsweredColumn, L.DenominatorColumn]);
        foreach (var grade in scale.Grades)
            headers.AddRange([L.Votes(grade), L.Share(grade)]);
        headers.AddRange([rateName, L.NegativeRate]);
        s.Header(row++, 1, headers);
        foreach (var (owner, groups) in list)
            foreach (var g in groups)
            {
                var c = 1;
                if (owned) s.Text(row, c++, owner ?? "");
                s.Text(row, c++, g.Group.Name);
                s.Count(row, c++, g.Answered);
                s.Count(row, c++, g.Denominator);
                foreach (var grade in g.Grades)
                {
                    s.Count(row, c++, grade.Count);
                    s.Percent(row, c++, grade.Share);
                }
                s.Percent(row, c++, g.Positive);
                s.Percent(row, c, g.Negative);
                row++;
            }
        return row;
    }
}
