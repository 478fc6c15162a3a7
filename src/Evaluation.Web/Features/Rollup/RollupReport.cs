using System.Globalization;
using System.Security.Claims;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Rollup;

public sealed record RollupEvaluation(Guid Id, string UnitName, string Name, string Round, DateTime? ClosedAt, Guid? CampaignId, string? CampaignName);

/// <param name="Low">收回 is below <see cref="ReportsOptions.LowTurnoutPercent"/> of 应到: the row and its rates carry the flag.</param>
public sealed record RollupRow(RollupEvaluation Evaluation, Turnout Turnout, bool Suppressed, TargetTally? Team, bool Low, int SmallCell)
{
    /// <summary>收回 / 应到; null without an 应到.</summary>
    public decimal? TurnoutRate => Turnout.Expected > 0 ? (decimal)Turnout.Received / Turnout.Expected : null;

    /// <summary>The 班子's headline item when it may be shown; null when the evaluation or the item is a small cell, or rates no 班子.</summary>
    public ItemTally? Headline => Suppressed || Team?.Headline is not { Suppressed: false } item ? null : item;

    /// <summary>Why <see cref="Headline"/> is empty, in the words every output uses.</summary>
    public string HeadlineMissing => Team is null && !Suppressed ? "本次评议没有评议领导班子" : ReportFormat.SuppressedNote(SmallCell);

    /// <summary>
    /// A closed evaluation's turnout and 班子 headline, counted from its ballots: the roll-up's rows and the campaign board's
    /// opened cells (Features/Campaigns) both come from here, so the two never disagree on a figure or on what is hidden.
    /// </summary>
    public static async Task<RollupRow> CountAsync(NpgsqlConnection conn, RollupEvaluation evaluation, ReportsOptions options, CancellationToken ct)
    {
        var tally = await EvaluationResults.CountAsync(conn, evaluation.Id, ct);
        return new RollupRow(evaluation, tally.Turnout, tally.Suppressed, tally.Targets.FirstOrDefault(t => t.Target.Kind == TargetKind.Team),
            options.IsLow(tally.Turnout.Received, tally.Turnout.Expected), tally.Settings.EffectiveSmallCell);
    }
}

public sealed record CampaignChoice(string Value, string Name, int Evaluations);

