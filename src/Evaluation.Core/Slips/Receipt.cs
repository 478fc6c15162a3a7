using System.Security.Cryptography;
using Evaluation.Core.Crypto;

namespace Evaluation.Core.Slips;

/// <summary>
/// The voter's receipt: ten symbols that let whoever holds them confirm that a ballot was counted, and nothing more.
/// <para>
/// The phone draws a 32-byte secret s (docs/sealed-ballot-box.md). s makes two things: the door message, SHA-256("door:" ‖ s)
/// after the 32-byte random prefix of <c>Prepare</c>, whose blind signature lets one sealed ballot into the box per slip;
/// and the receipt, ten symbols of SHA-256("receipt:" ‖ s). The server is shown s once, with the sealed ballot, checks it
/// against the door message, computes the receipt and forgets s.
/// </para>
/// <para>
/// Neither the door message nor the receipt is in the opened ballots or the audit bundle: both live only beside the
/// sealed ballot until 开箱, which deletes the door messages. Neither hash of s leads to the other or back to s, so a
/// receipt yields no ballot, and whoever demands a voter's receipt learns only that the ballot was counted.
/// </para>
/// </summary>
public static class Receipt
{
    public const int Length = 10;
    public const int SecretLength = 32;
    public const int GroupLength = 5;

    /// <summary>The length of a door message made from a secret: the random prefix and SHA-256("door:" ‖ s).</summary>
    public const int PreparedMessageLength = BlindRsa.PrefixLength + 32;

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretLength);

    /// <summary>The door message the phone blinds under the door key (before RFC 9474's random prefix): SHA-256("door:" ‖ s).</summary>
    public static byte[] MessageFor(ReadOnlySpan<byte> secret) => Hash("door:"u8, secret);

    /// <summary>The receipt of the ballot sent with <paramref name="secret"/>: base31 of SHA-256("receipt:" ‖ s).</summary>
    public static string FromSecret(ReadOnlySpan<byte> secret)
    {
        var digest = Hash("receipt:"u8, secret);
        // 31 symbols from 8 bytes at a time: 10 symbols take about 50 bits of the digest.
        var value = BitConverter.ToUInt64(digest, 0);
        return string.Create(Length, value, static (span, v) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = SlipToken.Alphabet[(int)(v % (ulong)SlipToken.Alphabet.Length)];
                v /= (ulong)SlipToken.Alphabet.Length;
            }
        });
    }

    /// <summary>
    /// Whether the door message <paramref name="preparedMessage"/> was made from <paramref name="secret"/>: exactly a 32-byte
    /// prefix followed by SHA-256("door:" ‖ s). Without this a ballot could come with any secret, and so with a receipt of
    /// the sender's choosing.
    /// </summary>
    public static bool IsMessageOf(ReadOnlySpan<byte> preparedMessage, ReadOnlySpan<byte> secret) =>
        secret.Length == SecretLength && preparedMessage.Length == PreparedMessageLength
        && CryptographicOperations.FixedTimeEquals(preparedMessage[BlindRsa.PrefixLength..], MessageFor(secret));

    /// <summary>The receipt from what a person typed: case, spaces and the dash do not matter. Null when it cannot be a receipt.</summary>
    public static string? Normalize(string? typed) => SlipToken.Normalize(typed, Length);

    /// <summary>ABCDE-FGHJK, as the phone shows it.</summary>
    public static string Grouped(string receipt) => $"{receipt[..GroupLength]}-{receipt[GroupLength..]}";

    private static byte[] Hash(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength) throw new ArgumentException($"A ballot secret is {SecretLength} bytes.", nameof(secret));
        Span<byte> input = stackalloc byte[domain.Length + secret.Length];
        domain.CopyTo(input);
        secret.CopyTo(input[domain.Length..]);
        return SHA256.HashData(input);
    }
}
