using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;

namespace Evaluation.LoadBench;

/// <summary>What POST /api/v/slip tells a phone: where its ballot goes, the key to blind with, and the frozen form.</summary>
public sealed record SlipInfo(Guid EvaluationId, Guid CategoryId, BlindRsaPublicKey Key, FrozenForm Form, string FormJson);

/// <summary>The phone's state between blinding and the answer to check-in; the token is dropped once checked in.</summary>
public sealed record PendingCheckIn(string Token, SlipInfo Slip, byte[] Secret, byte[] Message, BlindRsa.BlindingResult Blinding);

/// <summary>An anonymous credential: a message made from the secret, and the server's signature on it.</summary>
public sealed record Credential(SlipInfo Slip, byte[] Message, byte[] Signature, byte[] Secret)
{
    /// <summary>The receipt the server must answer with, as the phone shows it.</summary>
    public string ExpectedReceipt => Receipt.Grouped(Receipt.FromSecret(Secret));
}

/// <summary>A ballot the service acknowledged: the receipt it gave (ten symbols, no dash), and whether it was blank.</summary>
public sealed record Acknowledged(Guid EvaluationId, string Receipt, bool Blank);

/// <summary>
/// The phone's side of the two unlinkable steps, as tests/Evaluation.Tests/Features/Voting/VotingClient.cs and the
/// page's vote.js do them: describe, blind, check in, finalise; later submit with the secret the receipt comes from.
/// </summary>
public sealed class PhoneSteps
{
    // Every phone of an evaluation receives the same frozen form and, per category, the same key: a real page parses
    // them once per phone, but here they would cost the shared CPU thousands of times for nothing the server does.
    private readonly ConcurrentDictionary<string, FrozenForm> _forms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BlindRsaPublicKey> _keys = new(StringComparer.Ordinal);

    public static byte[] DescribeBody(string token) => VotingApi.Json(w => w.WriteString("token", token));

    public SlipInfo ReadSlip(JsonElement answer)
    {
        var formJson = answer.GetProperty("form").GetRawText();
        var form = _forms.GetOrAdd(formJson, Core.Forms.FormJson.ReadFrozenForm);
        var key = _keys.GetOrAdd(answer.GetProperty("publicKey").GetString()!, k => BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(k)));
        return new SlipInfo(answer.GetProperty("evaluation").GetProperty("id").GetGuid(), answer.GetProperty("category").GetProperty("id").GetGuid(),
            key, form, formJson);
    }

    /// <summary>RFC 9474 on the phone: the message is SHA-256("ballot:" ‖ secret) after a random prefix, then blinded.</summary>
    public static PendingCheckIn Blind(string token, SlipInfo slip)
    {
        var secret = Receipt.NewSecret();
        var message = BlindRsa.Prepare(Receipt.MessageFor(secret));
        return new PendingCheckIn(token, slip, secret, message, BlindRsa.Blind(slip.Key, message));
    }

    public static byte[] CheckInBody(PendingCheckIn pending) => VotingApi.Json(w =>
    {
        w.WriteString("token", pending.Token);
        w.WriteString("blindedMessage", Convert.ToBase64String(pending.Blinding.BlindedMessage));
    });

    /// <summary>Unblinds the answer to check-in; null when the signature does not verify (the phone would refuse it too).</summary>
    public static Credential? Finish(PendingCheckIn pending, JsonElement answer)
    {
        try
        {
            var blindSignature = Convert.FromBase64String(answer.GetProperty("blindSignature").GetString()!);
            var signature = BlindRsa.Finalize(pending.Slip.Key, pending.Message, blindSignature, pending.Blinding.Inverse);
            return new Credential(pending.Slip, pending.Message, signature, pending.Secret);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <param name="answers">Canonical answers JSON (<see cref="Core.Ballots.BallotJson.Canonical"/>), sent as it is.</param>
    public static byte[] BallotBody(Credential credential, string answers) => VotingApi.Json(w =>
    {
        w.WriteString("evaluationId", credential.Slip.EvaluationId);
        w.WriteString("categoryId", credential.Slip.CategoryId);
        w.WriteString("message", Convert.ToBase64String(credential.Message));
        w.WriteString("signature", Convert.ToBase64String(credential.Signature));
        w.WriteString("secret", Convert.ToBase64String(credential.Secret));
        w.WritePropertyName("answers");
        w.WriteRawValue(answers);
    });

    /// <summary>The service's answer to a ballot, held against the receipt the phone expects; null when they differ.</summary>
    public static Acknowledged? Receipted(Credential credential, JsonElement answer)
    {
        var receipt = answer.TryGetProperty("receipt", out var r) ? r.GetString() : null;
        if (receipt != credential.ExpectedReceipt) return null;
        return new Acknowledged(credential.Slip.EvaluationId, receipt.Replace("-", ""), answer.TryGetProperty("blank", out var b) && b.GetBoolean());
    }
}
