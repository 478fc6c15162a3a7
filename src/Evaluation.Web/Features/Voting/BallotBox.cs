using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>A sealed ballot at the box's slot: its door message keeps one check-in to one ballot; nobody here can read it.</summary>
public sealed record SealedEntry(Guid EvaluationId, Guid KeyGroupId, byte[] DoorMessage, byte[] Ciphertext, string Receipt);

public enum BallotOutcome { Stored, AlreadyStored, CredentialUsed, VotingClosed }

/// <summary>
/// Group commit (DESIGN.md §2.4): sealed ballots wait here while the previous batch commits, then go to the database
/// together in one transaction, in shuffled order, so neither heap order nor transaction ids tell arrival order.
/// A submitter is answered only after its batch has committed: an acknowledged ballot, and its receipt, are on disk.
/// The receipts go to a table of their own (ballot_receipt) that names no ballot. What a batch writes, even kept forever in
/// the WAL, is ciphertexts, door messages and receipts: none of them occurs in the opened ballots or the audit bundle.
/// </summary>
public sealed class BallotBox(NpgsqlDataSource db, ILogger<BallotBox> logger) : BackgroundService
{
    public const int MaxBatch = 500;

    private sealed record Pending(SealedEntry Ballot, TaskCompletionSource<BallotOutcome> Done);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    public async Task<BallotOutcome> SubmitAsync(SealedEntry ballot, CancellationToken ct)
    {
        var pending = new Pending(ballot, new TaskCompletionSource<BallotOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        // Not cancelled with the request: once queued, the ballot is written whether or not the phone is still listening.
        return await pending.Done.Task;
    }

    /// <summary>On shutdown, takes no new ballots but writes every one already queued before the process ends.</summary>
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        // Not tied to stoppingToken: the loop ends when the queue is completed and drained.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
            RandomNumberGenerator.Shuffle(CollectionsMarshal.AsSpan(batch));
            try
            {
                var outcomes = await WriteAsync(batch);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(outcomes[i]);
            }
            catch (Exception e)
            {
                // Whether or not the commit landed, each phone is told to retry, and a retry is idempotent.
                logger.LogWarning("A ballot batch of {Count} could not be written: {Reason}", batch.Count, e.GetType().Name);
                db.ForgetDeadConnections(e);
                foreach (var pending in batch) pending.Done.TrySetException(e);
            }
        }
    }

    private async Task<BallotOutcome[]> WriteAsync(List<Pending> batch)
    {
        var ballots = batch.Select(p => p.Ballot).ToList();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var inserted = (await conn.QueryAsync<byte[]>(
            """
            insert into sealed_ballot (door_message, evaluation_id, key_group_id, ciphertext)
            select b.door_message, b.evaluation_id, b.key_group_id, b.ciphertext
            from unnest(@Doors, @Evaluations, @Groups, @Ciphertexts) as b(door_message, evaluation_id, key_group_id, ciphertext)
            where exists (select 1 from evaluation e where e.id = b.evaluation_id and e.status = 'open')
            on conflict do nothing
            returning door_message
            """,
            new
            {
                Doors = ballots.Select(b => b.DoorMessage).ToArray(),
                Evaluations = ballots.Select(b => b.EvaluationId).ToArray(),
                Groups = ballots.Select(b => b.KeyGroupId).ToArray(),
                Ciphertexts = ballots.Select(b => b.Ciphertext).ToArray(),
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
        await tx.CommitAsync();

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
