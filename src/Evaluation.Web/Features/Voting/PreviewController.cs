using System.Text.Json;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Raters;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>What the preview page reads instead of a slip: the evaluation and the form as check-in would give them, and no keys.</summary>
public sealed record PreviewDescription(SlipEvaluation Evaluation, SlipCategory Category, JsonElement Form);

/// <summary>
/// 预览: the phone page itself (same page, script and styles), stepping through the form a draft would freeze, with no
/// slip. The page then checks in and submits nothing (vote.js, PREVIEW), so nothing is stored and nothing is logged.
/// Anyone who may see the evaluation may preview it, the 督导组 too; another unit's is 404.
/// </summary>
[Authorize(Roles = Roles.UnitStaff)]
[Route("evaluations/{id:guid}/preview")]
public sealed class PreviewController(NpgsqlDataSource db) : Controller
{
    /// <summary>A category for the page's introduction when the draft has none yet.</summary>
    public const string NoCategory = "（尚未设置类别）";

    [HttpGet(""), HttpHead("")]
    public async Task Page(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationScope.FindAsync(conn, id, User) is null) Response.StatusCode = StatusCodes.Status404NotFound;
        else await VotingEndpoints.PhonePage(HttpContext);
    }

    /// <param name="category">The category whose phones to preview (one limited by 评议范围 sees only its targets); the first when absent.</param>
    [HttpGet("form")]
    public async Task<IResult> Form(Guid id, [FromQuery] Guid? category, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return Results.NotFound();
        var frozen = await conn.QuerySingleAsync<string?>("select frozen_form from evaluation where id = @id", new { id });
        var targets = await EvaluationScope.TargetsAsync(conn, id);
        var categories = RaterScopes.Effective(await EvaluationScope.CategoriesAsync(conn, id), targets);
        var shown = category is { } wanted ? categories.FirstOrDefault(c => c.Id == wanted) : categories.FirstOrDefault();
        if (category is not null && shown is null) return Results.NotFound();
        // Once voting has opened, the form the category's phones get is the frozen one for its key group; before, the one
        // opening would freeze, cut to the category's scope as its phones would see it.
        string form;
        if (frozen is not null)
        {
            var keyGroup = shown is null ? null
                : await conn.QuerySingleAsync<Guid?>("select key_group_id from respondent_category where id = @Id", new { shown.Id });
            form = keyGroup is { } g ? FormJson.PhoneForm(frozen, g) : frozen;
        }
        else
        {
            var scoped = shown?.TargetIds is { } scope ? targets.Where(t => scope.Contains(t.Id)).ToList() : targets;
            form = FormJson.FrozenForm(evaluation.ReadQuestionnaire(), scoped);
        }
        Response.Headers.CacheControl = "no-store";
        return Results.Json(new PreviewDescription(
            new SlipEvaluation(evaluation.Id, evaluation.Name, evaluation.UnitName, evaluation.Round, evaluation.IsRehearsal),
            shown is { } c ? new SlipCategory(c.Id, c.Name) : new SlipCategory(Guid.Empty, NoCategory),
            JsonDocument.Parse(form).RootElement));
    }
}
