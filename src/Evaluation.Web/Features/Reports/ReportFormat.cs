using System.Globalization;
using System.Net;
using System.Text;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Microsoft.AspNetCore.Html;

namespace Evaluation.Web.Features.Reports;

/// <summary>How the screen and the PDF print numbers, so both read the same.</summary>
public static class ReportFormat
{
    public const string Missing = "—";

    public static string Percent(decimal? share) => share is { } s ? (s * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : Missing;

    /// <summary>A change of rate in percentage points, signed: "+12.5 个百分点".</summary>
    public static string PointChange(decimal? change) =>
        change is { } c ? (c > 0 ? "+" : "") + (c * 100).ToString("0.0", CultureInfo.InvariantCulture) + " 个百分点" : Missing;

    public static string Score(decimal? score) => score is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : Missing;

    public static string TargetLabel(Target? target) => TallyFigures.TargetLabel(target);

    public static string SuppressedNote(int smallCell) => $"作答不足 {smallCell} 人，为保护匿名不公布";
}

/// <summary>
/// A horizontal bar chart as inline SVG, drawn on the server: no script and no chart CDN, and Chromium prints it as vectors.
/// Labels are the form's options, escaped like any text.
/// </summary>
public static class BarChart
{
    private const int Width = 640, LabelWidth = 190, ValueWidth = 110, Row = 30, Bar = 18;

    public static IHtmlContent Svg(string title, IReadOnlyList<OptionCount> options)
    {
        var height = options.Count * Row + 8;
        var barSpace = Width - LabelWidth - ValueWidth;
        var max = Math.Max(1, options.Count == 0 ? 1 : options.Max(o => o.Count));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg class="chart" role="img" viewBox="0 0 {Width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{E(title)}</title>""");
        for (var i = 0; i < options.Count; i++)
        {
            var o = options[i];
            var y = 4 + i * Row;
            var w = (int)Math.Round((double)o.Count / max * barSpace);
            svg.Append(CultureInfo.InvariantCulture,
                $"""<text x="{LabelWidth - 8}" y="{y + 14}" text-anchor="end" font-size="14">{E(Clip(o.Option))}</text>""");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<rect x="{LabelWidth}" y="{y}" width="{Math.Max(w, 1)}" height="{Bar}" fill="#a31515"/>""");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<text x="{LabelWidth + w + 6}" y="{y + 14}" font-size="13">{o.Count}（{ReportFormat.Percent(o.Share)}）</text>""");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    private static string Clip(string label) => label.Length <= 12 ? label : label[..11] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

public sealed record ItemView(ItemTally Item, TallySettings Settings);
