using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// The ballot box's key (docs/sealed-ballot-box.md). In key-card mode the private key lives only while the cards are made:
/// it is split with Shamir's scheme, the shares go into the organiser's page, and only the public key and each card's
/// public point are stored. No key or share byte reaches the database, a log, a file or another process.
/// </summary>
public static class BoxKeys
{
    public const string Cards = "cards";
    public const string Server = "server";
    public const int MaxCards = 9;

    public sealed record PrintedCard(int Index, int Count, string Holder, string Code, string CheckCode);
    public sealed record PrintedCards(Guid EvaluationId, int Threshold, IReadOnlyList<PrintedCard> Cards);
    public sealed record PendingCards(int Threshold, IReadOnlyList<string> Holders);
    public sealed record BoxState(string Custody, int Threshold, IReadOnlyList<string> Holders, bool Confirmed);

    /// <summary>What is wrong with the 监票人 named and the threshold chosen, in words for the organiser.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<string> holders, int threshold)
    {
        var errors = new List<string>();
        if (holders.Count < 2 || holders.Count > MaxCards)
            errors.Add($"请填写 2 至 {MaxCards} 名监票人的姓名，每人持一张开箱密钥卡。");
        if (holders.Any(h => string.IsNullOrWhiteSpace(h) || TypedText.IsLongerThan(h.Trim(), 50) || TypedText.HasControlCharacters(h)))
            errors.Add("监票人姓名不能为空，不超过 50 个字，不能含控制字符。");
        if (threshold < 2 || threshold > Math.Max(2, holders.Count))
            errors.Add($"开箱所需的密钥卡张数应在 2 至 {Math.Max(2, holders.Count)} 之间（不超过监票人人数）。");
        return errors;
    }

    /// <summary>
    /// A new box key, split into one card per holder; replaces a set not yet confirmed. Draft evaluations only (the
    /// caller holds the evaluation row). The key and its shares are zeroed before this returns: what to print is in the
    /// returned codes only.
    /// </summary>
    public static async Task<PrintedCards> MakeCardsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId,
        IReadOnlyList<string> holders, int threshold)
    {
        var names = holders.Select(h => h.Trim()).ToList();
        using var key = BoxPrivateKey.Generate();
        var cards = KeyCards.Split(key, threshold, names.Count);
        try
        {
            var cardKeys = cards.Select(KeyCards.CardPublicKey).ToArray();
            await conn.ExecuteAsync(
                """
                insert into ballot_box (evaluation_id, custody, public_key, threshold, holders, card_keys, confirmed)
                values (@evaluationId, 'cards', @PublicKey, @threshold, @names, @cardKeys, false)
                on conflict (evaluation_id) do update
                set custody = 'cards', public_key = excluded.public_key, threshold = excluded.threshold, holders = excluded.holders,
                    card_keys = excluded.card_keys, private_key_sealed = null, confirmed = false
                """, new { evaluationId, key.PublicKey, threshold, names = names.ToArray(), cardKeys }, tx);
            return new PrintedCards(evaluationId, threshold, cards.Select((c, i) =>
                new PrintedCard(c.Index, cards.Count, names[i], KeyCards.Code(c), KeyCards.CheckCode(cardKeys[i]))).ToList());
        }
        finally
        {
            foreach (var card in cards) CryptographicOperations.ZeroMemory(card.Share);
        }
    }

    public static async Task<PendingCards?> PendingAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null) =>
        await StateAsync(conn, evaluationId, tx) is { Custody: Cards, Confirmed: false } state ? new PendingCards(state.Threshold, state.Holders) : null;

    public static async Task<BoxState?> StateAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null) =>
        (await conn.QuerySingleOrDefaultAsync<(string Custody, int Threshold, string[] Holders, bool Confirmed)>(
            "select custody, threshold, holders, confirmed from ballot_box where evaluation_id = @evaluationId", new { evaluationId }, tx))
        is { Custody: not null } row ? new BoxState(row.Custody, row.Threshold, row.Holders, row.Confirmed) : null;

    /// <summary>
    /// Confirms the pending cards when every 核对码 typed matches its card: the organiser has the printed cards in hand.
    /// Returns what is wrong, naming the cards; nothing is confirmed then.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ConfirmCardsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId,
        IReadOnlyList<string?> checkCodes)
    {
        var box = await conn.QuerySingleOrDefaultAsync<(string Custody, byte[][] CardKeys, bool Confirmed)>(
            "select custody, card_keys, confirmed from ballot_box where evaluation_id = @evaluationId for update", new { evaluationId }, tx);
        if (box.Custody != Cards || box.Confirmed)
            return ["请先填写监票人并生成开箱密钥卡，打印后再开始投票。"];
        var wrong = box.CardKeys.Select((cardKey, i) => (i, cardKey))
            .Where(c => !KeyCards.CheckCodeMatches(checkCodes.ElementAtOrDefault(c.i), c.cardKey))
            .Select(c => c.i + 1).ToList();
        if (wrong.Count > 0)
            return [$"第 {string.Join("、", wrong)} 张密钥卡的核对码不对。请对照打印好的密钥卡逐张输入核对码；如果密钥卡没有打印成功，请重新生成。"];
        await conn.ExecuteAsync("update ballot_box set confirmed = true where evaluation_id = @evaluationId", new { evaluationId }, tx);
        return [];
    }

    /// <summary>服务器保管: the key sealed under the key encryption key, for plain surveys the service opens itself.</summary>
    public static async Task CreateServerCustodyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey, Guid evaluationId)
    {
        using var key = BoxPrivateKey.Generate();
        var scalar = key.ExportScalar();
        try
        {
            await conn.ExecuteAsync(
                """
                insert into ballot_box (evaluation_id, custody, public_key, private_key_sealed, confirmed)
                values (@evaluationId, 'server', @PublicKey, @Sealed, true)
                on conflict (evaluation_id) do update
                set custody = 'server', public_key = excluded.public_key, threshold = 0, holders = '{}', card_keys = '{}',
                    private_key_sealed = excluded.private_key_sealed, confirmed = true
                """, new { evaluationId, key.PublicKey, Sealed = SealedBoxKey.Seal(keyEncryptionKey, evaluationId, scalar) }, tx);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>What the 开始投票 log entry commits to: the public key, the custody and each card's public point.</summary>
    public static async Task<BoxCommitment> CommitmentAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId)
    {
        var box = await conn.QuerySingleAsync<(string Custody, byte[] PublicKey, int Threshold, string[] Holders, byte[][] CardKeys)>(
            "select custody, public_key, threshold, holders, card_keys from ballot_box where evaluation_id = @evaluationId", new { evaluationId }, tx);
        return new BoxCommitment(box.Custody, box.PublicKey, box.Threshold, box.Holders.Zip(box.CardKeys).ToList());
    }
}
