using Dapper;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// A check-in waiting to burn its slip: the blind signatures are stored with the slip as its burn. Without signatures, it
/// only asks how the slip stands (a retry of a slip burnt before), answered once that is on the synchronous standby too.
/// </summary>
public sealed record SlipBurn(byte[] TokenHash, Guid EvaluationId, byte[] BlindedHash, byte[]? DoorSignature, byte[]? BallotSignature);

/// <summary>The slip as it stands once its check-in's batch has committed: burnt (by whom the blinded hash says), or why not.</summary>
public sealed record BurntSlip(bool Voided, string Status, byte[]? BlindedHash, byte[]? BlindSignature, byte[]? BallotBlindSignature);

/// <summary>
/// Check-ins group-committed (<see cref="GroupCommit{TItem, TOutcome}"/>): the signatures are made before a check-in gets
/// here, so a batch is one set-based UPDATE, one WAL flush for up to <c>MaxBatch</c> slips. Of several check-ins of one
/// slip in a batch, the first (after the shuffle) is the one tried; the others are answered from what it left, like
/// check-ins that came after it.
/// </summary>
public sealed class SlipBurner(NpgsqlDataSource db, ILogger<SlipBurner> logger, IConfiguration configuration)
    : GroupCommit<SlipBurn, BurntSlip?>(db, logger, configuration)
{
    protected override string BatchName => "check-in";

    /// <summary>The slip after the burn was tried; null if the slip no longer exists.</summary>
    public Task<BurntSlip?> BurnAsync(SlipBurn burn, CancellationToken ct) => EnqueueAsync(burn, ct);

    // Only in evaluations still open once locked (LockOpenEvaluationsAsync), and never a slip voided or burnt before.
    private const string BurnSlips =
        """
        update slip s set blinded_hash = b.blinded_hash, blind_signature = b.door_signature, ballot_blind_signature = b.ballot_signature
        from unnest(@Hashes, @BlindedHashes, @DoorSignatures, @BallotSignatures) as b(token_hash, blinded_hash, door_signature, ballot_signature)
        where s.token_hash = b.token_hash and b.door_signature is not null and s.blinded_hash is null and not s.voided
          and s.evaluation_id = any(@Open)
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
        await using var tx = await conn.BeginTransactionAsync();
        var open = await LockOpenEvaluationsAsync(conn, tx, tried.Select(b => b.EvaluationId));
        var burnt = (await conn.QueryAsync<byte[]>(BurnSlips, new
        {
            Hashes = tried.Select(b => b.TokenHash).ToArray(),
            BlindedHashes = tried.Select(b => b.BlindedHash).ToArray(),
            DoorSignatures = tried.Select(b => b.DoorSignature).ToArray(),
            BallotSignatures = tried.Select(b => b.BallotSignature).ToArray(),
            Open = open,
        }, tx)).Select(Key).ToHashSet();

        var slips = tried.Where(b => burnt.Contains(Key(b.TokenHash))).ToDictionary(b => Key(b.TokenHash),
            b => (BurntSlip?)new BurntSlip(false, "open", b.BlindedHash, b.DoorSignature, b.BallotSignature));
        var others = tried.Where(b => !burnt.Contains(Key(b.TokenHash))).Select(b => b.TokenHash).ToArray();
        // Retries of slips burnt before, and the rare slip voided, or of an evaluation closed since the check-in read it.
        if (others.Length > 0)
            foreach (var slip in await conn.QueryAsync<(byte[] TokenHash, bool Voided, string Status, byte[]? BlindedHash, byte[]? BlindSignature,
                         byte[]? BallotBlindSignature)>(SelectSlips, new { Hashes = others }, tx))
                slips[Key(slip.TokenHash)] = new BurntSlip(slip.Voided, slip.Status, slip.BlindedHash, slip.BlindSignature, slip.BallotBlindSignature);
        await CommitReplicatedAsync(conn, tx);
        return batch.Select(b => slips.GetValueOrDefault(Key(b.TokenHash))).ToArray();
    }

    private static string Key(byte[] tokenHash) => Convert.ToBase64String(tokenHash);
}
