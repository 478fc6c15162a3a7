using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Raters;

public sealed record RaterScopeForm(Guid[]? TargetIds);

public sealed record RaterScopePage(EvaluationHeader Evaluation, CategoryRow Category, IReadOnlyList<Target> Targets, int SmallCell,
    IReadOnlyList<string> Errors);

/// <summary>
/// 评议范围: the organiser limits a respondent category to some targets while the evaluation is a draft (服务对象代表 rate
/// the 班子, not each member). Ticking every target is no limit.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/categories/{categoryId:guid}/targets")]
public sealed class RatersController(NpgsqlDataSource db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Edit(Guid id, Guid categoryId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // 404, not 403: don't reveal another unit's evaluation exists.
        if (await EvaluationScope.FindAsync(conn, id, User) is not { } evaluation) return NotFound();
        if (!evaluation.IsDraft) return this.Refuse(StatusCodes.Status409Conflict, EvaluationScope.FrozenMessage);
        return await PageAsync(conn, null, evaluation, categoryId, null, []);
    }

    [HttpPost("")]
    public Task<IActionResult> Save(Guid id, Guid categoryId, [FromForm] RaterScopeForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var targets = await EvaluationScope.TargetsAsync(conn, id, tx);
            var chosen = (form.TargetIds ?? []).Distinct().ToArray();
            var errors = new List<string>();
            if (chosen.Length == 0)
                errors.Add("请至少勾选一个评议对象；要评议全部对象，请全部勾选。");
            else if (chosen.Any(t => targets.All(known => known.Id != t)))
                errors.Add("勾选的评议对象已不在本次评议名单中（可能刚被删除），请刷新页面后重新勾选。");
            if (errors.Count > 0) return await PageAsync(conn, tx, evaluation, categoryId, chosen, errors);

            var scope = chosen.Length == targets.Count ? null : targets.Where(t => chosen.Contains(t.Id)).Select(t => t.Id).ToArray();
            var name = await conn.QuerySingleOrDefaultAsync<string>(
                "update respondent_category set target_ids = @scope where id = @categoryId and evaluation_id = @id returning name",
                new { scope, categoryId, id }, tx);
            if (name is null) return NotFound();
            var summary = RaterScopes.Summary(new CategoryRow(categoryId, name, 0, 0, scope), targets);
            await ActionLogWriter.AppendAsync(tx, User, "设置评议范围", $"《{evaluation.Name}》：{name}，{summary}", evaluationId: evaluation.Id);
            TempData["Notice"] = $"已保存“{name}”的评议范围（{summary}）。";
            return Redirect(EvaluationScope.Url(id) + "#categories");
        }, ct);

    private async Task<IActionResult> PageAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, EvaluationHeader evaluation, Guid categoryId,
        Guid[]? chosen, IReadOnlyList<string> errors)
    {
        var category = (await EvaluationScope.CategoriesAsync(conn, evaluation.Id, tx)).FirstOrDefault(c => c.Id == categoryId);
        if (category is null) return NotFound();
        var targets = await EvaluationScope.TargetsAsync(conn, evaluation.Id, tx);
        var settings = TallySettings.FromJson(await conn.QuerySingleAsync<string?>(
            "select tally_settings from evaluation where id = @Id", new { evaluation.Id }, tx));
        if (errors.Count > 0) Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Targets", new RaterScopePage(evaluation, chosen is null ? category : category with { TargetIds = chosen }, targets,
            settings.EffectiveSmallCell, errors));
    }
}
