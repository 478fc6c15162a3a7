using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// Group commit, shared by the ballot box and the slip burns: requests wait here while the previous batch commits, then
/// go to the database together in one transaction, so a burst costs one WAL flush per batch instead of one per request.
/// Each caller is answered only after its batch has committed; a batch that fails fails every one of its callers, who
/// are told to retry (each write is idempotent). The batch is shuffled first, so neither heap order nor position in the
/// batch tells arrival order.
/// A caller waits at most <c>Voting:CommitTimeoutSeconds</c> (10 by default) and is then told to retry: a commit that
/// waits for a synchronous standby that is gone would otherwise hold every phone of the venue on a spinning page.
/// </summary>
public abstract class GroupCommit<TItem, TOutcome>(NpgsqlDataSource db, ILogger logger, IConfiguration configuration) : BackgroundService
{
    public const int MaxBatch = 500;

    private sealed record Pending(TItem Item, TaskCompletionSource<TOutcome> Done);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly TimeSpan _commitTimeout = TimeSpan.FromSeconds(configuration.GetValue("Voting:CommitTimeoutSeconds", 10.0));

    protected NpgsqlDataSource Db => db;

    /// <summary>What one batch is of, for the single log line of a failed batch.</summary>
    protected abstract string BatchName { get; }

    /// <summary>Writes the batch in one transaction and returns each item's outcome, in the batch's order.</summary>
    protected abstract Task<TOutcome[]> WriteAsync(IReadOnlyList<TItem> batch);

    protected async Task<TOutcome> EnqueueAsync(TItem item, CancellationToken ct)
    {
        var pending = new Pending(item, new TaskCompletionSource<TOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_commitTimeout);
        try
        {
            await _queue.Writer.WriteAsync(pending, timeout.Token);
            // Only the waiting ends: once queued, the item is written whether or not anyone is still listening, and its
            // caller, told to retry, is answered from what was written.
            return await pending.Done.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"The {BatchName} batch did not commit within {_commitTimeout.TotalSeconds} s.");
        }
    }

    /// <summary>
    /// Locks the evaluations FOR SHARE and returns those that are open. Closing (an UPDATE of the evaluation) and voiding
    /// wait for the batch to commit, or the batch waits for them and then sees the evaluation no longer open. The lock
    /// also gives every batch a transaction id, so its commit waits for the synchronous standby even when the batch
    /// writes nothing else (only retries): an answer read from a row that exists on the primary alone is not given.
    /// </summary>
    protected static async Task<Guid[]> LockOpenEvaluationsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<Guid> evaluationIds) =>
        (await conn.QueryAsync<(Guid Id, bool Open)>(
            "select id, status = 'open' from evaluation where id = any(@Ids) order by id for share",
            new { Ids = evaluationIds.Distinct().ToArray() }, tx))
        .Where(e => e.Open).Select(e => e.Id).ToArray();

    /// <summary>
    /// Commits, and fails if PostgreSQL committed without the synchronous standby: when someone cancels a commit's wait
    /// for the standby, the commit succeeds on the primary alone with a warning, and nothing may be acknowledged then.
    /// </summary>
    protected static async Task CommitReplicatedAsync(NpgsqlConnection conn, NpgsqlTransaction tx)
    {
        PostgresNotice? warning = null;
        void Watch(object? _, NpgsqlNoticeEventArgs e) => warning ??= e.Notice.InvariantSeverity == "WARNING" ? e.Notice : null;
        conn.Notice += Watch;
        try
        {
            await tx.CommitAsync();
        }
        finally
        {
            conn.Notice -= Watch;
        }
        if (warning is not null)
            throw new NotReplicatedException(warning.MessageText);
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
                var writing = WriteAsync(batch.ConvertAll(p => p.Item));
                // One line for a batch that outlasts what its callers wait: the usual cause is a synchronous standby gone.
                if (await Task.WhenAny(writing, Task.Delay(_commitTimeout)) != writing)
                    logger.LogWarning("A {Batch} batch of {Count} has waited {Seconds} s to commit; phones are told to retry meanwhile. " +
                                      "Is the synchronous standby down?", BatchName, batch.Count, _commitTimeout.TotalSeconds);
                var outcomes = await writing;
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

/// <summary>The commit landed on the primary only: its wait for the synchronous standby was cancelled.</summary>
public sealed class NotReplicatedException(string message) : Exception(message);
