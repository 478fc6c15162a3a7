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

    /// <inheritdoc cref="UserText.IsLongerThan"/>
    public static bool IsLongerThan(string? text, int max) => UserText.IsLongerThan(text, max);

    public static string ControlCharacterProblem(string field) => UserText.HiddenCharacterProblem(field);
}
