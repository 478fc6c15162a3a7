using System.Security.Cryptography;
using System.Text;
using Evaluation.Core.Crypto;

namespace Evaluation.Tests.Core.Crypto;

public sealed class KeyCardsTests
{
    [TestCase(2, 2)]
    [TestCase(2, 3)]
    [TestCase(3, 5)]
    [TestCase(9, 9)]
    public void Combine_AnyThresholdOfTheCards_RebuildsTheKey(int threshold, int count)
    {
        using var key = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, threshold, count);

        Assert.That(cards.Select(c => c.Index), Is.EqualTo(Enumerable.Range(1, count)));
        foreach (var subset in Subsets(cards, threshold).Take(40))
        {
            using var rebuilt = KeyCards.Combine(subset);
            Assert.That(rebuilt.PublicKey, Is.EqualTo(key.PublicKey), string.Join(",", subset.Select(c => c.Index)));
        }
        using (var all = KeyCards.Combine(cards))
            Assert.That(all.PublicKey, Is.EqualTo(key.PublicKey), "more than t cards also rebuild it");
    }

    [Test]
    public void Combine_FewerThanThreshold_GivesAnotherKey()
    {
        using var key = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, 3, 5);

        foreach (var subset in Subsets(cards, 2))
        {
            using var partial = KeyCards.Combine(subset);
            Assert.That(partial.PublicKey, Is.Not.EqualTo(key.PublicKey));
        }
    }

    [Test]
    public void Combine_WithOneWrongCard_GivesAnotherKey()
    {
        using var key = BoxPrivateKey.Generate();
        using var other = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, 2, 3);
        var foreign = KeyCards.Split(other, 2, 3);

        using var mixed = KeyCards.Combine([cards[0], foreign[1]]);

        Assert.That(mixed.PublicKey, Is.Not.EqualTo(key.PublicKey));
    }

    [Test]
    public void Split_TwiceTheSameKey_GivesDifferentShares()
    {
        using var key = BoxPrivateKey.Generate();

        Assert.That(KeyCards.Split(key, 2, 3)[0].Share, Is.Not.EqualTo(KeyCards.Split(key, 2, 3)[0].Share));
    }

    [TestCase(1, 3)]
    [TestCase(4, 3)]
    [TestCase(2, 10)]
    public void Split_OutsideTwoToNine_Throws(int threshold, int count)
    {
        using var key = BoxPrivateKey.Generate();

        Assert.Throws<ArgumentOutOfRangeException>(() => KeyCards.Split(key, threshold, count));
    }

    [Test]
    public void Combine_SameCardTwice_Throws()
    {
        using var key = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, 2, 3);

        Assert.Throws<ArgumentException>(() => KeyCards.Combine([cards[0], cards[0]]));
    }

    [Test]
    public void CardPublicKey_IsShareTimesG()
    {
        using var key = BoxPrivateKey.Generate();
        var card = KeyCards.Split(key, 2, 3)[1];

        using var asKey = BoxPrivateKey.FromScalar(card.Share);
        Assert.That(KeyCards.CardPublicKey(card), Is.EqualTo(asKey.PublicKey));
    }

    [Test]
    public void Code_IsThirteenGroupsOfFiveSymbols_AndReadsBackToTheCard()
    {
        using var key = BoxPrivateKey.Generate();
        foreach (var card in KeyCards.Split(key, 2, 9))
        {
            var code = KeyCards.Code(card);

            Assert.That(code.Split(' '), Has.Length.EqualTo(13).And.All.Length.EqualTo(5));
            Assert.That(code.Replace(" ", "").All(KeyCards.Alphabet.Contains), Is.True);
            Assert.That(KeyCards.TryRead(code, out var read, out var error), Is.True, error);
            Assert.That(error, Is.Null);
            Assert.That(read!.Index, Is.EqualTo(card.Index));
            Assert.That(read.Share, Is.EqualTo(card.Share));
        }
    }

    [Test]
    public void TryRead_AcceptsLowerCaseDashesNoSpacesAndConfusables()
    {
        using var key = BoxPrivateKey.Generate();
        var card = KeyCards.Split(key, 2, 3)[2];
        var code = KeyCards.Code(card);
        var typed = code.ToLowerInvariant().Replace(' ', '-').Replace('0', 'o').Replace('1', 'l');

        Assert.That(KeyCards.TryRead(typed, out var read, out _), Is.True);
        Assert.That(read!.Share, Is.EqualTo(card.Share));
        Assert.That(KeyCards.TryRead(code.Replace(" ", "").Replace('1', 'I'), out read, out _), Is.True);
        Assert.That(read!.Share, Is.EqualTo(card.Share));
        Assert.That(KeyCards.TryRead("  " + code + "\n", out _, out _), Is.True);
        var fullWidth = new string(code.Select(ch => ch == ' ' ? '　' : (char)(ch + 0xFEE0)).ToArray());
        Assert.That(KeyCards.TryRead(fullWidth, out read, out _), Is.True, "full-width symbols from a Chinese input method");
        Assert.That(read!.Share, Is.EqualTo(card.Share));
    }

    [Test]
    public void TryRead_EverySingleWrongSymbol_IsCaught_AndItsGroupNamed()
    {
        using var key = BoxPrivateKey.Generate();
        var code = KeyCards.Code(KeyCards.Split(key, 2, 3)[0]).Replace(" ", "");
        var caught = 0;

        for (var i = 0; i < code.Length; i++)
            foreach (var wrong in KeyCards.Alphabet.Where(s => s != code[i]))
            {
                var typed = code[..i] + wrong + code[(i + 1)..];
                Assert.That(KeyCards.TryRead(typed, out var card, out var error), Is.False, $"position {i + 1}: {code[i]} → {wrong}");
                Assert.That(card, Is.Null);
                var group = i / 5 + 1;
                Assert.That(error, Is.EqualTo($"第 {group} 组（第 {(group - 1) * 5 + 1}–{group * 5} 位）有误，请逐位核对密钥卡。"));
                caught++;
            }

        Assert.That(caught, Is.EqualTo(65 * 31));
    }

    [Test]
    public void TryRead_EverySwapOfTwoDifferentNeighbours_IsCaught_AndTheGroupNamed()
    {
        using var key = BoxPrivateKey.Generate();
        for (var round = 0; round < 20; round++)
        {
            var code = KeyCards.Code(KeyCards.Split(key, 2, 3)[round % 3]).Replace(" ", "");
            for (var i = 0; i + 1 < code.Length; i++)
            {
                if (code[i] == code[i + 1]) continue;
                var typed = code[..i] + code[i + 1] + code[i] + code[(i + 2)..];
                Assert.That(KeyCards.TryRead(typed, out _, out var error), Is.False, $"positions {i + 1} and {i + 2} swapped");
                var group = i / 5 + 1;
                Assert.That(error, Does.StartWith($"第 {group} 组（第 {(group - 1) * 5 + 1}–{group * 5} 位）"));
            }
        }
    }

    [Test]
    public void TryRead_TwoGroupsWrong_NamesBoth()
    {
        using var key = BoxPrivateKey.Generate();
        var groups = KeyCards.Code(KeyCards.Split(key, 2, 3)[0]).Split(' ');
        groups[2] = Flip(groups[2], 0);
        groups[6] = Flip(groups[6], 4);

        Assert.That(KeyCards.TryRead(string.Join(' ', groups), out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("第 3 组（第 11–15 位）、第 7 组（第 31–35 位）有误，请逐位核对密钥卡。"));
    }

    [Test]
    public void TryRead_TwoGroupsExchanged_IsCaught()
    {
        using var key = BoxPrivateKey.Generate();
        var groups = KeyCards.Code(KeyCards.Split(key, 2, 3)[0]).Split(' ');
        (groups[3], groups[4]) = (groups[4], groups[3]);

        Assert.That(KeyCards.TryRead(string.Join(' ', groups), out _, out var error), Is.False);
        Assert.That(error, Does.Contain("第 4 组").And.Contain("第 5 组"));
    }

    [Test]
    public void TryRead_WrongLength_SaysHowManySymbolsACardHas()
    {
        using var key = BoxPrivateKey.Generate();
        var code = KeyCards.Code(KeyCards.Split(key, 2, 3)[0]);

        Assert.That(KeyCards.TryRead(code[..^1], out _, out var shorter), Is.False);
        Assert.That(shorter, Is.EqualTo("密钥卡密码共 65 位（13 组，每组 5 位），这里是 64 位，请逐组核对是否漏输或多输。"));
        Assert.That(KeyCards.TryRead(code + "0", out _, out var longer), Is.False);
        Assert.That(longer, Does.Contain("共 65 位").And.Contain("66 位"));
        Assert.That(KeyCards.TryRead(null, out _, out var none), Is.False);
        Assert.That(none, Does.Contain("65 位"));
        Assert.That(KeyCards.TryRead("   ", out _, out _), Is.False);
    }

    [Test]
    public void TryRead_SymbolNoCardHas_NamesIt()
    {
        using var key = BoxPrivateKey.Generate();
        var code = KeyCards.Code(KeyCards.Split(key, 2, 3)[0]).Replace(" ", "");

        Assert.That(KeyCards.TryRead(code[..7] + "U" + code[8..], out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("第 8 位“U”不是密钥卡上会出现的字符，请逐位核对密钥卡。"));
    }

    [Test]
    public void CheckCode_IsSixSymbolsOfTheHashOfTheCardKey_PrintedInTwoHalves()
    {
        using var key = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, 2, 3);
        var cardKey = KeyCards.CardPublicKey(cards[0]);

        var check = KeyCards.CheckCode(cardKey);

        Assert.That(check, Does.Match("^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$"));
        var digest = SHA256.HashData([.. "card-check:"u8, .. cardKey]);
        var bits = string.Concat(digest.Take(4).Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        var expected = string.Concat(Enumerable.Range(0, 6).Select(i => KeyCards.Alphabet[Convert.ToInt32(bits.Substring(5 * i, 5), 2)]));
        Assert.That(check.Replace("-", ""), Is.EqualTo(expected));
        Assert.That(KeyCards.CheckCode(KeyCards.CardPublicKey(cards[1])), Is.Not.EqualTo(check));
    }

    [Test]
    public void CheckCodeMatches_AsTyped_ButNotAnotherCardsCode()
    {
        using var key = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, 2, 3);
        var cardKey = KeyCards.CardPublicKey(cards[0]);
        var check = KeyCards.CheckCode(cardKey);

        Assert.That(KeyCards.CheckCodeMatches(check, cardKey), Is.True);
        Assert.That(KeyCards.CheckCodeMatches(" " + check.ToLowerInvariant().Replace("-", " ").Replace('0', 'o') + " ", cardKey), Is.True);
        Assert.That(KeyCards.CheckCodeMatches(KeyCards.CheckCode(KeyCards.CardPublicKey(cards[1])), cardKey), Is.False);
        Assert.That(KeyCards.CheckCodeMatches(check[..^1], cardKey), Is.False);
        Assert.That(KeyCards.CheckCodeMatches(null, cardKey), Is.False);
    }

    private static string Flip(string group, int at)
    {
        var symbols = group.ToCharArray();
        symbols[at] = symbols[at] == 'Z' ? 'Y' : 'Z';
        return new string(symbols);
    }

    private static IEnumerable<IReadOnlyList<KeyCards.Card>> Subsets(IReadOnlyList<KeyCards.Card> cards, int size)
    {
        for (var mask = 0; mask < 1 << cards.Count; mask++)
            if (int.PopCount(mask) == size)
                yield return cards.Where((_, i) => (mask & (1 << i)) != 0).ToList();
    }
}
