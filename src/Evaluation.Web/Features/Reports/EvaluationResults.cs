using System.Security.Claims;
using Dapper;
using Evaluation.Core;
using Evaluation.Core.Forms;
using Evaluation.Core.Reports;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.OpenBox;
using Evaluation.Web.Features.Transfers;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Reports;

/// <summary>
/// What a tally is counted from: the key groups as its categories (a ballot proves its group, never a category inside it),
/// the settings with category weights summed per group, the opened ballots, and the ballots rejected at 开箱 by reason.
/// </summary>
public sealed record CountingInput(string FrozenForm, TallySettings Settings, IReadOnlyList<TallyCategory> Categories, IReadOnlyList<TallyBallot> Ballots,
    IReadOnlyDictionary<string, int>? Rejected = null)
{
    public Tally Count() => Tally.Count(FormJson.ReadFrozenForm(FrozenForm), Categories, Ballots, Settings, Rejected);
}

/// <summary>
/// What every result page, report and export is made from: the evaluation, its tally, the opinions' triage and the
/// action log's head when it was made (printed so that a later rewrite of the log can be caught: verifier --anchor).
/// <see cref="OpenBox"/> is what the open 征求意见箱 received, when the evaluation had one: its texts are in the triage
/// (<see cref="Digest"/>) beside the ballots' and marked as theirs, and nothing of it is in <see cref="Tally"/>.
/// </summary>
/// <param name="SentTo">The unit each 调出 member's result was sent to at 开箱, by target id (Features/Transfers).</param>
public sealed record ResultsReport(EvaluationHeader Evaluation, Tally Tally, OpinionDigest Digest, ActionLogHead? LogHead = null,
    IReadOnlyDictionary<Guid, string>? SentTo = null, OpenBoxTally? OpenBox = null)
{
    /// <summary>Whether there are opinions to list: the ballots' (unless too few to publish any), or the open box's.</summary>
    public bool HasOpinionsSection => !Tally.Suppressed || OpenBox is not null;

    public string CategoryName(Guid id) => Tally.Categories.FirstOrDefault(c => c.Id == id)?.Name ?? "（已删除的类别）";
    public string SettingsNote => Tally.Settings.Describe(CategoryName);

    public IEnumerable<Target> Transferred => Tally.Form.Targets.Where(t => t.TransferredOutOn is not null).OrderBy(t => t.Position);

    /// <summary>Where a 调出 member's result went, as every report says it; null for anyone else.</summary>
    public string? TransferredNote(Target target, Func<string, string> isolate) => target.TransferredOutOn is { } left
        ? WorkbookLayout.TransferredNote(left, SentTo?.GetValueOrDefault(target.Id), Evaluation.IsRehearsal, isolate)
        : null;
}

/// <summary>
/// Results exist only once voting has closed (DESIGN.md §2.6: during voting, staff see aggregate counts only), and only
/// for the unit's 组织者 and 督导组, and its 审计 for the published results themselves: anything else answers 404, exactly
/// as an evaluation that does not exist.
/// </summary>
public static class EvaluationResults
{
    public const string ReaderRoles = "organizer,supervisor";

    /// <summary>
    /// The results page, PDF and Excel: the 审计 holds the published report against the audit bundle (the verifier's
    /// --report), so reads what was published; triage, comparison and roll-up stay with <see cref="ReaderRoles"/>.
    /// </summary>
    public const string ReportReaderRoles = "organizer,supervisor,auditor";

    public static async Task<EvaluationHeader?> FindClosedAsync(NpgsqlConnection conn, Guid id, ClaimsPrincipal user) =>
        await EvaluationScope.FindAsync(conn, id, user) is { Status: EvaluationStatus.Closed } evaluation ? evaluation : null;

    public static async Task<ResultsReport> LoadAsync(NpgsqlConnection conn, EvaluationHeader evaluation, CancellationToken ct)
    {
        var tally = await CountAsync(conn, evaluation.Id, ct);
        var openBox = await OpenBoxes.CountAsync(conn, evaluation.Id, ct);
        var entries = await TriageEntriesAsync(conn, evaluation.Id, ct);
        return new ResultsReport(evaluation, tally, OpinionDigest.Build(Opinions(tally, openBox), entries), await ActionLogWriter.HeadAsync(conn, ct),
            await ResultTransfers.SentToAsync(conn, evaluation.Id, ct), openBox);
    }

    public static async Task<Tally> CountAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct) =>
        (await CountingInputAsync(conn, evaluationId, ct)).Count();

    /// <summary>Every opinion the triage works on, as counted now: the ballots' that the tally publishes, then the open box's.</summary>
    public static async Task<IReadOnlyList<Opinion>> OpinionsAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct) =>
        Opinions(await CountAsync(conn, evaluationId, ct), await OpenBoxes.CountAsync(conn, evaluationId, ct));

    private static IReadOnlyList<Opinion> Opinions(Tally tally, OpenBoxTally? openBox) =>
        openBox is null ? tally.Opinions : [.. tally.Opinions, .. openBox.Opinions];

    /// <summary>What a tally is counted from; the audit bundle hands the same to the auditor.</summary>
    public static async Task<CountingInput> CountingInputAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var (frozen, settings) = await conn.QuerySingleAsync<(string, string?)>(new CommandDefinition(
            "select frozen_form, tally_settings from evaluation where id = @evaluationId", new { evaluationId }, tx, cancellationToken: ct));
        // Once voting has opened, TurnoutAsync sums the member categories' counts per key group, the row's id being the group's.
        var categories = (await EvaluationScope.TurnoutAsync(conn, evaluationId, tx))
            .Select(t => new TallyCategory(t.CategoryId, t.Name, t.Expected, t.Issued, t.Voided, t.CheckedIn)).ToList();
        var ballots = (await conn.QueryAsync<TallyBallot>(new CommandDefinition(
            """
            select key_group_id as category_id, message, signature, answers, phone_key, answer_signature
            from ballot where evaluation_id = @evaluationId
            """, new { evaluationId }, tx, cancellationToken: ct))).ToList();
        var rejected = (await conn.QueryAsync<(string Reason, int Count)>(new CommandDefinition(
            "select reason, count from box_rejection where evaluation_id = @evaluationId", new { evaluationId }, tx, cancellationToken: ct)))
            .ToDictionary(r => r.Reason, r => r.Count);
        var groupOf = (await conn.QueryAsync<(Guid Id, Guid? KeyGroupId)>(new CommandDefinition(
            "select id, key_group_id from respondent_category where evaluation_id = @evaluationId", new { evaluationId }, tx, cancellationToken: ct)))
            .ToDictionary(c => c.Id, c => c.KeyGroupId ?? c.Id);
        return new CountingInput(frozen, PerKeyGroup(TallySettings.FromJson(settings), groupOf), categories, ballots, rejected);
    }

    /// <summary>
    /// Weights are set per category (keyed by its id) and counted per key group, the group weighing the sum of its
    /// categories' weights, as the audit bundle states them.
    /// </summary>
    private static TallySettings PerKeyGroup(TallySettings settings, IReadOnlyDictionary<Guid, Guid> groupOf)
    {
        if (settings.CategoryWeights.Count == 0) return settings;
        var weights = settings.CategoryWeights
            .GroupBy(w => groupOf.GetValueOrDefault(w.Key, w.Key))
            .Select(g => (Group: g.Key, Weight: g.Sum(w => w.Value)))
            .Where(w => w.Weight > 0)
            .ToDictionary(w => w.Group, w => w.Weight);
        return settings with { CategoryWeights = weights };
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
