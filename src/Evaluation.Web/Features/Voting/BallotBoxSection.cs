using Evaluation.Web.Features.Evaluations;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <param name="CheckedInNotSubmitted">While voting is open: people whose phone checked in and has not submitted, whom 结束投票 shuts out.</param>
public sealed record BallotBoxSection(EvaluationHeader Evaluation, BoxKeys.PendingCards? Pending, BoxKeys.BoxState? Box, int CheckedInNotSubmitted = 0);

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
        if (evaluation.Status == EvaluationStatus.Open)
        {
            // The totals the progress page and the board show, never a category's: those may be small cells.
            var total = (await TurnoutTable.LoadAsync(conn, evaluation.Id)).Total;
            section = section with { CheckedInNotSubmitted = Math.Max(0, (total.CheckedIn ?? 0) - (total.Ballots ?? 0)) };
        }
        return View("~/Features/Voting/_BallotBoxSection.cshtml", section);
    }
}
