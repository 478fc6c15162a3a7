using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

public sealed record QuestionForm(
    string? Kind, string? Text, string? Per, bool Required, string? Scale, bool AllowUnknown,
    string? Options, string? NoneOption, bool AllowOther, int? MaxSelections, int? MaxLength);

public sealed record QuestionnaireHeaderForm(string? Title, string? Instructions);

public sealed record QuestionnairePage(
    EvaluationHeader Evaluation, Questionnaire Questionnaire, bool CanEdit, IReadOnlyList<string> Errors,
    string? EditingQuestionId = null, QuestionForm? Rejected = null, string? RejectedJson = null)
{
    public string Json => RejectedJson ?? FormJson.Canonical(Questionnaire);
}

/// <summary>The organiser's questionnaire editor: one question at a time, a template, or the whole questionnaire as JSON.</summary>
[Authorize(Roles = Roles.UnitStaff)]
[Route("evaluations/{id:guid}/questionnaire")]
public sealed class QuestionnaireController(NpgsqlDataSource db) : Controller
{
    public static readonly IReadOnlyList<(string Value, QuestionKind Kind, string Label)> Kinds =
    [
        ("rating", QuestionKind.Rating, "评价等级"),
        ("symptoms", QuestionKind.Symptoms, "四风问题（多选表现）"),
        ("single", QuestionKind.SingleChoice, "单选题"),
        ("multiple", QuestionKind.MultipleChoice, "多选题"),
        ("text", QuestionKind.Text, "文字意见"),
    ];

    public static readonly IReadOnlyList<(string Value, TargetScope Scope, string Label)> Scopes =
    [
        ("once", TargetScope.Once, "整卷一次"),
        ("all", TargetScope.AllTargets, "每个评议对象"),
        ("team", TargetScope.Team, "仅领导班子"),
        ("members", TargetScope.Members, "仅班子成员"),
    ];

    [HttpGet("")]
    public async Task<IActionResult> Edit(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationScope.FindAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        return View("Questionnaire", new QuestionnairePage(evaluation, evaluation.ReadQuestionnaire(), CanEdit(evaluation), []));
    }

    [Authorize(Roles = Roles.Organizer), HttpPost("header")]
    public Task<IActionResult> UpdateHeader(Guid id, [FromForm] QuestionnaireHeaderForm form, CancellationToken ct) =>
        SaveAsync(id, "修改问卷标题和说明", "header", q => q with
        {
            Title = form.Title?.Trim() ?? "",
            Instructions = string.IsNullOrWhiteSpace(form.Instructions) ? null : form.Instructions.Trim(),
        }, ct);

    [Authorize(Roles = Roles.Organizer), HttpPost("questions")]
    public Task<IActionResult> AddQuestion(Guid id, [FromForm] QuestionForm form, CancellationToken ct)
    {
        var newId = "q" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        return SaveAsync(id, "添加题目", Anchor(newId), q => q with { Questions = [.. q.Questions, ToQuestion(newId, form)] }, ct, form);
    }

    [Authorize(Roles = Roles.Organizer), HttpPost("questions/{questionId}")]
    public Task<IActionResult> UpdateQuestion(Guid id, string questionId, [FromForm] QuestionForm form, CancellationToken ct) =>
        SaveAsync(id, "修改题目", Anchor(questionId), q => q.Questions.Any(x => x.Id == questionId)
            ? q with { Questions = q.Questions.Select(x => x.Id == questionId ? ToQuestion(questionId, form) : x).ToList() }
            : null, ct, form, questionId);

    [Authorize(Roles = Roles.Organizer), HttpPost("questions/{questionId}/delete")]
    public Task<IActionResult> DeleteQuestion(Guid id, string questionId, CancellationToken ct) =>
        SaveAsync(id, "删除题目", "questions", q => q.Questions.Any(x => x.Id == questionId)
            ? q with { Questions = q.Questions.Where(x => x.Id != questionId).ToList() }
            : null, ct);

    [Authorize(Roles = Roles.Organizer), HttpPost("questions/{questionId}/move")]
    public Task<IActionResult> MoveQuestion(Guid id, string questionId, [FromForm] string? direction, CancellationToken ct) =>
        SaveAsync(id, "调整题目顺序", Anchor(questionId), q =>
        {
            var list = q.Questions.ToList();
            var index = list.FindIndex(x => x.Id == questionId);
            if (index < 0) return null;
            var other = direction == "up" ? index - 1 : index + 1;
            if (other >= 0 && other < list.Count) (list[index], list[other]) = (list[other], list[index]);
            return q with { Questions = list };
        }, ct);

