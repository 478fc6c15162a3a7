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
    public string Value(string field, string fallback) => Entered.TryGetValue(field, out var v) ? v : fallback;

    public static string CoefficientField(Scale scale, int grade) => $"coefficient-{scale.Id}-{grade}";
    public static string WeightField(Guid category) => $"weight-{category}";
}

/// <summary>
/// The organiser's counting choices (DESIGN.md §4): k, 不了解 in D, score coefficients, category weights. Every change is
/// logged, and every report prints the rules it was counted by, so a change after the count cannot pass unnoticed.
/// </summary>
[Authorize(Roles = Roles.Organizer)]
[Route("evaluations/{id:guid}/counting")]
public sealed class CountingController(NpgsqlDataSource db) : Controller
{
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

        await conn.ExecuteAsync("update evaluation set tally_settings = @json where id = @id", new { json = settings.ToJson(), id }, tx);
        await ActionLogWriter.AppendAsync(tx, User, "修改计票规则",
            $"《{evaluation.Name}》：{settings.Describe(cid => categories.FirstOrDefault(c => c.Id == cid)?.Name ?? "?")}");
        await tx.CommitAsync(ct);
        TempData["Notice"] = "计票规则已保存。";
        return Redirect(evaluation.Status == EvaluationStatus.Closed ? $"/evaluations/{id}/results" : EvaluationScope.Url(id));
    }

    private static Task<string?> SettingsJsonAsync(NpgsqlConnection conn, Guid id) =>
        conn.ExecuteScalarAsync<string?>("select tally_settings from evaluation where id = @id", new { id });
}
