using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Evaluation.Core.Crypto;

/// <summary>
/// What the phone puts in the ballot box (docs/sealed-ballot-box.md, steps 2, 4 and 5): the ballot credential M with its
/// signature σM, the phone key pk that M binds, the answers A and the phone's signature τ over them, as one JSON object
/// sealed with HPKE to the box key. The door message D is the aad, so a ciphertext moved to another row does not open.
/// </summary>
public static class SealedBallot
{
    public const int PhoneKeyLength = 65;
    public const int AnswerSignatureLength = 64;

    /// <summary>The plaintext of a sealed ballot. <paramref name="Answers"/> is the JSON string A exactly as the phone signed it.</summary>
    public sealed record Contents(byte[] Message, byte[] Signature, byte[] PhoneKey, string Answers, byte[] AnswerSignature);

    /// <summary>HPKE info: "minzhu-pingyi/box/2\n" ‖ evaluationId ‖ "\n" ‖ keyGroupId, so a ballot opens only for its evaluation and group.</summary>
    public static byte[] Info(Guid evaluationId, Guid keyGroupId) =>
        Encoding.UTF8.GetBytes($"minzhu-pingyi/box/2\n{evaluationId:D}\n{keyGroupId:D}");

    /// <summary>The ballot credential's message before RFC 9474's prefix: SHA-256("ballot-key:" ‖ pk).</summary>
    public static byte[] MessageFor(ReadOnlySpan<byte> phoneKey)
    {
        Span<byte> input = stackalloc byte["ballot-key:"u8.Length + phoneKey.Length];
        "ballot-key:"u8.CopyTo(input);
        phoneKey.CopyTo(input["ballot-key:"u8.Length..]);
        return SHA256.HashData(input);
    }

    /// <summary>
    /// Whether the prepared message (32-byte prefix ‖ 32-byte hash) was made for this phone key. Without it a signed
    /// credential could carry any answers signed by any key.
    /// </summary>
    public static bool BindsPhoneKey(ReadOnlySpan<byte> preparedMessage, ReadOnlySpan<byte> phoneKey) =>
        phoneKey.Length == PhoneKeyLength && preparedMessage.Length == BlindRsa.PrefixLength + 32
        && preparedMessage[BlindRsa.PrefixLength..].SequenceEqual(MessageFor(phoneKey));

    /// <summary>What τ signs: "minzhu-pingyi/ballot/2\n" ‖ evaluationId ‖ "\n" ‖ keyGroupId ‖ "\n" ‖ A, UTF-8.</summary>
    public static byte[] SignedBytes(Guid evaluationId, Guid keyGroupId, string answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        return Encoding.UTF8.GetBytes($"minzhu-pingyi/ballot/2\n{evaluationId:D}\n{keyGroupId:D}\n{answers}");
    }

    /// <summary>ECDSA P-256 / SHA-256 over <see cref="SignedBytes"/>, τ as r ‖ s (64 bytes). Any malformed key or signature is simply false.</summary>
    public static bool VerifyAnswers(Guid evaluationId, Guid keyGroupId, ReadOnlySpan<byte> phoneKey, string answers, ReadOnlySpan<byte> answerSignature)
    {
        if (answers is null || phoneKey.Length != PhoneKeyLength || phoneKey[0] != 0x04 || answerSignature.Length != AnswerSignatureLength)
            return false;
        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = phoneKey[1..33].ToArray(), Y = phoneKey[33..].ToArray() },
            });
            return ecdsa.VerifyData(SignedBytes(evaluationId, keyGroupId, answers), answerSignature,
                HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;   // not a point on the curve
        }
    }

    /// <summary>P: UTF-8 JSON {"message","signature","phoneKey","answers","answerSignature"}, byte strings in base64.</summary>
    public static byte[] Plaintext(Contents contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBase64String("message", contents.Message);
            json.WriteBase64String("signature", contents.Signature);
            json.WriteBase64String("phoneKey", contents.PhoneKey);
            json.WriteString("answers", contents.Answers);
            json.WriteBase64String("answerSignature", contents.AnswerSignature);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads P: one JSON object with exactly the five members, byte strings in standard base64, answers a string.
    /// Anything else (another member, a missing or repeated one, a wrong type, trailing bytes) is false: an opened ballot
    /// is written as it was read, so nothing read loosely may pass.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> plaintext, out Contents? contents)
    {
        contents = null;
        byte[]? message = null, signature = null, phoneKey = null, answerSignature = null;
        string? answers = null;
        try
        {
            var reader = new Utf8JsonReader(plaintext, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                    return false;
                switch (name)
                {
                    case "message" when message is null: message = reader.GetBytesFromBase64(); break;
                    case "signature" when signature is null: signature = reader.GetBytesFromBase64(); break;
                    case "phoneKey" when phoneKey is null: phoneKey = reader.GetBytesFromBase64(); break;
                    case "answers" when answers is null: answers = reader.GetString(); break;
                    case "answerSignature" when answerSignature is null: answerSignature = reader.GetBytesFromBase64(); break;
                    default: return false;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                return false;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
        if (message is null || signature is null || phoneKey is null || answers is null || answerSignature is null)
            return false;
        contents = new Contents(message, signature, phoneKey, answers, answerSignature);
        return true;
    }

    /// <summary>C = HPKE.Seal(boxKey, <see cref="Info"/>, aad = D, P): what the phone sends as <c>sealed</c>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> boxPublicKey, Guid evaluationId, Guid keyGroupId, ReadOnlySpan<byte> doorMessage, Contents contents) =>
        Hpke.Seal(boxPublicKey, Info(evaluationId, keyGroupId), doorMessage, Plaintext(contents));
}
