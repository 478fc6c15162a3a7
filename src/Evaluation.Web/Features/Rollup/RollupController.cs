using Dapper;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Rollup;

public sealed record RollupEvaluation(Guid Id, string UnitName, string Name, string Round, DateTime? ClosedAt);

public sealed record RollupRow(RollupEvaluation Evaluation, Turnout Turnout, bool Suppressed, TargetTally? Team);

public sealed record RollupPage(IReadOnlyList<string> Rounds, string? Round, IReadOnlyList<RollupRow> Rows);

/// <summary>For a 督导组 covering several units: one row per unit's 班子 for one round, side by side.</summary>
[Authorize(Roles = EvaluationResults.ReaderRoles)]
[Route("results/rollup")]
public sealed class RollupController(NpgsqlDataSource db) : Controller
{
    /// <summary>Each tally reads all of an evaluation's ballots; a roll-up wider than this is a job for the Excel exports.</summary>
    public const int MaxEvaluations = 200;

    [HttpGet("")]
    public async Task<IActionResult> Index([FromQuery] string? round, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var closed = (await conn.QueryAsync<RollupEvaluation>(new CommandDefinition(
            """
            select e.id, u.name as unit_name, e.name, e.round, e.closed_at
            from evaluation e join unit u on u.id = e.unit_id
            where e.status = 'closed' and e.rehearsal_of is null and e.unit_id in (select unit_id from staff_unit where account_id = @me)
            order by u.name, e.closed_at desc
            """, new { me = User.AccountId() }, cancellationToken: ct))).ToList();
        var rounds = closed.Select(e => e.Round).Distinct().Order(StringComparer.Ordinal).ToList();
        round = rounds.Contains(round ?? "") ? round : rounds.FirstOrDefault();

        var rows = new List<RollupRow>();
        foreach (var evaluation in closed.Where(e => e.Round == round).Take(MaxEvaluations))
        {
            var tally = await EvaluationResults.CountAsync(conn, evaluation.Id, ct);
            rows.Add(new RollupRow(evaluation, tally.Turnout, tally.Suppressed,
                tally.Targets.FirstOrDefault(t => t.Target.Kind == Core.Forms.TargetKind.Team)));
        }
        return View(new RollupPage(rounds, round, rows));
    }
}
