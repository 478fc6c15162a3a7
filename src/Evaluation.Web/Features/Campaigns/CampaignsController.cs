using Dapper;
using Evaluation.Web.Features.Units;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Campaigns;

public sealed record Campaign(Guid Id, string Name);
public sealed record CampaignRow(Guid Id, string Name, DateTime CreatedAt, int Evaluations, Guid? UnitId, string? UnitName);

/// <param name="RenameId">The campaign whose rename failed, so its form shows the error and what was typed.</param>
/// <param name="UnitChangeId">The campaign whose change of running unit failed, so its form shows the error.</param>
public sealed record CampaignsPage(IReadOnlyList<CampaignRow> Campaigns, IReadOnlyList<UnitNode> Units, string? Error, string? NewName,
    Guid? NewUnit = null, Guid? RenameId = null, string? RenameTo = null, Guid? UnitChangeId = null)
{
    /// <summary>The error belongs to the 新建活动 form.</summary>
    public bool CreateFailed => Error is not null && RenameId is null && UnitChangeId is null;
}

/// <summary>
/// 管理员: the campaigns (活动, e.g. 党的群众路线教育实践活动) that evaluations of many units belong to, so the roll-up can
/// group by them, each run by a unit (牵头单位) whose staff, and staff above it, watch its board (CampaignBoardController).
/// Listed, added, renamed and given a running unit; never deleted, so no evaluation loses its campaign.
/// </summary>
[Authorize(Roles = Roles.Admin)]
[Route("admin/campaigns")]
public sealed class CampaignsController(NpgsqlDataSource db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct) => View(await PageAsync(null, ct));

    [HttpPost("")]
    public async Task<IActionResult> Create([FromForm] string? name, [FromForm] Guid? unit, CancellationToken ct)
    {
        name = name?.Trim();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var unitName = await UnitNameAsync(conn, tx, unit);
        if ((await NameProblemAsync(conn, tx, name, except: null) ?? UnitProblem(unit, unitName)) is { } error)
            return Invalid(await PageAsync(error, ct) with { NewName = name, NewUnit = unit });
        await conn.ExecuteAsync("insert into campaign (id, name, unit_id) values (@Id, @name, @unit)", new { Id = Guid.NewGuid(), name, unit }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "创建活动", $"{name}（牵头单位：{unitName}）");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"活动“{name}”已创建，牵头单位为{unitName}。组织者新建评议时即可选择；{unitName}的组织者和督导组可在“活动”中查看看板。";
        return Redirect("/admin/campaigns");
    }

    /// <summary>
    /// Sets the running unit, also of a campaign created before campaigns had one. Whoever covers the new unit sees the board
    /// from now on, and it lists the new unit's subtree; the page says so beside the button.
    /// </summary>
    [HttpPost("{id:guid}/unit")]
    public async Task<IActionResult> SetUnit(Guid id, [FromForm] Guid? unit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var campaign = await conn.QuerySingleOrDefaultAsync<(string Name, string? UnitName)?>(
            "select c.name, u.name from campaign c left join unit u on u.id = c.unit_id where c.id = @id for update of c", new { id }, tx);
        if (campaign is not { } old) return NotFound();
        var unitName = await UnitNameAsync(conn, tx, unit);
        if (UnitProblem(unit, unitName) is { } error)
            return Invalid(await PageAsync(error, ct) with { UnitChangeId = id });
        if (old.UnitName == unitName) return Redirect("/admin/campaigns");
        await conn.ExecuteAsync("update campaign set unit_id = @unit where id = @id", new { id, unit }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "设置活动牵头单位", $"“{old.Name}”：牵头单位由 {old.UnitName ?? "未设置"} 改为 {unitName}");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"活动“{old.Name}”的牵头单位已改为{unitName}。";
        return Redirect("/admin/campaigns");
    }

    [HttpPost("{id:guid}/name")]
    public async Task<IActionResult> Rename(Guid id, [FromForm] string? name, CancellationToken ct)
    {
        name = name?.Trim();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var old = await conn.QuerySingleOrDefaultAsync<string>("select name from campaign where id = @id for update", new { id }, tx);
        if (old is null) return NotFound();
        if (await NameProblemAsync(conn, tx, name, except: id) is { } error)
            return Invalid(await PageAsync(error, ct) with { RenameId = id, RenameTo = name });
        await conn.ExecuteAsync("update campaign set name = @name where id = @id", new { id, name }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "修改活动名称", $"“{old}”改为“{name}”");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"活动“{old}”已改名为“{name}”。";
        return Redirect("/admin/campaigns");
    }

    private ViewResult Invalid(CampaignsPage page)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Index", page);
    }

    private static Task<string?> UnitNameAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid? unit) =>
        unit is null ? Task.FromResult<string?>(null) : conn.ExecuteScalarAsync<string?>("select name from unit where id = @unit", new { unit }, tx);

    private static string? UnitProblem(Guid? unit, string? unitName) =>
        unit is null ? "请选择牵头单位：负责本活动的单位（通常是发起活动的局），它和它的上级单位的组织者、督导组可查看活动看板。"
        : unitName is null ? "所选的牵头单位已不存在，请刷新页面后重新选择。"
        : null;

    private static async Task<string?> NameProblemAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string? name, Guid? except) =>
        string.IsNullOrEmpty(name) || TypedText.IsLongerThan(name, 100) ? "请填写活动名称（不超过 100 个字），如“党的群众路线教育实践活动”。"
        : TypedText.HasControlCharacters(name) ? TypedText.ControlCharacterProblem("活动名称")
        : await conn.ExecuteScalarAsync<bool>("select exists (select 1 from campaign where name = @name and id is distinct from @except)",
            new { name, except }, tx) ? $"活动“{name}”已存在，请换一个名称。"
        : null;

    private async Task<CampaignsPage> PageAsync(string? error, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var campaigns = (await conn.QueryAsync<CampaignRow>(new CommandDefinition(
            """
            select c.id, c.name, c.created_at, (select count(*)::int from evaluation e where e.campaign_id = c.id and e.rehearsal_of is null) as evaluations,
                   c.unit_id, u.name as unit_name
            from campaign c left join unit u on u.id = c.unit_id order by c.created_at desc, c.name
            """, cancellationToken: ct))).ToList();
        return new CampaignsPage(campaigns, await UnitTree.AllAsync(conn), error, null);
    }

    /// <summary>
    /// What an organiser chose in an evaluation's 所属活动 list: empty for none, else a campaign's id. Anything else (a removed
    /// or made-up id) is a problem to show, never silently read as "none".
    /// </summary>
    public static async Task<(Campaign? Chosen, string? Problem)> ChooseAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return (null, null);
        var chosen = Guid.TryParse(value, out var id)
            ? await conn.QuerySingleOrDefaultAsync<Campaign>("select id, name from campaign where id = @id", new { id }, tx)
            : null;
        return chosen is null ? (null, "所选活动不存在，请从“所属活动”列表中选择，或选“不归入活动”。") : (chosen, null);
    }

    /// <summary>Said in the 创建评议 / 修改评议 log entry, before its closing "，编号 …".</summary>
    public static string LogNote(Campaign? campaign) => campaign is null ? "，不归入活动" : $"，活动：{campaign.Name}";

    /// <summary>Every campaign, newest first: what an organiser chooses from when creating or editing a draft.</summary>
    public static async Task<IReadOnlyList<Campaign>> ListAsync(NpgsqlConnection conn, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<Campaign>("select id, name from campaign order by created_at desc, name", transaction: tx)).ToList();
}
