namespace Evaluation.Core.Forms;

/// <summary>
/// How a target is named wherever it is labelled: "张三（副局长）". A post typed with brackets of its own
/// ("副局长（分管医政）") has them turned into commas, "张三（副局长，分管医政）": nested full-width brackets
/// ("（副局长（分管医政））") read as a typo on a projected page or a printed table. A post without brackets is kept as
/// typed, so the labels of reports made before this rule are unchanged.
/// </summary>
public static class TargetLabel
{
    public const string Open = "（";
    public const string Close = "）";

    private static readonly char[] Brackets = ['（', '）', '(', ')'];

    // What is left at the edge of a piece once the brackets are cut out ("副局长（分管医政）、党委委员").
    private static readonly char[] Separators = ['，', '、', '；', ',', ';', '：', ':', ' ', '\u3000'];

    public static string Of(string name, string? post) => Of(name, post, text => text);

    /// <param name="isolate">Wraps the name and the post each (a bidi isolate): they are typed text, the brackets are not.</param>
    public static string Of(string name, string? post, Func<string, string> isolate) =>
        Post(post) is { } inside ? isolate(name) + Open + isolate(inside) + Close : isolate(name);

    public static string Of(Target target) => Of(target.Name, target.Title);

    /// <summary>The post as it stands inside the label's brackets, its own brackets made commas; null when there is none.</summary>
    public static string? Post(string? post)
    {
        if (string.IsNullOrWhiteSpace(post)) return null;
        if (post.IndexOfAny(Brackets) < 0) return post.Trim();
        var pieces = post.Split(Brackets).Select(p => p.Trim(Separators)).Where(p => p.Length > 0).ToList();
        return pieces.Count == 0 ? null : string.Join("，", pieces);
    }
}
