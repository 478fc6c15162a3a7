using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Evaluation.Web.Features.AuditLog;

/// <summary>
/// What the 审计 narrowed the log to. Kept as typed (<see cref="Raw"/>) as well, so a refused filter is shown back as it was
/// and every link (pages, exports) carries the same query.
/// </summary>
public sealed record AuditLogFilter(Guid? Evaluation, string? Actor, string? Action, DateOnly? From, DateOnly? To,
    IReadOnlyDictionary<string, string> Raw)
{
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public bool IsEmpty => Raw.Count == 0;

    /// <summary>The first instant of <see cref="From"/> in 北京时间, which the dates are in.</summary>
    public DateTimeOffset? FromAt => From is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), ChinaOffset) : null;

    /// <summary>The first instant after <see cref="To"/>: the range includes the whole last day.</summary>
    public DateTimeOffset? BeforeAt => To is { } d ? new DateTimeOffset(d.AddDays(1).ToDateTime(TimeOnly.MinValue), ChinaOffset) : null;

    public static (AuditLogFilter Filter, List<string> Errors) Parse(string? evaluation, string? actor, string? action, string? from, string? to)
    {
        var errors = new List<string>();
        var raw = new Dictionary<string, string>();
        foreach (var (key, value) in new[] { ("evaluation", evaluation), ("actor", actor), ("action", action), ("from", from), ("to", to) })
            if (!string.IsNullOrWhiteSpace(value)) raw[key] = value.Trim();

        Guid? evaluationId = null;
        if (raw.TryGetValue("evaluation", out var e))
        {
            if (Guid.TryParse(e, out var id)) evaluationId = id;
            else errors.Add("评议编号格式不对：请从“评议”列表中选择，或清除筛选。");
        }
        var fromDate = Date(raw, "from", "开始日期", errors);
        var toDate = Date(raw, "to", "结束日期", errors);
        if (fromDate > toDate) errors.Add($"开始日期 {fromDate:yyyy-MM-dd} 晚于结束日期 {toDate:yyyy-MM-dd}：请对调两个日期。");

        return (new AuditLogFilter(evaluationId, raw.GetValueOrDefault("actor"), raw.GetValueOrDefault("action"), fromDate, toDate, raw), errors);
    }

    private static DateOnly? Date(Dictionary<string, string> raw, string key, string label, List<string> errors)
    {
        if (!raw.TryGetValue(key, out var text)) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        errors.Add($"{label}“{text}”不是日期：请按 2026-12-05 的格式填写（年-月-日），或用日期选择框选择。");
        return null;
    }

    /// <summary>This view's address with the filter and, past the first, the page.</summary>
    public string Url(string path, int page = 1)
    {
        var query = new Dictionary<string, string?>(Raw.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
        if (page > 1) query["page"] = page.ToString(CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString(path, query);
    }

    /// <summary>The filter in words, for the export's heading and its log entry.</summary>
    public string Describe(AuditLogChoices choices)
    {
        if (IsEmpty) return "全部记录（未筛选）";
        var parts = new List<string>();
        if (Evaluation is { } id)
            parts.Add($"评议 {choices.Evaluations.FirstOrDefault(e => e.Id == id)?.Label ?? ""}（编号 {id}）");
        if (Actor is not null) parts.Add($"操作人 {Actor}");
        if (Action is not null) parts.Add($"操作 {Action}");
        if (From is not null || To is not null)
            parts.Add($"日期 {From?.ToString("yyyy-MM-dd") ?? "最早"} 至 {To?.ToString("yyyy-MM-dd") ?? "今天"}（北京时间）");
        var text = new StringBuilder("筛选：").AppendJoin("；", parts);
        return text.ToString();
    }
}
