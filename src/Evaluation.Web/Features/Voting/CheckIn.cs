using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// The first of the two unlinkable steps (DESIGN.md §2.1, docs/sealed-ballot-box.md): the phone shows its slip token and
/// two blinded messages, the door's and the ballot's; the slip is burnt and both blind signatures returned. The token never
/// appears in a URL and is never logged.
/// </summary>
public static class CheckIn
{
    private sealed record SlipState(byte[] TokenHash, Guid EvaluationId, Guid CategoryId, string CategoryName, Guid? KeyGroupId, bool Voided,
        byte[]? BlindedHash, string Status, string Name, string UnitName, string Round, bool Rehearsal);

    private const string SelectSlip =
        """
        select s.token_hash, s.evaluation_id, s.category_id, c.name as category_name, c.key_group_id, s.voided, s.blinded_hash,
               e.status, e.name, u.name as unit_name, e.round,
               e.rehearsal_of is not null as rehearsal
        from slip s
        join evaluation e on e.id = s.evaluation_id
        join unit u on u.id = e.unit_id
        join respondent_category c on c.id = s.category_id
        where s.token_hash = @Hash
        """;

    // Read once per replica and evaluation (OpenEvaluations), not with every slip: the form alone is tens of KB.
    private const string SelectPhoneView =
        """
        select e.frozen_form, g.door_public_key, g.ballot_public_key, b.public_key as box_key
        from evaluation e
        join key_group g on g.evaluation_id = e.id
        join ballot_box b on b.evaluation_id = e.id
        where e.id = @EvaluationId and g.id = @KeyGroupId
        """;

