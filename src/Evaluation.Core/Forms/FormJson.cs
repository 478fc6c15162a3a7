using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Evaluation.Core.Forms;

/// <summary>
/// The one JSON form of questionnaires and targets. Canonical output (keys sorted, no white space,
/// nulls omitted) makes the hash printed for a frozen form reproducible by anyone.
/// </summary>
public static class FormJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
    };

    public static string Canonical<T>(T value) =>
        WriteSorted(JsonSerializer.SerializeToNode(value, Options));

    /// <summary>Reads a questionnaire an organiser pasted or a client sent; the error says where the JSON is wrong.</summary>
    public static bool TryReadQuestionnaire(string json, out Questionnaire? questionnaire, out string? error)
    {
        questionnaire = null;
        error = null;
        try
        {
            questionnaire = JsonSerializer.Deserialize<Questionnaire>(json, Options);
            if (questionnaire is null) error = "问卷内容为空，请粘贴完整的问卷 JSON。";
        }
        catch (JsonException e)
        {
            var at = e.Path is null ? "" : $"（位置：{e.Path}）";
            error = $"问卷 JSON 无法读取{at}，请检查字段名、题型和括号是否正确。";
        }
        return error is null;
    }

    public static Questionnaire ReadQuestionnaire(string json) =>
        JsonSerializer.Deserialize<Questionnaire>(json, Options) ?? throw new JsonException("empty questionnaire");

    /// <summary>SHA-256 of the canonical JSON of what a ballot answers: the questionnaire and the targets, in order.</summary>
    public static string FormHash(Questionnaire questionnaire, IReadOnlyList<Target> targets) =>
        Sha256Hex(FrozenForm(questionnaire, targets));

    public static string FormHash(FrozenForm form) => Sha256Hex(FrozenForm(form));

    /// <summary>Reads back what <see cref="FrozenForm(Questionnaire, IReadOnlyList{Target})"/> wrote.</summary>
    public static FrozenForm ReadFrozenForm(string json) =>
        JsonSerializer.Deserialize<FrozenForm>(json, Options) ?? throw new JsonException("empty frozen form");

    public static string FrozenForm(Questionnaire questionnaire, IReadOnlyList<Target> targets) =>
        FrozenForm(new FrozenForm(questionnaire, targets));

    /// <summary>
    /// The canonical frozen form. <c>raters</c> is written only when some key group is limited (an empty scope list is
    /// no limit), so a form without limits is byte for byte what it was before scopes existed, and so is its hash.
    /// </summary>
    public static string FrozenForm(FrozenForm form)
    {
        var targets = form.Targets.OrderBy(t => t.Position).ThenBy(t => t.Id).ToList();
        var raters = form.Raters is { Count: > 0 } limited
            ? limited.ToDictionary(p => p.Key, p => targets.Where(t => p.Value.Contains(t.Id)).Select(t => t.Id).ToList())
            : null;
        return Canonical(new { questionnaire = form.Questionnaire, targets, raters });
    }

    /// <summary>
    /// The form a phone of this key group is handed: the frozen form as it is when no category is limited, else only the
    /// targets the group rates. Its targets keep their ids, so its ballots count against the frozen form itself.
    /// </summary>
    public static string PhoneForm(string frozenForm, Guid keyGroupId) =>
        ReadFrozenForm(frozenForm) is { Raters: not null } limited ? FrozenForm(limited.ForKeyGroup(keyGroupId)) : frozenForm;

    public static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string WriteSorted(JsonNode? node)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Write(writer, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
