using System.Security.Claims;
using Dapper;
using Evaluation.Core;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Reports;

public sealed record CountingInput(string FrozenForm, TallySettings Settings, IReadOnlyList<TallyCategory> Categories, IReadOnlyList<TallyBallot> Ballots)
{
    public Tally Count() => Tally.Count(FormJson.ReadFrozenForm(FrozenForm), Categories, Ballots, Settings);
}

/// <summary>
/// What every result page, report and export is made from: the evaluation, its tally, the opinions' triage and the
/// action log's head when it was made (printed so that a later rewrite of the log can be caught: verifier --anchor).
/// </summary>
public sealed record ResultsReport(EvaluationHeader Evaluation, Tally Tally, OpinionDigest Digest, ActionLogHead? LogHead = null)
{
    public string CategoryName(Guid id) => Tally.Categories.FirstOrDefault(c => c.Id == id)?.Name ?? "（已删除的类别）";
    public string SettingsNote => Tally.Settings.Describe(CategoryName);
}

/// <summary>
/// Results exist only once voting has closed (DESIGN.md §2.6: during voting, staff see aggregate counts only), and only
/// for the unit's 组织者 and 督导组: anything else answers 404, exactly as an evaluation that does not exist.
/// </summary>
public static class EvaluationResults
{
    public const string ReaderRoles = "organizer,supervisor";

    public static async Task<EvaluationHeader?> FindClosedAsync(NpgsqlConnection conn, Guid id, ClaimsPrincipal user) =>
        await EvaluationScope.FindAsync(conn, id, user) is { Status: EvaluationStatus.Closed } evaluation ? evaluation : null;

    public static async Task<ResultsReport> LoadAsync(NpgsqlConnection conn, EvaluationHeader evaluation, CancellationToken ct)
    {
        var tally = await CountAsync(conn, evaluation.Id, ct);
        var entries = await TriageEntriesAsync(conn, evaluation.Id, ct);
        return new ResultsReport(evaluation, tally, OpinionDigest.Build(tally.Opinions, entries), await ActionLogWriter.HeadAsync(conn, ct));
    }

    public static async Task<Tally> CountAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct) =>
        (await CountingInputAsync(conn, evaluationId, ct)).Count();

    /// <summary>What a tally is counted from; the audit bundle hands the same to the auditor.</summary>
    public static async Task<CountingInput> CountingInputAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var (frozen, settings) = await conn.QuerySingleAsync<(string, string?)>(new CommandDefinition(
            "select frozen_form, tally_settings from evaluation where id = @evaluationId", new { evaluationId }, tx, cancellationToken: ct));
        var categories = (await EvaluationScope.TurnoutAsync(conn, evaluationId, tx))
            .Select(t => new TallyCategory(t.CategoryId, t.Name, t.Expected, t.Issued, t.Voided, t.CheckedIn)).ToList();
        var ballots = (await conn.QueryAsync<TallyBallot>(new CommandDefinition(
            "select category_id, message, signature, answers from ballot where evaluation_id = @evaluationId",
            new { evaluationId }, tx, cancellationToken: ct))).ToList();
        return new CountingInput(frozen, TallySettings.FromJson(settings), categories, ballots);
    }

    /// <summary>The stored triage; migration 0004's tables. Empty until the 督导组 has consolidated anything.</summary>
    public static async Task<IReadOnlyList<TriageEntry>> TriageEntriesAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct) =>
        (await conn.QueryAsync<(Guid Id, string Text, string[] Tags, string[] Keys)>(new CommandDefinition(
            """
            select e.id, e.text, e.tags, array(select m.opinion_key from opinion_merge m where m.entry_id = e.id order by m.opinion_key) as keys
            from opinion_entry e where e.evaluation_id = @evaluationId order by e.created_at, e.id
            """, new { evaluationId }, cancellationToken: ct)))
        .Select(r => new TriageEntry(r.Id, r.Text, r.Tags, r.Keys)).ToList();
}
