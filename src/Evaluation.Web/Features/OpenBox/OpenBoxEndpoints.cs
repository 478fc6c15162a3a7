using System.Text;
using System.Text.Json;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Core.Text;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Voting;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.OpenBox;

/// <summary>
/// What the phone page reads: the box's evaluation, its <see cref="State"/> (open, not-open before voting starts, paused by
/// the organiser, ended), a sentence to show when it takes no answers, and the questions (only while it takes answers).
/// </summary>
public sealed record OpenBoxDescription(string Unit, string Name, bool Rehearsal, string State, string? Message, string Notice, JsonElement? Form);

/// <summary>The answer to a stored submission.</summary>
public sealed record OpenBoxReceived(string Message);

/// <summary>
/// The open 征求意见箱's public side (README "The open opinion box"): the page at /o/{publicId} and its API, no sign-in, no
/// cookies, nothing cached. Refusals are the voting API's <see cref="VotingError"/>: a sentence the page shows as it is, and
/// a code it acts on. Nothing here is logged per request, and no client address or time is stored with an answer.
/// </summary>
public static class OpenBoxEndpoints
{
    public const string Notice = "这是公开的征求意见箱，不记录您的身份；任何人都可以提交，可以多次提交，不计作评议票。";

    /// <summary>
    /// A submission grows only with typed text, each answer within its question's limit (at most 2,000 characters): the
    /// 征求意见表 filled to every limit is under 4 KB of UTF-8, and twenty 2,000-character answers in Chinese (3 bytes a
    /// character) are 120 KB. Larger is no submission from our page.
    /// </summary>
    public const long MaxAnswerBodyBytes = 128 << 10;

    private const string NotFoundMessage = "找不到这个征求意见箱。请核对网址，或重新扫描组织者提供的二维码。";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void MapOpenBox(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/o").AllowAnonymous();
        api.MapGet("/{publicId}", DescribeAsync);
        api.MapPost("/{publicId}/answers", SubmitAsync).LimitBodyTo(MaxAnswerBodyBytes).AcceptsJsonOnly();
        // The page is one fixed file; its script reads the id from the address and everything else from the API.
        app.MapMethods("/o/{publicId}", [HttpMethods.Get, HttpMethods.Head], http => PrecompressedFiles.ServeAttendeePageAsync(http, "open/index.html"))
            .AllowAnonymous();
    }

    public static async Task<IResult> DescribeAsync(string publicId, NpgsqlDataSource db, HttpContext http, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (await FindAsync(db, publicId, ct) is not { } box) return NotFound();
        var form = box.TakesAnswers ? box.Form : null;
        return Results.Json(new OpenBoxDescription(box.UnitName, box.Name, box.Rehearsal, StateOf(box), Refusal(box)?.Message, Notice,
            form is null ? null : JsonDocument.Parse(FormJson.Canonical(form)).RootElement));
    }

