using System.Globalization;
using System.Text;
using Evaluation.Core.Reports;
using Evaluation.Core.Text;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>What Excel and XML 1.0 make of a string, and how the report keeps every text as it was typed.</summary>
public static class ExcelText
{
    /// <summary>
    /// The text as a streamed cell's XML carries it. Excel reads <c>_xHHHH_</c> in a string as an escaped character, so a
    /// literal one keeps its underscore escaped; XML 1.0 cannot carry most control characters, which Excel takes in that
    /// escaped form. Characters outside the Basic Multilingual Plane (emoji, CJK Extension B) are surrogate pairs in a
    /// .NET string and pass whole; only a lone surrogate, which no encoding can carry, becomes U+FFFD.
    /// </summary>
    public static string Escape(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            var length = 1;
            string? replacement = null;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) length = 2;
            else if (char.IsSurrogate(c)) replacement = "\uFFFD";
            else if (c == '_' && IsEscapeAt(text, i)) replacement = "_x005F_";
            else if (c < 0x20 && c is not '\t' and not '\n' and not '\r' || c is '\uFFFE' or '\uFFFF')
                replacement = $"_x{(int)c:X4}_";

            // The index moves here, outside any null-conditional call: "sb?.Append(text[++i])" skipped the ++ while sb was
            // still null, which split every surrogate pair before the first replacement and made the writer throw.
            if (replacement is not null)
                (sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i)).Append(replacement);
            else
                sb?.Append(text, i, length);
            i += length;
        }
        return sb?.ToString() ?? text;
    }

    private static bool IsEscapeAt(string text, int i) =>
        i + 6 < text.Length && text[i + 1] == 'x' && text[i + 6] == '_' && !text.AsSpan(i + 2, 4).ContainsAnyExcept("0123456789ABCDEFabcdef");

    /// <summary>Text Excel would turn into a formula if someone typed it in: =, +, - and @ start one, and so can a tab or CR before them.</summary>
    public static bool LooksLikeFormula(string text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    /// <summary>Columns a text needs, roughly: two for a wide character (CJK, emoji), one for others, per character as seen.</summary>
    public static int DisplayWidth(string text)
    {
        var width = 0;
        foreach (var line in text.Split('\n'))
        {
            var w = 0;
            var elements = StringInfo.GetTextElementEnumerator(line);
            while (elements.MoveNext())
            {
                Rune.DecodeFromUtf16(((string)elements.Current).AsSpan(), out var first, out _);
                w += first.Value >= 0x2E80 ? 2 : 1;
            }
            width = Math.Max(width, w);
        }
        return width;
    }

    private const int SheetNameUnits = 31;

    /// <summary>
    /// A sheet name for <paramref name="wanted"/> not yet in <paramref name="taken"/> (compared regardless of case, as Excel
    /// does). Excel allows at most 31 UTF-16 units, none of <c>[]:*?/\</c>, no apostrophe at either end, and reserves
    /// "History". Control and invisible direction characters are dropped (a tab cannot show them, and one would reorder
    /// the tab's text); a long name is cut between characters as a person sees them, never inside a surrogate pair, an
    /// emoji sequence or a flag.
    /// </summary>
    public static string UniqueSheetName(string wanted, ISet<string> taken)
    {
        var clean = new StringBuilder(wanted.Length);
        foreach (var rune in wanted.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || UserText.IsInvisibleControl(rune)) continue;
            if (rune.IsAscii && "[]:*?/\\".Contains((char)rune.Value)) clean.Append('_');
            else clean.Append(rune.ToString());
        }
        var stem = clean.ToString().Trim().Trim('\'');
        for (var n = 1; ; n++)
        {
            var suffix = n == 1 ? "" : $"({n})";
            var cut = Fit(stem, SheetNameUnits - suffix.Length).TrimEnd().TrimEnd('\'');
            var name = (cut.Length > 0 ? cut : WorkbookLayout.UnnamedTargetSheet) + suffix;
            if (!name.Equals("History", StringComparison.OrdinalIgnoreCase) && taken.Add(name))
                return name;
        }
    }

    /// <summary>The longest start of the text within <paramref name="units"/> UTF-16 units that ends between two characters as seen.</summary>
    private static string Fit(string text, int units)
    {
        if (text.Length <= units) return text;
        var elements = StringInfo.GetTextElementEnumerator(text);
        var end = 0;
        while (elements.MoveNext())
        {
            var next = elements.ElementIndex + ((string)elements.Current).Length;
            if (next > units) break;
            end = next;
        }
        return text[..end];
    }
}
