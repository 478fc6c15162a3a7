using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// The second step (docs/sealed-ballot-box.md), a separate request that never sees the slip: the door credential, the
/// secret the door message was made from, and the sealed ballot. The server cannot read the ballot; it checks the door
/// credential, derives the receipt from the secret (see <see cref="Receipt"/>) and keeps the secret nowhere. Answered only
/// once the ballot's batch has committed.
/// </summary>
public static class Submit
{
    /// <summary>enc, and at least AES-GCM's tag.</summary>
    private const int MinSealedLength = Hpke.EncLength + 16;

    private sealed record Context(string Status, byte[] DoorPublicKey);

    public static async Task<IResult> SubmitAsync(BallotRequest request, NpgsqlDataSource db, BallotBox box, OpenEvaluations open, HttpContext http,
        CancellationToken ct)
    {
        if (request.EvaluationId is not { } evaluationId || request.KeyGroupId is not { } keyGroupId
            || !TryBase64(request.DoorMessage, 1024, out var doorMessage) || !TryBase64(request.DoorSignature, 1024, out var doorSignature)
            || !TryBase64(request.Sealed, (int)VotingEndpoints.MaxBallotBodyBytes, out var sealedBallot) || sealedBallot.Length < MinSealedLength)
            return VotingProblem.BadRequest("提交的数据不完整，请刷新页面后重新提交（已填写的内容会保留）。");
        // Checked first: with a secret that did not make this door message, the sender could choose the receipt.
        if (!TryBase64(request.Secret, 1024, out var secret) || !Receipt.IsMessageOf(doorMessage, secret))
            return VotingProblem.BadRequest("投票凭证与回执数据不一致，无法提交。请刷新页面后重试；如果仍然不行，请向工作人员说明。");

        var doorKey = open.FindDoorKey(evaluationId, keyGroupId);
        if (doorKey is null)
        {
            Context? context;
            await using (var conn = await db.OpenConnectionAsync(ct))
                context = await conn.QuerySingleOrDefaultAsync<Context>(
                    """
                    select e.status, g.door_public_key
                    from evaluation e join key_group g on g.evaluation_id = e.id and g.id = @keyGroupId
                    where e.id = @evaluationId
                    """, new { evaluationId, keyGroupId });
            if (context is null)
                return VotingProblem.Status(StatusCodes.Status404NotFound, "找不到这次评议，请重新扫描票签上的二维码。");
            if (context.Status != "open")
                return VotingProblem.VotingClosed();
            doorKey = open.AddDoorKey(evaluationId, keyGroupId, context.DoorPublicKey);
        }

        if (!BlindRsa.Verify(doorKey, doorMessage, doorSignature))
            return VotingProblem.BadRequest("投票凭证无效，无法提交。请重新扫描票签；如果票签已经用过，请向工作人员说明。");

        var receipt = Receipt.FromSecret(secret);
        BallotOutcome outcome;
        try
        {
            outcome = await box.SubmitAsync(new SealedEntry(evaluationId, keyGroupId, doorMessage, sealedBallot, receipt), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return VotingProblem.Unavailable(http, e, "您的答卷还没有保存");
        }

        return outcome switch
        {
            BallotOutcome.Stored or BallotOutcome.AlreadyStored => Results.Json(new BallotResponse(Receipt.Grouped(receipt))),
            BallotOutcome.CredentialUsed => VotingProblem.BallotAlreadyIn(),
            _ => VotingProblem.VotingClosed(),
        };
    }

    private static bool TryBase64(string? text, int maxLength, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(text) || text.Length > maxLength) return false;
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
