using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Evaluation.Core.Crypto;

/// <summary>
/// 开箱密钥卡: the box key split among the 监票人 with Shamir's scheme over the P-256 group order n (any t of n cards
/// rebuild it, fewer tell nothing), and the typeable form of a card.
/// <para>A card's code is 65 symbols of the Crockford base32 alphabet in 13 groups of five: four data symbols and a
/// check symbol. The 52 data symbols carry 260 bits: the card index (4 bits) and the 32-byte share. The check symbol
/// makes Σ αᵏ·vₖ over the group's five symbols equal the group number, in GF(32): so any single wrong symbol, and any
/// two neighbours swapped, is caught and the group named; a whole group typed in another's place is caught too.
/// (A sum mod 31 would miss 0 typed for Z: the two are congruent.)</para>
/// </summary>
public static class KeyCards
{
    public const int MaxCards = 9;
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int Groups = 13;
    public const int GroupLength = 5;
    public const int CodeLength = Groups * GroupLength;
    public const int CheckCodeLength = 6;

    /// <summary>Card <paramref name="Index"/> of the set (1..9, the x of the polynomial) and its share f(x), 32 bytes big-endian.</summary>
    public sealed record Card(int Index, byte[] Share);

    private const int DataSymbols = GroupLength - 1;

    /// <summary>Splits the key's scalar into <paramref name="count"/> cards, any <paramref name="threshold"/> of which rebuild it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 2 ≤ t ≤ n ≤ 9.</exception>
    public static IReadOnlyList<Card> Split(BoxPrivateKey key, int threshold, int count)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (threshold < 2 || count < threshold || count > MaxCards)
            throw new ArgumentOutOfRangeException(nameof(threshold), $"Need 2 ≤ t ≤ n ≤ {MaxCards}; got t = {threshold}, n = {count}.");

