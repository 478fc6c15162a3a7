using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// Group commit, shared by the ballot box and the slip burns: requests wait here while the previous batch commits, then
/// go to the database together in one transaction, so a burst costs one WAL flush per batch instead of one per request.
/// Each caller is answered only after its batch has committed; a batch that fails fails every one of its callers, who
/// are told to retry (each write is idempotent). The batch is shuffled first, so neither heap order nor position in the
/// batch tells arrival order.
/// </summary>
public abstract class GroupCommit<TItem, TOutcome>(NpgsqlDataSource db, ILogger logger) : BackgroundService
{
    public const int MaxBatch = 500;

    private sealed record Pending(TItem Item, TaskCompletionSource<TOutcome> Done);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    protected NpgsqlDataSource Db => db;

    /// <summary>What one batch is of, for the single log line of a failed batch.</summary>
    protected abstract string BatchName { get; }

    /// <summary>Writes the batch in one transaction and returns each item's outcome, in the batch's order.</summary>
    protected abstract Task<TOutcome[]> WriteAsync(IReadOnlyList<TItem> batch);

    protected async Task<TOutcome> EnqueueAsync(TItem item, CancellationToken ct)
    {
        var pending = new Pending(item, new TaskCompletionSource<TOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        // Not cancelled with the request: once queued, the item is written whether or not the phone is still listening.
        return await pending.Done.Task;
    }

    /// <summary>On shutdown, takes nothing new but writes everything already queued before the process ends.</summary>
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
                var outcomes = await WriteAsync(batch.ConvertAll(p => p.Item));
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(outcomes[i]);
            }
            catch (Exception e)
            {
                // Whether or not the commit landed, each phone is told to retry, and a retry is idempotent.
                logger.LogWarning("A {Batch} batch of {Count} could not be written: {Reason}", BatchName, batch.Count, e.GetType().Name);
                db.ForgetDeadConnections(e);
                foreach (var pending in batch) pending.Done.TrySetException(e);
            }
        }
    }
}
