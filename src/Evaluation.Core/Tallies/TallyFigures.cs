using System.Globalization;
using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>
/// One published number of a tally. <see cref="Key"/> names it by ids, so two tallies can be compared figure by figure;
/// <see cref="Label"/> names it in words for the auditor; <see cref="Value"/> is an integer, a decimal fraction rounded
/// to ten places, "—" where the report prints nothing, or words (warnings).
/// </summary>
public sealed record Figure(string Key, string Label, string Value);

/// <summary>
/// Every number the reports publish, and only those: suppressed items and the categories inside a merged group do not
/// appear. The audit bundle carries the server's figures; the verifier recomputes the tally and compares.
/// </summary>
public static class TallyFigures
{
    public const string Missing = "—";

    public static IReadOnlyList<Figure> Of(Tally tally)
    {
        var figures = new List<Figure>();
        void Add(string key, string label, string value) => figures.Add(new Figure(key, label, value));

        var t = tally.Turnout;
        foreach (var (key, label, value) in new[]
        {
            ("expected", "应到", t.Expected), ("checked-in", "实到（签到）", t.CheckedIn), ("issued", "发出", t.Issued),
            ("received", "收回", t.Received), ("valid", "有效", t.Valid), ("invalid", "无效", t.Invalid), ("abstained", "弃权", t.Abstained),
        })
            Add($"turnout/{key}", $"投票情况 · {label}", Integer(value));
        // Rejections at 开箱 by reason; ballots that do not fit the form are 无效 minus these, so need no figure of their own.
        foreach (var (reason, count) in t.InvalidReasons.Where(r => r.Reason != Turnout.Misfit))
            Add($"turnout/invalid/{reason}", $"投票情况 · 无效 · {Turnout.ReasonName(reason)}", Integer(count));
        Add("fingerprint", "选票指纹", tally.Fingerprint);
        Add("published", "是否公布结果", tally.Suppressed ? "否（作答不足）" : "是");
        if (tally.Suppressed) return figures;

        foreach (var g in tally.Groups)
            Add($"group/{g.Name}", $"类别分组 {g.Name} · 作答（票）", Integer(g.Ballots));
        foreach (var item in tally.General)
            AddItem(item);
        foreach (var target in tally.Targets)
        {
            var name = TargetLabel(target.Target);
            if (target.RatedBy is { } raters)
            {
                // Only for targets some categories do not rate, so a tally without limits publishes exactly what it did.
                Add($"target/{target.Target.Id:N}/raters", $"{name} · 评议人员", string.Join("、", raters));
                Add($"target/{target.Target.Id:N}/expected", $"{name} · 应到", Integer(target.Expected));
                Add($"target/{target.Target.Id:N}/ballots", $"{name} · 作答（票）", target.Ballots is { } n ? Integer(n) : "不公布（作答不足）");
            }
            if (target.Rank is { } rank) Add($"target/{target.Target.Id:N}/rank", $"{name} · 排名", Integer(rank));
            if (target.Warnings.Count > 0) Add($"target/{target.Target.Id:N}/warnings", $"{name} · 预警", string.Join("；", target.Warnings));
            foreach (var item in target.Items)
                AddItem(item);
        }
        foreach (var opinions in tally.Opinions.GroupBy(o => (o.Target?.Id, o.Question.Id)).OrderBy(g => (g.Key.Item1?.ToString("N") ?? "-") + "/" + g.Key.Item2, StringComparer.Ordinal))
        {
            var first = opinions.First();
            Add($"opinions/{first.Target?.Id.ToString("N") ?? "-"}/{first.Question.Id}", $"{TargetLabel(first.Target)} · {first.Question.Text} · 意见原文（条）",
                Integer(opinions.Count()));
        }
        return figures;

        void AddItem(ItemTally item)
        {
            var key = $"item/{item.Target?.Id.ToString("N") ?? "-"}/{item.Question.Id}";
            var label = $"{TargetLabel(item.Target)} · {item.Question.Text}";
            if (item.Suppressed)
            {
                Add(key, label, "不公布（作答不足）");
                return;
            }
            Add($"{key}/answered", $"{label} · 作答人数", Integer(item.Answered));
            Add($"{key}/unanswered", $"{label} · 未作答", Integer(item.Unanswered));
            Add($"{key}/void", $"{label} · 本题无效", Integer(item.Void));
            foreach (var (option, i) in item.Options.Select((o, i) => (o, i)))
            {
                Add($"{key}/option/{i}", $"{label} · {option.Option}（票）", Integer(option.Count));
                Add($"{key}/option/{i}/share", $"{label} · {option.Option}（占比）", Fraction(option.Share));
            }
            if (item.Question.AllowOther) Add($"{key}/other", $"{label} · 其他（票）", Integer(item.Other));
            if (item.Rates is not { } rates) return;
            if (item.Question.AllowUnknown) Add($"{key}/unknown", $"{label} · {Scale.Unknown}（票）", Integer(item.Unknown));
            Add($"{key}/d", $"{label} · D", Integer(item.Denominator));
            Add($"{key}/positive", $"{label} · {rates.PositiveName}", Fraction(rates.Positive));
            Add($"{key}/negative", $"{label} · 差评率", Fraction(rates.Negative));
            Add($"{key}/score", $"{label} · 得分", Fraction(rates.Score));
            Add($"{key}/weighted", $"{label} · 加权{rates.PositiveName}", Fraction(rates.WeightedPositive));
            foreach (var g in item.ByGroup)
            {
                var groupKey = $"{key}/group/{g.Group.Name}";
                var groupLabel = $"{label} · {g.Group.Name}";
                Add($"{groupKey}/answered", $"{groupLabel} · 作答（票）", Integer(g.Answered));
                Add($"{groupKey}/d", $"{groupLabel} · D", Integer(g.Denominator));
                foreach (var (grade, i) in g.Grades.Select((o, i) => (o, i)))
                    Add($"{groupKey}/option/{i}", $"{groupLabel} · {grade.Option}（票）", Integer(grade.Count));
                Add($"{groupKey}/positive", $"{groupLabel} · {rates.PositiveName}", Fraction(g.Positive));
                Add($"{groupKey}/negative", $"{groupLabel} · 差评率", Fraction(g.Negative));
            }
        }
    }

    /// <summary>The figures of <paramref name="stated"/> that <paramref name="recomputed"/> does not repeat exactly, and those it lacks or adds.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyList<Figure> stated, IReadOnlyList<Figure> recomputed)
    {
        var mine = recomputed.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First());
        var theirs = stated.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First());
        var differences = new List<string>();
        foreach (var f in stated)
        {
            if (!mine.TryGetValue(f.Key, out var r)) differences.Add($"{f.Label}：包内为 {f.Value}，重算没有这一项");
            else if (r.Value != f.Value) differences.Add($"{f.Label}：包内为 {f.Value}，重算为 {r.Value}");
        }
        differences.AddRange(recomputed.Where(r => !theirs.ContainsKey(r.Key)).Select(r => $"{r.Label}：重算为 {r.Value}，包内缺这一项"));
        return differences;
    }

    public static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Fraction(decimal? value) =>
        value is { } v ? decimal.Round(v, 10, MidpointRounding.ToEven).ToString("0.##########", CultureInfo.InvariantCulture) : Missing;

    public static string TargetLabel(Target? target) => target is null ? "整体" : Forms.TargetLabel.Of(target);
}
