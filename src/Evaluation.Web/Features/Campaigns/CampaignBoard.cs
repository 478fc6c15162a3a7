using System.Security.Claims;
using Dapper;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Features.Rollup;
using Evaluation.Web.Features.Units;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Campaigns;

/// <summary>A campaign with the unit that runs it (its 牵头单位).</summary>
public sealed record RunCampaign(Guid Id, string Name, Guid UnitId, string UnitName);

/// <summary>
/// One of the campaign's evaluations in a board cell. 收回 / 应到 is what the progress page's 合计 line shows (an aggregate,
/// never a small cell) until the box is opened, then the tally's, as in the roll-up; <see cref="Results"/> is the roll-up's
/// row once opened, carrying the 班子's rates or why they are not published.
/// </summary>
/// <param name="Low">Voting has ended with 收回 below the line (<see cref="ReportsOptions.IsLow"/>); while it runs 收回 still grows.</param>
public sealed record BoardEntry(Guid Id, string Name, string Status, int Expected, int Received, bool Low, RollupRow? Results)
{
    /// <summary>
    /// 已开箱 rather than the evaluation pages' 已结束: beside 待开箱 (voting ended, box still sealed) it says what an office chasing
    /// its units needs to know, that the results are out.
    /// </summary>
    public static string StateNameOf(string status) => status == EvaluationStatus.Closed ? "已开箱" : EvaluationStatus.NameOf(status);

    public string StateName => StateNameOf(Status);

    /// <summary>A draft has no slips yet: only its 应到 means something.</summary>
    public bool Voting => Status != EvaluationStatus.Draft;

    public decimal? TurnoutRate => Expected > 0 ? (decimal)Received / Expected : null;

    public string Turnout => Voting ? $"收回 {Received} / 应到 {Expected}（{ReportFormat.Percent(TurnoutRate)}）" : $"应到 {Expected}，未开始投票";

    public string Url => Results is null ? EvaluationScope.Url(Id) : $"{EvaluationScope.Url(Id)}/results";
}

/// <summary>A unit of the running unit's subtree, its depth counted from the running unit, and one cell per round (empty: 未创建).</summary>
public sealed record BoardRow(UnitNode Unit, int Depth, IReadOnlyList<IReadOnlyList<BoardEntry>> Cells);

/// <summary>A round's column added up: evaluations by state, the units with none (未创建), and 收回 / 应到 over its evaluations.</summary>
public sealed record RoundTotal(string Round, IReadOnlyList<(string State, int Count)> States, int Missing, int Received, int Expected)
{
    public decimal? TurnoutRate => Expected > 0 ? (decimal)Received / Expected : null;

    public string Summary =>
        string.Join("、", States.Select(s => $"{s.State} {s.Count}").Append($"{CampaignBoard.Missing} {Missing} 个单位")) +
        $"；收回 {Received} / 应到 {Expected}（{ReportFormat.Percent(TurnoutRate)}）";
}

/// <summary>
/// The campaign board: every unit under the campaign's running unit, in tree order, with the state of each of its rounds
/// (the campaign's evaluations grouped by round label, rehearsals left out), 收回 / 应到, and once the box is opened the
/// 班子's headline rates as the roll-up counts and hides them. The page, the Excel and the PDF are made from the same one.
/// </summary>
public sealed record CampaignBoard(RunCampaign Campaign, IReadOnlyList<string> Rounds, IReadOnlyList<BoardRow> Rows, ReportsOptions Options)
{
    public const string Missing = "未创建";

    public IEnumerable<BoardEntry> Entries => Rows.SelectMany(r => r.Cells).SelectMany(c => c);

    public IReadOnlyList<RoundTotal> Totals => Rounds.Select((round, i) =>
    {
        var entries = Rows.SelectMany(r => r.Cells[i]).ToList();
        var states = new[] { EvaluationStatus.Draft, EvaluationStatus.Open, EvaluationStatus.Sealed, EvaluationStatus.Closed }
            .Select(s => (State: BoardEntry.StateNameOf(s), Count: entries.Count(e => e.Status == s)))
            .Where(s => s.Count > 0).ToList();
        return new RoundTotal(round, states, Rows.Count(r => r.Cells[i].Count == 0), entries.Sum(e => e.Received), entries.Sum(e => e.Expected));
    }).ToList();

