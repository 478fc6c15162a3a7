using Evaluation.Web.Features.Evaluations;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

public sealed record BallotBoxSection(EvaluationHeader Evaluation, BoxKeys.PendingCards? Pending, BoxKeys.BoxState? Box);

/// <summary>
/// The evaluation page's 投票箱 part: how the box will be opened (chosen at 开始投票), 结束投票, and 开箱. It reads the box
/// itself, so the evaluation page's model stays the evaluation's.
/// </summary>
public sealed class BallotBoxSectionViewComponent(NpgsqlDataSource db) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(EvaluationHeader evaluation)
    {
        await using var conn = await db.OpenConnectionAsync();
        var section = evaluation.Status == EvaluationStatus.Draft
            ? new BallotBoxSection(evaluation, await BoxKeys.PendingAsync(conn, evaluation.Id), null)
            : new BallotBoxSection(evaluation, null, await BoxKeys.StateAsync(conn, evaluation.Id));
        return View("~/Features/Voting/_BallotBoxSection.cshtml", section);
    }
}
