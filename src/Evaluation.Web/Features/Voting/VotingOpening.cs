using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Raters;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// 开始投票, once the ballot box has its key (cards confirmed, or 服务器保管): the key groups and their keys are made,
/// the questionnaire and targets frozen, and the log entry commits the form hash, every key and the box with its cards,
/// before any ballot exists.
/// </summary>
public static class VotingOpening
{
    public static async Task<IReadOnlyList<KeyGroups.KeyGroup>> OpenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey,
        Guid evaluationId, string evaluationName, Questionnaire questionnaire, string actor)
    {
        var targets = await EvaluationScope.TargetsAsync(conn, evaluationId, tx);
        var categories = RaterScopes.Effective(await EvaluationScope.CategoriesAsync(conn, evaluationId, tx), targets);
        var settings = TallySettings.FromJson(await conn.QuerySingleAsync<string?>(
            "select tally_settings from evaluation where id = @evaluationId", new { evaluationId }, tx));
        var groups = await KeyGroups.CreateAsync(conn, tx, keyEncryptionKey, evaluationId, categories, settings.EffectiveSmallCell);
        var frozen = FormJson.FrozenForm(new FrozenForm(questionnaire, targets, RaterScopes.Raters(groups)));
        var hash = FormJson.Sha256Hex(frozen);
        await conn.ExecuteAsync(
            "update evaluation set status = 'open', frozen_form = @frozen, form_hash = @hash, opened_at = now() where id = @evaluationId",
            new { evaluationId, frozen, hash }, tx);
        await ActionLogWriter.AppendAsync(tx, actor, BundleVerifier.OpenAction, BundleVerifier.OpenDetail(evaluationName, evaluationId, hash,
            groups.SelectMany(g => new[] { g.DoorPublicKey, g.BallotPublicKey }), await BoxKeys.CommitmentAsync(conn, tx, evaluationId)), evaluationId: evaluationId);
        return groups;
    }
}