    public string Explanation =>
        "状态：草稿、进行中、待开箱（投票已结束，尚未开箱）、已开箱。已开箱的列出领导班子的评价率、差评率和作答人数；" +
        $"作答不足最小公布单元的评议或题目不公布评价率。投票结束后{Options.Statement}的标“{RollupWorkbook.LowMark}”。" +
        $"“{Missing}”：该单位还没有本活动这一轮的评议。演练不计入。";

    public string LogDetail(string format) =>
        $"活动“{Campaign.Name}”{format}，单位 {Rows.Count} 个，评议 {Entries.Count()} 个：" + string.Join("、", Entries.Select(e => e.Id));

    private sealed record Row(Guid Id, Guid UnitId, string Name, string Round, string Status, DateTime? ClosedAt);

    /// <summary>The board of a campaign whose running unit the caller covers; null otherwise, or when it has no running unit.</summary>
    public static async Task<CampaignBoard?> LoadAsync(NpgsqlConnection conn, ClaimsPrincipal user, Guid id, ReportsOptions options, CancellationToken ct)
    {
        // Only staff covering the running unit: a unit below sees its own evaluations elsewhere, not its peers' on this board.
        var campaign = await conn.QuerySingleOrDefaultAsync<RunCampaign>(new CommandDefinition(
            """
            select c.id, c.name, c.unit_id, u.name as unit_name
            from campaign c join unit u on u.id = c.unit_id
            where c.id = @id and c.unit_id in (select unit_id from staff_reach(@me))
            """, new { id, me = user.AccountId() }, cancellationToken: ct));
        if (campaign is null) return null;

        var units = UnitTree.Subtree(await UnitTree.AllAsync(conn), campaign.UnitId);
        var evaluations = (await conn.QueryAsync<Row>(new CommandDefinition(
            """
            select e.id, e.unit_id, e.name, e.round, e.status, e.closed_at
            from evaluation e
            where e.campaign_id = @id and e.rehearsal_of is null and e.unit_id = any(@units)
            order by e.created_at, e.name
            """, new { id, units = units.Select(u => u.Id).ToArray() }, cancellationToken: ct))).ToList();
        // Rounds in the order they were first set up: the 动员大会 round before the 总结大会 one.
        var rounds = evaluations.Select(e => e.Round).Distinct().ToList();

        var entries = new Dictionary<Guid, BoardEntry>();
        var names = units.ToDictionary(u => u.Id, u => u.Name);
        foreach (var e in evaluations)
        {
            if (e.Status == EvaluationStatus.Closed)
            {
                var row = await RollupRow.CountAsync(conn,
                    new RollupEvaluation(e.Id, names[e.UnitId], e.Name, e.Round, e.ClosedAt, campaign.Id, campaign.Name), options, ct);
                entries[e.Id] = new BoardEntry(e.Id, e.Name, e.Status, row.Turnout.Expected, row.Turnout.Received, row.Low, row);
            }
            else
            {
                var total = (await TurnoutTable.LoadAsync(conn, e.Id)).Total;
                var received = total.Ballots ?? 0;
                entries[e.Id] = new BoardEntry(e.Id, e.Name, e.Status, total.Expected, received,
                    EvaluationStatus.HasEnded(e.Status) && options.IsLow(received, total.Expected), null);
            }
        }

        var top = units.Count > 0 ? units[0].Depth : 0;
        var rows = units.Select(u => new BoardRow(u, u.Depth - top, rounds
            .Select(r => (IReadOnlyList<BoardEntry>)evaluations.Where(e => e.UnitId == u.Id && e.Round == r).Select(e => entries[e.Id]).ToList())
            .ToList())).ToList();
        return new CampaignBoard(campaign, rounds, rows, options);
    }
}

/// <summary>An entry as the page (with links) or the PDF (without) shows it: <c>_BoardEntry.cshtml</c> serves both.</summary>
public sealed record BoardEntryView(BoardEntry Entry, bool Print);
