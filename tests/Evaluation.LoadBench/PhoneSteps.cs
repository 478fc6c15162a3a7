using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;

namespace Evaluation.LoadBench;

/// <summary>
/// What POST /api/v/slip tells a phone: where its ballot goes (evaluation, key group), the keys to blind with, the box
/// key to seal to, and the frozen form.
/// </summary>
public sealed record SlipInfo(Guid EvaluationId, Guid CategoryId, Guid KeyGroupId, BlindRsaPublicKey DoorKey, BlindRsaPublicKey BallotKey,
    byte[] BoxKey, FrozenForm Form, string FormJson);

/// <summary>The phone's state between blinding and the answer to check-in; the token is dropped once checked in.</summary>
public sealed record PendingCheckIn(string Token, SlipInfo Slip, byte[] Secret, ECDsa PhoneKey, byte[] PhonePublicKey,
    byte[] DoorMessage, BlindRsa.BlindingResult DoorBlinding, byte[] BallotMessage, BlindRsa.BlindingResult BallotBlinding);

/// <summary>
/// The phone's two credentials: the door message (made from the secret) with its signature, the ballot message (bound
/// to the phone key) with its signature, and the phone key that will sign the answers.
/// </summary>
public sealed record Credential(SlipInfo Slip, byte[] DoorMessage, byte[] DoorSignature, byte[] BallotMessage, byte[] BallotSignature,
    ECDsa PhoneKey, byte[] PhonePublicKey, byte[] Secret)
{
    /// <summary>The receipt the server must answer with, as the phone shows it.</summary>
    public string ExpectedReceipt => Receipt.Grouped(Receipt.FromSecret(Secret));
}

/// <summary>A ballot the service acknowledged: the receipt it gave (ten symbols, no dash), and whether it was blank (the phone knows).</summary>
public sealed record Acknowledged(Guid EvaluationId, string Receipt, bool Blank);

/// <summary>
/// The phone's side of the sealed ballot box protocol (docs/sealed-ballot-box.md), as
/// tests/Evaluation.Tests/Features/Voting/VotingClient.cs and the page's vote.js do it: describe; draw a secret and an
/// ECDSA key; blind the door and ballot messages; check in; finalise both; later sign the answers, seal them to the box
/// key and submit with the door credential and the secret the receipt comes from.
/// </summary>
public sealed class PhoneSteps
{
    // Every phone of an evaluation receives the same frozen form and, per key group, the same keys: a real page parses
    // them once per phone, but here they would cost the shared CPU thousands of times for nothing the server does.
    private readonly ConcurrentDictionary<string, FrozenForm> _forms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BlindRsaPublicKey> _keys = new(StringComparer.Ordinal);

    public static byte[] DescribeBody(string token) => VotingApi.Json(w => w.WriteString("token", token));

