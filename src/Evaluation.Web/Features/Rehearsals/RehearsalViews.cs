using Dapper;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Rehearsals;

/// <param name="Real">The real evaluation's name, when this is a rehearsal.</param>
/// <param name="Rehearsal">This real evaluation's rehearsal, if it has one.</param>
public sealed record RehearsalSection(EvaluationHeader Evaluation, string? Real, RehearsalsController.RehearsalRow? Rehearsal);

/// <summary>The evaluation page's 演练 part: create one from a draft, go to it, purge it.</summary>
public sealed class RehearsalSectionViewComponent(NpgsqlDataSource db) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(EvaluationHeader evaluation)
    {
        await using var conn = await db.OpenConnectionAsync();
        var section = evaluation.RehearsalOf is { } realId
            ? new RehearsalSection(evaluation, await conn.QuerySingleAsync<string>("select name from evaluation where id = @realId", new { realId }), null)
            : new RehearsalSection(evaluation, null, await RehearsalsController.RehearsalOfAsync(conn, evaluation.Id));
        return View("~/Features/Rehearsals/_RehearsalSection.cshtml", section);
    }
}

/// <summary>
/// The band across every staff page of a rehearsal (evaluations/{id}/…), so nobody takes its slips, board or results
/// for the real meeting's. Shows nothing outside the caller's units.
/// </summary>
public sealed class RehearsalBandViewComponent(NpgsqlDataSource db) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        if (!HttpContext.Request.Path.StartsWithSegments("/evaluations")
            || !Guid.TryParse(ViewContext.RouteData.Values["id"]?.ToString(), out var id)
            || UserClaimsPrincipal.Identity?.IsAuthenticated != true)
            return Content("");
        await using var conn = await db.OpenConnectionAsync();
        var rehearsal = await conn.ExecuteScalarAsync<bool>(
            """
            select exists (select 1 from evaluation e where e.id = @id and e.rehearsal_of is not null
                             and e.unit_id in (select unit_id from staff_reach(@me)))
            """, new { id, me = UserClaimsPrincipal.AccountId() });
        return rehearsal ? View("~/Features/Rehearsals/_RehearsalBand.cshtml", id) : Content("");
    }
}
