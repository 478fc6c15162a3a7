using Dapper;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Campaigns;

public sealed record Campaign(Guid Id, string Name);
public sealed record CampaignRow(Guid Id, string Name, DateTime CreatedAt, int Evaluations);

/// <param name="RenameId">The campaign whose rename failed, so its form shows the error and what was typed.</param>
public sealed record CampaignsPage(IReadOnlyList<CampaignRow> Campaigns, string? Error, string? NewName, Guid? RenameId = null, string? RenameTo = null);

/// <summary>
/// 管理员: the campaigns (活动, e.g. 党的群众路线教育实践活动) that evaluations of many units belong to, so the roll-up can
/// group by them. Listed, added and renamed; never deleted, so no evaluation loses its campaign.
/// </summary>
[Authorize(Roles = Roles.Admin)]
[Route("admin/campaigns")]
public sealed class CampaignsController(NpgsqlDataSource db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct) => View(new CampaignsPage(await ListRowsAsync(ct), null, null));

    [HttpPost("")]
    public async Task<IActionResult> Create([FromForm] string? name, CancellationToken ct)
    {
        name = name?.Trim();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await NameProblemAsync(conn, tx, name, except: null) is { } error)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("Index", new CampaignsPage(await ListRowsAsync(ct), error, name));
        }
        await conn.ExecuteAsync("insert into campaign (id, name) values (@Id, @name)", new { Id = Guid.NewGuid(), name }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "创建活动", name!);
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"活动“{name}”已创建。组织者新建评议时即可选择。";
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
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("Index", new CampaignsPage(await ListRowsAsync(ct), error, null, id, name));
        }
        await conn.ExecuteAsync("update campaign set name = @name where id = @id", new { id, name }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "修改活动名称", $"“{old}”改为“{name}”");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"活动“{old}”已改名为“{name}”。";
        return Redirect("/admin/campaigns");
    }

    private static async Task<string?> NameProblemAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string? name, Guid? except) =>
        string.IsNullOrEmpty(name) || TypedText.IsLongerThan(name, 100) ? "请填写活动名称（不超过 100 个字），如“党的群众路线教育实践活动”。"
        : TypedText.HasControlCharacters(name) ? TypedText.ControlCharacterProblem("活动名称")
        : await conn.ExecuteScalarAsync<bool>("select exists (select 1 from campaign where name = @name and id is distinct from @except)",
            new { name, except }, tx) ? $"活动“{name}”已存在，请换一个名称。"
        : null;

    private async Task<IReadOnlyList<CampaignRow>> ListRowsAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<CampaignRow>(new CommandDefinition(
            """
            select c.id, c.name, c.created_at, (select count(*)::int from evaluation e where e.campaign_id = c.id and e.rehearsal_of is null) as evaluations
            from campaign c order by c.created_at desc, c.name
            """, cancellationToken: ct))).ToList();
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
