using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Evaluation.Core.Tallies;

namespace Evaluation.Core.Audit;

/// <summary>
/// What an auditor (审计) needs to check an evaluation without trusting the server (DESIGN.md §3): the frozen form, the
/// public keys, the slip counts, every accepted ballot, the published tally and the staff action log. Its format is
/// described in docs/audit-bundle.md; <see cref="BundleVerifier"/> checks it.
/// </summary>
public sealed record AuditBundle
{
    public const string CurrentFormat = "minzhu-pingyi/audit-bundle/1";

    public required string Format { get; init; }
    public required BundleEvaluation Evaluation { get; init; }
    /// <summary>The frozen questionnaire and targets as the canonical JSON that was hashed when voting opened.</summary>
    public required string FrozenForm { get; init; }
    public required string FormHash { get; init; }
    /// <summary>The counting rules, with category weights restated per group.</summary>
    public required TallySettings Settings { get; init; }
    /// <summary>Categories, alone or merged where fewer than k ballots would single a small group out.</summary>
    public required IReadOnlyList<BundleGroup> Groups { get; init; }
    /// <summary>The fingerprint the PDF and Excel reports print.</summary>
    public required string Fingerprint { get; init; }
    /// <summary>Every number the reports publish, as the server counted them.</summary>
    public required IReadOnlyList<Figure> Tally { get; init; }
    /// <summary>The whole staff action log, oldest first, with its hash chain.</summary>
    public required IReadOnlyList<ActionLogEntry> ActionLog { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = true,
    };

    public void WriteTo(Stream stream) => JsonSerializer.Serialize(stream, this, JsonOptions);

    /// <summary>Reads a bundle; the error says in Chinese why a file is not one.</summary>
    public static bool TryRead(Stream stream, out AuditBundle? bundle, out string? error)
    {
        bundle = null;
        error = null;
        try
        {
            bundle = JsonSerializer.Deserialize<AuditBundle>(stream, JsonOptions);
            if (bundle is null) error = "文件内容为空，不是审计包。";
        }
        catch (JsonException e)
        {
            error = $"文件不是可读取的审计包（{e.Path ?? "开头"}处有误）：请确认下载完整、未经编辑。";
        }
        return error is null;
    }
}

public sealed record BundleEvaluation(Guid Id, string Unit, string Name, string Round, DateTimeOffset? OpenedAt, DateTimeOffset? ClosedAt);

/// <summary>
/// A respondent category, or several merged: their public keys, summed slip counts, and their ballots sorted by message.
/// A ballot of a merged group is valid under any of the group's keys, so the bundle does not say which small category cast it.
/// </summary>
public sealed record BundleGroup
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }
    /// <summary>SubjectPublicKeyInfo DER in base64, as the phones imported them.</summary>
    public required IReadOnlyList<string> PublicKeys { get; init; }
    public required int Expected { get; init; }
    public required int SlipsIssued { get; init; }
    public required int SlipsVoided { get; init; }
    public required int CheckedIn { get; init; }
    public required IReadOnlyList<BundleBallot> Ballots { get; init; }
}

/// <summary>An accepted ballot: the RFC 9474 prepared message and signature (hex), and the canonical answers JSON as stored.</summary>
public sealed record BundleBallot(string Message, string Signature, string Answers);