/// <summary>
/// What the roll-up shows: the chosen campaign's closed evaluations (or those in no campaign), or a chosen set of them, in
/// the caller's units only, with the low-turnout line. The page, the Excel and the PDF are made from the same one.
/// </summary>
public sealed record RollupReport(
    IReadOnlyList<CampaignChoice> Campaigns, IReadOnlyList<RollupEvaluation> Closed, string? Campaign, IReadOnlySet<Guid> Chosen,
    string Title, IReadOnlyList<RollupRow> Rows, bool Cut, ReportsOptions Options)
{
    public const string Unassigned = "none";
    public const string UnassignedName = "未归入活动";

    /// <summary>Each tally reads all of an evaluation's ballots; a roll-up wider than this is a job for the evaluations' own exports.</summary>
    public const int MaxEvaluations = 200;

    public bool ByChoice => Chosen.Count > 0;

    /// <summary>The query that reproduces this view; the exports take the same.</summary>
    public string Query => ByChoice
        ? string.Join("&", Chosen.Order().Select(id => $"evaluation={id}"))
        : Campaign is null ? "" : $"campaign={Uri.EscapeDataString(Campaign)}";

    public int Received => Rows.Sum(r => r.Turnout.Received);
    public int Expected => Rows.Sum(r => r.Turnout.Expected);
    public decimal? TurnoutRate => Expected > 0 ? (decimal)Received / Expected : null;

    public string Explanation =>
        $"收回率 = 收回 ÷ 应到。{Options.Statement}的评议标“收回率低”，其评价率只代表参与者，不宜与其他单位直接比较。" +
        "作答不足最小公布单元的评议或题目不公布评价率。演练不计入汇总。";

    public string LogDetail(string format) =>
        $"{Title}{format}，评议 {Rows.Count} 个，{Options.Statement} {Rows.Count(r => r.Low)} 个：" + string.Join("、", Rows.Select(r => r.Evaluation.Id));

    public static string Date(DateTime? at) => at is { } a ? ChinaTime.Format(a)[..10] : ReportFormat.Missing;

    public static string Percent(decimal? share) => ReportFormat.Percent(share);

    /// <summary>The selection read from the query: a problem answers 400 with <see cref="Problem"/>, one not the caller's 404.</summary>
    public sealed record Outcome(RollupReport? Report, int Status = 200, string? Problem = null);

    public static async Task<Outcome> LoadAsync(NpgsqlConnection conn, ClaimsPrincipal user, string? campaign, string[]? evaluation,
        ReportsOptions options, CancellationToken ct)
    {
        var closed = (await conn.QueryAsync<RollupEvaluation>(new CommandDefinition(
            """
            select e.id, u.name as unit_name, e.name, e.round, e.closed_at, e.campaign_id, c.name as campaign_name
            from evaluation e join unit u on u.id = e.unit_id left join campaign c on c.id = e.campaign_id
            where e.status = 'closed' and e.rehearsal_of is null and e.unit_id in (select unit_id from staff_reach(@me))
            order by u.name, e.closed_at, e.name
            """, new { me = user.AccountId() }, cancellationToken: ct))).ToList();
        // Latest closed first: the campaign under way is the one a 督导组 opens the page for.
        var campaigns = closed.GroupBy(e => e.CampaignId)
            .OrderBy(g => g.Key is null).ThenByDescending(g => g.Max(e => e.ClosedAt))
            .Select(g => new CampaignChoice(g.Key?.ToString() ?? Unassigned, g.First().CampaignName ?? UnassignedName, g.Count()))
            .ToList();

        var chosen = new HashSet<Guid>();
        var asked = (evaluation ?? []).Where(v => !string.IsNullOrEmpty(v)).ToList();
        if (asked.Count > 0 && !string.IsNullOrEmpty(campaign))
            return new Outcome(null, 400, "请只选一种汇总方式：按活动，或选定评议。");
        foreach (var value in asked)
        {
            if (!Guid.TryParse(value, out var id)) return new Outcome(null, 400, "评议编号格式不对。请在汇总页面勾选评议后再查看。");
            // 404, not 403: don't reveal another unit's evaluation exists (nor that a draft of one's own has no results yet).
            if (closed.All(e => e.Id != id)) return new Outcome(null, 404);
            chosen.Add(id);
        }
        if (chosen.Count > MaxEvaluations) return new Outcome(null, 400, $"一次最多汇总 {MaxEvaluations} 个评议，请少选一些。");

        List<RollupEvaluation> selected;
        string title;
        if (chosen.Count > 0)
        {
            selected = closed.Where(e => chosen.Contains(e.Id)).ToList();
            title = $"选定的 {selected.Count} 个评议";
            campaign = null;
        }
        else
        {
            if (string.IsNullOrEmpty(campaign)) campaign = campaigns.FirstOrDefault()?.Value;
            else if (campaigns.All(c => c.Value != campaign))
                return Guid.TryParse(campaign, out _) || campaign == Unassigned
                    ? new Outcome(null, 404)
                    : new Outcome(null, 400, "活动参数不对。请在汇总页面的活动列表中选择。");
            selected = campaign is null ? [] : closed.Where(e => (e.CampaignId?.ToString() ?? Unassigned) == campaign).ToList();
            title = campaign is null ? "" : campaign == Unassigned ? UnassignedName : $"活动“{campaigns.First(c => c.Value == campaign).Name}”";
        }

        var rows = new List<RollupRow>();
        foreach (var e in selected.Take(MaxEvaluations))
            rows.Add(await RollupRow.CountAsync(conn, e, options, ct));
        return new Outcome(new RollupReport(campaigns, closed, campaign, chosen, title, rows, selected.Count > MaxEvaluations, options));
    }

    public static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
