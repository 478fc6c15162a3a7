using Dapper;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Units;

public sealed record UnitRow(Guid Id, string Name, int Staff, int Evaluations);
public sealed record UnitsPage(IReadOnlyList<UnitRow> Units, string? Error, string? NewName);

/// <summary>管理员: the units (局机关, 直属单位 …) that evaluations and staff scopes hang on.</summary>
[Authorize(Roles = Roles.Admin)]
[Route("admin/units")]
public sealed class UnitsController(NpgsqlDataSource db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct) => View(new UnitsPage(await ListAsync(ct), null, null));

    [HttpPost("")]
    public async Task<IActionResult> Create([FromForm] string? name, CancellationToken ct)
    {
        name = name?.Trim();
        await using var conn = await db.OpenConnectionAsync(ct);
        var error = string.IsNullOrEmpty(name) || TypedText.IsLongerThan(name, 100) ? "请填写单位名称（不超过 100 个字）。"
            : TypedText.HasControlCharacters(name) ? TypedText.ControlCharacterProblem("单位名称")
            : await conn.ExecuteScalarAsync<bool>("select exists (select 1 from unit where name = @name)", new { name }) ? $"单位“{name}”已存在。"
            : null;
        if (error is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("Index", new UnitsPage(await ListAsync(ct), error, name));
        }
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("insert into unit (id, name) values (@Id, @name)", new { Id = Guid.NewGuid(), name }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "创建单位", name!);
        await tx.CommitAsync(ct);
        TempData["Notice"] = $"单位“{name}”已创建。";
        return Redirect("/admin/units");
    }

    private async Task<IReadOnlyList<UnitRow>> ListAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<UnitRow>(
            """
            select u.id, u.name,
                   (select count(*)::int from staff_unit su where su.unit_id = u.id) as staff,
                   (select count(*)::int from evaluation e where e.unit_id = u.id) as evaluations
            from unit u order by u.name
            """)).ToList();
    }
}
