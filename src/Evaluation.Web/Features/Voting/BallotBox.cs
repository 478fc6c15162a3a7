using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>A sealed ballot at the box's slot: its door message keeps one check-in to one ballot; nobody here can read it.</summary>
public sealed record SealedEntry(Guid EvaluationId, Guid KeyGroupId, byte[] DoorMessage, byte[] Ciphertext, string Receipt);

public enum BallotOutcome { Stored, AlreadyStored, CredentialUsed, VotingClosed }

/// <summary>
/// Group commit (DESIGN.md §2.4, <see cref="GroupCommit{TItem, TOutcome}"/>): sealed ballots go to the database in
/// batches, in shuffled order, so neither heap order nor transaction ids tell arrival order.
/// A submitter is answered only after its batch has committed: an acknowledged ballot, and its receipt, are on disk.
/// The receipts go to a table of their own (ballot_receipt) that names no ballot. What a batch writes, even kept forever in
/// the WAL, is ciphertexts, door messages and receipts: none of them occurs in the opened ballots or the audit bundle.
/// </summary>
public sealed class BallotBox(NpgsqlDataSource db, ILogger<BallotBox> logger, IConfiguration configuration)
    : GroupCommit<SealedEntry, BallotOutcome>(db, logger, configuration)
{
    protected override string BatchName => "ballot";

    public Task<BallotOutcome> SubmitAsync(SealedEntry ballot, CancellationToken ct) => EnqueueAsync(ballot, ct);

    protected override async Task<BallotOutcome[]> WriteAsync(IReadOnlyList<SealedEntry> ballots)
    {
        await using var conn = await Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var open = await LockOpenEvaluationsAsync(conn, tx, ballots.Select(b => b.EvaluationId));
        var inserted = (await conn.QueryAsync<byte[]>(
            """
            insert into sealed_ballot (door_message, evaluation_id, key_group_id, ciphertext)
            select b.door_message, b.evaluation_id, b.key_group_id, b.ciphertext
            from unnest(@Doors, @Evaluations, @Groups, @Ciphertexts) as b(door_message, evaluation_id, key_group_id, ciphertext)
            where b.evaluation_id = any(@Open)
            on conflict do nothing
            returning door_message
            """,
            new
            {
                Doors = ballots.Select(b => b.DoorMessage).ToArray(),
                Evaluations = ballots.Select(b => b.EvaluationId).ToArray(),
                Groups = ballots.Select(b => b.KeyGroupId).ToArray(),
                Ciphertexts = ballots.Select(b => b.Ciphertext).ToArray(),
                Open = open,
            }, tx)).Select(Convert.ToBase64String).ToHashSet();

        var keys = ballots.Select(b => Convert.ToBase64String(b.DoorMessage)).ToArray();
        // In the same transaction, so an acknowledged ballot's receipt checks as counted at once; shuffled on their own,
        // so the n-th receipt row written is not the n-th ballot row. A door message's secret is checked before it gets
        // here, so the copies of one door message in a batch share one receipt. (A batch of one pairs its receipt with its
        // ciphertext by transaction id, in the tables and the WAL alike: harmless without the key cards, see docs.)
        var receipts = ballots.Where((_, i) => inserted.Contains(keys[i]))
            .Select(b => (b.Receipt, b.EvaluationId)).Distinct().ToArray();
        RandomNumberGenerator.Shuffle(receipts.AsSpan());
        if (receipts.Length > 0)
            // A receipt two voters happen to share (some 50 bits each) stays one row that checks as counted for both.
            await conn.ExecuteAsync(
                """
                insert into ballot_receipt (receipt, evaluation_id)
                select * from unnest(@Receipts, @Evaluations)
                on conflict do nothing
                """,
                new { Receipts = receipts.Select(r => r.Receipt).ToArray(), Evaluations = receipts.Select(r => r.EvaluationId).ToArray() }, tx);

        var others = ballots.Where((_, i) => !inserted.Contains(keys[i])).ToList();
        var existing = others.Count == 0
            ? new Dictionary<string, byte[]>()
            : (await conn.QueryAsync<(byte[] DoorMessage, byte[] Ciphertext)>(
                "select door_message, ciphertext from sealed_ballot where door_message = any(@Doors)",
                new { Doors = others.Select(b => b.DoorMessage).ToArray() }, tx))
            .ToDictionary(r => Convert.ToBase64String(r.DoorMessage), r => r.Ciphertext);
        await CommitReplicatedAsync(conn, tx);

        // Within one batch the first copy of a door message wins; later copies are answered like a retry of it.
        for (var i = 0; i < ballots.Count; i++)
            if (inserted.Contains(keys[i])) existing.TryAdd(keys[i], ballots[i].Ciphertext);
        var claimed = new HashSet<string>();
        return ballots.Select((b, i) =>
        {
            if (inserted.Contains(keys[i]) && claimed.Add(keys[i])) return BallotOutcome.Stored;
            return !existing.TryGetValue(keys[i], out var stored) ? BallotOutcome.VotingClosed
                : stored.AsSpan().SequenceEqual(b.Ciphertext) ? BallotOutcome.AlreadyStored
                : BallotOutcome.CredentialUsed;
        }).ToArray();
    }
}
