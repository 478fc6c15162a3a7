using System.Text.Json;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

public sealed record BallotRequest(Guid? EvaluationId, Guid? CategoryId, string? Message, string? Signature, string? Secret, JsonElement? Answers)
{
    public override string ToString() => nameof(BallotRequest);
}

/// <summary>
/// The second step (DESIGN.md §2.1), a separate request that never sees the slip: a signed message, the secret the
/// message was made from, and the answers. The receipt is derived here from the secret (see <see cref="Receipt"/>),
/// and the secret itself is kept nowhere. Answered only once the ballot's batch has committed.
/// </summary>
public static class Submit
{
    private sealed record Context(string Status, string FrozenForm, byte[] PublicKey);

    public static async Task<IResult> SubmitAsync(BallotRequest request, NpgsqlDataSource db, BallotBox box, OpenEvaluations open, HttpContext http,
        CancellationToken ct)
    {
        if (request.EvaluationId is not { } evaluationId || request.CategoryId is not { } categoryId
            || !TryBase64(request.Message, out var message) || !TryBase64(request.Signature, out var signature) || request.Answers is not { } answersJson)
            return VotingProblem.BadRequest("提交的数据不完整，请刷新页面后重新提交（已填写的内容会保留）。");
        // Checked first: with a secret that did not make this message, the sender could choose the receipt.
        if (!TryBase64(request.Secret, out var secret) || !Receipt.IsMessageOf(message, secret))
            return VotingProblem.BadRequest("投票凭证与回执数据不一致，无法提交。请刷新页面后重试；如果仍然不行，请向工作人员说明。");

        var rules = open.FindBallotRules(evaluationId, categoryId);
        if (rules is null)
        {
            Context? context;
            await using (var conn = await db.OpenConnectionAsync(ct))
                context = await conn.QuerySingleOrDefaultAsync<Context>(
                    """
                    select e.status, e.frozen_form, k.public_key
                    from evaluation e join signing_key k on k.evaluation_id = e.id and k.category_id = @categoryId
                    where e.id = @evaluationId
                    """, new { evaluationId, categoryId });
            if (context is null)
                return VotingProblem.Status(StatusCodes.Status404NotFound, "找不到这次评议，请重新扫描票签上的二维码。");
            if (context.Status != "open")
                return VotingProblem.Status(StatusCodes.Status409Conflict, "投票已经结束，不能再提交。如有疑问，请向工作人员说明。", "closed");
            rules = open.AddBallotRules(evaluationId, categoryId, context.FrozenForm, context.PublicKey);
        }

        if (!BlindRsa.Verify(rules.PublicKey, message, signature))
            return VotingProblem.BadRequest("投票凭证无效，无法提交。请重新扫描票签；如果票签已经用过，请向工作人员说明。");

        if (!BallotJson.TryRead(answersJson.GetRawText(), out var answers, out var readError))
            return VotingProblem.BadRequest(readError);
        var errors = BallotValidator.Validate(rules.Form.Questionnaire, rules.Form.Targets, answers);
        if (errors.Count > 0)
            return Results.Json(new { error = "答卷有需要修改的地方，请按下面的提示修改后重新提交：", problems = errors }, statusCode: StatusCodes.Status400BadRequest);

        var receipt = Receipt.FromSecret(secret);
        var ballot = new NewBallot(evaluationId, categoryId, message, signature, BallotJson.Canonical(BallotValidator.Normalise(answers)), receipt);
        BallotOutcome outcome;
        try
        {
            outcome = await box.SubmitAsync(ballot, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The batch was not written, or its commit was not confirmed: either way a retry of these very bytes is safe.
            var fault = DatabaseFaults.Classify(e) ?? DatabaseFault.Other;
            http.Response.Headers.RetryAfter = DatabaseFaults.RetryAfterSeconds(fault).ToString();
            return VotingProblem.Status(StatusCodes.Status503ServiceUnavailable,
                fault == DatabaseFault.Other ? "服务器繁忙，您的答卷还没有保存。页面会自动重试，请不要关闭。" : DatabaseFaults.VoterMessage(fault, "您的答卷还没有保存"),
                "retry");
        }

        return outcome switch
        {
            BallotOutcome.Stored or BallotOutcome.AlreadyStored =>
                Results.Json(new { receipt = Receipt.Grouped(receipt), blank = BallotValidator.IsBlank(answers) }),
            BallotOutcome.CredentialUsed => VotingProblem.Status(StatusCodes.Status409Conflict,
                "这张票签的答卷已经提交过，不能再提交不同的内容。如果不是您本人提交的，请向工作人员说明。", "used"),
            _ => VotingProblem.Status(StatusCodes.Status409Conflict, "投票已经结束，不能再提交。如有疑问，请向工作人员说明。", "closed"),
        };
    }

    private static bool TryBase64(string? text, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(text) || text.Length > 8192) return false;
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
