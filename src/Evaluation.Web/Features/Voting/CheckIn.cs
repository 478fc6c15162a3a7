using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

// ToString left out of requests: nothing that prints them may show a token.
public sealed record SlipRequest(string? Token)
{
    public override string ToString() => nameof(SlipRequest);
}
public sealed record CheckInRequest(string? Token, string? BlindedMessage)
{
    public override string ToString() => nameof(CheckInRequest);
}

/// <summary>
/// The first of the two unlinkable steps (DESIGN.md §2.1): the phone shows its slip token and a blinded message;
/// the slip is burnt and the blind signature returned. The token never appears in a URL and is never logged.
/// </summary>
public static class CheckIn
{
    private sealed record SlipState(byte[] TokenHash, Guid EvaluationId, Guid CategoryId, string CategoryName, bool Voided, byte[]? BlindedHash,
        byte[]? BlindSignature, string Status, string Name, string UnitName, string Round);

    private const string SelectSlip =
        """
        select s.token_hash, s.evaluation_id, s.category_id, c.name as category_name, s.voided, s.blinded_hash, s.blind_signature,
               e.status, e.name, u.name as unit_name, e.round
        from slip s
        join evaluation e on e.id = s.evaluation_id
        join unit u on u.id = e.unit_id
        join respondent_category c on c.id = s.category_id
        where s.token_hash = @Hash
        """;

    // Read once per replica and evaluation (OpenEvaluations), not with every slip: the form alone is tens of KB.
    private const string SelectForm =
        """
        select e.frozen_form, k.public_key
        from evaluation e join signing_key k on k.evaluation_id = e.id
        where e.id = @EvaluationId and k.category_id = @CategoryId
        """;

    /// <summary>What the phone needs before it can blind: the evaluation, the frozen form and the category's public key. Burns nothing.</summary>
    public static async Task<IResult> DescribeAsync(SlipRequest request, NpgsqlDataSource db, FailedLookups failures, HttpContext http,
        OpenEvaluations open, CancellationToken ct)
    {
        var (slip, refusal) = await FindUsableAsync(db, failures, http, request.Token, ct);
        if (refusal is not null) return refusal;
        var phone = await open.PhoneViewAsync(slip!.EvaluationId, slip.CategoryId, async () =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            return await conn.QuerySingleAsync<(string, byte[])>(SelectForm, new { slip.EvaluationId, slip.CategoryId });
        });
        return Results.Json(new
        {
            evaluation = new { id = slip.EvaluationId, name = slip.Name, unit = slip.UnitName, round = slip.Round },
            category = new { id = slip.CategoryId, name = slip.CategoryName },
            publicKey = phone.PublicKey,
            form = phone.Form,
            checkedIn = slip.BlindedHash is not null,
        });
    }

    // [FromServices]: a type with a static TryParse would otherwise be bound from the query string.
    public static async Task<IResult> CheckInAsync(CheckInRequest request, NpgsqlDataSource db, FailedLookups failures, HttpContext http,
        OpenEvaluations open, [FromServices] KeyEncryptionKey keyEncryptionKey, CancellationToken ct)
    {
        var (slip, refusal) = await FindUsableAsync(db, failures, http, request.Token, ct);
        if (refusal is not null) return refusal;
        byte[] blinded;
        try
        {
            blinded = Convert.FromBase64String(request.BlindedMessage ?? "");
        }
        catch (FormatException)
        {
            return VotingProblem.BadRequest("签到数据格式不正确，请刷新页面重试。");
        }
        var blindedHash = SHA256.HashData(blinded);

        if (slip!.BlindedHash is not null)
            return AnswerBurnt(slip.BlindedHash, slip.BlindSignature, blindedHash);

        byte[] signature;
        try
        {
            signature = BlindRsa.BlindSign(await SigningKeyAsync(slip, db, open, keyEncryptionKey, ct), blinded);
        }
        catch (ArgumentException)
        {
            // Of the wrong size, not below the modulus, or a value such as 0 or 1 that the page never sends: refused before
            // the slip is burnt, so the voter can still check in with it.
            return VotingProblem.BadRequest("签到数据不完整或无效，这张票签还没有使用。请刷新页面后重试；如果仍然不行，请向工作人员说明。");
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        // Burns the slip only if nobody burnt it in the meantime: of many simultaneous check-ins, exactly one wins.
        var burnt = await conn.ExecuteAsync(
            """
            update slip set blinded_hash = @blindedHash, blind_signature = @signature
            where token_hash = @TokenHash and blinded_hash is null and not voided
            """, new { blindedHash, signature, slip.TokenHash });
        if (burnt == 1)
            return Results.Json(new { blindSignature = Convert.ToBase64String(signature) });

        var winner = await conn.QuerySingleAsync<(byte[]? BlindedHash, byte[]? BlindSignature)>(
            "select blinded_hash, blind_signature from slip where token_hash = @TokenHash", new { slip.TokenHash });
        return AnswerBurnt(winner.BlindedHash, winner.BlindSignature, blindedHash);
    }

    /// <summary>
    /// The category's signing key, unsealed (bound to its evaluation and category, so a key moved to another row does not
    /// open) once per replica rather than once per check-in.
    /// </summary>
    private static Task<BlindRsaPrivateKey> SigningKeyAsync(SlipState slip, NpgsqlDataSource db, OpenEvaluations open,
        KeyEncryptionKey keyEncryptionKey, CancellationToken ct) =>
        open.SigningKeyAsync(slip.EvaluationId, slip.CategoryId, async () =>
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var sealedKey = await conn.QuerySingleAsync<byte[]>(
                "select private_key_sealed from signing_key where evaluation_id = @EvaluationId and category_id = @CategoryId",
                new { slip.EvaluationId, slip.CategoryId });
            return SealedSigningKey.Unseal(keyEncryptionKey, slip.EvaluationId, slip.CategoryId, sealedKey);
        });

    /// <summary>
    /// A slip already burnt: a retry after a lost answer (same blinded message) gets the same signature;
    /// anything else is another phone.
    /// </summary>
    private static IResult AnswerBurnt(byte[]? storedBlindedHash, byte[]? storedSignature, byte[] blindedHash) =>
        storedBlindedHash is not null && storedBlindedHash.AsSpan().SequenceEqual(blindedHash)
            ? Results.Json(new { blindSignature = Convert.ToBase64String(storedSignature!) })
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
                "too-many"));
        }
        return slip switch
        {
            null => (null, VotingProblem.Status(StatusCodes.Status404NotFound, "没有这个票签代码。请核对票签上的代码后重新输入，或向工作人员询问。")),
            { Voided: true } => (null, VotingProblem.Status(StatusCodes.Status410Gone, "这张票签已作废，请向工作人员领取新的票签。")),
            { Status: "draft" } => (null, VotingProblem.Status(StatusCodes.Status409Conflict, "投票还没有开始。请等主持人宣布开始后，再打开本页面。", "not-open")),
            { Status: "closed" } => (null, VotingProblem.Status(StatusCodes.Status409Conflict, "投票已经结束，不能再提交。如有疑问，请向工作人员说明。", "closed")),
            _ => (slip, null),
        };
    }
}

public static class VotingProblem
{
    public static IResult Status(int status, string message, string? code = null) =>
        Results.Json(new { error = message, code }, statusCode: status);

    public static IResult BadRequest(string message) => Status(StatusCodes.Status400BadRequest, message);

    public static IResult AlreadyUsed() =>
        Status(StatusCodes.Status409Conflict, "这张票签已在另一部手机上使用。如果不是您本人使用的，请向工作人员说明。", "used");
}
