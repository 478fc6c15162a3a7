using Evaluation.Core.Tallies;

namespace Evaluation.Core.Audit;

/// <summary>A respondent category with its slip counts and its signing key's public half (SubjectPublicKeyInfo DER).</summary>
public sealed record BundleCategory(TallyCategory Counts, byte[] PublicKey);

/// <summary>
/// A key group with its slip counts summed over its categories (<see cref="TallyCategory.Id"/> is the group's id), the
/// names of those categories, and its two keys' public halves (SubjectPublicKeyInfo DER).
/// </summary>
public sealed record BundleKeyGroup(TallyCategory Counts, IReadOnlyList<string> Categories, byte[] DoorKey, byte[] BallotKey);

public static class AuditBundleBuilder
{
    /// <summary>
    /// Format 2, from the sealed ballot box on: one group per key group (formed when voting opened so that each expects
    /// at least 2k voters), every one listed, ballots or not, since the log committed all their keys. The settings are
    /// the tally's, category weights already summed per key group.
    /// </summary>
    public static AuditBundle Build(BundleEvaluation evaluation, string frozenForm, string formHash, TallySettings settings,
        IReadOnlyList<BundleKeyGroup> groups, BoxCommitment box, IReadOnlyList<TallyBallot> ballots, IReadOnlyDictionary<string, int> rejected,
        Tally tally, IReadOnlyList<ActionLogEntry> actionLog)
    {
        var byGroup = ballots.ToLookup(b => b.CategoryId);
        return new AuditBundle
        {
            Format = AuditBundle.CurrentFormat,
            Evaluation = evaluation,
            FrozenForm = frozenForm,
            FormHash = formHash,
            Settings = settings,
            Groups = groups.Select(g => new BundleGroup
            {
                Id = g.Counts.Id,
                Name = g.Counts.Name,
                Categories = g.Categories,
                DoorKey = Convert.ToBase64String(g.DoorKey),
                BallotKey = Convert.ToBase64String(g.BallotKey),
                Expected = g.Counts.Expected,
                SlipsIssued = g.Counts.Issued,
                SlipsVoided = g.Counts.Voided,
                CheckedIn = g.Counts.CheckedIn,
                Ballots = byGroup[g.Counts.Id]
                    .Select(b => new BundleBallot(Hex(b.Message), Hex(b.Signature), b.Answers,
                        b.PhoneKey is { } pk ? Hex(pk) : null, b.AnswerSignature is { } tau ? Hex(tau) : null))
                    .OrderBy(b => b.Message, StringComparer.Ordinal).ToList(),
            }).ToList(),
            Box = new BundleBox(box.Custody, Hex(box.PublicKey), box.Threshold, box.Cards.Select(c => new BundleCard(c.Holder, Hex(c.CardKey))).ToList()),
            Rejected = rejected.Where(r => r.Value > 0).OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Value),
            Fingerprint = tally.Fingerprint,
            Tally = TallyFigures.Of(tally),
            ActionLog = actionLog,
        };
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Format 1, for evaluations voted before the sealed box (no ballot box, one signing key per category).
    /// Groups the categories exactly as the tally does (<see cref="Tally.Partition"/>), so no group of fewer than k
    /// ballots is singled out, and a tally recomputed with the groups as categories forms the same breakdown again.
    /// </summary>
    public static AuditBundle Build(BundleEvaluation evaluation, string frozenForm, string formHash, TallySettings settings,
        IReadOnlyList<BundleCategory> categories, IReadOnlyList<TallyBallot> ballots, Tally tally, IReadOnlyList<ActionLogEntry> actionLog)
    {
        var received = ballots.GroupBy(b => b.CategoryId).ToDictionary(g => g.Key, g => g.Count());
        var k = settings.EffectiveSmallCell;
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
            Format = AuditBundle.SignedFormat,
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
