using Dapper;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>A check-in, signed, waiting to burn its slip: the blind signatures are stored with the slip as its burn.</summary>
public sealed record SlipBurn(byte[] TokenHash, Guid EvaluationId, byte[] BlindedHash, byte[] DoorSignature, byte[] BallotSignature);

/// <summary>The slip as it stands once its check-in's batch has committed: burnt (by whom the blinded hash says), or why not.</summary>
public sealed record BurntSlip(bool Voided, string Status, byte[]? BlindedHash, byte[]? BlindSignature, byte[]? BallotBlindSignature);

/// <summary>
/// Check-ins group-committed (<see cref="GroupCommit{TItem, TOutcome}"/>): the signatures are made before a check-in gets
/// here, so a batch is one set-based UPDATE, one WAL flush for up to <c>MaxBatch</c> slips. Of several check-ins of one
/// slip in a batch, the first (after the shuffle) is the one tried; the others are answered from what it left, like
/// check-ins that came after it.
/// </summary>
public sealed class SlipBurner(NpgsqlDataSource db, ILogger<SlipBurner> logger) : GroupCommit<SlipBurn, BurntSlip?>(db, logger)
{
    protected override string BatchName => "check-in";

    /// <summary>The slip after the burn was tried; null if the slip no longer exists.</summary>
    public Task<BurntSlip?> BurnAsync(SlipBurn burn, CancellationToken ct) => EnqueueAsync(burn, ct);

    // The evaluations are locked FOR SHARE before any slip is burnt: closing (an UPDATE of the evaluation) and voiding
    // (which locks it FOR UPDATE) wait for the batch to commit, or the batch waits for them and then sees the slip voided
    // or the evaluation no longer open, and leaves the slip alone. MATERIALIZED keeps the lock a step of its own.
    private const string BurnSlips =
        """
        with open as materialized (select id from evaluation where id = any(@Evaluations) and status = 'open' for share)
        update slip s set blinded_hash = b.blinded_hash, blind_signature = b.door_signature, ballot_blind_signature = b.ballot_signature
        from unnest(@Hashes, @BlindedHashes, @DoorSignatures, @BallotSignatures) as b(token_hash, blinded_hash, door_signature, ballot_signature)
        where s.token_hash = b.token_hash and s.blinded_hash is null and not s.voided and s.evaluation_id in (select id from open)
        returning s.token_hash
        """;

    private const string SelectSlips =
        """
        select s.token_hash, s.voided, e.status, s.blinded_hash, s.blind_signature, s.ballot_blind_signature
        from slip s join evaluation e on e.id = s.evaluation_id
        where s.token_hash = any(@Hashes)
        """;

    protected override async Task<BurntSlip?[]> WriteAsync(IReadOnlyList<SlipBurn> batch)
    {
        var tried = batch.DistinctBy(b => Key(b.TokenHash)).ToList();
        await using var conn = await Db.OpenConnectionAsync();
        // One statement, so one transaction of its own: answered once it has committed.
        var burnt = (await conn.QueryAsync<byte[]>(BurnSlips, new
        {
            Evaluations = tried.Select(b => b.EvaluationId).Distinct().ToArray(),
            Hashes = tried.Select(b => b.TokenHash).ToArray(),
            BlindedHashes = tried.Select(b => b.BlindedHash).ToArray(),
            DoorSignatures = tried.Select(b => b.DoorSignature).ToArray(),
            BallotSignatures = tried.Select(b => b.BallotSignature).ToArray(),
        })).Select(Key).ToHashSet();

        var slips = tried.Where(b => burnt.Contains(Key(b.TokenHash))).ToDictionary(b => Key(b.TokenHash),
            b => (BurntSlip?)new BurntSlip(false, "open", b.BlindedHash, b.DoorSignature, b.BallotSignature));
        var others = tried.Where(b => !burnt.Contains(Key(b.TokenHash))).Select(b => b.TokenHash).ToArray();
        // Rare: slips burnt before, voided, or of an evaluation that closed since the check-in read them.
        if (others.Length > 0)
            foreach (var slip in await conn.QueryAsync<(byte[] TokenHash, bool Voided, string Status, byte[]? BlindedHash, byte[]? BlindSignature,
                         byte[]? BallotBlindSignature)>(SelectSlips, new { Hashes = others }))
                slips[Key(slip.TokenHash)] = new BurntSlip(slip.Voided, slip.Status, slip.BlindedHash, slip.BlindSignature, slip.BallotBlindSignature);
        return batch.Select(b => slips.GetValueOrDefault(Key(b.TokenHash))).ToArray();
    }

    private static string Key(byte[] tokenHash) => Convert.ToBase64String(tokenHash);
}
