using System.Data;
using Dapper;
using Evaluation.Core;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.AuditLog;

/// <summary>
/// 审计: the staff action log, newest first, a page at a time, filtered by evaluation, actor, action and date (GET, so a
/// filtered view is a link), and exported as Excel or CSV. The hash chain is checked over the whole log on every view and
/// export, whatever the filter shows.
/// </summary>
[Authorize(Roles = Roles.Auditor)]
public sealed class AuditLogController(NpgsqlDataSource db) : Controller
{
    public const int PageSize = 50;
    public const string ExportAction = "导出操作日志";

    [HttpGet("/audit-log")]
    public async Task<IActionResult> Index([FromQuery] string? evaluation, [FromQuery] string? actor, [FromQuery(Name = "action")] string? actionName,
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? page, CancellationToken ct)
    {
        // [FromQuery] throughout: MVC's own route values include "action", which would otherwise fill the action filter.
        var (filter, errors) = AuditLogFilter.Parse(evaluation, actor, actionName, from, to);
        var pageNumber = 1;
        if (!string.IsNullOrWhiteSpace(page) && (!int.TryParse(page, out pageNumber) || pageNumber < 1))
            errors.Add($"页码“{page}”无效：请填写从 1 起的整数，或点页面下方的页码。");

        await using var conn = await db.OpenConnectionAsync(ct);
        // One snapshot: the count, the page and the chain check describe the same log even while others append.
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var choices = await AuditLogQueries.ChoicesAsync(conn, tx, User, ct);
        if (errors.Count > 0) return BadFilter(filter, errors, choices);
        if (filter.Evaluation is { } id && choices.Evaluations.All(e => e.Id != id)) return EvaluationNotFound();

        var entries = await ActionLogWriter.ReadAllAsync(conn, tx, ct);
        var matching = await AuditLogQueries.CountAsync(conn, tx, filter, ct);
        var pages = Math.Max(1, (int)((matching + PageSize - 1) / PageSize));
        // A page past the end (the filter narrowed, or a link kept from before) shows the last one.
        pageNumber = Math.Min(pageNumber, pages);
        var shown = await AuditLogQueries.PageAsync(conn, tx, filter, (pageNumber - 1) * PageSize, PageSize, ct);
        await tx.CommitAsync(ct);

        return View(new AuditLogPage(filter, [], choices, shown, matching, pageNumber, pages, entries.Count, ActionLog.FirstBrokenLink(entries)));
    }

    [HttpGet("/audit-log.xlsx")]
    public Task<IActionResult> Excel([FromQuery] string? evaluation, [FromQuery] string? actor, [FromQuery(Name = "action")] string? actionName,
        [FromQuery] string? from, [FromQuery] string? to, CancellationToken ct) =>
        ExportAsync(evaluation, actor, actionName, from, to, "Excel", ct);

    [HttpGet("/audit-log.csv")]
    public Task<IActionResult> Csv([FromQuery] string? evaluation, [FromQuery] string? actor, [FromQuery(Name = "action")] string? actionName,
        [FromQuery] string? from, [FromQuery] string? to, CancellationToken ct) =>
        ExportAsync(evaluation, actor, actionName, from, to, "CSV", ct);

    private async Task<IActionResult> ExportAsync(string? evaluation, string? actor, string? action, string? from, string? to, string format,
        CancellationToken ct)
    {
        var (filter, errors) = AuditLogFilter.Parse(evaluation, actor, action, from, to);
        await using var conn = await db.OpenConnectionAsync(ct);
        AuditLogExport export;
        await using (var read = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
        {
            var choices = await AuditLogQueries.ChoicesAsync(conn, read, User, ct);
            if (errors.Count > 0) return BadFilter(filter, errors, choices);
            if (filter.Evaluation is { } id && choices.Evaluations.All(e => e.Id != id)) return EvaluationNotFound();
            var all = await ActionLogWriter.ReadAllAsync(conn, read, ct);
            export = new AuditLogExport(filter.Describe(choices), await AuditLogQueries.AllAsync(conn, read, filter, ct), all.Count,
                ActionLog.FirstBrokenLink(all), DateTimeOffset.UtcNow, User.ActorLabel());
            await read.CommitAsync(ct);
        }

        // The file is made before the export is logged, so the log never records an export that failed; the append runs in a
        // transaction of its own, since a repeatable-read snapshot could not see an entry appended meanwhile to chain onto.
        var (content, type, extension) = format == "CSV"
            ? (AuditLogFiles.Csv(export), "text/csv; charset=utf-8", "csv")
            : (AuditLogFiles.Excel(export), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx");
        await using (var write = await conn.BeginTransactionAsync(ct))
        {
            await ActionLogWriter.AppendAsync(write, User, ExportAction, $"{format}，{export.Filter}，共 {export.Entries.Count} 条",
                evaluationId: filter.Evaluation);
            await write.CommitAsync(ct);
        }
        return File(content, type, DownloadNames.Safe($"操作日志-{ChinaTime.Today:yyyy-MM-dd}.{extension}"));
    }

    private ViewResult BadFilter(AuditLogFilter filter, List<string> errors, AuditLogChoices choices)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Index", new AuditLogPage(filter, errors, choices, [], 0, 1, 1, null, null));
    }

    // 404, not 403: don't reveal that another unit's evaluation exists.
    private ViewResult EvaluationNotFound() =>
        this.Refuse(StatusCodes.Status404NotFound, "找不到这场评议，或它不属于您负责的单位。请回到操作日志，从“评议”列表中选择。");
}
