using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Evaluation.Core.Forms;
using Evaluation.Core.Text;

namespace Evaluation.Core.Ballots;

/// <summary>
/// Reading a ballot's answers as the phone sends them, and writing them canonically (keys sorted, no white space,
/// nulls omitted, target ids as lower-case "D" guids) with <see cref="FormJson.Canonical{T}"/>.
/// </summary>
public static class BallotJson
{
    private const string Reload = "请刷新页面后重新填写。";
    private const int QuoteLength = 40;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static string Canonical(BallotAnswers answers) => FormJson.Canonical(answers);

    /// <summary>
    /// Reads a submitted ballot. Its shape is checked by hand while it is read, so that every refusal says in Chinese where the
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
            error = ReadBallot(document.RootElement, out answers);
            if (error is not null)
                return false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // JsonException: not JSON at all; the others: strings that are not valid UTF-16 (a lone surrogate escape).
            error = $"答卷不是有效的 JSON，无法读取，{Reload}";
            return false;
        }
        return answers is not null;
    }

    // One pass that checks the shape and builds the answers: the tally reads every ballot of an evaluation this way, so
    // paths for messages are only put together when there is an error to report.
    private static string? ReadBallot(JsonElement root, out BallotAnswers? answers)
    {
        answers = null;
        if (root.ValueKind != JsonValueKind.Object)
            return WrongType("$", "对象");
        IReadOnlyDictionary<string, Answer>? once = null;
        IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>>? targets = null;
        foreach (var property in root.EnumerateObject())
        {
            var error = property.Name switch
            {
                "once" when once is not null => Duplicate("once", "$"),
                "targets" when targets is not null => Duplicate("targets", "$"),
                "once" => ReadSection(property.Value, "$.once", out once),
                "targets" => ReadTargets(property.Value, "$.targets", out targets),
                _ => UnknownField(property.Name, "$"),
            };
            if (error is not null) return error;
        }
        answers = new BallotAnswers
        {
            Once = once ?? new Dictionary<string, Answer>(),
            Targets = targets ?? new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>(),
        };
        return null;
    }

    private static string? ReadTargets(JsonElement element, string path, out IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, Answer>>? targets)
    {
        targets = null;
        if (element.ValueKind != JsonValueKind.Object)
            return WrongType(path, "对象");
        var read = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>();
        foreach (var property in element.EnumerateObject())
        {
            if (!Guid.TryParseExact(property.Name, "D", out var id))
                return $"答卷中的评议对象编号“{Quote(property.Name)}”无效（位置：{path}），{Reload}";
            // Two spellings of one guid (upper and lower case) are one target named twice.
            if (read.ContainsKey(id))
                return Duplicate(property.Name, path);
            if (ReadSection(property.Value, $"{path}.{id}", out var section) is { } error)
                return error;
            read[id] = section!;
        }
        targets = read;
        return null;
    }

    private static string? ReadSection(JsonElement element, string path, out IReadOnlyDictionary<string, Answer>? section)
    {
        section = null;
        if (element.ValueKind != JsonValueKind.Object)
            return WrongType(path, "对象");
        var read = new Dictionary<string, Answer>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (read.ContainsKey(property.Name))
                return Duplicate(property.Name, path);
            if (ReadAnswer(property.Value, path, property.Name, out var answer) is { } error)
                return error;
            read[property.Name] = answer!;
        }
        section = read;
        return null;
    }

    private static string? ReadAnswer(JsonElement element, string sectionPath, string questionId, out Answer? answer)
    {
        answer = null;
        if (element.ValueKind != JsonValueKind.Object)
            return WrongType($"{sectionPath}.{Quote(questionId)}", "对象");
        string? choice = null, other = null, text = null;
        IReadOnlyList<string>? choices = null;
        var seen = 0;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            var (bit, isList) = property.Name switch
            {
                "choice" => (1, false),
                "other" => (2, false),
                "text" => (4, false),
                "choices" => (8, true),
                _ => (0, false),
            };
            if (bit == 0)
                return UnknownField(property.Name, $"{sectionPath}.{Quote(questionId)}");
            if ((seen & bit) != 0)
                return Duplicate(property.Name, $"{sectionPath}.{Quote(questionId)}");
            seen |= bit;
            if (value.ValueKind == JsonValueKind.Null)
                continue;
            if (!isList)
            {
                if (value.ValueKind != JsonValueKind.String)
                    return WrongType($"{sectionPath}.{Quote(questionId)}.{property.Name}", "文字");
                var read = value.GetString();
                if (bit == 1) choice = read;
                else if (bit == 2) other = read;
                else text = read;
                continue;
            }
            if (value.ValueKind != JsonValueKind.Array)
                return WrongType($"{sectionPath}.{Quote(questionId)}.{property.Name}", "文字列表");
            var list = new List<string>(value.GetArrayLength());
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    return WrongType($"{sectionPath}.{Quote(questionId)}.{property.Name}", "文字列表");
                list.Add(item.GetString()!);
            }
            choices = list;
        }
        answer = new Answer { Choice = choice, Choices = choices, Other = other, Text = text };
        return null;
    }

    private static string UnknownField(string name, string path) =>
        $"答卷中有无法识别的字段“{Quote(name)}”（位置：{path}），{Reload}";

    private static string Duplicate(string name, string path) =>
        $"答卷中“{Quote(name)}”出现了两次（位置：{path}），{Reload}";

    private static string WrongType(string path, string expected) =>
        $"答卷格式不正确：{path} 应为{expected}，{Reload}";

    private static string Quote(string value) => UserText.Excerpt(value, QuoteLength);
}
