using ClosedXML.Excel;
using Evaluation.Core.Forms;
using Evaluation.Core.Reports;
using Evaluation.Core.Tallies;
using Evaluation.Core.Text;
using Evaluation.Web.Infrastructure;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>汇总: the evaluation, its fingerprints, the turnout, and the 测评结果汇总表 (or a plain survey's items).</summary>
public static class SummarySheet
{
    public static void Write(IXLWorksheet ws, ResultsReport report, int k)
    {
        var s = new SheetWriter(ws);
        var e = report.Evaluation;
        var tally = report.Tally;
        var row = 1;
        s.Title(row++, (e.IsRehearsal ? Rehearsals.RehearsalNames.Mark : "") + L.Title(e.UnitName, e.Name));
        (string Label, string Value)[] facts =
        [
            (L.UnitLabel, e.UnitName),
            (L.NameLabel, e.Name),
            (L.RoundLabel, e.Round),
            (L.ClosedLabel, e.ClosedAt is { } closed ? L.ClosedAt(ChinaTime.Format(closed)) : L.Dash),
            (L.FormHashLabel, e.FormHash ?? L.Dash),
            (L.FingerprintLabel, BallotSet.Grouped(tally.Fingerprint)),
            (L.LogHeadLabel, report.LogHead?.ToString() ?? L.Dash),
            // Category names stand among the rules' own words here.
            (L.SettingsLabel, tally.Settings.Describe(id => UserText.Isolate(report.CategoryName(id)))),
            // Where each 调出 member's result went; also when too few ballots answered for the targets' sheets to exist.
            .. report.Transferred.Select(t =>
                (L.TransferredLabel, $"{TargetLabel.Of(t.Name, t.Title, UserText.Isolate)}：{report.TransferredNote(t, UserText.Isolate)}")),
        ];
        foreach (var (label, value) in facts)
        {
            s.Label(row, 1, label);
            s.Text(row++, 2, value, measure: false);
        }

        row++;
        s.Subtitle(row++, L.TurnoutHeading);
        s.Header(row++, 1, L.TurnoutHeaders);
        var turnout = L.TurnoutValues(tally.Turnout);
        for (var i = 0; i < turnout.Length; i++)
            s.Count(row, i + 1, turnout[i]);
        if (tally.Turnout.InvalidNote is { Length: > 0 } why)
            s.Note(++row, $"无效 {tally.Turnout.Invalid}（{why}）");
        row += 2;

        if (tally.Suppressed)
            s.Note(row, L.EvaluationSuppressedNote(k));
        else if (tally.Targets.Count > 0)
        {
            s.Subtitle(row++, L.ResultsHeading);
            row = ResultTables(s, row, tally, k);
            if (tally.General.Count > 0)
                s.Note(row, L.GeneralSheetPointer);
        }
        else
        {
            s.Subtitle(row++, L.SurveyHeading);
            ItemBlocks.Write(s, row, tally.General, tally, k);
        }
        s.FreezeRows(1);
        s.Finish(minimum: 12);
    }

    /// <summary>One table per scale, since 好评率 and 称职率 have different grades; targets keep their order within it.</summary>
    private static int ResultTables(SheetWriter s, int row, Tally tally, int k)
    {
        foreach (var group in tally.Targets.GroupBy(t => t.Headline?.Scale))
        {
            if (group.Key is not { } scale)
            {
                foreach (var target in group)
                {
                    s.Text(row, 1, target.Target.Name);
                    s.Text(row, 2, L.Post(target.Target));
                    s.Note(row++, L.NoRatingNote, column: 3);
                }
                row++;
                continue;
            }

            var items = group.Select(t => t.Headline!).ToList();
            var published = items.Where(i => !i.Suppressed).ToList();
            var rateName = Tally.PositiveName(scale);
            var hasUnknown = items.Any(i => i.Question.AllowUnknown);
            var hasScore = published.Any(i => i.Rates?.Score is not null);
            var hasWeighted = published.Any(i => i.Rates?.WeightedPositive is not null);
            s.Subtitle(row++, L.ScaleHeading(items.Select(i => i.Question.Text).Distinct(), scale));

            var headers = new List<string> { L.TargetColumn, L.PostColumn };
            foreach (var grade in scale.Grades)
                headers.AddRange([L.Votes(grade), L.Share(grade)]);
            if (hasUnknown) headers.Add(L.Votes(Scale.Unknown));
            headers.AddRange([L.DenominatorColumn, rateName, L.NegativeRate]);
            if (hasScore) headers.Add(L.ScoreColumn);
            if (hasWeighted) headers.Add(L.Weighted(rateName));
            headers.AddRange([L.RankColumn, L.WarningColumn]);
            s.Header(row++, 1, headers);

            foreach (var target in group)
            {
                var item = target.Headline!;
                var c = 1;
                s.Text(row, c++, target.Target.Name);
                s.Text(row, c++, L.Post(target.Target));
                if (item.Suppressed)
                {
                    s.Note(row++, ReportFormat.SuppressedNote(k) + "。", column: c);
                    continue;
                }
                foreach (var option in item.Options)
                {
                    s.Count(row, c++, option.Count);
                    s.Percent(row, c++, option.Share);
                }
                if (hasUnknown) s.Count(row, c++, item.Unknown);
                s.Count(row, c++, item.Denominator);
                s.Percent(row, c++, item.Rates?.Positive);
                s.Percent(row, c++, item.Rates?.Negative);
                if (hasScore) s.Score(row, c++, item.Rates?.Score);
                if (hasWeighted) s.Percent(row, c++, item.Rates?.WeightedPositive);
                if (target.Rank is { } rank) s.Count(row, c, rank);
                c++;
                s.Text(row, c, string.Join(L.WarningSeparator, target.Warnings));
                row++;
            }
            row++;

            if (tally.Groups.Count == 0) continue;
            var broken = group.Where(t => t.Headline is { Suppressed: false, ByGroup.Count: > 0 }).ToList();
            s.Subtitle(row++, L.ByGroupHeading(rateName));
            if (broken.Count > 0)
                row = ItemBlocks.GroupTable(s, row, scale, rateName, broken.Select(t => ((string?)t.Target.Name, t.Headline!.ByGroup)));
            foreach (var target in group.Where(t => !broken.Contains(t)))
                s.Note(row++, L.TargetGroupsUnderK(target.Target.Name, k));
            row++;
        }
        if (tally.Groups.Count == 0)
            s.Note(row++, L.TooFewGroups(k));
        return row;
    }
}
