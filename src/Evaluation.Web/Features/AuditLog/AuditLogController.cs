using Evaluation.Core;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.AuditLog;

public sealed record AuditLogPage(IReadOnlyList<ActionLogEntry> Entries, long? FirstBrokenLink, int Total);

/// <summary>审计: the staff action log, newest first, with the hash chain checked on every view.</summary>
[Authorize(Roles = Roles.Auditor)]
[Route("audit-log")]
public sealed class AuditLogController(NpgsqlDataSource db) : Controller
{
    private const int Shown = 500;

    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var entries = await ActionLogWriter.ReadAllAsync(conn, ct: ct);
        var broken = ActionLog.FirstBrokenLink(entries);
        return View(new AuditLogPage(entries.AsEnumerable().Reverse().Take(Shown).ToList(), broken, entries.Count));
    }
}
