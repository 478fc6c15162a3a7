using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// A phone, in C#: the same requests the page makes, with the same client steps (docs/sealed-ballot-box.md): two blinded
/// messages at check-in, the answers signed with a phone key and sealed to the box key at submit.
/// </summary>
public sealed class VotingClient(HttpClient http) : IDisposable
{
    /// <param name="KeyGroupId">The key group the slip's category belongs to; ballots name the group, never the category.</param>
    /// <param name="DoorMessage">prefix ‖ SHA-256("door:" ‖ s): opens the box's door, never leaves the box.</param>
    /// <param name="BallotMessage">prefix ‖ SHA-256("ballot-key:" ‖ pk): goes inside the sealed ballot, into the bundle at 开箱.</param>
    /// <param name="PhoneKey">The phone's ECDSA P-256 key; its public half is bound into <paramref name="BallotMessage"/>.</param>
    /// <param name="BoxKey">The box's public key (65-byte point), as the slip's description gave it.</param>
    /// <param name="Secret">What the door message was made from and the receipt is derived from; null sends a ballot without it.</param>
    public sealed record Credential(Guid EvaluationId, Guid CategoryId, Guid KeyGroupId, byte[] DoorMessage, byte[] DoorSignature,
        byte[] BallotMessage, byte[] BallotSignature, ECDsa PhoneKey, byte[] BoxKey, byte[]? Secret, JsonElement Form)
    {
        /// <summary>The receipt the server should answer with, as the phone shows it.</summary>
        public string ExpectedReceipt => Receipt.Grouped(Receipt.FromSecret(Secret!));

        /// <summary>The phone key's public half, the 65-byte uncompressed point.</summary>
        public byte[] PhonePublicKey => Point(PhoneKey);

        // What was sealed for which answers: a retry sends the very same ciphertext, as the page does (HPKE draws a fresh
        // ephemeral key each time, so sealing again would be another ballot for the same door). Shared by `with` copies.
        internal ConcurrentDictionary<string, byte[]> SealedByAnswers { get; } = new();
    }

    public HttpClient Http => http;

    /// <summary>The slip's description (POST /api/v/slip), asserted 200.</summary>
    public async Task<JsonElement> DescribeAsync(string token)
    {
        using var describe = await http.PostAsJsonAsync("/api/v/slip", new { token });
        Assert.That(describe.StatusCode, Is.EqualTo(HttpStatusCode.OK), await describe.Content.ReadAsStringAsync());
        return await JsonAsync(describe);
    }

