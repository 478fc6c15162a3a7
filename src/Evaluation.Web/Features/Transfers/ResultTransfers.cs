using System.Security.Claims;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Forms;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Transfers;

/// <summary>A 调出 member's result as the receiving office lists it.</summary>
public sealed record TransferredResult(Guid EvaluationId, Guid TargetId, string Name, string? Title, DateOnly TransferredOutOn,
    string UnitName, string EvaluationName, string Round, DateTime? ClosedAt, string SentTo, DateTime TransferredAt);

/// <summary>
/// 调出人员的评议结果转上级单位: "对调出任职不满1年的党员领导干部，一并进行民主评议，评议结果转局党委教育实践活动办公室"
/// (the 2014 实施办法 in seeds/). At 开箱 each member marked 调出 is recorded as sent to the evaluating unit's parent
/// (migration 0017) and the sending is logged; from then on that unit's campaign office — its 组织者 and 督导组, and those
/// of the units above it — lists the results it received and downloads each member's sheet (<see cref="TransfersController"/>).
/// Staff of the evaluating unit alone, or of a unit beside it, do not: the sheet is the parent's, and is 404 to them.
/// </summary>
public static class ResultTransfers
{
    public const string SendAction = "转送调出人员评议结果";
    public const string DownloadAction = "下载调出人员评议结果";

    /// <summary>
    /// The campaign office: the parent's 组织者 and 督导组. Not its 审计, who checks what was published (the evaluating unit's
    /// report, which keeps the member's section, against the audit bundle) and sees every sending and download in the log;
    /// a sheet about one person goes no wider than the office that acts on it.
    /// </summary>
    public const string OfficeRoles = $"{Roles.Organizer},{Roles.Supervisor}";

    /// <summary>
    /// In the transaction that makes the evaluation 'closed' (开箱): records each 调出 member's result as sent to the unit's
    /// parent and logs one entry per member. Nothing for an evaluation not closed in this transaction's view, a rehearsal (not
    /// a result), or a unit with no parent (a 局 itself: nothing to send it to). Sent once: a second call adds nothing.
    /// </summary>
    public static async Task SendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid evaluationId, string evaluationName, string actor)
    {
        var sent = await conn.QueryAsync<(string Name, string? Title, DateOnly Left, string SentTo)>(
            """
            with sent as (
                insert into result_transfer (evaluation_id, target_id, to_unit_id)
                select e.id, t.id, u.parent_id
                from evaluation e join unit u on u.id = e.unit_id join target t on t.evaluation_id = e.id
                where e.id = @evaluationId and e.status = 'closed' and e.rehearsal_of is null and u.parent_id is not null
                  and t.kind = 'member' and t.transferred_out_on is not null
                on conflict do nothing
                returning target_id, to_unit_id
            )
            select t.name, t.title, t.transferred_out_on, d.name
            from sent s join target t on t.id = s.target_id join unit d on d.id = s.to_unit_id
            order by t.position, t.id
            """, new { evaluationId }, tx);
        foreach (var member in sent)
            await ActionLogWriter.AppendAsync(tx, actor, SendAction,
                $"{BundleVerifier.Subject(evaluationName, evaluationId)}，{TargetLabel.Of(member.Name, member.Title)}（{member.Left:yyyy-MM-dd} 调出）"
                + $"的评议结果已转 {member.SentTo}，由其组织者和督导组下载结果单", evaluationId: evaluationId);
    }

    /// <summary>Where each 调出 member's result went, by target id: the name the evaluating unit's reports print.</summary>
    public static async Task<IReadOnlyDictionary<Guid, string>> SentToAsync(NpgsqlConnection conn, Guid evaluationId, CancellationToken ct) =>
        (await conn.QueryAsync<(Guid TargetId, string SentTo)>(new CommandDefinition(
            "select r.target_id, d.name from result_transfer r join unit d on d.id = r.to_unit_id where r.evaluation_id = @evaluationId",
            new { evaluationId }, cancellationToken: ct)))
        .ToDictionary(r => r.TargetId, r => r.SentTo);

    /// <summary>Every result sent to a unit the caller covers, newest first.</summary>
    public static async Task<IReadOnlyList<TransferredResult>> ReceivedAsync(NpgsqlConnection conn, ClaimsPrincipal user, CancellationToken ct) =>
        (await conn.QueryAsync<TransferredResult>(new CommandDefinition(
            """
            select r.evaluation_id, r.target_id, t.name, t.title, t.transferred_out_on, u.name as unit_name,
                   e.name as evaluation_name, e.round, e.closed_at, d.name as sent_to, r.transferred_at
            from result_transfer r
            join evaluation e on e.id = r.evaluation_id
            join unit u on u.id = e.unit_id
            join target t on t.id = r.target_id
            join unit d on d.id = r.to_unit_id
            where e.status = 'closed' and r.to_unit_id in (select unit_id from staff_reach(@me))
            order by r.transferred_at desc, u.name, e.name, t.position
            """, new { me = user.AccountId() }, cancellationToken: ct))).ToList();

    /// <summary>The download's log entry: who (the entry's actor), which member, which evaluation, and the ballot set it was counted from.</summary>
    public static Task LogDownloadAsync(NpgsqlTransaction tx, ClaimsPrincipal user, Guid evaluationId, string evaluationName, Target member,
        int received, string fingerprint) =>
        ActionLogWriter.AppendAsync(tx, user, DownloadAction,
            $"{BundleVerifier.Subject(evaluationName, evaluationId)}，{TargetLabel.Of(member)}，PDF，收回 {received} 票，指纹 {fingerprint}",
            evaluationId: evaluationId);
}
