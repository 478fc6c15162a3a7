using ClosedXML.Excel;
using Evaluation.Core.Forms;
using Evaluation.Core.Reports;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Reports.Excel;

namespace Evaluation.Web.Features.Reports;

/// <summary>
/// The 督导组's Excel download: the 测评结果汇总表, a sheet per target, the 四风 matrix, the opinions with their
/// consolidation, and the anonymous ballots, one file per sheet under <c>Excel/</c> in the words of
/// <see cref="WorkbookLayout"/>, which the verifier reads it back with. Everything is built from the tally, which has
/// already removed every cell smaller than k; the sheets only lay out what the tally gives and never recount from ballots.
/// </summary>
public static class ExcelReport
{
    public static byte[] Build(ResultsReport report)
    {
        var tally = report.Tally;
        var k = tally.Settings.EffectiveSmallCell;
        var stream = new MemoryStream();
        var streamed = new Dictionary<string, List<StreamedRows>>();
        using (var workbook = new XLWorkbook())
        {
            var names = new HashSet<string>(WorkbookLayout.FixedSheets, StringComparer.OrdinalIgnoreCase);
            SummarySheet.Write(workbook.AddWorksheet(WorkbookLayout.SummarySheet), report, k);
            if (!tally.Suppressed)
            {
                foreach (var target in tally.Targets)
                    TargetSheet.Write(workbook.AddWorksheet(ExcelText.UniqueSheetName(target.Target.Name, names)), report, target, k);
                if (tally.Targets.Count > 0 && tally.General.Count > 0)
                    GeneralSheet.Write(workbook.AddWorksheet(WorkbookLayout.GeneralSheet), report, k);
                if (tally.Form.Questionnaire.Questions.Any(q => q.Kind == QuestionKind.Symptoms))
                    WindsSheet.Write(workbook.AddWorksheet(WorkbookLayout.WindsSheet), tally, k);
            }
            if (report.HasOpinionsSection)
                streamed[WorkbookLayout.OpinionsSheet] = OpinionsSheet.Write(workbook.AddWorksheet(WorkbookLayout.OpinionsSheet), report);
            streamed[WorkbookLayout.BallotsSheet] = BallotsSheet.Write(workbook.AddWorksheet(WorkbookLayout.BallotsSheet), tally, k);
            workbook.SaveAs(stream);
        }
        if (streamed.Values.Any(rows => rows.Count > 0))
            RowStream.Splice(stream, streamed);
        return stream.ToArray();
    }
}