    /// <summary>What the phone needs before it can blind and seal: the evaluation, the frozen form and the keys. Burns nothing.</summary>
    public static async Task<IResult> DescribeAsync(SlipRequest request, NpgsqlDataSource db, FailedLookups failures, HttpContext http,
        OpenEvaluations open, CancellationToken ct)
    {
        var (slip, refusal) = await FindUsableAsync(db, failures, http, request.Token, ct);
        if (refusal is not null) return refusal;
        var keyGroupId = slip!.KeyGroupId!.Value;
        var phone = await open.PhoneViewAsync(slip.EvaluationId, keyGroupId, async () =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var view = await conn.QuerySingleAsync<(string Form, byte[], byte[], byte[])>(SelectPhoneView, new { slip.EvaluationId, KeyGroupId = keyGroupId });
            // A category limited to some targets (评议范围) sees only those: its key group's form.
            return view with { Form = FormJson.PhoneForm(view.Form, keyGroupId) };
        });
        return Results.Json(new SlipDescription(
            new SlipEvaluation(slip.EvaluationId, slip.Name, slip.UnitName, slip.Round, slip.Rehearsal),
            new SlipCategory(slip.CategoryId, slip.CategoryName),
            new SlipKeyGroup(keyGroupId, phone.DoorKey, phone.BallotKey), phone.BoxKey, phone.Form,
            CheckedIn: slip.BlindedHash is not null));
    }

    // [FromServices]: a type with a static TryParse would otherwise be bound from the query string.
    public static async Task<IResult> CheckInAsync(CheckInRequest request, NpgsqlDataSource db, FailedLookups failures, HttpContext http,
        OpenEvaluations open, [FromServices] KeyEncryptionKey keyEncryptionKey, SlipBurner burner, CancellationToken ct)
    {
        var (slip, refusal) = await FindUsableAsync(db, failures, http, request.Token, ct);
        if (refusal is not null) return refusal;
        byte[] blindedDoor, blindedBallot;
        try
        {
            blindedDoor = Convert.FromBase64String(request.BlindedDoor ?? "");
            blindedBallot = Convert.FromBase64String(request.BlindedBallot ?? "");
        }
        catch (FormatException)
        {
            return VotingProblem.BadRequest("签到数据格式不正确，请刷新页面重试。");
        }
        // Both blinded messages are exactly a modulus long (BlindSign refuses any other), so the concatenation is unambiguous.
        var blindedHash = SHA256.HashData([.. blindedDoor, .. blindedBallot]);

        // The answer to a check-in ends its connection, so the ballot later cannot ride the same keep-alive connection and
        // be paired with this slip by whoever watches connections (HTTP/1.x; HTTP/2 forbids the header).
        if (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol))
            http.Response.Headers.Connection = "close";

        // A slip burnt before (a retry after a lost answer, or another phone) is answered by the burner too, not from the read:
        // the burn it read may not be on the synchronous standby yet (its commit's wait cut short), and an answer is given
        // only for what is on both copies.
        byte[]? doorSignature = null, ballotSignature = null;
        if (slip!.BlindedHash is null)
            try
            {
                var keys = await SigningKeysAsync(slip, db, open, keyEncryptionKey, ct);
                doorSignature = BlindRsa.BlindSign(keys.Door, blindedDoor);
                ballotSignature = BlindRsa.BlindSign(keys.Ballot, blindedBallot);
            }
            catch (ArgumentException)
            {
                // Of the wrong size, not below the modulus, or a value such as 0 or 1 that the page never sends: refused before
                // the slip is burnt, so the voter can still check in with it.
                return VotingProblem.BadRequest("签到数据不完整或无效，这张票签还没有使用。请刷新页面后重试；如果仍然不行，请向工作人员说明。");
            }

        // Burnt in a batch with other check-ins (SlipBurner): only if nobody burnt it, voided it or closed the evaluation in
        // the meantime, so of many simultaneous check-ins exactly one wins, and it is answered only once that is committed.
        BurntSlip? after;
        try
        {
            after = await burner.BurnAsync(new SlipBurn(slip.TokenHash, slip.EvaluationId, blindedHash, doorSignature, ballotSignature), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return VotingProblem.Unavailable(http, e, "您的签到还没有完成");
        }
        return after switch
        {
            null => UnknownSlip(),
            { BlindedHash: not null } => AnswerBurnt(after.BlindedHash, after.BlindSignature, after.BallotBlindSignature, blindedHash),
            _ => Refusal(after.Voided, after.Status) ?? throw new InvalidOperationException("The batch neither burnt nor refused a usable slip."),
        };
    }

    private static IResult Signed(byte[] doorSignature, byte[] ballotSignature) =>
        Results.Json(new CheckInResponse(Convert.ToBase64String(doorSignature), Convert.ToBase64String(ballotSignature)));

    /// <summary>
    /// The key group's door and ballot keys, unsealed (bound to their evaluation, group and role, so a key moved to another
    /// row or column does not open) once per replica rather than once per check-in.
    /// </summary>
    private static Task<OpenEvaluations.SigningKeys> SigningKeysAsync(SlipState slip, NpgsqlDataSource db, OpenEvaluations open,
        KeyEncryptionKey keyEncryptionKey, CancellationToken ct) =>
        open.SigningKeysAsync(slip.EvaluationId, slip.KeyGroupId!.Value, async () =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var group = await conn.QuerySingleAsync<(byte[] Door, byte[] Ballot)>(
                "select door_private_key_sealed, ballot_private_key_sealed from key_group where id = @KeyGroupId and evaluation_id = @EvaluationId",
                new { slip.KeyGroupId, slip.EvaluationId });
            return new OpenEvaluations.SigningKeys(
                SealedSigningKey.Unseal(keyEncryptionKey, slip.EvaluationId, slip.KeyGroupId.Value, group.Door, door: true),
                SealedSigningKey.Unseal(keyEncryptionKey, slip.EvaluationId, slip.KeyGroupId.Value, group.Ballot));
        });

    /// <summary>
    /// A slip already burnt: a retry after a lost answer (the same two blinded messages) gets the same signatures;
    /// anything else is another phone.
    /// </summary>
    private static IResult AnswerBurnt(byte[]? storedBlindedHash, byte[]? doorSignature, byte[]? ballotSignature, byte[] blindedHash) =>
        storedBlindedHash is not null && ballotSignature is not null && storedBlindedHash.AsSpan().SequenceEqual(blindedHash)
            ? Signed(doorSignature!, ballotSignature)
            : VotingProblem.AlreadyUsed();

    private static async Task<(SlipState? Slip, IResult? Refusal)> FindUsableAsync(NpgsqlDataSource db, FailedLookups failures, HttpContext http,
        string? typed, CancellationToken ct)
    {
        var token = SlipToken.Normalize(typed);
        if (token is null)
            return (null, VotingProblem.BadRequest("票签代码应为 20 位字母和数字，请核对后重新输入。"));
        await using var conn = await db.OpenConnectionAsync(ct);
        var slip = await conn.QuerySingleOrDefaultAsync<SlipState>(SelectSlip, new { Hash = SlipToken.Hash(token) });
        // Only an unknown code spends the address's budget (see FailedLookups): a venue's valid codes always get through.
        if (slip is null && !failures.TryFail(LookupKind.Slip, http.Connection.RemoteIpAddress, out var retryAfter))
        {
            var seconds = FailedLookups.RetryAfterSeconds(retryAfter);
            http.Response.Headers.RetryAfter = seconds;
            return (null, VotingProblem.Status(StatusCodes.Status429TooManyRequests,
                $"没有这个票签代码。从您所在的网络输错票签代码的次数太多，请 {seconds} 秒后再试，并逐位核对票签上的代码；仍有问题请向工作人员询问。",
                VotingProblem.TooMany));
        }
        if (slip is null) return (null, UnknownSlip());
        return Refusal(slip.Voided, slip.Status) is { } refusal ? (null, refusal) : (slip, null);
    }

    private static IResult UnknownSlip() =>
        VotingProblem.Status(StatusCodes.Status404NotFound, "没有这个票签代码。请核对票签上的代码后重新输入，或向工作人员询问。");

    /// <summary>Why a slip cannot check in now, or null if it can: read before signing, and again by its batch.</summary>
    private static IResult? Refusal(bool voided, string status) => (voided, status) switch
    {
        (true, _) => VotingProblem.Status(StatusCodes.Status410Gone, "这张票签已作废，请向工作人员领取新的票签。"),
        (_, "draft") => VotingProblem.Status(StatusCodes.Status409Conflict, "投票还没有开始。请等主持人宣布开始后，再打开本页面。", VotingProblem.NotOpen),
        (_, not "open") => VotingProblem.VotingClosed(),
        _ => null,
    };
}
