using Dapper;
using Evaluation.Core;
using Evaluation.Core.Audit;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Audit;

/// <summary>
/// 审计's download (DESIGN.md §3): everything needed to check a closed evaluation offline with the verifier command.
/// Like the results, it exists only once voting has closed, and only for the unit's auditors; anything else answers 404.
/// </summary>
[Authorize(Roles = Roles.Auditor)]
[Route("evaluations/{id:guid}/audit-bundle")]
public sealed class AuditBundleController(NpgsqlDataSource db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Download(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationResults.FindClosedAsync(conn, id, User) is not { } evaluation) return NotFound();

        // The export is logged first and the log read after, in one transaction, so the bundle carries its own export.
        await using var tx = await conn.BeginTransactionAsync(ct);
        var input = await EvaluationResults.CountingInputAsync(conn, id, ct, tx);
        var tally = input.Count();
        await ActionLogWriter.AppendAsync(tx, User, BundleVerifier.ExportAction,
            BundleVerifier.ExportDetail(evaluation.Name, id, tally.Turnout.Received, tally.Fingerprint), evaluationId: id);
        var keys = (await conn.QueryAsync<(Guid Id, byte[] DoorKey, byte[] BallotKey)>(new CommandDefinition(
            "select id, door_public_key, ballot_public_key from key_group where evaluation_id = @id", new { id }, tx, cancellationToken: ct)))
            .ToDictionary(k => k.Id);
        var members = (await conn.QueryAsync<(Guid KeyGroupId, string Name)>(new CommandDefinition(
            """
            select key_group_id, name from respondent_category
            where evaluation_id = @id and key_group_id is not null order by position, name
            """, new { id }, tx, cancellationToken: ct))).ToLookup(c => c.KeyGroupId, c => c.Name);
        var boxes = (await conn.QueryAsync<(string Custody, byte[] PublicKey, int Threshold, string[] Holders, byte[][] CardKeys)>(new CommandDefinition(
            "select custody, public_key, threshold, holders, card_keys from ballot_box where evaluation_id = @id",
            new { id }, tx, cancellationToken: ct))).ToList();
        var log = await ActionLogWriter.ReadAllAsync(conn, tx, ct);
        await tx.CommitAsync(ct);

        var about = new BundleEvaluation(evaluation.Id, evaluation.UnitName, evaluation.Name, evaluation.Round, Utc(evaluation.OpenedAt), Utc(evaluation.ClosedAt));
        // Evaluations voted before the sealed box have no box: their key groups are their categories, one key each
        // (door key = ballot key), and they keep the bundle format their log entries were written for.
        var bundle = boxes is [var b]
            ? AuditBundleBuilder.Build(about, input.FrozenForm, evaluation.FormHash!, input.Settings,
                input.Categories.Select(c => new BundleKeyGroup(c, [.. members[c.Id]], keys[c.Id].DoorKey, keys[c.Id].BallotKey)).ToList(),
                new BoxCommitment(b.Custody, b.PublicKey, b.Threshold, b.Holders.Zip(b.CardKeys).ToList()),
                input.Ballots, input.Rejected ?? new Dictionary<string, int>(), tally, log)
            : AuditBundleBuilder.Build(about, input.FrozenForm, evaluation.FormHash!, input.Settings,
                input.Categories.Select(c => new BundleCategory(c, keys[c.Id].BallotKey)).ToList(), input.Ballots, tally, log);
        var file = new MemoryStream();
        bundle.WriteTo(file);
        file.Position = 0;
        return File(file, "application/json", FileName(evaluation));
    }

    public static string FileName(EvaluationHeader evaluation) => DownloadNames.Safe($"审计包-{evaluation.UnitName}-{evaluation.Name}.json");

    private static DateTimeOffset? Utc(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
