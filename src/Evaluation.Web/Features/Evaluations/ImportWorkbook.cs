using System.Globalization;
using System.IO.Compression;
using ClosedXML.Excel;
using Evaluation.Core.Imports;

namespace Evaluation.Web.Features.Evaluations;

/// <summary>An uploaded .xlsx as the sheets of text that <see cref="SetupImport"/> reads.</summary>
public static class ImportWorkbook
{
    /// <summary>A list of a few hundred names is tens of KB; under the request limit even when the preview sends it back in base64.</summary>
    public const int MaxBytes = 512 * 1024;

    /// <summary>What the file may unpack to: an .xlsx of this size is compressed ten to one, a zip bomb a thousand to one.</summary>
    private const long MaxUnpackedBytes = 20L << 20;

    private const int MaxRowsPerSheet = 2_000, MaxColumns = 30;

    /// <summary>The workbook's visible sheets, or what is wrong with the file, said so that the organiser knows what to do.</summary>
    public static (IReadOnlyList<SourceSheet> Sheets, string? Problem) Read(byte[] bytes)
    {
        if (bytes.Length > MaxBytes)
            return ([], $"文件超过 {MaxBytes / 1024} KB。请只保留评议对象和类别两张表后另存，或把表格复制粘贴到上面的输入框。");
        try
        {
            using (var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read))
                if (zip.Entries.Sum(e => e.Length) > MaxUnpackedBytes)
                    return ([], "文件解压后过大，不像评议对象名单。请把表格复制粘贴到上面的输入框。");

            using var workbook = new XLWorkbook(new MemoryStream(bytes));
            var sheets = new List<SourceSheet>();
            foreach (var sheet in workbook.Worksheets.Where(s => s.Visibility == XLWorksheetVisibility.Visible))
            {
                var lastRow = sheet.LastRowUsed()?.RowNumber() ?? 0;
                var lastColumn = Math.Min(sheet.LastColumnUsed()?.ColumnNumber() ?? 0, MaxColumns);
                if (lastRow > MaxRowsPerSheet)
                    return ([], $"“{sheet.Name}”表有 {lastRow} 行，一次最多导入 {SetupImport.MaxRows} 行。请删去多余的行后再导入。");
                var rows = new List<SourceRow>(lastRow);
                for (var r = 1; r <= lastRow; r++)
                    rows.Add(new SourceRow(r, Enumerable.Range(1, lastColumn).Select(c => Text(sheet.Cell(r, c))).ToList()));
                sheets.Add(new SourceSheet(sheet.Name, rows));
            }
            return (sheets, null);
        }
        // ZipArchive, System.IO.Packaging, the OpenXML SDK and ClosedXML each throw their own types at a damaged or foreign
        // file; to the organiser they all mean the same.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ([], "无法读取这个文件。请上传 Excel 或 WPS 保存的 .xlsx 文件（.xls 请先另存为 .xlsx），或把表格复制粘贴到上面的输入框。");
        }
    }

    /// <summary>A cell as the organiser sees it: dates as dates, numbers without Excel's formatting, a formula's stored result (never evaluated here).</summary>
    private static string Text(IXLCell cell)
    {
        if (cell.HasFormula) return Convert.ToString(cell.CachedValue, CultureInfo.InvariantCulture) ?? "";
        return cell.DataType switch
        {
            XLDataType.DateTime => cell.GetDateTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            XLDataType.Number => cell.GetDouble().ToString(CultureInfo.InvariantCulture),
            _ => cell.GetString(),
        };
    }
}
