using System.Security.Cryptography;
using System.Text;

namespace Evaluation.Core.Slips;

/// <summary>
/// The one-time code printed on a slip: 20 symbols from an alphabet without look-alikes (no 0/O, 1/I/L),
/// about 99 bits of randomness, typed on a phone in four groups of five. Stored only as its SHA-256.
/// </summary>
public static class SlipToken
{
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    public const int Length = 20;
    public const int GroupLength = 5;

    public static string Generate() =>
        string.Create(Length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        });

    /// <summary>The token from what a person typed or a QR fragment held: case, spaces and dashes do not matter. Null when it cannot be a token.</summary>
    public static string? Normalize(string? typed) => Normalize(typed, Length);

    /// <summary>The same reading for any code drawn from <see cref="Alphabet"/>, such as a receipt.</summary>
    internal static string? Normalize(string? typed, int length)
    {
        if (typed is null || typed.Length > 4 * length) return null;
        var builder = new StringBuilder(length);
        foreach (var c in typed)
        {
            if (c is ' ' or '-' or '\u3000' or '\t') continue;
            var upper = char.ToUpperInvariant(c);
            if (!Alphabet.Contains(upper)) return null;
            builder.Append(upper);
        }
        return builder.Length == length ? builder.ToString() : null;
    }

    /// <summary>ABCDE-FGHJK-MNPQR-STUVW: easier to read aloud and type.</summary>
    public static string Grouped(string token) =>
        string.Join('-', Enumerable.Range(0, token.Length / GroupLength).Select(i => token.Substring(i * GroupLength, GroupLength)));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));
}
