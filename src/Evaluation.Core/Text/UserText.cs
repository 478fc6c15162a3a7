using System.Globalization;
using System.Text;

namespace Evaluation.Core.Text;

/// <summary>
/// Text a voter or a staff member typed, as every output must treat it: counted as a person sees it, and kept from
/// changing how the product's own text around it reads.
/// </summary>
public static class UserText
{
    private const char FirstStrongIsolate = '\u2068';
    private const char PopDirectionalIsolate = '\u2069';

    /// <summary>
    /// Characters as a person sees them (extended grapheme clusters): "很好👍" is 3 and "𠮷" is 1, where UTF-16 units give 4
    /// and 2; an emoji with a skin tone or a family joined by ZWJ is one.
    /// </summary>
    public static int Length(string text) => new StringInfo(text).LengthInTextElements;

    /// <summary>The first <paramref name="max"/> characters as a person sees them, never splitting a surrogate pair or an emoji.</summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max) return text;
        var elements = StringInfo.GetTextElementEnumerator(text);
        var end = 0;
        for (var n = 0; n < max && elements.MoveNext(); n++)
            end = elements.ElementIndex + ((string)elements.Current).Length;
        return text[..end];
    }

    /// <summary>The text cut to <paramref name="max"/> characters as a person sees them, with "…" when something was cut: for quoting it in a message.</summary>
    public static string Excerpt(string text, int max)
    {
        var cut = Truncate(text, max);
        return cut.Length == text.Length ? text : cut + "…";
    }

    /// <summary>
    /// Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and other invisible format characters
    /// (zero-width space, soft hyphen, word joiner, BOM …). The zero-width joiner and the emoji tag characters are not
    /// among them: emoji sequences need them and they move no text.
    /// </summary>
    public static bool IsInvisibleControl(Rune rune) =>
        Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format
        && rune.Value != 0x200D
        && rune.Value is not (>= 0xE0020 and <= 0xE007F);

    /// <summary>C0/C1 control characters (a line break among them) or an invisible format character: never typed into a one-line name.</summary>
    public static bool HasHiddenCharacters(string? text)
    {
        if (text is null) return false;
        foreach (var rune in text.EnumerateRunes())
            if (Rune.IsControl(rune) || IsInvisibleControl(rune)) return true;
        return false;
    }

    /// <summary>
    /// Longer than <paramref name="max"/> characters as a person sees them ("𠮷" and "👍" are one each, where UTF-16 counts
    /// two). The tables' checks count code points (PostgreSQL's length()), never fewer than that: a name of joined emoji (a
    /// family is five to seven code points) is held to <paramref name="max"/> code points too, or the insert would fail.
    /// </summary>
    public static bool IsLongerThan(string? text, int max) =>
        text is not null && (Length(text) > max || text.EnumerateRunes().Count() > max);

    public static string HiddenCharacterProblem(string field) =>
        $"{field}中有看不见的控制字符或方向控制字符（通常是从别处复制时带入的），请删除后重新输入。";

    /// <summary>The same for text of several lines (instructions, a consolidated opinion): line breaks and tabs are typed there.</summary>
    public static bool HasHiddenCharactersBesideLineBreaks(string? text)
    {
        if (text is null) return false;
        foreach (var rune in text.EnumerateRunes())
            if (rune.Value is not ('\n' or '\r' or '\t') && (Rune.IsControl(rune) || IsInvisibleControl(rune))) return true;
        return false;
    }

    /// <summary>
    /// The text wrapped as a bidirectional isolate (U+2068 … U+2069) for plain-text outputs where it stands beside the
    /// product's own words (a spreadsheet cell, a console line): whatever direction controls it holds end with it.
    /// Its own isolates are balanced first (<see cref="Balanced"/>), so none of them can close ours early or take its closer.
    /// </summary>
    public static string Isolate(string text) => $"{FirstStrongIsolate}{Balanced(text)}{PopDirectionalIsolate}";

    /// <summary>
    /// The text with its isolates balanced: closers (U+2069) that close nothing inside it are dropped, and isolates it
    /// opens and never closes are closed at its end; everything else is kept as typed. A stray closer would end the
    /// isolate an output wraps it in (an HTML <c>&lt;bdi&gt;</c> or <see cref="Isolate"/>), and an unclosed opener would
    /// take the wrapper's own closer, so either would let the text reorder the product's words after it.
    /// </summary>
    public static string Balanced(string text)
    {
        if (text.AsSpan().IndexOfAny('\u2066', '\u2067') < 0 && text.AsSpan().IndexOfAny(FirstStrongIsolate, PopDirectionalIsolate) < 0)
            return text;
        var result = new StringBuilder(text.Length + 4);
        var open = 0;
        foreach (var c in text)
        {
            if (c is '\u2066' or '\u2067' or FirstStrongIsolate) open++;
            else if (c == PopDirectionalIsolate)
            {
                if (open == 0) continue;
                open--;
            }
            result.Append(c);
        }
        return result.Append(PopDirectionalIsolate, open).ToString();
    }
}
