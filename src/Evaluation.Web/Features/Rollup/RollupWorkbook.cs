using ClosedXML.Excel;
using Evaluation.Web.Features.Reports.Excel;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.Rollup;

/// <summary>The roll-up as one sheet: the same rows as the page, the low-turnout line stated, and each flagged row marked.</summary>
public static class RollupWorkbook
{
    public const string SheetName = "各单位汇总";
    public const string LowMark = "收回率低";

    public static readonly string[] Headers =
        ["单位", "评议", "轮次", "结束日期", "应到", "收回", "收回率", "收回率低", "弃权", "班子评价", "评价率", "作答（D）", "差评率", "预警"];

    public static byte[] Build(RollupReport report, DateTimeOffset madeAt)
    {
        using var workbook = new XLWorkbook();
        var ws = workbook.AddWorksheet(SheetName);
        var s = new SheetWriter(ws);
        var row = 1;
        s.Title(row++, $"各单位领导班子测评汇总 · {report.Title}");
        s.Note(row++, report.Explanation);
        s.Note(row++, $"收回率预警线：{report.Options.Statement}（标“{LowMark}”）。生成时间：{ChinaTime.Format(madeAt)}");
        row++;
        var headerRow = row;
        s.Header(row++, 1, Headers);
        foreach (var r in report.Rows)
        {
            var e = r.Evaluation;
            s.Text(row, 1, e.UnitName);
            s.Text(row, 2, e.Name);
            s.Text(row, 3, e.Round);
            s.Text(row, 4, RollupReport.Date(e.ClosedAt));
            Turnout(s, row, 5, r.Turnout.Expected, r.Turnout.Received, r.Low);
            s.Count(row, 9, r.Turnout.Abstained);
            Headline(s, row, 10, r);
            if (r.Low) MarkLow(ws, row, Headers.Length);
            row++;
        }
        s.Label(row, 1, "合计");
        s.Count(row, 5, report.Expected);
        s.Count(row, 6, report.Received);
        s.Percent(row, 7, report.TurnoutRate);
        if (report.Cut) s.Note(row + 1, $"只列出前 {RollupReport.MaxEvaluations} 个评议。");
        s.FreezeRows(headerRow);
        s.Finish(minimum: 8, maximum: 40);
        using var stream = new MemoryStream();
        workbook.SaveAs(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// 应到, 收回, 收回率 and the <see cref="LowMark"/> column, four from <paramref name="column"/>; without <paramref name="received"/>
    /// (nothing voted yet) only 应到. The campaign board's sheet writes its rows' turnout with the same.
    /// </summary>
    public static void Turnout(SheetWriter s, int row, int column, int expected, int? received, bool low)
    {
        s.Count(row, column, expected);
        if (received is { } n)
        {
            s.Count(row, column + 1, n);
            s.Percent(row, column + 2, expected > 0 ? (decimal)n / expected : null);
        }
        s.Text(row, column + 3, low ? LowMark : "");
    }

    /// <summary>A flagged row, shaded across the sheet's columns so it stands out when scrolled or filtered.</summary>
    public static void MarkLow(IXLWorksheet ws, int row, int columns) =>
        ws.Range(row, 1, row, columns).Style.Fill.BackgroundColor = XLColor.FromHtml("#FDECEA");

    /// <summary>
    /// The 班子's headline in five columns from <paramref name="column"/> (评价, 评价率, 作答（D）, 差评率, 预警), or why it is not
    /// published; the campaign board's sheet writes its opened rows with the same.
    /// </summary>
    public static void Headline(SheetWriter s, int row, int column, RollupRow r)
    {
        if (r.Headline is { Rates: { } rates } item)
        {
            // The flag sits beside the rate too, so a sorted or filtered sheet never shows a bare figure.
            s.Text(row, column, r.Low ? $"{rates.PositiveName}（{LowMark}）" : rates.PositiveName);
            s.Percent(row, column + 1, rates.Positive);
            s.Count(row, column + 2, item.Denominator);
            s.Percent(row, column + 3, rates.Negative);
            s.Text(row, column + 4, string.Join("；", r.Team!.Warnings));
        }
        else
            s.Note(row, r.HeadlineMissing, column: column);
    }
}
