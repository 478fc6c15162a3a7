using Evaluation.Core.Tallies;

namespace Evaluation.Core.Audit;

/// <summary>A respondent category with its slip counts and its signing key's public half (SubjectPublicKeyInfo DER).</summary>
public sealed record BundleCategory(TallyCategory Counts, byte[] PublicKey);

public static class AuditBundleBuilder
{
    /// <summary>
    /// Groups the categories exactly as the tally does (<see cref="Tally.Partition"/>), so no group of fewer than k
    /// ballots is singled out, and a tally recomputed with the groups as categories forms the same breakdown again.
    /// </summary>
    public static AuditBundle Build(BundleEvaluation evaluation, string frozenForm, string formHash, TallySettings settings,
        IReadOnlyList<BundleCategory> categories, IReadOnlyList<TallyBallot> ballots, Tally tally, IReadOnlyList<ActionLogEntry> actionLog)
    {
        var received = ballots.GroupBy(b => b.CategoryId).ToDictionary(g => g.Key, g => g.Count());
        var k = Math.Max(settings.SmallCell, TallySettings.MinimumSmallCell);
        var parts = Tally.Partition(categories.Select(c => c.Counts).ToList(), received, k).ToList();
        var grouped = parts.SelectMany(p => p.Members).Select(c => c.Id).ToHashSet();
        parts.AddRange(categories.Where(c => !grouped.Contains(c.Counts.Id)).Select(c => new CategoryPart(c.Counts.Name, [c.Counts], false)));

        var keys = categories.ToDictionary(c => c.Counts.Id, c => Convert.ToBase64String(c.PublicKey));
        var byCategory = ballots.ToLookup(b => b.CategoryId);
        var groups = parts.Select(p => new BundleGroup
        {
            Id = p.Members[0].Id,
            Name = p.Name,
            Categories = p.Members.Select(c => c.Name).ToList(),
            PublicKeys = p.Members.Select(c => keys[c.Id]).ToList(),
            Expected = p.Members.Sum(c => c.Expected),
            SlipsIssued = p.Members.Sum(c => c.Issued),
            SlipsVoided = p.Members.Sum(c => c.Voided),
            CheckedIn = p.Members.Sum(c => c.CheckedIn),
            Ballots = p.Members.SelectMany(c => byCategory[c.Id])
                .Select(b => new BundleBallot(Convert.ToHexStringLower(b.Message), Convert.ToHexStringLower(b.Signature), b.Answers))
                .OrderBy(b => b.Message, StringComparer.Ordinal).ToList(),
        }).ToList();

        var weights = parts
            .Select(p => (p.Members[0].Id, Weight: p.Members.Sum(c => settings.CategoryWeights.GetValueOrDefault(c.Id))))
            .Where(w => w.Weight > 0)
            .ToDictionary(w => w.Id, w => w.Weight);

        return new AuditBundle
        {
            Format = AuditBundle.CurrentFormat,
            Evaluation = evaluation,
            FrozenForm = frozenForm,
            FormHash = formHash,
            Settings = settings with { CategoryWeights = weights },
            Groups = groups,
            Fingerprint = tally.Fingerprint,
            Tally = TallyFigures.Of(tally),
            ActionLog = actionLog,
        };
    }
}
