namespace Evaluation.Web.Infrastructure;

public static class TypedText
{
    /// <summary>
    /// Names are one line of text; a control character in one came from a paste, never from the keyboard. PostgreSQL cannot
    /// store a NUL at all, and the others would print as boxes, break a report's layout or hide text in a file name.
    /// </summary>
    public static bool HasControlCharacters(string? text) => text is not null && text.Any(char.IsControl);

    public static string ControlCharacterProblem(string field) =>
        $"{field}中有看不见的控制字符（通常是从别处复制时带入的），请删除后重新输入。";
}