    [Authorize(Roles = Roles.Organizer), HttpPost("template")]
    public Task<IActionResult> ApplyTemplate(Guid id, [FromForm] string? template, CancellationToken ct)
    {
        var chosen = FormTemplates.Find(template);
        return chosen is null
            ? this.EditDraftAsync(db, id, (_, _, evaluation) => Task.FromResult<IActionResult>(Invalid(evaluation, ["请选择一个问卷模板。"])), ct)
            : SaveAsync(id, $"套用问卷模板：{chosen.Name}", "questions", _ => chosen.Questionnaire, ct);
    }

    /// <summary>Replaces the whole questionnaire with pasted JSON (import from another evaluation, or bulk editing).</summary>
    [Authorize(Roles = Roles.Organizer), HttpPost("json")]
    public Task<IActionResult> ReplaceJson(Guid id, [FromForm] string? json, CancellationToken ct)
    {
        if (!FormJson.TryReadQuestionnaire(json ?? "", out var replacement, out var error))
            return this.EditDraftAsync(db, id, (_, _, evaluation) => Task.FromResult<IActionResult>(Invalid(evaluation, [error!], rejectedJson: json)), ct);
        return SaveAsync(id, "以 JSON 替换问卷", "questions", _ => replacement, ct, rejectedJson: json);
    }

    /// <summary>Applies a change to the draft questionnaire, validates the whole result, and stores it only when valid.</summary>
    private Task<IActionResult> SaveAsync(Guid id, string action, string anchor, Func<Questionnaire, Questionnaire?> change, CancellationToken ct,
        QuestionForm? form = null, string? questionId = null, string? rejectedJson = null) =>
        this.EditDraftAsync(db, id, async (conn, tx, evaluation) =>
        {
            var changed = change(evaluation.ReadQuestionnaire());
            if (changed is null) return NotFound();
            var errors = QuestionnaireValidator.Validate(changed);
            if (errors.Count > 0) return Invalid(evaluation, errors, form, questionId, rejectedJson);

            var canonical = FormJson.Canonical(changed);
            await conn.ExecuteAsync("update evaluation set questionnaire = @canonical where id = @id", new { id, canonical }, tx);
            await ActionLogWriter.AppendAsync(tx, User, "修改问卷", $"《{evaluation.Name}》：{action}，问卷草稿哈希 {FormJson.Sha256Hex(canonical)}", evaluationId: evaluation.Id);
            var number = changed.Questions.ToList().FindIndex(q => Anchor(q.Id) == anchor);
            return Saved.Redirect(this, $"/evaluations/{id}/questionnaire", anchor,
                number < 0 ? $"已保存：{action}" : $"已保存：{action}（第 {number + 1} 题）");
        }, ct);

    private ViewResult Invalid(EvaluationHeader evaluation, IReadOnlyList<string> errors, QuestionForm? form = null,
        string? questionId = null, string? rejectedJson = null)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Questionnaire", new QuestionnairePage(evaluation, evaluation.ReadQuestionnaire(), CanEdit(evaluation), errors,
            questionId ?? (form is null ? null : "new"), form, rejectedJson));
    }

    /// <summary>A question's element on the questionnaire page.</summary>
    public static string Anchor(string questionId) => $"q-{questionId}";

    private bool CanEdit(EvaluationHeader evaluation) => evaluation.IsDraft && User.IsInRole(Roles.Organizer);

    /// <summary>Only the fields that belong to the chosen kind are taken, so a hidden field left filled in does not make the question invalid.</summary>
    private static Question ToQuestion(string id, QuestionForm form)
    {
        var kind = Kinds.FirstOrDefault(k => k.Value == form.Kind);
        var scope = Scopes.FirstOrDefault(s => s.Value == form.Per);
        var options = (form.Options ?? "").Split('\n').Select(o => o.Trim()).Where(o => o.Length > 0).ToList();
        var isChoice = kind.Kind is QuestionKind.Symptoms or QuestionKind.SingleChoice or QuestionKind.MultipleChoice;
        return new Question
        {
            Id = id,
            Kind = kind.Value is null ? (QuestionKind)(-1) : kind.Kind,
            Text = form.Text?.Trim() ?? "",
            Per = scope.Value is null ? (TargetScope)(-1) : scope.Scope,
            Required = form.Required,
            Scale = kind.Kind == QuestionKind.Rating && kind.Value is not null ? form.Scale : null,
            AllowUnknown = kind.Kind == QuestionKind.Rating && form.AllowUnknown,
            Options = isChoice ? options : [],
            NoneOption = kind.Kind == QuestionKind.Symptoms && !string.IsNullOrWhiteSpace(form.NoneOption) ? form.NoneOption.Trim() : null,
            AllowOther = isChoice && form.AllowOther,
            MaxSelections = kind.Kind is QuestionKind.MultipleChoice or QuestionKind.Symptoms ? form.MaxSelections : null,
            MaxLength = kind.Kind == QuestionKind.Text || (isChoice && form.AllowOther) ? form.MaxLength : null,
        };
    }
}
