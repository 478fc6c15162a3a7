using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>
/// Who rates one target when some categories are limited to some targets (<see cref="FrozenForm.Raters"/>): the tally's
/// categories (key groups) in scope, their 应到, and their answering ballots, which are the target's denominators.
/// </summary>
internal sealed record RaterScope(IReadOnlyList<string> Names, IReadOnlySet<Guid> CategoryIds, int Expected, int? Ballots)
{
    /// <summary>Null when every category rates the target: its figures are then counted over all ballots, as ever.</summary>
    public static RaterScope? Of(FrozenForm form, Target target, IReadOnlyList<TallyCategory> categories,
        IReadOnlyDictionary<Guid, int> answeringPerCategory, int answering, int k)
    {
        if (!form.IsLimited(target.Id)) return null;
        var raters = categories.Where(c => form.Rates(c.Id, target.Id)).ToList();
        var ballots = raters.Sum(c => answeringPerCategory.GetValueOrDefault(c.Id));
        var others = answering - ballots;
        // Withheld, and every item of the target with it, when either side is a small cell: the rater set's count is
        // published as the target's base, and the total minus it would give the others' count away.
        var shown = ballots >= k && (others == 0 || others >= k);
        return new(raters.Select(c => c.Name).ToList(), raters.Select(c => c.Id).ToHashSet(), raters.Sum(c => c.Expected), shown ? ballots : null);
    }

    /// <summary>
    /// The breakdown columns that hold a category in scope; the others would show only zeros. One column is no breakdown.
    /// Counts inside a column come from its categories in scope alone, since out-of-scope answers make a ballot 无效.
    /// </summary>
    public IReadOnlyList<CategoryGroup> Groups(IReadOnlyList<CategoryGroup> all)
    {
        var mine = all.Where(g => g.CategoryIds.Any(CategoryIds.Contains)).ToList();
        return mine.Count >= 2 ? mine : [];
    }
}
