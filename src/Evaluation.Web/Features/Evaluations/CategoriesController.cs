using Dapper;
using Evaluation.Core.Setup;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

public sealed record CategoryForm(string? Name, int? ExpectedCount);

/// <summary>Respondent categories (机关工作人员, 离退休老党员 …) and their expected headcounts (应到).</summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/categories")]
public sealed class CategoriesController(NpgsqlDataSource db) : Controller
{
    [HttpPost("")]
    public Task<IActionResult> Add(Guid id, [FromForm] CategoryForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var categoryId = Guid.NewGuid();
            var errors = await ProblemsAsync(conn, tx, id, null, form);
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);
            await conn.ExecuteAsync(
                """
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (@categoryId, @id, @Name, @ExpectedCount,
                        (select coalesce(max(position), 0) + 1 from respondent_category where evaluation_id = @id))
                """, new { categoryId, id, Name = form.Name!.Trim(), form.ExpectedCount }, tx);
            await ActionLogWriter.AppendAsync(tx, User, "添加评议人员类别", $"《{evaluation.Name}》：{form.Name!.Trim()}，应到 {form.ExpectedCount} 人", evaluationId: evaluation.Id);
            return Saved.Redirect(this, EvaluationScope.Url(id), Anchor(categoryId), $"已保存：添加了类别“{form.Name!.Trim()}”，应到 {form.ExpectedCount} 人");
        }, ct);

    [HttpPost("{categoryId:guid}")]
    public Task<IActionResult> Update(Guid id, Guid categoryId, [FromForm] CategoryForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var errors = await ProblemsAsync(conn, tx, id, categoryId, form);
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);
            var updated = await conn.ExecuteAsync(
                "update respondent_category set name = @Name, expected_count = @ExpectedCount where id = @categoryId and evaluation_id = @id",
                new { categoryId, id, Name = form.Name!.Trim(), form.ExpectedCount }, tx);
            if (updated == 0) return NotFound();
            await ActionLogWriter.AppendAsync(tx, User, "修改评议人员类别", $"《{evaluation.Name}》：{form.Name!.Trim()}，应到 {form.ExpectedCount} 人", evaluationId: evaluation.Id);
            return Saved.Redirect(this, EvaluationScope.Url(id), Anchor(categoryId), $"已保存：类别“{form.Name!.Trim()}”，应到 {form.ExpectedCount} 人");
        }, ct);

    [HttpPost("{categoryId:guid}/delete")]
    public Task<IActionResult> Delete(Guid id, Guid categoryId, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var name = await conn.QuerySingleOrDefaultAsync<string>(
                "delete from respondent_category where id = @categoryId and evaluation_id = @id returning name", new { categoryId, id }, tx);
            if (name is null) return NotFound();
            await ActionLogWriter.AppendAsync(tx, User, "删除评议人员类别", $"《{evaluation.Name}》：{name}", evaluationId: evaluation.Id);
            return Saved.Redirect(this, EvaluationScope.Url(id), "categories", $"已删除：类别“{name}”");
        }, ct);

    /// <summary>A category's row on the evaluation page (Show.cshtml).</summary>
    public static string Anchor(Guid categoryId) => $"category-{categoryId:N}";

    private static async Task<List<string>> ProblemsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid? categoryId, CategoryForm form)
    {
        var others = (await EvaluationScope.CategoriesAsync(conn, id, tx)).Where(c => c.Id != categoryId).Select(c => c.Name);
        return SetupRules.CategoryProblems(form.Name, form.ExpectedCount, others);
    }
}
