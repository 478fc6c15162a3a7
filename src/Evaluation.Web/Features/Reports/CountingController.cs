using System.Globalization;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Reports;

public sealed record CountingPage(EvaluationHeader Evaluation, IReadOnlyList<CategoryRow> Categories, TallySettings Settings,
    IReadOnlyDictionary<string, string> Entered, IReadOnlyList<string> Errors)
{
    /// <summary>Voting has closed: the rules are shown, not offered for change (see <see cref="CountingController"/>).</summary>
    public bool Locked => EvaluationStatus.HasEnded(Evaluation.Status);

    public string Value(string field, string fallback) => Entered.TryGetValue(field, out var v) ? v : fallback;

    public static string CoefficientField(Scale scale, int grade) => $"coefficient-{scale.Id}-{grade}";
    public static string WeightField(Guid category) => $"weight-{category}";
}

/// <summary>
/// The organiser's counting choices (DESIGN.md §4): k, 不了解 in D, score coefficients, category weights. Every change is
/// logged, and every report prints the rules it was counted by. They are locked when voting closes, and closing logs them
/// (<see cref="DescribeAsync"/>): a change after the close would silently change every report already handed out.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/counting")]
public sealed class CountingController(NpgsqlDataSource db) : Controller
{
    public const string LockedNote = "投票结束时计票规则已锁定，所有报告均按此规则计算";

    [HttpGet("")]
    public async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await EvaluationScope.FindAsync(conn, id, User) is not { } evaluation) return NotFound();
        var settings = TallySettings.FromJson(await SettingsJsonAsync(conn, id));
        return View("Counting", new CountingPage(evaluation, await EvaluationScope.CategoriesAsync(conn, id), settings, new Dictionary<string, string>(), []));
    }

    [HttpPost("")]
    public async Task<IActionResult> Save(Guid id, IFormCollection form, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await EvaluationScope.FindAsync(conn, id, User, tx) is not { } evaluation) return NotFound();
        if (EvaluationStatus.HasEnded(evaluation.Status)) return Locked();
        var categories = await EvaluationScope.CategoriesAsync(conn, id, tx);

        var errors = new List<string>();
        var smallCell = TallySettings.MinimumSmallCell;
        if (!int.TryParse(form["SmallCell"], NumberStyles.Integer, CultureInfo.InvariantCulture, out smallCell))
            errors.Add("最小公布单元请填写整数（不小于 5）。");
        var coefficients = new Dictionary<string, IReadOnlyList<decimal>>();
        foreach (var scale in Scale.All)
        {
            var entered = scale.Grades.Select((_, i) => form[CountingPage.CoefficientField(scale, i)].ToString().Trim()).ToList();
            if (entered.All(v => v.Length == 0)) continue;
            var parsed = entered.Select(v => decimal.TryParse(v, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : (decimal?)null).ToList();
            if (parsed.Any(d => d is null))
                errors.Add($"“{scale.Name}”的计分系数请每个等级都填写数字（如 1、0.8、0.6、0），不计分请全部留空。");
            else
                coefficients[scale.Id] = parsed.Select(d => d!.Value).ToList();
        }
        var weights = new Dictionary<Guid, decimal>();
        foreach (var c in categories)
        {
            var entered = form[CountingPage.WeightField(c.Id)].ToString().Trim();
            if (entered.Length == 0) continue;
            if (decimal.TryParse(entered, NumberStyles.Number, CultureInfo.InvariantCulture, out var w)) weights[c.Id] = w;
            else errors.Add($"“{c.Name}”的权重请填写数字，不加权请留空。");
        }
        if (weights.Count > 0 && weights.Count < categories.Count)
            errors.Add("使用类别权重时，请为每个类别都填写权重；不加权请全部留空。");

        var settings = new TallySettings
        {
            SmallCell = smallCell, UnknownInDenominator = form["UnknownInDenominator"] == "true",
            Coefficients = coefficients, CategoryWeights = weights,
        };
        errors.AddRange(settings.Problems(categories.Select(c => c.Id)));
        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View("Counting", new CountingPage(evaluation, categories, settings,
                form.Keys.ToDictionary(k => k, k => form[k].ToString()), errors));
        }

        // Not once closed, also when the close commits while this request runs: the update waits for it and then finds none.
        var saved = await conn.ExecuteAsync("update evaluation set tally_settings = @json where id = @id and status not in ('sealed', 'closed')",
            new { json = settings.ToJson(), id }, tx);
        if (saved == 0) return Locked();
        await ActionLogWriter.AppendAsync(tx, User, "修改计票规则", $"《{evaluation.Name}》：{Describe(settings, categories)}", evaluationId: evaluation.Id);
        await tx.CommitAsync(ct);
        TempData["Notice"] = "计票规则已保存。";
        return Redirect(EvaluationScope.Url(id));
    }

    /// <summary>
    /// The rules as the reports print them, for the log entry of closing: read in the closing transaction after its update
    /// of the evaluation row, so a change that committed just before is the one recorded.
    /// </summary>
    public static async Task<string> DescribeAsync(NpgsqlConnection conn, Guid id, NpgsqlTransaction tx)
    {
        var settings = TallySettings.FromJson(await SettingsJsonAsync(conn, id, tx));
        return Describe(settings, await EvaluationScope.CategoriesAsync(conn, id, tx));
    }

    /// <summary>One wording of the rules for every log entry that records them, so a change and the close read alike.</summary>
    private static string Describe(TallySettings settings, IReadOnlyList<CategoryRow> categories) =>
        settings.Describe(cid => categories.FirstOrDefault(c => c.Id == cid)?.Name ?? "?");

    private IActionResult Locked() => this.Refuse(StatusCodes.Status409Conflict,
        $"{LockedNote}，不能再修改，本次没有做任何更改。请在评议页面查看或下载报告；报告中列有所用的计票规则。");

    private static Task<string?> SettingsJsonAsync(NpgsqlConnection conn, Guid id, NpgsqlTransaction? tx = null) =>
        conn.ExecuteScalarAsync<string?>("select tally_settings from evaluation where id = @id", new { id }, tx);
}
