using System.Globalization;
using ClosedXML.Excel;
using Evaluation.Core.Reports;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>
/// A worksheet being filled through ClosedXML: every string goes in as text (never a formula, never parsed as a number or
/// date), and column widths are estimated from what was written, since ClosedXML's AdjustToContents needs libgdiplus.
/// </summary>
public sealed class SheetWriter(IXLWorksheet ws)
{
    private const string PercentFormat = "0.0%";
    private const string ScoreFormat = "0.0";

    private readonly Dictionary<int, double> _widths = [];
    private readonly HashSet<int> _headerRows = [];

    public IXLCell Text(int row, int column, string value, bool measure = true)
    {
        var cell = ws.Cell(row, column);
        cell.SetValue<string>(value);
        if (ExcelText.LooksLikeFormula(value)) cell.Style.IncludeQuotePrefix = true;
        if (measure) Measure(column, value);
        return cell;
    }

    public void Count(int row, int column, int n)
    {
        ws.Cell(row, column).SetValue(n);
        Measure(column, n.ToString(CultureInfo.InvariantCulture));
    }

    public void Percent(int row, int column, decimal? share) => Number(row, column, share, PercentFormat, "100.0%");

    public void Score(int row, int column, decimal? score) => Number(row, column, score, ScoreFormat, "100.0");

    private void Number(int row, int column, decimal? value, string format, string widest)
    {
        if (value is not { } v)
        {
            Text(row, column, WorkbookLayout.Dash);
            return;
        }
        var cell = ws.Cell(row, column);
        cell.SetValue((double)v);
        cell.Style.NumberFormat.Format = format;
        Measure(column, widest);
    }

    public void Label(int row, int column, string text) => Text(row, column, text).Style.Font.Bold = true;

    public void Header(int row, int column, params IReadOnlyList<string> labels)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            var cell = Text(row, column + i, labels[i]);
            cell.Style.Font.Bold = true;
            cell.Style.Fill.BackgroundColor = XLColor.FromHtml("#E7ECF3");
            cell.Style.Border.BottomBorder = XLBorderStyleValues.Thin;
        }
        _headerRows.Add(row);
    }

    public void Title(int row, string text)
    {
        var cell = Text(row, 1, text, measure: false);
        cell.Style.Font.Bold = true;
        cell.Style.Font.FontSize = 14;
    }

    public void Subtitle(int row, string text) => Text(row, 1, text, measure: false).Style.Font.Bold = true;

    /// <summary>A line of explanation: left to run across the empty cells beside it rather than widen its column.</summary>
    public void Note(int row, string text, int column = 1) => Text(row, column, text, measure: false).Style.Font.FontColor = XLColor.FromHtml("#555555");

    public void Measure(int column, string text)
    {
        var width = ExcelText.DisplayWidth(text);
        if (width > _widths.GetValueOrDefault(column)) _widths[column] = width;
    }

    public void FreezeRows(int rows) => ws.SheetView.FreezeRows(rows);

    public void Freeze(int rows, int columns) => ws.SheetView.Freeze(rows, columns);

    /// <summary>Sets every column's width: given ones as given, the others from their widest entry within bounds.</summary>
    public void Finish(double minimum, double maximum = 50, Dictionary<int, double>? fixedWidths = null, int[]? wrap = null, int? wrapHeaderRow = null)
    {
        var last = ws.LastColumnUsed()?.ColumnNumber() ?? 1;
        for (var column = 1; column <= last; column++)
        {
            ws.Column(column).Width = fixedWidths is not null && fixedWidths.TryGetValue(column, out var given) ? given
                : Math.Clamp(_widths.GetValueOrDefault(column) + 2, minimum, maximum);
        }
        foreach (var column in wrap ?? [])
            ws.Column(column).Style.Alignment.WrapText = true;
        // Long texts in the other columns are cut at the column's edge or run over; headers wrap so none is cut.
        foreach (var row in wrapHeaderRow is { } h ? [h] : _headerRows)
            ws.Row(row).Style.Alignment.WrapText = true;
    }
}
