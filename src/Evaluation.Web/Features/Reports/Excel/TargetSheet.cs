using ClosedXML.Excel;
using Evaluation.Core.Tallies;
using Evaluation.Core.Text;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>A sheet per target, named after it: its rank and warnings, then every item asked about it.</summary>
public static class TargetSheet
{
    public static void Write(IXLWorksheet ws, ResultsReport report, TargetTally target, int k)
    {
        var s = new SheetWriter(ws);
        var t = target.Target;
        var e = report.Evaluation;
        var row = 1;
        s.Title(row++, L.TargetTitle(t));
        s.Note(row++, L.Byline(e.UnitName, e.Name, e.Round));
        if (report.TransferredNote(t, UserText.Isolate) is { } transferred)
            s.Note(row++, transferred);
        if (L.RatersNote(target) is { } raters)
            s.Note(row++, raters);
        if (target.Rank is { } rank)
            s.Note(row++, L.RankNote(rank));
        if (target.Warnings.Count > 0)
            s.Note(row++, L.WarningNote(target.Warnings));
        row++;
        ItemBlocks.Write(s, row, target.Items, report.Tally, k);
        s.FreezeRows(1);
        s.Finish(minimum: 10);
    }
}
