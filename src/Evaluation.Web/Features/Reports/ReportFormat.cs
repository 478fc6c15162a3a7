using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Evaluation.Core;
using Evaluation.Core.Forms;
using Evaluation.Core.Text;
using Evaluation.Core.Tallies;
using Microsoft.AspNetCore.Html;
using Label = Evaluation.Core.Forms.TargetLabel;

namespace Evaluation.Web.Features.Reports;

/// <summary>How the screen and the PDF print numbers, so both read the same.</summary>
public static class ReportFormat
{
    public const string Missing = "—";

    /// <summary>Target columns per 四风 table: with the symptom column and 合计 this fills a landscape A4 page without squeezing.</summary>
    public const int FourWindsColumns = 8;

    public static string Percent(decimal? share) => share is { } s ? (s * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : Missing;

    /// <summary>A change of rate in percentage points, signed: "+12.5 个百分点".</summary>
    public static string PointChange(decimal? change) =>
        change is { } c ? (c > 0 ? "+" : "") + (c * 100).ToString("0.0", CultureInfo.InvariantCulture) + " 个百分点" : Missing;

    public static string Score(decimal? score) => score is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : Missing;

    public static string TargetLabel(Target? target) => TallyFigures.TargetLabel(target);

    public static string SuppressedNote(int smallCell) => $"作答不足 {smallCell} 人，为保护匿名不公布";

    /// <summary>The sentence that stands for every figure when fewer than k ballots answered: only the turnout is published.</summary>
    public static string SuppressedEvaluationNote(Tally tally) =>
        $"有效答卷（不含弃权）只有 {tally.Turnout.Answering} 份，少于 {tally.Settings.SmallCell} 份。为保护匿名，只公布参与情况，不公布统计结果和意见原文。";

    /// <summary>
    /// Where a 调出 member's result went (<see cref="ResultsReport.TransferredNote"/>), the receiving unit's name isolated;
    /// null for anyone else. The note's other words are the product's own, with no markup to escape.
    /// </summary>
    public static IHtmlContent? Transferred(ResultsReport report, Target target) =>
        report.TransferredNote(target, name => $"<bdi>{NameEncoder.Encode(UserText.Balanced(name))}</bdi>") is { } note
            ? new HtmlString(note)
            : null;

    // As Program.cs configures the views' encoder: markup escaped, Chinese left as it is (the default would write 甲 as &#x7532;).
    private static readonly HtmlEncoder NameEncoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>Said once where opinions are listed: the texts of a suppressed item are left out, and how many there were is not said either.</summary>
    public static string SuppressedOpinionsNote(int smallCell) => $"作答不足 {smallCell} 人的题目不公布意见原文，也不公布条数";

    /// <summary>
    /// Text someone typed (an opinion, a name), isolated as a bidi island: a U+202E inside reverses only itself, never the
    /// product's words beside it. Isolate closers that close nothing inside are dropped so they cannot end the island early.
    /// </summary>
    public static IHtmlContent User(string? text) =>
        new HtmlContentBuilder(3).AppendHtml("<bdi>").Append(UserText.Balanced(text ?? "")).AppendHtml("</bdi>");

    /// <summary>A target as the reports name it, "张三（副局长）", with the name and the title each isolated.</summary>
    public static IHtmlContent Target(Target? target)
    {
        if (target is null) return new HtmlString("整体");
        // The name never breaks (a column too narrow for it is the layout's fault); a long title may.
        var label = new HtmlContentBuilder(6).AppendHtml("<bdi class=\"name\">").Append(UserText.Balanced(target.Name)).AppendHtml("</bdi>");
        return Label.Post(target.Title) is { } post
            ? label.AppendHtml($"<span class=\"title\">{Label.Open}").AppendHtml(User(post)).AppendHtml($"{Label.Close}</span>")
            : label;
    }

    /// <summary>A group of respondent categories: its name, or "其余类别合并（…）" with each merged category's name isolated.</summary>
    public static IHtmlContent Group(CategoryGroup group, IReadOnlyList<TallyCategory> categories)
    {
        if (!group.Merged) return User(group.Name);
        var label = new HtmlContentBuilder().AppendHtml("其余类别合并（");
        for (var i = 0; i < group.CategoryIds.Count; i++)
        {
            if (i > 0) label.AppendHtml("、");
            label.AppendHtml(User(categories.FirstOrDefault(c => c.Id == group.CategoryIds[i])?.Name ?? "（已删除的类别）"));
        }
        return label.AppendHtml("）");
    }

    /// <summary>The action log's newest entry when the report was made, "操作记录 第 N 条"; the verifier's --anchor takes its hash.</summary>
    public static string LogHeadLabel(ActionLogHead head) => $"操作记录 第 {head.Seq} 条";
}

public sealed record ItemView(ItemTally Item, Tally Tally)
{
    public TallySettings Settings => Tally.Settings;
}
