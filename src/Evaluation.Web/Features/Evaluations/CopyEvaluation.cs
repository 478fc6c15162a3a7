using System.Globalization;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

/// <summary>
/// A new draft from an existing evaluation (issue 14 item 2), in any state: the next round from the last, or a 演练.
/// It copies the setup and nothing the meeting made: no slips, key groups, ballot box, ballots, receipts, check-ins or
/// opinion triage, so the copy starts as unused as a new evaluation.
/// </summary>
public static class CopyEvaluation
{
    public sealed record Copied(Guid Id, int Targets, int Categories);

    /// <summary>
    /// Copies into a new draft of the source's unit: the questionnaire (or <paramref name="questionnaire"/> instead), the
    /// campaign (the next round of a campaign belongs to it; the draft's details can change that), the counting rules, the
    /// targets and the categories with their 应到, each under a new id. The caller holds the transaction, checks the source
    /// is the caller's, and logs.
    /// </summary>
    public static async Task<Copied> CopyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid sourceId, string name, string round,
        Questionnaire? questionnaire, Guid? rehearsalOf = null)
    {
        var id = Guid.NewGuid();
        var oldTargets = (await conn.QueryAsync<Guid>("select id from target where evaluation_id = @sourceId", new { sourceId }, tx)).ToArray();
        var newTargets = oldTargets.Select(_ => Guid.NewGuid()).ToArray();
        var oldCategories = (await conn.QueryAsync<Guid>("select id from respondent_category where evaluation_id = @sourceId", new { sourceId }, tx)).ToArray();
        var newCategories = oldCategories.Select(_ => Guid.NewGuid()).ToArray();
        var settings = await conn.QuerySingleAsync<string?>("select tally_settings from evaluation where id = @sourceId", new { sourceId }, tx);

        // status, frozen_form, form_hash, opened_at and closed_at are left to their defaults: the copy is a draft.
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire, tally_settings, rehearsal_of, campaign_id)
            select @id, unit_id, @name, @round, coalesce(@Questionnaire, questionnaire), @Settings, @rehearsalOf, campaign_id
            from evaluation where id = @sourceId
            """,
            new
            {
                id, sourceId, name, round, rehearsalOf,
                Questionnaire = questionnaire is null ? null : FormJson.Canonical(questionnaire),
                Settings = RemapWeights(settings, oldCategories, newCategories),
            }, tx);
        await conn.ExecuteAsync(
            """
            insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
            select m.new_id, @id, t.kind, t.name, t.title, t.transferred_out_on, t.position
            from target t join unnest(@oldTargets, @newTargets) as m (old_id, new_id) on m.old_id = t.id
            """, new { id, oldTargets, newTargets }, tx);
        // key_group_id is not copied: key groups are made when voting opens.
        // A limited category (target_ids, "who rates whom") keeps its scope, mapped onto the copy's targets.
        await conn.ExecuteAsync(
            """
            insert into respondent_category (id, evaluation_id, name, expected_count, position, target_ids)
            select m.new_id, @id, c.name, c.expected_count, c.position,
                   case when c.target_ids is null then null else
                       array(select n.new_id from unnest(c.target_ids) as o (old_id)
                             join unnest(@oldTargets, @newTargets) as n (old_id, new_id) on n.old_id = o.old_id) end
            from respondent_category c join unnest(@oldCategories, @newCategories) as m (old_id, new_id) on m.old_id = c.id
            """, new { id, oldCategories, newCategories, oldTargets, newTargets }, tx);
        return new Copied(id, oldTargets.Length, oldCategories.Length);
    }

    /// <summary>Category weights are keyed by category id; the copy's categories have new ones.</summary>
    private static string? RemapWeights(string? settingsJson, Guid[] oldCategories, Guid[] newCategories)
    {
        if (settingsJson is null) return null;
        var settings = TallySettings.FromJson(settingsJson);
        if (settings.CategoryWeights.Count == 0) return settingsJson;
        var map = oldCategories.Zip(newCategories).ToDictionary(p => p.First, p => p.Second);
        return (settings with
        {
            CategoryWeights = settings.CategoryWeights.Where(w => map.ContainsKey(w.Key)).ToDictionary(w => map[w.Key], w => w.Value),
        }).ToJson();
    }

    private const string FromMarker = "，复制自编号 ";

    /// <summary>
    /// The 创建评议 entry of a copy ends with both ids, so the round comparison can find the source again (and the verifier,
    /// which takes drafting entries by their ending "，编号 id", counts it as the copy's own).
    /// </summary>
    public static string LogDetail(string unitName, string name, string round, EvaluationHeader source, string questionnaire, Copied copy) =>
        $"{unitName}《{name}》（{round}），从《{source.Name}》复制评议对象 {copy.Targets} 个、评议人员类别 {copy.Categories} 个及计票规则，问卷：{questionnaire}"
        + $"{FromMarker}{source.Id}，编号 {copy.Id}";

    /// <summary>
    /// The rounds this evaluation was copied from or into, newest first, found by the copies' log entries: the round
    /// comparison offers them first. The caller still checks each against the caller's units.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> LinkedRoundsAsync(NpgsqlConnection conn, Guid id, CancellationToken ct)
    {
        var suffixLength = FromMarker.Length + 36 + "，编号 ".Length + 36;
        var details = await conn.QueryAsync<string>(new CommandDefinition(
            """
            select detail from staff_action
            where action = @CreateAction and (detail like @AsCopy or detail like @AsSource)
            order by seq desc
            """,
            new
            {
                BundleVerifier.CreateAction,
                AsCopy = $"%{FromMarker}%，编号 {id}",
                AsSource = $"%{FromMarker}{id}，编号 %",
            }, cancellationToken: ct));
        var linked = new List<Guid>();
        foreach (var detail in details)
        {
            if (detail.Length < suffixLength) continue;
            var suffix = detail[^suffixLength..];
            if (!suffix.StartsWith(FromMarker, StringComparison.Ordinal)
                || !Guid.TryParseExact(suffix.Substring(FromMarker.Length, 36), "D", out var from)
                || !Guid.TryParseExact(suffix[^36..], "D", out var to)) continue;
            if (to == id) linked.Add(from);
            else if (from == id) linked.Add(to);
        }
        return linked.Distinct().ToList();
    }

    /// <summary>At most <paramref name="max"/> code points, cut between characters as a person sees them.</summary>
    public static string Fit(string text, int max)
    {
        var result = new System.Text.StringBuilder();
        var runes = 0;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            var count = element.EnumerateRunes().Count();
            if (runes + count > max) break;
            result.Append(element);
            runes += count;
        }
        return result.ToString();
    }
}
