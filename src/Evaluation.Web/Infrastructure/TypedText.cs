using Evaluation.Core.Text;

namespace Evaluation.Web.Infrastructure;

public static class TypedText
{
    /// <summary>
    /// Names are one line of text; a control character or an invisible format character (a direction override such as
    /// U+202E, a zero-width space) in one came from a paste, never from the keyboard. PostgreSQL cannot store a NUL at all,
    /// the controls would print as boxes, break a report's layout or hide text in a file name, and a direction override
    /// would reverse the product's own words around the name.
    /// </summary>
    public static bool HasControlCharacters(string? text) => UserText.HasHiddenCharacters(text);

    /// <summary>
    /// Longer than <paramref name="max"/> characters as a person sees them ("𠮷" and "👍" are one each, where UTF-16 counts
    /// two). The tables' checks count code points (PostgreSQL's length()), never fewer than that: a name of joined emoji (a
    /// family is five to seven code points) is held to <paramref name="max"/> code points too, or the insert would fail.
    /// </summary>
    public static bool IsLongerThan(string? text, int max) =>
        text is not null && (UserText.Length(text) > max || text.EnumerateRunes().Count() > max);

    public static string ControlCharacterProblem(string field) =>
        $"{field}中有看不见的控制字符或方向控制字符（通常是从别处复制时带入的），请删除后重新输入。";
}