    public static BlindRsaPublicKey DoorKey(JsonElement slip) =>
        BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(slip.GetProperty("keyGroup").GetProperty("doorKey").GetString()!));

    public static BlindRsaPublicKey BallotKey(JsonElement slip) =>
        BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(slip.GetProperty("keyGroup").GetProperty("ballotKey").GetString()!));

    /// <summary>The check-in request's body, as the page sends it.</summary>
    public static object CheckInBody(string token, byte[] blindedDoor, byte[] blindedBallot) =>
        new { token, blindedDoor = Convert.ToBase64String(blindedDoor), blindedBallot = Convert.ToBase64String(blindedBallot) };

    public async Task<Credential> CheckInAsync(string token)
    {
        var slip = await DescribeAsync(token);
        var doorKey = DoorKey(slip);
        var ballotKey = BallotKey(slip);
        var secret = Receipt.NewSecret();
        var phoneKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var door = BlindRsa.Prepare(Receipt.MessageFor(secret));
        var ballot = BlindRsa.Prepare(SealedBallot.MessageFor(Point(phoneKey)));
        var doorBlinding = BlindRsa.Blind(doorKey, door);
        var ballotBlinding = BlindRsa.Blind(ballotKey, ballot);

        using var checkIn = await http.PostAsJsonAsync("/api/v/checkin", CheckInBody(token, doorBlinding.BlindedMessage, ballotBlinding.BlindedMessage));
        Assert.That(checkIn.StatusCode, Is.EqualTo(HttpStatusCode.OK), await checkIn.Content.ReadAsStringAsync());
        var answer = await JsonAsync(checkIn);
        var doorSignature = BlindRsa.Finalize(doorKey, door, Convert.FromBase64String(answer.GetProperty("doorSignature").GetString()!), doorBlinding.Inverse);
        var ballotSignature = BlindRsa.Finalize(ballotKey, ballot, Convert.FromBase64String(answer.GetProperty("ballotSignature").GetString()!), ballotBlinding.Inverse);
        return new Credential(slip.GetProperty("evaluation").GetProperty("id").GetGuid(), slip.GetProperty("category").GetProperty("id").GetGuid(),
            slip.GetProperty("keyGroup").GetProperty("id").GetGuid(), door, doorSignature, ballot, ballotSignature, phoneKey,
            Convert.FromBase64String(slip.GetProperty("boxKey").GetString()!), secret, slip.GetProperty("form"));
    }

    /// <summary>
    /// Signs and seals <paramref name="answers"/> (serialised as the page does) and sends them. The same credential with
    /// the same answers again resends the same ciphertext, as a retry on the page does.
    /// </summary>
    public Task<HttpResponseMessage> SubmitAsync(Credential credential, object answers) =>
        SubmitSealedAsync(credential, Sealed(credential, AnswersText(answers)));

    /// <summary>The ballot sealed with its own door message as aad, sent through <paramref name="door"/>'s door (a ciphertext moved to another credential).</summary>
    public Task<HttpResponseMessage> SubmitAsync(Credential credential, object answers, Credential door) =>
        SubmitSealedAsync(door, Sealed(credential, AnswersText(answers)));

    /// <summary>Answers sent exactly as given (A is not re-serialised): anything at all, the box takes it and 开箱 judges.</summary>
    public Task<HttpResponseMessage> SubmitAnswersTextAsync(Credential credential, string answers) =>
        SubmitSealedAsync(credential, Sealed(credential, answers));

    /// <summary>Sends <paramref name="sealedBallot"/> as it is (tampered, garbage, another's) through <paramref name="credential"/>'s door.</summary>
    public Task<HttpResponseMessage> SubmitSealedAsync(Credential credential, byte[] sealedBallot) =>
        http.PostAsJsonAsync("/api/v/ballot", BallotBody(credential, sealedBallot));

    /// <summary>The ballot request's body, as the page sends it.</summary>
    public static object BallotBody(Credential credential, byte[] sealedBallot) => new
    {
        evaluationId = credential.EvaluationId, keyGroupId = credential.KeyGroupId,
        doorMessage = Convert.ToBase64String(credential.DoorMessage), doorSignature = Convert.ToBase64String(credential.DoorSignature),
        secret = credential.Secret is null ? null : Convert.ToBase64String(credential.Secret), @sealed = Convert.ToBase64String(sealedBallot),
    };

    /// <summary>The sealed ballot the page would send for these answers (cached: the same bytes every time).</summary>
    public static byte[] Sealed(Credential credential, object answers) => Sealed(credential, AnswersText(answers));

    private static byte[] Sealed(Credential credential, string answers) =>
        credential.SealedByAnswers.GetOrAdd(answers, a => Seal(credential, a));

    /// <summary>
    /// A fresh sealed ballot, optionally with its contents changed before sealing (another phone key, a forged ballot
    /// credential, a bad answer signature…): what 开箱 must reject or void.
    /// </summary>
    public static byte[] Seal(Credential credential, string answers, Func<SealedBallot.Contents, SealedBallot.Contents>? change = null)
    {
        var contents = new SealedBallot.Contents(credential.BallotMessage, credential.BallotSignature, credential.PhonePublicKey, answers,
            SignAnswers(credential.PhoneKey, credential.EvaluationId, credential.KeyGroupId, answers));
        return SealedBallot.Seal(credential.BoxKey, credential.EvaluationId, credential.KeyGroupId, credential.DoorMessage, change?.Invoke(contents) ?? contents);
    }

    /// <summary>Any plaintext, sealed as a ballot would be (for 内容无法读取).</summary>
    public static byte[] SealPlaintext(Credential credential, byte[] plaintext) =>
        Hpke.Seal(credential.BoxKey, SealedBallot.Info(credential.EvaluationId, credential.KeyGroupId), credential.DoorMessage, plaintext);

    /// <summary>τ: ECDSA P-256 / SHA-256 over SealedBallot.SignedBytes, in the 64-byte r ‖ s form WebCrypto gives.</summary>
    public static byte[] SignAnswers(ECDsa phoneKey, Guid evaluationId, Guid keyGroupId, string answers) =>
        phoneKey.SignData(SealedBallot.SignedBytes(evaluationId, keyGroupId, answers), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Every value of a credential that must never reach a log, in the forms a log could hold it (base64, hex).</summary>
    public static IEnumerable<string> Secrets(Credential credential) =>
        new[] { credential.DoorMessage, credential.DoorSignature, credential.BallotMessage, credential.BallotSignature, credential.PhonePublicKey, credential.Secret! }
            .SelectMany(bytes => new[] { Convert.ToBase64String(bytes), Convert.ToHexString(bytes) })
            .Concat(credential.SealedByAnswers.Values.Select(Convert.ToBase64String));

    /// <summary>The credential with one bit of its door signature flipped.</summary>
    public static Credential WithForgedDoor(Credential credential) => credential with { DoorSignature = Flip(credential.DoorSignature) };

    /// <summary>A: the answers serialised once to JSON, as the page's JSON.stringify would; a string is taken as A itself.</summary>
    public static string AnswersText(object answers) =>
        answers as string ?? JsonSerializer.Serialize(answers, JsonSerializerOptions.Web);

    public static byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[copy.Length / 2] ^= 0x01;
        return copy;
    }

    private static byte[] Point(ECDsa key)
    {
        var p = key.ExportParameters(false).Q;
        return [0x04, .. p.X!, .. p.Y!];
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public void Dispose() => http.Dispose();
}
