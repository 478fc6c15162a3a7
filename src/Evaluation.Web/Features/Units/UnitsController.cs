using Dapper;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Units;

public sealed record UnitRow(UnitNode Node, string? ParentName, int Staff, int Evaluations);
public sealed record UnitsPage(IReadOnlyList<UnitRow> Units, string? Error, string? NewName, Guid? NewParent);

/// <summary>管理员: the unit tree (局 → 直属单位 → …) that evaluations and staff scopes hang on.</summary>
[Authorize(Roles = Roles.Admin)]
[Route("admin/units")]
public sealed class UnitsController(NpgsqlDataSource db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct) => View(new UnitsPage(await ListAsync(ct), null, null, null));

    [HttpPost("")]
    public async Task<IActionResult> Create([FromForm] string? name, [FromForm] Guid? parent, CancellationToken ct)
    {
        name = name?.Trim();
        await using var conn = await db.OpenConnectionAsync(ct);
        var parentName = parent is null ? null : await conn.ExecuteScalarAsync<string?>("select name from unit where id = @parent", new { parent });
        var error = string.IsNullOrEmpty(name) || TypedText.IsLongerThan(name, 100) ? "请填写单位名称（不超过 100 个字）。"
            : TypedText.HasControlCharacters(name) ? TypedText.ControlCharacterProblem("单位名称")
            : parent is not null && parentName is null ? "所选的上级单位已不存在，请刷新页面后重新选择。"
            : await conn.ExecuteScalarAsync<bool>("select exists (select 1 from unit where name = @name)", new { name }) ? $"单位“{name}”已存在。"
            : null;
        if (error is not null)
            return await InvalidAsync(error, name, parent, ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("insert into unit (id, name, parent_id) values (@Id, @name, @parent)", new { Id = Guid.NewGuid(), name, parent }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "创建单位", parentName is null ? name! : $"{name}（上级单位：{parentName}）");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"单位“{name}”已创建。";
        return Redirect("/admin/units");
    }

    /// <summary>
    /// Puts a unit (with everything below it) under another, or makes it a root. Whoever covers the new parent covers it
    /// from now on, and whoever covered it through the old parent no longer does: the page says so before the button.
    /// </summary>
    [HttpPost("{id:guid}/parent")]
    public async Task<IActionResult> Move(Guid id, [FromForm] Guid? parent, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Two moves at once could each pass the check below and together close a loop: moves take turns.
        await conn.ExecuteAsync("lock table unit in share row exclusive mode", transaction: tx);
        var unit = await conn.QuerySingleOrDefaultAsync<(string Name, Guid? ParentId)?>("select name, parent_id from unit where id = @id", new { id }, tx);
        if (unit is null) return NotFound();
        var parentName = parent is null ? null : await conn.ExecuteScalarAsync<string?>("select name from unit where id = @parent", new { parent }, tx);
        var error = parent is not null && parentName is null ? "所选的上级单位已不存在，请刷新页面后重新选择。"
            : parent is { } p && await UnitTree.IsInSubtreeAsync(conn, tx, id, p)
                ? $"不能把“{unit.Value.Name}”放到它自己或它的下级单位“{parentName}”之下。请选择其他上级单位。"
            : null;
        if (error is not null)
            return await InvalidAsync(error, null, null, ct);
        if (unit.Value.ParentId == parent) return Redirect("/admin/units");
        await conn.ExecuteAsync("update unit set parent_id = @parent where id = @id", new { id, parent }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "调整上级单位", $"{unit.Value.Name}：上级单位改为 {parentName ?? "无（顶级单位）"}");
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"“{unit.Value.Name}”的上级单位已改为 {parentName ?? "无（顶级单位）"}。";
        return Redirect("/admin/units");
    }

    private async Task<IActionResult> InvalidAsync(string error, string? name, Guid? parent, CancellationToken ct)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Index", new UnitsPage(await ListAsync(ct), error, name, parent));
    }

    private async Task<IReadOnlyList<UnitRow>> ListAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var tree = await UnitTree.AllAsync(conn);
        var counts = (await conn.QueryAsync<(Guid Id, int Staff, int Evaluations)>(
            """
            select u.id,
                   (select count(*)::int from staff_unit su where su.unit_id = u.id),
                   (select count(*)::int from evaluation e where e.unit_id = u.id)
            from unit u
            """)).ToDictionary(c => c.Id);
        var names = tree.ToDictionary(u => u.Id, u => u.Name);
        return tree.Select(u => new UnitRow(u, u.ParentId is { } p ? names.GetValueOrDefault(p) : null, counts[u.Id].Staff, counts[u.Id].Evaluations))
            .ToList();
    }
}
