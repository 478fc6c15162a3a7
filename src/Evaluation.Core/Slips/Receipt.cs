using System.Security.Cryptography;

namespace Evaluation.Core.Slips;

/// <summary>
/// The voter's receipt: ten symbols derived from the ballot's message, so anyone holding it can look up inclusion,
/// and nobody can get from it to the ballot's content or to the slip.
/// </summary>
public static class Receipt
{
    public const int Length = 10;

    public static string From(ReadOnlySpan<byte> message)
    {
        Span<byte> input = stackalloc byte[8 + message.Length];
        "receipt:"u8.CopyTo(input);
        message.CopyTo(input[8..]);
        var digest = SHA256.HashData(input);
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

    public static string Grouped(string receipt) => $"{receipt[..5]}-{receipt[5..]}";
}
