using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Evaluation.Core.Tallies;

namespace Evaluation.Core.Audit;

/// <summary>
/// What an auditor (审计) needs to check an evaluation without trusting the server (DESIGN.md §3): the frozen form, the
/// public keys, the slip counts, every opened ballot with its proofs, the sealed box's keys and rejections, the published
/// tally and the staff action log. Its format is described in docs/audit-bundle.md; <see cref="BundleVerifier"/> checks it.
/// </summary>
public sealed record AuditBundle
{
    /// <summary>From the sealed ballot box on: key groups, the box, rejections, and every ballot's phone key and answer signature.</summary>
    public const string CurrentFormat = "minzhu-pingyi/audit-bundle/2";
    /// <summary>Evaluations voted before the sealed box: one signing key per category, ballots stored in the clear.</summary>
    public const string SignedFormat = "minzhu-pingyi/audit-bundle/1";

    public required string Format { get; init; }
    public required BundleEvaluation Evaluation { get; init; }
    /// <summary>The frozen questionnaire and targets as the canonical JSON that was hashed when voting opened.</summary>
    public required string FrozenForm { get; init; }
    public required string FormHash { get; init; }
    /// <summary>The counting rules, with category weights restated per group.</summary>
    public required TallySettings Settings { get; init; }
    /// <summary>
    /// Format 2: the key groups formed when voting opened. Format 1: categories, alone or merged where fewer than k
    /// ballots would single a small group out.
    /// </summary>
    public required IReadOnlyList<BundleGroup> Groups { get; init; }
    /// <summary>Format 2: the ballot box's public key and custody, as committed when voting opened.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BundleBox? Box { get; init; }
    /// <summary>Format 2: sealed ballots rejected at 开箱, by reason (<see cref="Crypto.BoxOpener.Reasons"/>); each is 无效.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, int>? Rejected { get; init; }
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
/// Format 2: a key group (its categories share one door key and one ballot key, so a ballot proves its group and never a
/// category inside it), with summed slip counts and its ballots sorted by message. Format 1: a respondent category, or
/// several merged, with each one's key: a ballot of a merged group is valid under any of them.
/// </summary>
public sealed record BundleGroup
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }
    /// <summary>Format 1: every member category's key, SubjectPublicKeyInfo DER in base64, as the phones imported them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? PublicKeys { get; init; }
    /// <summary>Format 2: the key that signed the door credentials (SPKI DER, base64); only its hash in the log concerns the auditor.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DoorKey { get; init; }
    /// <summary>Format 2: the key that signed the ballot credentials (SPKI DER, base64): every ballot's signature verifies under it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BallotKey { get; init; }
    public required int Expected { get; init; }
    public required int SlipsIssued { get; init; }
    public required int SlipsVoided { get; init; }
    public required int CheckedIn { get; init; }
    public required IReadOnlyList<BundleBallot> Ballots { get; init; }
}

/// <summary>
/// An opened ballot, every field but the answers in hex: the RFC 9474 prepared message M and its signature σM (the
/// ballot credential), and format 2 adds the phone's public key pk (M binds it) and its signature τ over the answers.
/// <see cref="Answers"/> is the JSON exactly as stored (format 2: exactly as the phone signed it).
/// </summary>
public sealed record BundleBallot(
    [property: JsonPropertyOrder(0)] string Message,
    [property: JsonPropertyOrder(1)] string Signature,
    [property: JsonPropertyOrder(3)] string Answers,
    [property: JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PhoneKey = null,
    [property: JsonPropertyOrder(4), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AnswerSignature = null);

/// <summary>
/// The ballot box (format 2), hex: its P-256 public key (65-byte point), and its custody: "cards" (split into key cards
/// for the 监票人, <see cref="Threshold"/> of them open it) or "server" (服务器保管: threshold 0, no cards).
/// </summary>
public sealed record BundleBox(string Custody, string PublicKey, int Threshold, IReadOnlyList<BundleCard> Cards);

/// <summary>One key card: its 监票人 and its public point (share·G, hex), in card order.</summary>
public sealed record BundleCard(string Holder, string CardKey);
