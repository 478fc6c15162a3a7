using Dapper;
using Evaluation.Core.Tallies;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

/// <summary>
/// A category's line on the evaluation and progress pages. 应到, 发出 and 作废 come from the setup and the slips, not from
/// ballots, so they always show, and so does 补发; 签到 and 已提交 are null where fewer than k ballots would stand behind them.
/// <see cref="Id"/> is the category's, or its key group's once voting has opened (empty for the total).
/// </summary>
public sealed record TurnoutLine(Guid Id, string Name, int Expected, int Issued, int Voided, int Replacements, int? CheckedIn, int? Ballots);

/// <summary>
/// The small categories merged as the tally merges them: only their 签到 and 已提交, summed; their 应到 summed and their
/// names too, for the projector board's bar.
/// </summary>
public sealed record MergedTurnout(string Name, int CheckedIn, int Ballots, int Expected, IReadOnlyList<string> Members);

/// <summary>
/// Turnout as staff see it, during voting and after (DESIGN.md §2.6 and the one small-cell rule): per-category 签到 and
/// 已提交 only for a category, or a merged group, with at least k ballots received, grouped exactly as the tally groups
/// them (<see cref="Tally.Partition"/>), checked-in categories without a ballot yet among the small ones. A small category
/// is merged with others, so the total minus the other lines gives away neither its ballots nor its check-ins; while
/// even the merged group is under k it counts only in the total.
/// </summary>
public sealed record TurnoutTable(IReadOnlyList<TurnoutLine> Categories, MergedTurnout? Merged, TurnoutLine Total, int SmallCell)
{
    public bool AnyHidden => Categories.Any(c => c.Ballots is null);

    public static async Task<TurnoutTable> LoadAsync(NpgsqlConnection conn, Guid evaluationId, NpgsqlTransaction? tx = null)
    {
        var settings = TallySettings.FromJson(await conn.QuerySingleOrDefaultAsync<string?>(
            "select tally_settings from evaluation where id = @evaluationId", new { evaluationId }, tx));
        return Of(await EvaluationScope.TurnoutAsync(conn, evaluationId, tx), settings.SmallCell);
    }

    public static TurnoutTable Of(IReadOnlyList<TurnoutRow> rows, int smallCell)
    {
        var k = Math.Max(smallCell, TallySettings.MinimumSmallCell);
        var categories = rows.Select(r => new TallyCategory(r.CategoryId, r.Name, r.Expected, r.Issued, r.Voided, r.CheckedIn)).ToList();
        var ballots = rows.ToDictionary(r => r.CategoryId, r => r.Ballots);
        var parts = Tally.Partition(categories, ballots, k, withCheckInsAlone: true);
        int Ballots(CategoryPart p) => p.Members.Sum(c => ballots[c.Id]);

        var alone = parts.Where(p => !p.Merged).SelectMany(p => p.Members).Select(c => c.Id).ToHashSet();
        var lines = rows.Select(r => alone.Contains(r.CategoryId)
            ? new TurnoutLine(r.CategoryId, r.Name, r.Expected, r.Issued, r.Voided, r.Replacements, r.CheckedIn, r.Ballots)
            : new TurnoutLine(r.CategoryId, r.Name, r.Expected, r.Issued, r.Voided, r.Replacements, null, null)).ToList();
        var merged = parts.FirstOrDefault(p => p.Merged && Ballots(p) >= k) is { } m
            ? new MergedTurnout(m.Name, m.Members.Sum(c => c.CheckedIn), Ballots(m),
                m.Members.Sum(c => c.Expected), m.Members.Select(c => c.Name).ToList())
            : null;
        var total = new TurnoutLine(Guid.Empty, "合计", rows.Sum(r => r.Expected), rows.Sum(r => r.Issued), rows.Sum(r => r.Voided),
            rows.Sum(r => r.Replacements), rows.Sum(r => r.CheckedIn), rows.Sum(r => r.Ballots));
        return new TurnoutTable(lines, merged, total, k);
    }
}
