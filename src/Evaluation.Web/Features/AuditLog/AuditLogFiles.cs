using System.Globalization;
using System.Text;
using ClosedXML.Excel;
using Evaluation.Web.Features.Reports.Excel;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.AuditLog;

public sealed record AuditLogPage(AuditLogFilter Filter, IReadOnlyList<string> Errors, AuditLogChoices Choices,
    IReadOnlyList<LoggedAction> Entries, long Matching, int Page, int Pages, int? LogLength, long? FirstBrokenLink)
{
    /// <summary>Position of the first entry shown among the matches, counting from the newest (1).</summary>
    public long First => Matching == 0 ? 0 : (long)(Page - 1) * AuditLogController.PageSize + 1;
    public long Last => (long)(Page - 1) * AuditLogController.PageSize + Entries.Count;
}

/// <param name="Filter">The filter in words.</param>
/// <param name="LogLength">Entries in the whole log, all checked.</param>
public sealed record AuditLogExport(string Filter, IReadOnlyList<LoggedAction> Entries, int LogLength, long? FirstBrokenLink,
    DateTimeOffset ExportedAt, string ExportedBy)
{
    public string ChainStatus => FirstBrokenLink is { } broken
        ? $"哈希链在第 {broken} 条断开：日志自该条起被删除、插入或改动过（已核验全部 {LogLength} 条）"
        : $"哈希链完整：导出时已核验全部 {LogLength} 条，没有记录被删除、插入或改动";
}

/// <summary>The exported log: every entry that matches, oldest first, with both hashes so each link can be checked again.</summary>
public static class AuditLogFiles
{
    public static readonly string[] Columns = ["序号", "时间（北京时间）", "操作人", "操作", "内容", "评议编号（筛选用，不在哈希内）", "前一条哈希", "哈希"];

    private static string[] Cells(LoggedAction e) =>
    [
        e.Seq.ToString(CultureInfo.InvariantCulture), ChinaTime.Format(e.At), e.Actor, e.Action, e.Detail,
        e.EvaluationId?.ToString() ?? "", e.PrevHash, e.Hash,
    ];

    /// <summary>
    /// UTF-8 with a byte order mark, which Excel on a Chinese Windows needs to read UTF-8 rather than GBK; every field quoted
    /// (RFC 4180). A field Excel would run as a formula (= + - @, or a tab or CR before one) starts with an apostrophe.
    /// </summary>
    public static byte[] Csv(AuditLogExport export)
    {
        var text = new StringBuilder();
        Line(text, Columns);
        foreach (var e in export.Entries) Line(text, Cells(e));
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    private static void Line(StringBuilder text, IEnumerable<string> fields)
    {
        text.AppendJoin(',', fields.Select(f => "\"" + Neutralised(f).Replace("\"", "\"\"") + "\"")).Append("\r\n");
    }

    public static string Neutralised(string field) => ExcelText.LooksLikeFormula(field) ? "'" + field : field;

    /// <summary>Text cells throughout (a formula-looking one keeps its text exactly, marked with Excel's quote prefix).</summary>
    public static byte[] Excel(AuditLogExport export)
    {
        using var workbook = new XLWorkbook();
        var ws = workbook.Worksheets.Add("操作日志");
        var sheet = new SheetWriter(ws);
        sheet.Title(1, "工作人员操作日志");
        sheet.Note(2, export.Filter + $"，共 {export.Entries.Count} 条，按序号从早到晚排列");
        sheet.Note(3, export.ChainStatus);
        sheet.Note(4, $"导出时间 {ChinaTime.Format(export.ExportedAt)}（北京时间），导出人 {export.ExportedBy}");
        const int header = 6;
        sheet.Header(header, 1, Columns);
        var row = header;
        foreach (var e in export.Entries)
        {
            row++;
            var cells = Cells(e);
            sheet.Count(row, 1, (int)e.Seq);
            for (var c = 1; c < cells.Length; c++) sheet.Text(row, c + 1, cells[c], measure: false);
        }
        sheet.FreezeRows(header);
        sheet.Finish(8, fixedWidths: new() { [1] = 8, [2] = 20, [3] = 30, [4] = 16, [5] = 70, [6] = 38, [7] = 68, [8] = 68 }, wrap: [3, 5],
            wrapHeaderRow: header);
        var file = new MemoryStream();
        workbook.SaveAs(file);
        return file.ToArray();
    }
}