        var n = P256.Order;
        var random = new SecureRandom();
        var scalar = key.ExportScalar();
        try
        {
            while (true)
            {
                // f(x) = d + a₁x + … + a_{t−1}x^{t−1} with uniform coefficients below n.
                var coefficients = new BigInteger[threshold];
                coefficients[0] = new BigInteger(1, scalar);
                for (var k = 1; k < threshold; k++)
                    coefficients[k] = new BigInteger(n.BitLength, random).Mod(n);   // bias below 2⁻¹²⁸: n is 2²⁵⁶ − 2²²⁴…
                var cards = new List<Card>(count);
                for (var x = 1; x <= count; x++)
                {
                    var y = BigInteger.Zero;
                    for (var k = threshold - 1; k >= 0; k--)
                        y = y.Multiply(BigInteger.ValueOf(x)).Add(coefficients[k]).Mod(n);
                    cards.Add(new Card(x, P256.ToScalarBytes(y)));
                }
                // A share of 0 has no card key (0·G is no point); with chance ~2⁻²⁵⁶, draw the polynomial again.
                if (cards.All(c => P256.IsValidScalar(c.Share)))
                    return cards;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>
    /// Rebuilds the key from cards by Lagrange interpolation at 0. With fewer than t cards, or a wrong one, this gives
    /// some other key: the caller compares <see cref="BoxPrivateKey.PublicKey"/> with the box's.
    /// </summary>
    /// <exception cref="ArgumentException">No cards, an index outside 1..9 or repeated, a share not below n.</exception>
    /// <exception cref="CryptographicException">The cards combine to 0, which is no key.</exception>
    public static BoxPrivateKey Combine(IReadOnlyList<Card> cards)
    {
        ArgumentNullException.ThrowIfNull(cards);
        if (cards.Count == 0) throw new ArgumentException("No cards.", nameof(cards));
        if (cards.Any(c => c.Index is < 1 or > MaxCards || c.Share is not { Length: BoxPrivateKey.ScalarLength }))
            throw new ArgumentException($"A card has an index 1..{MaxCards} and a 32-byte share.", nameof(cards));
        if (cards.Select(c => c.Index).Distinct().Count() != cards.Count)
            throw new ArgumentException("The same card twice.", nameof(cards));

        var n = P256.Order;
        var secret = BigInteger.Zero;
        foreach (var card in cards)
        {
            var y = new BigInteger(1, card.Share);
            if (y.CompareTo(n) >= 0) throw new ArgumentException("A share is not below the group order.", nameof(cards));
            // ℓᵢ(0) = Π_{j≠i} xⱼ / (xⱼ − xᵢ)
            var numerator = BigInteger.One;
            var denominator = BigInteger.One;
            foreach (var other in cards)
            {
                if (other.Index == card.Index) continue;
                numerator = numerator.Multiply(BigInteger.ValueOf(other.Index)).Mod(n);
                denominator = denominator.Multiply(BigInteger.ValueOf(other.Index - card.Index)).Mod(n);
            }
            secret = secret.Add(y.Multiply(numerator).Multiply(denominator.ModInverse(n))).Mod(n);
        }
        var scalar = P256.ToScalarBytes(secret);
        try
        {
            return BoxPrivateKey.FromScalar(scalar);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>share·G, 65 bytes uncompressed: committed at 开始投票 so that a wrong card can be named at 开箱.</summary>
    /// <exception cref="CryptographicException">The share is not between 1 and n − 1.</exception>
    public static byte[] CardPublicKey(Card card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (!P256.IsValidScalar(card.Share))
            throw new CryptographicException("A card share must be 32 bytes, between 1 and n − 1.");
        return P256.MultiplyBase(card.Share);
    }

    /// <summary>The typeable code: 13 groups "XXXXC" separated by spaces.</summary>
    public static string Code(Card card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (card.Index is < 1 or > MaxCards || card.Share is not { Length: BoxPrivateKey.ScalarLength })
            throw new ArgumentException($"A card has an index 1..{MaxCards} and a 32-byte share.", nameof(card));

        Span<byte> bits = stackalloc byte[BoxPrivateKey.ScalarLength + 1];   // 4 bits of index ‖ 256 bits of share, then 4 unused
        bits[0] = (byte)(card.Index << 4);
        for (var i = 0; i < BoxPrivateKey.ScalarLength; i++)
        {
            bits[i] |= (byte)(card.Share[i] >> 4);
            bits[i + 1] = (byte)(card.Share[i] << 4);
        }
        var code = new StringBuilder(CodeLength + Groups - 1);
        Span<int> group = stackalloc int[GroupLength];
        for (var g = 0; g < Groups; g++)
        {
            if (g > 0) code.Append(' ');
            for (var k = 0; k < DataSymbols; k++)
                group[k] = Symbol(bits, g * DataSymbols + k);
            group[DataSymbols] = CheckSymbol(group[..DataSymbols], g + 1);
            foreach (var v in group) code.Append(Alphabet[v]);
        }
        CryptographicOperations.ZeroMemory(bits);
        return code.ToString();
    }

    /// <summary>
    /// Reads a typed or scanned code. Case, spaces and dashes do not matter; O reads as 0, I and L as 1. On failure
    /// <paramref name="error"/> says, in Chinese, what to check: the number of symbols, a symbol no card has, or the group
    /// whose check symbol does not fit.
    /// </summary>
    public static bool TryRead(string? typed, out Card? card, out string? error)
    {
        card = null;
        var symbols = Normalize(typed);
        if (symbols.Length != CodeLength)
        {
            error = symbols.Length == 0
                ? $"请输入密钥卡上的密码（共 {CodeLength} 位，{Groups} 组，每组 {GroupLength} 位）。"
                : $"密钥卡密码共 {CodeLength} 位（{Groups} 组，每组 {GroupLength} 位），这里是 {symbols.Length} 位，请逐组核对是否漏输或多输。";
            return false;
        }
        var values = new int[CodeLength];
        for (var i = 0; i < CodeLength; i++)
        {
            values[i] = Alphabet.IndexOf(symbols[i]);
            if (values[i] < 0)
            {
                error = $"第 {i + 1} 位“{symbols[i]}”不是密钥卡上会出现的字符，请逐位核对密钥卡。";
                return false;
            }
        }
        var bad = new List<int>();
        for (var g = 0; g < Groups; g++)
        {
            var group = values.AsSpan(g * GroupLength, GroupLength);
            if (CheckSymbol(group[..DataSymbols], g + 1) != group[DataSymbols]) bad.Add(g + 1);
        }
        if (bad.Count > 0)
        {
            error = string.Join("、", bad.Select(g => $"第 {g} 组（第 {(g - 1) * GroupLength + 1}–{g * GroupLength} 位）")) + "有误，请逐位核对密钥卡。";
            return false;
        }

        Span<byte> bits = stackalloc byte[BoxPrivateKey.ScalarLength + 1];
        bits.Clear();
        for (var g = 0; g < Groups; g++)
            for (var k = 0; k < DataSymbols; k++)
                SetSymbol(bits, g * DataSymbols + k, values[g * GroupLength + k]);
        Array.Clear(values);
        var index = bits[0] >> 4;
        var share = new byte[BoxPrivateKey.ScalarLength];
        for (var i = 0; i < share.Length; i++)
            share[i] = (byte)((bits[i] << 4) | (bits[i + 1] >> 4));
        CryptographicOperations.ZeroMemory(bits);
        if (index is < 1 or > MaxCards || !P256.IsValidScalar(share))
        {
            CryptographicOperations.ZeroMemory(share);
            error = "这不是一张有效的开箱密钥卡（卡号或密钥超出范围），请确认输入的是本次评议的密钥卡。";
            return false;
        }
        card = new Card(index, share);
        error = null;
        return true;
    }

    /// <summary>核对码: the first six base32 symbols of SHA-256("card-check:" ‖ card public key), printed "XXX-XXX".</summary>
    public static string CheckCode(ReadOnlySpan<byte> cardPublicKey)
    {
        Span<byte> input = stackalloc byte["card-check:"u8.Length + cardPublicKey.Length];
        "card-check:"u8.CopyTo(input);
        cardPublicKey.CopyTo(input["card-check:"u8.Length..]);
        var digest = SHA256.HashData(input);
        var code = new char[CheckCodeLength];
        for (var i = 0; i < code.Length; i++) code[i] = Alphabet[Symbol(digest, i)];
        return $"{new string(code, 0, 3)}-{new string(code, 3, 3)}";
    }

    /// <summary>Whether the typed 核对码 is this card key's, read as <see cref="TryRead"/> reads (case, spaces, dashes, O, I, L).</summary>
    public static bool CheckCodeMatches(string? typed, ReadOnlySpan<byte> cardPublicKey) =>
        Normalize(typed) == CheckCode(cardPublicKey).Replace("-", "");

    private static string Normalize(string? typed)
    {
        if (typed is null) return "";
        var s = new StringBuilder(typed.Length);
        foreach (var ch in typed.Normalize(NormalizationForm.FormKC))   // full-width letters and digits from a Chinese IME
        {
            if (char.IsWhiteSpace(ch) || ch is '-' or '‐' or '‑' or '–' or '—') continue;
            s.Append(char.ToUpperInvariant(ch) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var c => c,
            });
        }
        return s.ToString();
    }

    // The i-th 5-bit symbol of a big-endian bit string.
    private static int Symbol(ReadOnlySpan<byte> bits, int i)
    {
        var bit = i * 5;
        var word = (bits[bit / 8] << 8) | (bit / 8 + 1 < bits.Length ? bits[bit / 8 + 1] : 0);
        return (word >> (11 - bit % 8)) & 0x1F;
    }

    private static void SetSymbol(Span<byte> bits, int i, int value)
    {
        var bit = i * 5;
        var word = value << (11 - bit % 8);
        bits[bit / 8] |= (byte)(word >> 8);
        if (bit / 8 + 1 < bits.Length) bits[bit / 8 + 1] |= (byte)word;
    }

    // c such that c + Σ αᵏ·vₖ (k = 1..4) = group number, in GF(32) = GF(2)[x]/(x⁵ + x² + 1), α = x. The weights
    // 1, α, …, α⁴ are distinct and nonzero, so one changed symbol or two swapped neighbours always change the sum.
    private static int CheckSymbol(ReadOnlySpan<int> data, int groupNumber)
    {
        var sum = groupNumber;
        var weight = 1;
        foreach (var v in data)
        {
            weight = GfMultiply(weight, 2);
            sum ^= GfMultiply(weight, v);
        }
        return sum;
    }

    private static int GfMultiply(int a, int b)
    {
        var product = 0;
        for (; b != 0; b >>= 1)
        {
            if ((b & 1) != 0) product ^= a;
            a <<= 1;
            if ((a & 0x20) != 0) a ^= 0x25;
        }
        return product;
    }
}
