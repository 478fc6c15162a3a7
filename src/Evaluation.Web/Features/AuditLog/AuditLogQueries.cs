using System.Security.Claims;
using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.AuditLog;

/// <summary>One entry as the page and the exports show it: the hashed fields, and the evaluation it concerns (outside the hash).</summary>
public sealed record LoggedAction(long Seq, DateTime At, string Actor, string Action, string Detail, string PrevHash, string Hash, Guid? EvaluationId);

/// <param name="Label">《name》（round, created date, the id's start）: names repeat across rounds, so the rest tells them apart.</param>
public sealed record EvaluationChoice(Guid Id, string Label);

public sealed record AuditLogChoices(IReadOnlyList<EvaluationChoice> Evaluations, IReadOnlyList<string> Actors, IReadOnlyList<string> Actions);

public static class AuditLogQueries
{
    // Each condition is off when its parameter is null; the casts give the nulls a type.
    private const string Where =
        """
        where (@Evaluation::uuid is null or evaluation_id = @Evaluation)
          and (@Actor::text is null or actor = @Actor)
          and (@Action::text is null or action = @Action)
          and (@FromAt::timestamptz is null or at >= @FromAt)
          and (@BeforeAt::timestamptz is null or at < @BeforeAt)
        """;

    private const string Select = "select seq, at, actor, action, detail, prev_hash, hash, evaluation_id from staff_action ";

    private static DynamicParameters Args(AuditLogFilter f, object? more = null)
    {
        var p = new DynamicParameters(more);
        p.Add("Evaluation", f.Evaluation);
        p.Add("Actor", f.Actor);
        p.Add("Action", f.Action);
        // Npgsql writes timestamptz only from UTC values.
        p.Add("FromAt", f.FromAt?.ToUniversalTime());
        p.Add("BeforeAt", f.BeforeAt?.ToUniversalTime());
        return p;
    }

    public static Task<long> CountAsync(NpgsqlConnection conn, NpgsqlTransaction tx, AuditLogFilter filter, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition("select count(*) from staff_action " + Where, Args(filter), tx, cancellationToken: ct));

    /// <summary>Newest first: the page the 审计 is on.</summary>
    public static async Task<IReadOnlyList<LoggedAction>> PageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, AuditLogFilter filter,
        int offset, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<LoggedAction>(new CommandDefinition(Select + Where + " order by seq desc offset @offset limit @limit",
            Args(filter, new { offset, limit }), tx, cancellationToken: ct))).ToList();

    /// <summary>Every match, oldest first as the chain runs: what an export holds.</summary>
    public static async Task<IReadOnlyList<LoggedAction>> AllAsync(NpgsqlConnection conn, NpgsqlTransaction tx, AuditLogFilter filter, CancellationToken ct) =>
        (await conn.QueryAsync<LoggedAction>(new CommandDefinition(Select + Where + " order by seq", Args(filter), tx, cancellationToken: ct))).ToList();

    /// <summary>The filter's lists: the evaluations of the caller's units (newest first), and every actor and action in the log.</summary>
    public static async Task<AuditLogChoices> ChoicesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ClaimsPrincipal user, CancellationToken ct)
    {
        var evaluations = await conn.QueryAsync<(Guid Id, string Name, string Round, DateTime CreatedAt, bool Rehearsal)>(new CommandDefinition(
            """
            select e.id, e.name, e.round, e.created_at, e.rehearsal_of is not null from evaluation e
            where e.unit_id in (select unit_id from staff_reach(@me))
            order by e.created_at desc, e.name
            """, new { me = user.AccountId() }, tx, cancellationToken: ct));
        var actors = await conn.QueryAsync<string>(new CommandDefinition("select distinct actor from staff_action order by actor", transaction: tx, cancellationToken: ct));
        var actions = await conn.QueryAsync<string>(new CommandDefinition("select distinct action from staff_action order by action", transaction: tx, cancellationToken: ct));
        return new AuditLogChoices(
            evaluations.Select(e => new EvaluationChoice(e.Id,
                $"《{e.Name}》（{e.Round}，{ChinaTime.Format(e.CreatedAt)[..10]} 创建{(e.Rehearsal ? "，演练" : "")}，编号 {e.Id.ToString()[..8]}…）")).ToList(),
            actors.ToList(), actions.ToList());
    }
}
