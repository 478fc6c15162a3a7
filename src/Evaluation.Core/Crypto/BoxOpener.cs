namespace Evaluation.Core.Crypto;

/// <summary>
/// 开箱: decrypts every sealed ballot with the rebuilt box key and checks what is inside (docs/sealed-ballot-box.md).
/// Pure: the caller reads the rows, shuffles the opened ballots and writes them with the rejection counts.
/// <para>Each row is checked in this order and stops at the first failure: decrypt (<see cref="Reasons.Undecryptable"/>),
/// read the JSON (<see cref="Reasons.Unreadable"/>), the ballot credential — the group's ballot key is known, σM verifies
/// and M binds pk (<see cref="Reasons.BadCredential"/>), the answer signature τ (<see cref="Reasons.BadSignature"/>);
/// of the rows that pass with the same M exactly one is opened, the others are <see cref="Reasons.Duplicate"/>.</para>
/// </summary>
public static class BoxOpener
{
    /// <summary>A row of <c>sealed_ballot</c>: D, the key group the phone named, C.</summary>
    public sealed record SealedRow(byte[] DoorMessage, Guid KeyGroupId, byte[] Ciphertext);

    /// <summary>What is written as a <c>ballot</c> row. Nothing of the sealed row (D, C) survives in it.</summary>
    public sealed record OpenedBallot(Guid KeyGroupId, byte[] Message, byte[] Signature, byte[] PhoneKey, string Answers, byte[] AnswerSignature);

    /// <summary>Rejection reasons, as stored in <c>box_rejection.reason</c>.</summary>
    public static class Reasons
    {
        public const string Undecryptable = "undecryptable", Unreadable = "unreadable", BadCredential = "bad-credential",
            BadSignature = "bad-signature", Duplicate = "duplicate";

        /// <summary>Every reason, in check order.</summary>
        public static IReadOnlyList<string> All { get; } = [Undecryptable, Unreadable, BadCredential, BadSignature, Duplicate];
    }

    /// <summary>The reason as the organiser and the log read it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not one of <see cref="Reasons"/>.</exception>
    public static string ReasonName(string reason) => reason switch
    {
        Reasons.Undecryptable => "无法解密",
        Reasons.Unreadable => "内容无法读取",
        Reasons.BadCredential => "投票凭证无效",
        Reasons.BadSignature => "答卷签名无效",
        Reasons.Duplicate => "凭证重复",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a box rejection reason."),
    };

    /// <summary>
    /// The opened ballots in the order of their rows (the caller shuffles before writing), and the number of rows rejected
    /// for each reason that occurred, in check order (reasons with no rows are absent).
    /// </summary>
    public sealed record Outcome(IReadOnlyList<OpenedBallot> Opened, IReadOnlyDictionary<string, int> Rejected);

    /// <summary>Opens every row with <paramref name="key"/>; <paramref name="ballotKeys"/> are the ballot keys by key group.</summary>
    public static Outcome Open(BoxPrivateKey key, Guid evaluationId, IReadOnlyDictionary<Guid, BlindRsaPublicKey> ballotKeys,
        IReadOnlyList<SealedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ballotKeys);
        ArgumentNullException.ThrowIfNull(rows);

        var infos = rows.Select(r => r.KeyGroupId).Distinct().ToDictionary(g => g, g => SealedBallot.Info(evaluationId, g));
        var ballots = new OpenedBallot?[rows.Count];
        var reasons = new string?[rows.Count];

        // Each row costs an ECDH agreement, an RSA and an ECDSA verification, all independent: spread over the cores,
        // one HPKE opener (a loaded private key) per worker.
        Parallel.For(0, rows.Count,
            () => new Hpke.Opener(key),
            (i, _, opener) =>
            {
                (ballots[i], reasons[i]) = Check(opener, evaluationId, ballotKeys, infos, rows[i]);
                return opener;
            },
            opener => opener.Dispose());

        MarkDuplicates(rows, ballots, reasons);

        var rejected = new Dictionary<string, int>();
        foreach (var reason in Reasons.All)
        {
            var count = reasons.Count(r => r == reason);
            if (count > 0) rejected.Add(reason, count);
        }
        return new Outcome(ballots.OfType<OpenedBallot>().ToList(), rejected);
    }

    private static (OpenedBallot?, string?) Check(Hpke.Opener opener, Guid evaluationId,
        IReadOnlyDictionary<Guid, BlindRsaPublicKey> ballotKeys, Dictionary<Guid, byte[]> infos, SealedRow row)
    {
        if (row.Ciphertext is null || row.DoorMessage is null
            || !opener.TryOpen(infos[row.KeyGroupId], row.DoorMessage, row.Ciphertext, out var plaintext))
            return (null, Reasons.Undecryptable);
        if (!SealedBallot.TryRead(plaintext, out var c))
            return (null, Reasons.Unreadable);
        if (!ballotKeys.TryGetValue(row.KeyGroupId, out var ballotKey)
            || !SealedBallot.BindsPhoneKey(c!.Message, c.PhoneKey)
            || !BlindRsa.Verify(ballotKey, c.Message, c.Signature))
            return (null, Reasons.BadCredential);
        if (!SealedBallot.VerifyAnswers(evaluationId, row.KeyGroupId, c.PhoneKey, c.Answers, c.AnswerSignature))
            return (null, Reasons.BadSignature);
        return (new OpenedBallot(row.KeyGroupId, c.Message, c.Signature, c.PhoneKey, c.Answers, c.AnswerSignature), null);
    }

    // Of the valid rows carrying one M, the one with the smallest door message is opened: a choice that depends on
    // neither the order the rows were read in nor the answers inside.
    private static void MarkDuplicates(IReadOnlyList<SealedRow> rows, OpenedBallot?[] ballots, string?[] reasons)
    {
        var kept = new Dictionary<string, int>();
        for (var i = 0; i < ballots.Length; i++)
        {
            if (ballots[i] is not { } ballot) continue;
            var message = Convert.ToBase64String(ballot.Message);
            if (!kept.TryGetValue(message, out var other))
            {
                kept.Add(message, i);
                continue;
            }
            var loser = rows[i].DoorMessage.AsSpan().SequenceCompareTo(rows[other].DoorMessage) < 0 ? other : i;
            if (loser == other) kept[message] = i;
            ballots[loser] = null;
            reasons[loser] = Reasons.Duplicate;
        }
    }
}