    /// <summary>
    /// Throttled first (<see cref="OpenBoxThrottle"/>), before the body is read; then the JSON, the box, and the answers
    /// against the box's questions. Any refusal stores nothing. Answered once the submission's batch has committed.
    /// </summary>
    public static async Task<IResult> SubmitAsync(string publicId, NpgsqlDataSource db, OpenBoxWriter writer, OpenBoxThrottle throttle,
        HttpContext http, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (!throttle.TrySubmit(http.Connection.RemoteIpAddress, out var retryAfter))
        {
            var seconds = AddressBudget.RetryAfterSeconds(retryAfter);
            http.Response.Headers.RetryAfter = seconds;
            return VotingProblem.Status(StatusCodes.Status429TooManyRequests,
                $"从您所在的网络（例如会场的无线网络）刚刚提交的意见太多，您的意见还没有保存。请稍候 {seconds} 秒再提交；" +
                "本页面会保留您填写的内容并自动重新提交，请不要关闭。", VotingProblem.TooMany);
        }

        string json;
        try
        {
            using var reader = new StreamReader(http.Request.Body, StrictUtf8);
            json = await reader.ReadToEndAsync(ct);
        }
        catch (DecoderFallbackException)
        {
            return VotingProblem.BadRequest("提交的内容不是有效的文字编码（UTF-8），没有保存。请刷新页面后重新填写。");
        }
        if (!BallotJson.TryRead(json, out var answers, out var error))
            return VotingProblem.BadRequest($"没有保存：{error}");

        if (await FindAsync(db, publicId, ct) is not { } box) return NotFound();
        if (Refusal(box) is { } refusal) return VotingProblem.Status(StatusCodes.Status409Conflict, refusal.Message, refusal.Code);

        var form = box.Form!;
        if (BallotValidator.IsBlank(answers))
            return VotingProblem.BadRequest("您还没有填写任何内容，没有保存。请至少回答一题后再提交。");
        var problems = BallotValidator.Validate(form, [], answers);
        if (problems.Count > 0)
            return VotingProblem.BadRequest($"没有保存，请修改后再提交：{string.Concat(problems)}");
        if (HiddenCharactersIn(form, answers) is { } question)
            return VotingProblem.BadRequest($"没有保存：{UserText.HiddenCharacterProblem($"“{question.Text}”的回答")}");

        bool stored;
        try
        {
            stored = await writer.SubmitAsync(new OpenBoxEntry(box.EvaluationId, BallotJson.Canonical(BallotValidator.Normalise(answers))), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return VotingProblem.Unavailable(http, e, "您的意见还没有保存");
        }
        // Paused or ended while the submission waited for its batch.
        if (!stored) return VotingProblem.Status(StatusCodes.Status409Conflict, Ended.Message, Ended.Code);
        return Results.Json(new OpenBoxReceived("已收到您的意见，谢谢！您的身份没有被记录。如有新的意见，可以再提交一份。"));
    }

    private static async Task<PublicBox?> FindAsync(NpgsqlDataSource db, string publicId, CancellationToken ct)
    {
        // The link is the box's 20 symbols; anything else cannot be one, and is not looked up.
        if (SlipToken.Normalize(publicId) is not { } normalized) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await OpenBoxes.FindPublicAsync(conn, normalized, ct);
    }

    private static IResult NotFound() => VotingProblem.Status(StatusCodes.Status404NotFound, NotFoundMessage);

    private static string StateOf(PublicBox box) => box.Status switch
    {
        EvaluationStatus.Draft => "not-open",
        EvaluationStatus.Open => box.Accepting ? "open" : "paused",
        _ => "ended",
    };

    private sealed record Refused(string Message, string Code);

    private static readonly Refused Ended = new("本次征求意见已经结束，不再接收意见，您填写的内容没有保存。如还有意见，请直接向组织者反映。", VotingProblem.Closed);

    /// <summary>Why the box takes no answers now, or null when it does.</summary>
    private static Refused? Refusal(PublicBox box) => StateOf(box) switch
    {
        "not-open" => new("征求意见箱还没有开放，您填写的内容没有保存。请在组织者通知的时间以后再提交。", VotingProblem.NotOpen),
        "paused" => new("征求意见箱暂停接收意见，您填写的内容没有保存。请稍后再试，或向组织者询问何时重新开放。", VotingProblem.Closed),
        "ended" => Ended,
        _ => null,
    };

    /// <summary>
    /// The first question whose typed text holds a control or invisible direction character (line breaks and tabs are
    /// typed, the others come from a paste or a script): PostgreSQL cannot store a NUL, and the others would hide or
    /// reorder words in the triage page and the reports.
    /// </summary>
    private static Question? HiddenCharactersIn(Questionnaire form, BallotAnswers answers) =>
        form.Questions.FirstOrDefault(q => answers.Once.GetValueOrDefault(q.Id) is { } a
                                           && (UserText.HasHiddenCharactersBesideLineBreaks(a.Text) || UserText.HasHiddenCharactersBesideLineBreaks(a.Other)));
}
