using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Evaluation.Core.Forms;

namespace Evaluation.Core.Ballots;

/// <summary>
/// Reading a ballot's answers as the phone sends them, and writing them canonically (keys sorted, no white space,
/// nulls omitted, target ids as lower-case "D" guids) with <see cref="FormJson.Canonical{T}"/>.
/// </summary>
public static class BallotJson
{
    private const string Reload = "请刷新页面后重新填写。";
    private const int QuoteLength = 40;

    // Same names and rules as every form JSON, and stricter on duplicates: a ballot naming one answer twice is ambiguous.
    private static readonly JsonSerializerOptions ReadOptions = new(FormJson.Options) { AllowDuplicateProperties = false };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static string Canonical(BallotAnswers answers) => FormJson.Canonical(answers);

    /// <summary>
    /// Reads a submitted ballot. Its shape is checked first, by hand, so that every refusal says in Chinese where the
    /// JSON is wrong: not JSON, an unknown field, a target key that is not a guid, a name given twice, a value of the
    /// wrong type (null is accepted only for the four fields of an answer). Whether the answers fit the questionnaire
    /// is <see cref="BallotValidator.Validate"/>'s job.
    /// </summary>
    public static bool TryRead(string? json, [NotNullWhen(true)] out BallotAnswers? answers, [NotNullWhen(false)] out string? error)
    {
        answers = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            error = $"答卷内容为空，{Reload}";
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            error = CheckBallot(document.RootElement);
            if (error is not null)
                return false;
            answers = document.RootElement.Deserialize<BallotAnswers>(ReadOptions);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // JsonException: not JSON at all; the others: strings that are not valid UTF-16 (a lone surrogate escape).
            error = $"答卷不是有效的 JSON，无法读取，{Reload}";
            return false;
        }
        if (answers is null)
        {
            error = $"答卷内容为空，{Reload}";
            return false;
        }
        return true;
    }

    private static string? CheckBallot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return WrongType("$", "对象");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            var path = $"$.{property.Name}";
            var error = !names.Add(property.Name) ? Duplicate(property.Name, "$")
                : property.Name switch
                {
                    "once" => CheckSection(property.Value, path),
                    "targets" => CheckTargets(property.Value, path),
                    _ => UnknownField(property.Name, "$"),
                };
            if (error is not null) return error;
        }
        return null;
    }

    private static string? CheckTargets(JsonElement targets, string path)
    {
        if (targets.ValueKind != JsonValueKind.Object)
            return WrongType(path, "对象");
        var ids = new HashSet<Guid>();
        foreach (var property in targets.EnumerateObject())
        {
            if (!Guid.TryParseExact(property.Name, "D", out var id))
                return $"答卷中的评议对象编号“{Quote(property.Name)}”无效（位置：{path}），{Reload}";
            // Two spellings of one guid (upper and lower case) are one target named twice.
            if (!ids.Add(id))
                return Duplicate(property.Name, path);
            if (CheckSection(property.Value, $"{path}.{id}") is { } error)
                return error;
        }
        return null;
    }

    private static string? CheckSection(JsonElement section, string path)
    {
        if (section.ValueKind != JsonValueKind.Object)
            return WrongType(path, "对象");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in section.EnumerateObject())
        {
            if (!names.Add(property.Name))
                return Duplicate(property.Name, path);
            if (CheckAnswer(property.Value, $"{path}.{Quote(property.Name)}") is { } error)
                return error;
        }
        return null;
    }

    private static string? CheckAnswer(JsonElement answer, string path)
    {
        if (answer.ValueKind != JsonValueKind.Object)
            return WrongType(path, "对象");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in answer.EnumerateObject())
        {
            if (!names.Add(property.Name))
                return Duplicate(property.Name, path);
            var value = property.Value;
            var at = $"{path}.{property.Name}";
            switch (property.Name)
            {
                case "choice" or "other" or "text":
                    if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                        return WrongType(at, "文字");
                    break;
                case "choices":
                    if (value.ValueKind == JsonValueKind.Null)
                        break;
                    if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
                        return WrongType(at, "文字列表");
                    break;
                default:
                    return UnknownField(property.Name, path);
            }
        }
        return null;
    }

    private static string UnknownField(string name, string path) =>
        $"答卷中有无法识别的字段“{Quote(name)}”（位置：{path}），{Reload}";

    private static string Duplicate(string name, string path) =>
        $"答卷中“{Quote(name)}”出现了两次（位置：{path}），{Reload}";

    private static string WrongType(string path, string expected) =>
        $"答卷格式不正确：{path} 应为{expected}，{Reload}";

    private static string Quote(string value) => value.Length <= QuoteLength ? value : $"{value[..QuoteLength]}…";
}
