using System.Text.Json.Serialization;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.Voting;

// The voting API's contract (docs/sealed-ballot-box.md), shared by the endpoints, the error page and the tests.
// Byte strings are base64. ToString is left out of requests: nothing that prints them may show a token or a secret.

public sealed record SlipRequest(string? Token)
{
    public override string ToString() => nameof(SlipRequest);
}

public sealed record CheckInRequest(string? Token, string? BlindedDoor, string? BlindedBallot)
{
    public override string ToString() => nameof(CheckInRequest);
}

public sealed record BallotRequest(Guid? EvaluationId, Guid? KeyGroupId, string? DoorMessage, string? DoorSignature, string? Secret, string? Sealed)
{
    public override string ToString() => nameof(BallotRequest);
}

/// <summary><see cref="Rehearsal"/>: a 演练 evaluation, which the phone marks on every screen.</summary>
public sealed record SlipEvaluation(Guid Id, string Name, string Unit, string Round, bool Rehearsal);
public sealed record SlipCategory(Guid Id, string Name);
/// <summary>The key group's two RSA public keys as SubjectPublicKeyInfo DER.</summary>
public sealed record SlipKeyGroup(Guid Id, string DoorKey, string BallotKey);

/// <summary>What the phone needs before it can blind and seal; <see cref="BoxKey"/> is the 65-byte P-256 point.</summary>
public sealed record SlipDescription(SlipEvaluation Evaluation, SlipCategory Category, SlipKeyGroup KeyGroup, string BoxKey,
    System.Text.Json.JsonElement Form, bool CheckedIn);

/// <summary>The two blind signatures, door's and ballot's.</summary>
public sealed record CheckInResponse(string DoorSignature, string BallotSignature);

/// <summary>The receipt as the phone shows it, ABCDE-FGHJK.</summary>
public sealed record BallotResponse(string Receipt);

/// <summary>
/// Every refusal: a sentence the page shows as it is, and a code the page acts on: <c>retry</c> (sent again by itself),
/// <c>used</c>, <c>closed</c>, <c>not-open</c>, <c>too-many</c>.
/// </summary>
public sealed record VotingError(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code = null);

public static class VotingProblem
{
    public const string Retry = "retry", Used = "used", Closed = "closed", NotOpen = "not-open", TooMany = "too-many";

    public static IResult Status(int status, string message, string? code = null) => Results.Json(new VotingError(message, code), statusCode: status);

    public static IResult BadRequest(string message) => Status(StatusCodes.Status400BadRequest, message);

    /// <summary>
    /// Mostly the voter's own phone: one that lost the page after check-in (a dead battery, cleared data, another
    /// browser). So the message says what to do, and does not suggest someone else took the slip.
    /// </summary>
    public static IResult AlreadyUsed() =>
        Status(StatusCodes.Status409Conflict, UsedMessage, Used);

    public const string UsedMessage =
        "这张票签已经签到过，不能再次签到（可能是在另一部手机上，或在本机清除数据、换用浏览器之前）。" +
        "如果您还没有提交答卷、但手机上的填写页面已经找不到了，请向工作人员说明，申请补发票签。";

    /// <summary>
    /// A batch that was not written, or whose commit was not confirmed (<see cref="GroupCommit{TItem, TOutcome}"/>): 503
    /// with Retry-After, which the page obeys by itself; sending the very same request again is safe.
    /// </summary>
    public static IResult Unavailable(HttpContext http, Exception error, string what)
    {
        var fault = DatabaseFaults.Classify(error) ?? DatabaseFault.Other;
        http.Response.Headers.RetryAfter = DatabaseFaults.RetryAfterSeconds(fault).ToString();
        return Status(StatusCodes.Status503ServiceUnavailable,
            fault == DatabaseFault.Other ? $"服务器繁忙，{what}。页面会自动重试，请不要关闭。" : DatabaseFaults.VoterMessage(fault, what), Retry);
    }

    public static IResult VotingClosed() =>
        Status(StatusCodes.Status409Conflict, "投票已经结束，不能再提交。如有疑问，请向工作人员说明。", Closed);

    public static IResult BallotAlreadyIn() =>
        Status(StatusCodes.Status409Conflict, "这张票签的答卷已经提交过，不能再提交不同的内容。如果不是您本人提交的，请向工作人员说明。", Used);
}
