using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Npgsql;

namespace Evaluation.Web.Features.OpenBox;

/// <summary>An evaluation's open box as staff see it: its link, whether the organiser has it 开放, and how many came in.</summary>
public sealed record OpenBoxState(Guid EvaluationId, string PublicId, bool Accepting, int Submissions)
{
    public string Path => $"/o/{PublicId}";
}

/// <summary>A box found by its public link, with what the phone page and the submission need of its evaluation.</summary>
public sealed record PublicBox(Guid EvaluationId, string PublicId, bool Accepting, string Status, string Name, string UnitName,
    string Questionnaire, string? FrozenForm, bool Rehearsal)
{
    /// <summary>
    /// The questions the box asks: of the frozen form once voting has opened, so every answer fits the form that was fixed
    /// then; before that there is nothing to answer yet.
    /// </summary>
    public Questionnaire? Form => FrozenForm is null ? null : OpenBoxForm.Of(Core.Forms.FormJson.ReadFrozenForm(FrozenForm).Questionnaire);

    /// <summary>Answers are taken only while the organiser has the box 开放 and voting is open.</summary>
    public bool TakesAnswers => Accepting && Status == EvaluationStatus.Open;
}

/// <summary>
/// The open 征求意见箱's tables (migration 0015), owned here: other features call these, never its SQL. The box is an
/// evaluation's second, slip-free way in; its answers carry no identity and are no ballots.
/// </summary>
public static class OpenBoxes
{
    public static Task<OpenBoxState?> StateAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null, CancellationToken ct = default) =>
        conn.QuerySingleOrDefaultAsync<OpenBoxState?>(new CommandDefinition(
            """
            select b.evaluation_id, b.public_id, b.accepting,
                   (select count(*)::int from open_box_answer a where a.evaluation_id = b.evaluation_id) as submissions
            from open_box b where b.evaluation_id = @evaluationId
            """, new { evaluationId }, tx, cancellationToken: ct));

    public static Task<PublicBox?> FindPublicAsync(NpgsqlConnection conn, string publicId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<PublicBox?>(new CommandDefinition(
            """
            select b.evaluation_id, b.public_id, b.accepting, e.status, e.name, u.name as unit_name, e.questionnaire, e.frozen_form,
                   e.rehearsal_of is not null as rehearsal
            from open_box b join evaluation e on e.id = b.evaluation_id join unit u on u.id = e.unit_id
            where b.public_id = @publicId
            """, new { publicId }, cancellationToken: ct));

    /// <summary>
    /// What 开始投票 must refuse for an evaluation with a box: a questionnaire left with nothing the box may ask (the
    /// organiser may have edited it since publishing). Null when the evaluation has no box.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> OpeningProblemsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId,
        Questionnaire questionnaire)
    {
        if (await StateAsync(conn, evaluationId, tx) is null) return null;
        return OpenBoxForm.Of(questionnaire).Questions.Count > 0 ? [] : [NothingToAsk];
    }

    public const string NothingToAsk =
        "问卷中没有公开征求意见箱可以提问的题目。征求意见箱只提问“整体”题中的文字题、单选题、多选题和“四风”问题清单，" +
        "不提问评分题和针对具体评议对象的题目。请先在问卷中添加这样的题目。";

    /// <summary>
    /// Writes the box's answers again in random order, in the caller's transaction, so that heap order no longer follows the
    /// batches they arrived in (each batch is shuffled within itself); vacuum after the commit (<see cref="VacuumAsync"/>).
    /// Called when the organiser pauses the box and when voting ends (结束投票).
    /// </summary>
    public static Task ShuffleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId) =>
        conn.ExecuteAsync(
            """
            with gone as (delete from open_box_answer where evaluation_id = @evaluationId returning *)
            insert into open_box_answer select * from gone order by random()
            """, new { evaluationId }, tx);

    /// <summary>After the commit of <see cref="ShuffleAsync"/>: frees the old row versions, which kept the arrival order.</summary>
    public static Task VacuumAsync(NpgsqlConnection conn) => conn.ExecuteAsync("vacuum open_box_answer");

    /// <summary>What the box received, for the results, the triage and the exports; null when the evaluation never had one.</summary>
    public static async Task<OpenBoxTally?> CountAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct)
    {
        var frozen = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "select e.frozen_form from open_box b join evaluation e on e.id = b.evaluation_id where b.evaluation_id = @evaluationId",
            new { evaluationId }, cancellationToken: ct));
        if (frozen is null) return null;
        var rows = (await conn.QueryAsync<(Guid Id, string Answers)>(new CommandDefinition(
            "select id, answers from open_box_answer where evaluation_id = @evaluationId", new { evaluationId }, cancellationToken: ct))).ToList();
        return OpenBoxTally.Count(OpenBoxForm.Of(Core.Forms.FormJson.ReadFrozenForm(frozen).Questionnaire), rows);
    }
}
