using System.Globalization;
using System.Net;
using System.Text;
using Evaluation.Core.Tallies;
using Evaluation.Core.Text;
using Microsoft.AspNetCore.Html;

namespace Evaluation.Web.Features.Reports;

/// <summary>
/// A horizontal bar chart as inline SVG, drawn on the server: no script and no chart CDN, and Chromium prints it as vectors.
/// Every bar is drawn against a track standing for 100 %, so a 50 % bar spans half of it whatever the other options got.
/// Labels are the form's options, escaped like any text; a long one takes two lines rather than being cut off.
/// </summary>
public static class BarChart
{
    public const int Width = 640, LabelWidth = 220, ValueWidth = 120, TrackWidth = Width - LabelWidth - ValueWidth;
    private const int Row = 28, Bar = 18, FontSize = 14, SmallFontSize = 12;

    public static IHtmlContent Svg(string title, IReadOnlyList<OptionCount> options)
    {
        var height = options.Count * Row + 8;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg class="chart" role="img" viewBox="0 0 {Width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{E(title)}</title>""");
        for (var i = 0; i < options.Count; i++)
        {
            var o = options[i];
            var y = 4 + i * Row;
            var share = Math.Clamp(o.Share ?? 0m, 0m, 1m);
            var w = (double)share * TrackWidth;
            Label(svg, o.Option, y);
            svg.Append(CultureInfo.InvariantCulture,
                $"""<rect class="track" x="{LabelWidth}" y="{y}" width="{TrackWidth}" height="{Bar}" fill="#f0e4e4"/>""");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<rect class="bar" x="{LabelWidth}" y="{y}" width="{w:0.##}" height="{Bar}" fill="#a31515"/>""");
            svg.Append(CultureInfo.InvariantCulture,
                $"""<text x="{LabelWidth + TrackWidth + 6}" y="{y + 14}" font-size="13">{o.Count}（{ReportFormat.Percent(o.Share)}）</text>""");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>One line when the label fits beside the bar, else two smaller lines, and only a label longer than that ends in "…".</summary>
    private static void Label(StringBuilder svg, string label, int y)
    {
        var x = LabelWidth - 8;
        if (Ems(label) * FontSize <= x)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x}" y="{y + 14}" text-anchor="end" font-size="{FontSize}">{E(label)}</text>""");
            return;
        }
        var perLine = x / SmallFontSize;
        var first = Take(label, perLine);
        var rest = label[first.Length..];
        var second = Take(rest, perLine);
        if (second.Length < rest.Length) second = Take(rest, perLine - 1) + "…";
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text x="{x}" y="{y + 6}" text-anchor="end" font-size="{SmallFontSize}"><tspan x="{x}">{E(first)}</tspan><tspan x="{x}" dy="{SmallFontSize + 1}">{E(second)}</tspan></text>""");
    }

    /// <summary>The longest start of the text that fits in <paramref name="ems"/> em, never splitting a character as a person sees it.</summary>
    private static string Take(string text, double ems)
    {
        var elements = StringInfo.GetTextElementEnumerator(text);
        var (end, used) = (0, 0.0);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            used += Ems(element);
            if (used > ems) break;
            end = elements.ElementIndex + element.Length;
        }
        return text[..end];
    }

    /// <summary>Width in em, roughly: Latin letters and digits are about half as wide as a Chinese character or an emoji.</summary>
    private static double Ems(string text)
    {
        var ems = 0.0;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext()) ems += ((string)elements.Current)[0] < '\u1100' ? 0.6 : 1.0;
        return ems;
    }

    private static string E(string text) => WebUtility.HtmlEncode(UserText.Balanced(text));
}
