using Dapper;
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

    private sealed record Row(long Seq, DateTime At, string Actor, string Action, string Detail, string PrevHash, string Hash);

    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var entries = (await conn.QueryAsync<Row>(
                "select seq, at, actor, action, detail, prev_hash, hash from staff_action order by seq"))
            .Select(r => new ActionLogEntry(r.Seq, new DateTimeOffset(DateTime.SpecifyKind(r.At, DateTimeKind.Utc)), r.Actor, r.Action, r.Detail, r.PrevHash, r.Hash))
            .ToList();
        var broken = ActionLog.FirstBrokenLink(entries);
        return View(new AuditLogPage(entries.AsEnumerable().Reverse().Take(Shown).ToList(), broken, entries.Count));
    }
}
