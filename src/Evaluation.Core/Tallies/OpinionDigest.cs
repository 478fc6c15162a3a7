namespace Evaluation.Core.Tallies;

/// <summary>
/// One line of the supervision group's consolidated list (梳理汇总) as stored: its wording, its tags (四风 categories or
/// themes) and the opinions it stands for, by <see cref="Opinion.Key"/>.
/// </summary>
public sealed record TriageEntry(Guid Id, string Text, IReadOnlyList<string> Tags, IReadOnlyList<string> OpinionKeys);

/// <summary>A line of the consolidated list with the verbatim originals behind it; an opinion nobody triaged stands alone.</summary>
public sealed record DigestItem(Guid? EntryId, string Text, IReadOnlyList<string> Tags, IReadOnlyList<Opinion> Originals)
{
    public bool Triaged => EntryId is not null;

    /// <summary>How many of the originals came from the open box, which every output states beside the line's count.</summary>
    public int FromOpenBox => Originals.Count(o => o.OpenBox);
}

/// <summary>The verbatim opinions (原汁原味) and their consolidation side by side: "252 条梳理为 155 条".</summary>
public sealed record OpinionDigest(IReadOnlyList<DigestItem> Items, int OriginalCount)
{
    public const string OtherTag = "其他";
    public static readonly IReadOnlyList<string> FourWinds = ["形式主义", "官僚主义", "享乐主义", "奢靡之风"];

    /// <summary>Said wherever an open-box text, or a count that includes some, is shown: it is no ballot and no vote.</summary>
    public const string OpenBoxSource = "来自公开征求意见箱（不限人次，不计票）";

    public int ConsolidatedCount => Items.Count;

    /// <summary>Originals from the open 征求意见箱 (<see cref="Opinion.OpenBox"/>), counted within <see cref="OriginalCount"/>.</summary>
    public int OpenBoxCount => Items.Sum(i => i.FromOpenBox);

    /// <summary>"，其中 3 条来自公开征求意见箱（不限人次，不计票）" after a count that includes open-box texts; empty otherwise.</summary>
    public static string OpenBoxShare(int fromOpenBox) => fromOpenBox == 0 ? "" : $"，其中 {fromOpenBox} 条{OpenBoxSource}";

    /// <summary>
    /// Entries keep only the opinions that exist in this count, and each opinion belongs to the first entry naming it;
    /// entries left empty are dropped. Triaged lines come first, the most-mentioned first; the rest keep the tally's random order.
    /// </summary>
    public static OpinionDigest Build(IReadOnlyList<Opinion> opinions, IReadOnlyList<TriageEntry> entries)
    {
        var byKey = opinions.GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.First());
        var taken = new HashSet<string>();
        var triaged = new List<DigestItem>();
        foreach (var entry in entries)
        {
            var originals = entry.OpinionKeys.Where(key => byKey.ContainsKey(key) && taken.Add(key)).Select(key => byKey[key]).ToList();
            if (originals.Count > 0)
                triaged.Add(new DigestItem(entry.Id, entry.Text, entry.Tags, originals));
        }
        var alone = opinions.Where(o => !taken.Contains(o.Key)).Select(o => new DigestItem(null, o.Text, [], [o]));
        return new OpinionDigest([.. triaged.OrderByDescending(i => i.Originals.Count), .. alone], opinions.Count);
    }

    /// <summary>How often each tag was given, counting every original opinion behind a tagged line.</summary>
    public IReadOnlyList<(string Tag, int Lines, int Originals)> TagCounts() =>
        Items.SelectMany(i => i.Tags.Select(t => (Tag: t, i.Originals.Count)))
            .GroupBy(p => p.Tag)
            .Select(g => (g.Key, g.Count(), g.Sum(p => p.Count)))
            .OrderBy(t => FourWinds.Contains(t.Key) ? FourWinds.ToList().IndexOf(t.Key) : FourWinds.Count)
            .ThenByDescending(t => t.Item3)
            .ToList();
}
