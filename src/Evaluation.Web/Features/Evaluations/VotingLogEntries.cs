using Evaluation.Core;
using Evaluation.Core.Audit;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

/// <summary>
/// The action-log entries written when this evaluation's voting opened and closed. The page shows them so that people at
/// the meeting can note a hash; the verifier's <c>--anchor</c> then fails on any bundle whose log no longer holds it.
/// Found as the verifier finds them (<see cref="BundleVerifier.EntriesOf"/>), on the whole detail, taking the first: an
/// entry of another evaluation that quotes this one cannot stand in for it.
/// </summary>
public sealed record VotingLogEntries(ActionLogHead? Opened, ActionLogHead? Closed)
{
    public static async Task<VotingLogEntries> FindAsync(NpgsqlConnection conn, EvaluationHeader evaluation, NpgsqlTransaction? tx = null)
    {
        if (evaluation.IsDraft) return new VotingLogEntries(null, null);
        var about = await ActionLogWriter.ReadAboutAsync(conn, BundleVerifier.Subject(evaluation.Name, evaluation.Id),
            [BundleVerifier.OpenAction, BundleVerifier.CloseAction], tx);
        var entries = BundleVerifier.EntriesOf(about, evaluation.Name, evaluation.Id);
        return new VotingLogEntries(
            entries.Opened.Select(o => new ActionLogHead(o.Entry.Seq, o.Entry.Hash)).FirstOrDefault(),
            entries.Closed.Select(e => new ActionLogHead(e.Seq, e.Hash)).FirstOrDefault());
    }
}