    public SlipInfo ReadSlip(JsonElement answer)
    {
        var formJson = answer.GetProperty("form").GetRawText();
        var form = _forms.GetOrAdd(formJson, Core.Forms.FormJson.ReadFrozenForm);
        var group = answer.GetProperty("keyGroup");
        BlindRsaPublicKey Key(string name) =>
            _keys.GetOrAdd(group.GetProperty(name).GetString()!, k => BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(k)));
        return new SlipInfo(answer.GetProperty("evaluation").GetProperty("id").GetGuid(), answer.GetProperty("category").GetProperty("id").GetGuid(),
            group.GetProperty("id").GetGuid(), Key("doorKey"), Key("ballotKey"), Convert.FromBase64String(answer.GetProperty("boxKey").GetString()!),
            form, formJson);
    }

    /// <summary>
    /// RFC 9474 on the phone, twice: prefix ‖ SHA-256("door:" ‖ s) under the door key and prefix ‖ SHA-256("ballot-key:" ‖ pk)
    /// under the ballot key, pk from a fresh ECDSA P-256 key (one per phone).
    /// </summary>
    public static PendingCheckIn Blind(string token, SlipInfo slip)
    {
        var secret = Receipt.NewSecret();
        var phoneKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = phoneKey.ExportParameters(false).Q;
        byte[] phonePublicKey = [0x04, .. q.X!, .. q.Y!];
        var door = BlindRsa.Prepare(Receipt.MessageFor(secret));
        var ballot = BlindRsa.Prepare(SealedBallot.MessageFor(phonePublicKey));
        return new PendingCheckIn(token, slip, secret, phoneKey, phonePublicKey,
            door, BlindRsa.Blind(slip.DoorKey, door), ballot, BlindRsa.Blind(slip.BallotKey, ballot));
    }

    public static byte[] CheckInBody(PendingCheckIn pending) =>
        CheckInBody(pending.Token, pending.DoorBlinding.BlindedMessage, pending.BallotBlinding.BlindedMessage);

    public static byte[] CheckInBody(string token, byte[] blindedDoor, byte[] blindedBallot) => VotingApi.Json(w =>
    {
        w.WriteString("token", token);
        w.WriteString("blindedDoor", Convert.ToBase64String(blindedDoor));
        w.WriteString("blindedBallot", Convert.ToBase64String(blindedBallot));
    });

    /// <summary>Unblinds the answer to check-in; null when a signature does not verify (the phone would refuse it too).</summary>
    public static Credential? Finish(PendingCheckIn pending, JsonElement answer)
    {
        try
        {
            var door = BlindRsa.Finalize(pending.Slip.DoorKey, pending.DoorMessage,
                Convert.FromBase64String(answer.GetProperty("doorSignature").GetString()!), pending.DoorBlinding.Inverse);
            var ballot = BlindRsa.Finalize(pending.Slip.BallotKey, pending.BallotMessage,
                Convert.FromBase64String(answer.GetProperty("ballotSignature").GetString()!), pending.BallotBlinding.Inverse);
            return new Credential(pending.Slip, pending.DoorMessage, door, pending.BallotMessage, ballot, pending.PhoneKey, pending.PhonePublicKey,
                pending.Secret);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The answers signed with the phone key and sealed (HPKE) to the box key, with the door credential and the secret
    /// around them; built once, so a retry sends the very same bytes.
    /// </summary>
    /// <param name="answers">Canonical answers JSON (<see cref="Core.Ballots.BallotJson.Canonical"/>): A, sealed as it is.</param>
    public static byte[] BallotBody(Credential credential, string answers)
    {
        var slip = credential.Slip;
        var signature = credential.PhoneKey.SignData(SealedBallot.SignedBytes(slip.EvaluationId, slip.KeyGroupId, answers),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var sealedBallot = SealedBallot.Seal(slip.BoxKey, slip.EvaluationId, slip.KeyGroupId, credential.DoorMessage,
            new SealedBallot.Contents(credential.BallotMessage, credential.BallotSignature, credential.PhonePublicKey, answers, signature));
        return VotingApi.Json(w =>
        {
            w.WriteString("evaluationId", slip.EvaluationId);
            w.WriteString("keyGroupId", slip.KeyGroupId);
            w.WriteString("doorMessage", Convert.ToBase64String(credential.DoorMessage));
            w.WriteString("doorSignature", Convert.ToBase64String(credential.DoorSignature));
            w.WriteString("secret", Convert.ToBase64String(credential.Secret));
            w.WriteString("sealed", Convert.ToBase64String(sealedBallot));
        });
    }

    /// <summary>
    /// The service's answer to a ballot, held against the receipt the phone computes itself; null when they differ.
    /// <paramref name="blank"/>: the server no longer reads the answers, so the phone says whether it sent a blank ballot.
    /// </summary>
    public static Acknowledged? Receipted(Credential credential, JsonElement answer, bool blank)
    {
        var receipt = answer.TryGetProperty("receipt", out var r) ? r.GetString() : null;
        if (receipt != credential.ExpectedReceipt) return null;
        return new Acknowledged(credential.Slip.EvaluationId, receipt.Replace("-", ""), blank);
    }
}
