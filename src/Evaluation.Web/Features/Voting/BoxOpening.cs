using System.Security.Claims;
using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Transfers;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// 结束投票, then 开箱 (docs/sealed-ballot-box.md). Closing stops new ballots and rewrites what voting left in order;
/// opening rebuilds the box key from t key cards (or unseals it in 服务器保管 mode), decrypts and checks every sealed
/// ballot in memory, and in one transaction writes the opened ballots in random order, counts the rejected by reason,
/// deletes the ciphertexts and door records, and logs 开箱. The key is zeroed as soon as the ballots are open.
/// </summary>
public static class BoxOpening
{
    public sealed record UnsealResult(bool Opened, IReadOnlyList<string> Errors, int MoreCardsNeeded,
        int Sealed, int OpenedCount, IReadOnlyDictionary<string, int> Rejected, IReadOnlyList<string> Warnings)
    {
        public static UnsealResult Refused(IReadOnlyList<string> errors, int moreCardsNeeded = 0) =>
            new(false, errors, moreCardsNeeded, 0, 0, new Dictionary<string, int>(), []);
    }

    /// <summary>
    /// 结束投票: open → sealed, so the box takes no more ballots. An evaluation opened before the sealed box existed (no
    /// box) has its ballots in the clear already and closes at once. False when voting was not open.
    /// <para>
    /// While voting is open, rows written together share a transaction id (xmin) and follow each other on disk, so a slip's
    /// check-in and a receipt can be matched by time. The evaluation's slips and receipts are written again in random order
    /// in this one transaction, so all share its xmin and none keeps its place; the caller vacuums after commit. (The WAL
    /// keeps the original writes: see docs/sealed-ballot-box.md for what they still tell.)
    /// </para>
    /// </summary>
    public static async Task<bool> SealAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId)
    {
        var sealedNow = await conn.ExecuteAsync(
            """
            update evaluation
            set status = case when exists (select 1 from ballot_box b where b.evaluation_id = @evaluationId) then 'sealed' else 'closed' end,
                closed_at = now()
            where id = @evaluationId and status = 'open'
            """, new { evaluationId }, tx);
        if (sealedNow == 0) return false;
        await conn.ExecuteAsync(
            """
            with gone as (delete from slip where evaluation_id = @evaluationId returning *)
            insert into slip select * from gone order by random();
            with gone as (delete from ballot_receipt where evaluation_id = @evaluationId returning *)
            insert into ballot_receipt select * from gone order by random();
            """, new { evaluationId }, tx);
        return true;
    }

    /// <summary>After the commit of <see cref="SealAsync"/>: frees the old row versions of the rewritten tables.</summary>
    public static Task VacuumAfterSealAsync(NpgsqlConnection conn) => conn.ExecuteAsync("vacuum slip, ballot_receipt");

    /// <summary>
    /// The 监票人's cards, typed or scanned (blank entries ignored): each checked against the card key committed at open,
    /// then the key rebuilt from them and checked against the box's public key. Fewer than t good cards, or any wrong
    /// one: nothing changes, and the errors say which card and how many more are needed.
    /// </summary>
    public static Task<UnsealResult> UnsealWithCardsAsync(NpgsqlDataSource db, Guid evaluationId, IReadOnlyList<string?> typedCards,
        ClaimsPrincipal user, CancellationToken ct) =>
        UnsealWithCardsAsync(db, evaluationId, typedCards, user.ActorLabel(), ct);

    /// <param name="actor">Who the 开箱 log entry names: the signed-in 监票人's page, or 系统 for the demo.</param>
    public static async Task<UnsealResult> UnsealWithCardsAsync(NpgsqlDataSource db, Guid evaluationId, IReadOnlyList<string?> typedCards,
        string actor, CancellationToken ct)
    {
        (string Custody, byte[] PublicKey, int Threshold, string[] Holders, byte[][] CardKeys) box;
        await using (var conn = await db.OpenConnectionAsync(ct))
            box = await conn.QuerySingleOrDefaultAsync<(string, byte[], int, string[], byte[][])>(
                "select custody, public_key, threshold, holders, card_keys from ballot_box where evaluation_id = @evaluationId", new { evaluationId });
        if (box.Custody != BoxKeys.Cards)
            return UnsealResult.Refused(["这次评议的投票箱不是由监票人密钥卡开启的。"]);

        var errors = new List<string>();
        var cards = new Dictionary<int, KeyCards.Card>();
        foreach (var (typed, position) in typedCards.Select((t, i) => (t, i + 1)).Where(t => !string.IsNullOrWhiteSpace(t.t)))
        {
            if (!KeyCards.TryRead(typed, out var card, out var error))
                errors.Add($"第 {position} 个输入框：{error}");
            else if (card!.Index < 1 || card.Index > box.CardKeys.Length
                     || !KeyCards.CardPublicKey(card).AsSpan().SequenceEqual(box.CardKeys[card.Index - 1]))
                errors.Add($"第 {card.Index} 张密钥卡不正确：它不是这次评议的第 {card.Index} 张密钥卡。请核对评议名称和卡号后重新输入。");
            else if (!cards.TryAdd(card.Index, card))
                errors.Add($"第 {card.Index} 张密钥卡输入了两次。请每位监票人输入自己的一张。");
        }
        var more = Math.Max(0, box.Threshold - cards.Count);
        if (errors.Count == 0 && more > 0)
            errors.Add($"开箱需要 {box.Threshold} 张密钥卡，已正确输入 {cards.Count} 张，还需要 {more} 张。");
        if (errors.Count > 0)
        {
            foreach (var card in cards.Values) CryptographicOperations.ZeroMemory(card.Share);
            return UnsealResult.Refused(errors, more);
        }

        using var key = KeyCards.Combine(cards.Values.ToList());
        foreach (var card in cards.Values) CryptographicOperations.ZeroMemory(card.Share);
        if (!key.PublicKey.AsSpan().SequenceEqual(box.PublicKey))
            return UnsealResult.Refused(["这些密钥卡还原出的密钥与投票箱的公钥不符，不能开箱。请确认每张卡都属于这次评议。"]);
        return await OpenAsync(db, evaluationId, key, actor, ct);
    }

    /// <summary>服务器保管: the service opens the box itself with the key sealed under the key encryption key.</summary>
    public static async Task<UnsealResult> UnsealWithServerKeyAsync(NpgsqlDataSource db, KeyEncryptionKey keyEncryptionKey, Guid evaluationId,
        ClaimsPrincipal user, CancellationToken ct)
    {
        byte[]? sealedKey;
        await using (var conn = await db.OpenConnectionAsync(ct))
            sealedKey = await conn.QuerySingleOrDefaultAsync<byte[]?>(
                "select private_key_sealed from ballot_box where evaluation_id = @evaluationId and custody = 'server'", new { evaluationId });
        if (sealedKey is null) return UnsealResult.Refused(["这次评议的投票箱须由监票人持密钥卡开启。"]);
        var scalar = SealedBoxKey.Unseal(keyEncryptionKey, evaluationId, sealedKey);
        try
        {
            using var key = BoxPrivateKey.FromScalar(scalar);
            return await OpenAsync(db, evaluationId, key, user.ActorLabel(), ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    private static async Task<UnsealResult> OpenAsync(NpgsqlDataSource db, Guid evaluationId, BoxPrivateKey key, string actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await conn.QuerySingleAsync<(string Name, string Status, string? TallySettings)>(
            "select name, status, tally_settings from evaluation where id = @evaluationId for update", new { evaluationId }, tx);
        if (evaluation.Status != "sealed")
            return UnsealResult.Refused([evaluation.Status == "closed" ? "投票箱已经开启过了。" : "请先结束投票，再开箱。"]);

        var groups = (await conn.QueryAsync<(Guid Id, string Name, byte[] BallotPublicKey)>(
            "select id, name, ballot_public_key from key_group where evaluation_id = @evaluationId", new { evaluationId }, tx)).ToList();
        var rows = (await conn.QueryAsync<(byte[] DoorMessage, Guid KeyGroupId, byte[] Ciphertext)>(
                "select door_message, key_group_id, ciphertext from sealed_ballot where evaluation_id = @evaluationId", new { evaluationId }, tx))
            .Select(r => new BoxOpener.SealedRow(r.DoorMessage, r.KeyGroupId, r.Ciphertext)).ToList();

        var outcome = BoxOpener.Open(key, evaluationId, groups.ToDictionary(g => g.Id, g => BlindRsaPublicKey.ImportSpki(g.BallotPublicKey)), rows);
        var opened = outcome.Opened.ToArray();
        RandomNumberGenerator.Shuffle(opened.AsSpan());

        // Answers are JSON of several KB, so PostgreSQL compresses each as it stores it; lz4 does that several times faster
        // than the default pglz (10,000 × 20 targets: the insert 2.6 → 1.5 s), and reading them back (tally, bundle) is
        // transparent and faster too. Only for this transaction, and only where the server was built with lz4.
        await conn.ExecuteAsync(
            """
            select set_config('default_toast_compression', 'lz4', true)
            from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)
            """, transaction: tx);
        await conn.ExecuteAsync(
            """
            insert into ballot (id, evaluation_id, key_group_id, message, signature, answers, phone_key, answer_signature)
            select b.id, @evaluationId, b.key_group_id, b.message, b.signature, b.answers, b.phone_key, b.answer_signature
            from unnest(@Ids, @Groups, @Messages, @Signatures, @Answers, @PhoneKeys, @AnswerSignatures) with ordinality
                 as b(id, key_group_id, message, signature, answers, phone_key, answer_signature, n)
            order by b.n
            """,
            new
            {
                evaluationId,
                Ids = opened.Select(_ => Guid.NewGuid()).ToArray(),
                Groups = opened.Select(b => b.KeyGroupId).ToArray(),
                Messages = opened.Select(b => b.Message).ToArray(),
                Signatures = opened.Select(b => b.Signature).ToArray(),
                Answers = opened.Select(b => b.Answers).ToArray(),
                PhoneKeys = opened.Select(b => b.PhoneKey).ToArray(),
                AnswerSignatures = opened.Select(b => b.AnswerSignature).ToArray(),
            }, tx);
        await conn.ExecuteAsync(
            "insert into box_rejection (evaluation_id, reason, count) select @evaluationId, * from unnest(@Reasons, @Counts)",
            new { evaluationId, Reasons = outcome.Rejected.Keys.ToArray(), Counts = outcome.Rejected.Values.ToArray() }, tx);
        await conn.ExecuteAsync("delete from sealed_ballot where evaluation_id = @evaluationId", new { evaluationId }, tx);
        await conn.ExecuteAsync("update evaluation set status = 'closed' where id = @evaluationId", new { evaluationId }, tx);
        await ActionLogWriter.AppendAsync(tx, actor, BundleVerifier.UnsealAction,
            BundleVerifier.UnsealDetail(evaluation.Name, evaluationId, rows.Count, opened.Length, outcome.Rejected), evaluationId: evaluationId);
        // Results exist from here on, so the 调出 members' results go to the parent unit now, in the same commit.
        await ResultTransfers.SendAsync(conn, tx, evaluationId, evaluation.Name, actor);
        await tx.CommitAsync(ct);
        // The ciphertexts' row versions would stay in the table's pages until reused. (Earlier WAL keeps them: sealed.)
        await conn.ExecuteAsync("vacuum sealed_ballot, ballot");

        var k = TallySettings.FromJson(evaluation.TallySettings).EffectiveSmallCell;
        var perGroup = opened.GroupBy(b => b.KeyGroupId).ToDictionary(g => g.Key, g => g.Count());
        var warnings = groups
            .Where(g => perGroup.GetValueOrDefault(g.Id) is > 0 and var n && n < k)
            .Select(g => $"「{g.Name}」只收回 {perGroup[g.Id]} 张有效答卷，少于最小公布单元 {k}：这一组的结果只并入合计，不单独公布。")
            .ToList();
        return new UnsealResult(true, [], 0, rows.Count, opened.Length, outcome.Rejected, warnings);
    }
}
