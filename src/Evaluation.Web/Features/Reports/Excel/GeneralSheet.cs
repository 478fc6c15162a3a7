using ClosedXML.Excel;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>问卷（整体）: the questions asked once, not about a target, when the form has targets too.</summary>
public static class GeneralSheet
{
    public static void Write(IXLWorksheet ws, ResultsReport report, int k)
    {
        var s = new SheetWriter(ws);
        var e = report.Evaluation;
        s.Title(1, L.GeneralTitle);
        s.Note(2, L.Byline(e.UnitName, e.Name, e.Round));
        ItemBlocks.Write(s, 4, report.Tally.General, report.Tally, k);
        s.FreezeRows(1);
        s.Finish(minimum: 10);
    }
}
