using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Setup;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

public sealed record TargetForm(string? Kind, string? Name, string? Title, DateOnly? TransferredOutOn);

/// <summary>The people evaluated: the 领导班子 as a whole and each member, including those transferred out within the year.</summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/targets")]
public sealed class TargetsController(NpgsqlDataSource db) : Controller
{
    [HttpPost("")]
    public Task<IActionResult> Add(Guid id, [FromForm] TargetForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var targetId = Guid.NewGuid();
            var errors = await ProblemsAsync(conn, tx, id, null, form);
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);
            await conn.ExecuteAsync(
                """
                insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
                values (@TargetId, @id, @Kind, @Name, @Title, @TransferredOutOn,
                        (select coalesce(max(position), 0) + 1 from target where evaluation_id = @id))
                """, Row(targetId, id, form), tx);
            await ActionLogWriter.AppendAsync(tx, User, "添加评议对象", $"《{evaluation.Name}》：{Describe(form)}", evaluationId: evaluation.Id);
            return Saved.Redirect(this, EvaluationScope.Url(id), Anchor(targetId), $"已保存：添加了{Describe(form)}");
        }, ct);

    [HttpPost("{targetId:guid}")]
    public Task<IActionResult> Update(Guid id, Guid targetId, [FromForm] TargetForm form, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var errors = await ProblemsAsync(conn, tx, id, targetId, form);
            if (errors.Count > 0) return await this.ShowWithErrorsAsync(conn, tx, id, errors);
            var updated = await conn.ExecuteAsync(
                """
                update target set kind = @Kind, name = @Name, title = @Title, transferred_out_on = @TransferredOutOn
                where id = @TargetId and evaluation_id = @id
                """, Row(targetId, id, form), tx);
            if (updated == 0) return NotFound();
            await ActionLogWriter.AppendAsync(tx, User, "修改评议对象", $"《{evaluation.Name}》：{Describe(form)}", evaluationId: evaluation.Id);
            return Saved.Redirect(this, EvaluationScope.Url(id), Anchor(targetId), $"已保存：{Describe(form)}");
        }, ct);

    [HttpPost("{targetId:guid}/delete")]
    public Task<IActionResult> Delete(Guid id, Guid targetId, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var name = await conn.QuerySingleOrDefaultAsync<string>(
                "delete from target where id = @targetId and evaluation_id = @id returning name", new { id, targetId }, tx);
            if (name is null) return NotFound();
            await ActionLogWriter.AppendAsync(tx, User, "删除评议对象", $"《{evaluation.Name}》：{name}", evaluationId: evaluation.Id);
            return Saved.Redirect(this, EvaluationScope.Url(id), "targets", $"已删除：{name}");
        }, ct);

    [HttpPost("{targetId:guid}/move")]
    public Task<IActionResult> Move(Guid id, Guid targetId, [FromForm] string? direction, CancellationToken ct) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var targets = (await EvaluationScope.TargetsAsync(conn, id, tx)).ToList();
            var index = targets.FindIndex(t => t.Id == targetId);
            if (index < 0) return NotFound();
            var other = direction == "up" ? index - 1 : index + 1;
            if (other >= 0 && other < targets.Count)
            {
                (targets[index], targets[other]) = (targets[other], targets[index]);
                await conn.ExecuteAsync("update target set position = @Position where id = @Id",
                    targets.Select((t, i) => new { t.Id, Position = i + 1 }), tx);
                await ActionLogWriter.AppendAsync(tx, User, "调整评议对象顺序", $"《{evaluation.Name}》：{string.Join("、", targets.Select(t => t.Name))}", evaluationId: evaluation.Id);
            }
            var position = targets.FindIndex(t => t.Id == targetId);
            return Saved.Redirect(this, EvaluationScope.Url(id), Anchor(targetId), $"已保存：{targets[position].Name} 排在第 {position + 1} 位");
        }, ct);

    /// <summary>A target's element on the evaluation page (Show.cshtml).</summary>
    public static string Anchor(Guid targetId) => $"target-{targetId:N}";

    private static object Row(Guid targetId, Guid id, TargetForm form) => new
    {
        TargetId = targetId, id, form.Kind, Name = form.Name!.Trim(),
        Title = string.IsNullOrWhiteSpace(form.Title) ? null : form.Title.Trim(),
        TransferredOutOn = form.Kind == "member" ? form.TransferredOutOn : null,
    };

    private static string Describe(TargetForm form) =>
        $"{(form.Kind == "team" ? "领导班子" : "班子成员")} {TargetLabel.Of(form.Name!.Trim(), form.Title)}" +
        (form.Kind == "member" && form.TransferredOutOn is { } d ? $"，{d:yyyy年M月d日}调出" : "");

    /// <summary>The shared rules (<see cref="SetupRules"/>), against the evaluation's other targets as they stand in this transaction.</summary>
    private static async Task<List<string>> ProblemsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid? targetId, TargetForm form)
    {
        var others = (await EvaluationScope.TargetsAsync(conn, id, tx)).Where(t => t.Id != targetId);
        return SetupRules.TargetProblems(Entry(form), others, ChinaTime.Today);
    }

    private static TargetEntry Entry(TargetForm form) => new(
        form.Kind switch { "team" => TargetKind.Team, "member" => TargetKind.Member, _ => null },
        form.Name, form.Title, form.Kind == "member" ? form.TransferredOutOn : null);
}
