using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Forms;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

/// <summary><see cref="Template"/>: empty or <see cref="CopyController.KeepQuestionnaire"/> keeps the source's questionnaire, else a template id.</summary>
public sealed record CopyForm(Guid? From, string? Name, string? Round, string? Template);

public sealed record CopyPage(EvaluationHeader Source, Questionnaire Questionnaire, int Targets, IReadOnlyList<CategoryRow> Categories,
    CopyForm Form, IReadOnlyList<string> Errors);

/// <summary>A new round from the last (issue 14 item 2): the source's setup in a new draft, the source left as it was.</summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/copy")]
public sealed class CopyController(NpgsqlDataSource db) : Controller
{
    public const string KeepQuestionnaire = "keep";

    [HttpGet("")]
    public async Task<IActionResult> Show([FromQuery] Guid? from, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // 404, not 403: don't reveal another unit's evaluation exists.
        if (from is not { } id || await EvaluationScope.FindAsync(conn, id, User) is not { } source) return NotFound();
        return View("Copy", await PageAsync(conn, source, new CopyForm(id, SuggestedName(source.Name), SuggestedRound(source.Round), KeepQuestionnaire), []));
    }

    [HttpPost("")]
    public async Task<IActionResult> Copy([FromForm] CopyForm form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (form.From is not { } sourceId)
            return this.Refuse(StatusCodes.Status400BadRequest, "没有指定要复制的评议。请从要复制的评议页面点“复制为新一轮”。");
        if (await EvaluationScope.FindAsync(conn, sourceId, User, tx) is not { } source) return NotFound();

        var errors = EvaluationsController.DetailsProblems(form.Name, form.Round);
        var keep = string.IsNullOrEmpty(form.Template) || form.Template == KeepQuestionnaire;
        var template = keep ? null : FormTemplates.Find(form.Template);
        if (!keep && template is null)
            errors.Add("请选择问卷：沿用原评议的问卷，或选一个问卷模板。");
        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("Copy", await PageAsync(conn, source, form, errors, tx));
        }

        var (name, round) = (form.Name!.Trim(), form.Round!.Trim());
        var copy = await CopyEvaluation.CopyAsync(conn, tx, source.Id, name, round, template?.Questionnaire);
        await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.CreateAction,
            CopyEvaluation.LogDetail(source.UnitName, name, round, source, template?.Name ?? "沿用原评议的问卷", copy), evaluationId: copy.Id);
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"已从《{source.Name}》复制：评议对象 {copy.Targets} 个，评议人员类别 {copy.Categories} 个（含应到人数），问卷和计票规则。" +
                             "票签、选票和意见梳理不复制。请核对后开始投票。";
        return Redirect(EvaluationScope.Url(copy.Id));
    }

    private static async Task<CopyPage> PageAsync(NpgsqlConnection conn, EvaluationHeader source, CopyForm form, IReadOnlyList<string> errors,
        NpgsqlTransaction? tx = null) =>
        new(source, source.ReadQuestionnaire(), (await EvaluationScope.TargetsAsync(conn, source.Id, tx)).Count,
            await EvaluationScope.CategoriesAsync(conn, source.Id, tx), form, errors);

    /// <summary>"…（复制）", within the 100 characters a name may have; a 演练's mark is not carried into a real round.</summary>
    private static string SuggestedName(string source)
    {
        const string suffix = "（复制）";
        var name = source.StartsWith(Rehearsals.RehearsalNames.Mark, StringComparison.Ordinal) ? source[Rehearsals.RehearsalNames.Mark.Length..] : source;
        return CopyEvaluation.Fit(name, 100 - suffix.Length) + suffix;
    }

    /// <summary>The round after the source's (总结大会后 after 动员大会后), else the same.</summary>
    private static string SuggestedRound(string source)
    {
        var at = EvaluationsController.RoundPresets.ToList().IndexOf(source);
        return at >= 0 && at + 1 < EvaluationsController.RoundPresets.Count ? EvaluationsController.RoundPresets[at + 1] : source;
    }
}
