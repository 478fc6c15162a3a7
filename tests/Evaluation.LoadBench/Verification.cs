using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Slips;
using Npgsql;

namespace Evaluation.LoadBench;

public enum CheckOutcome { Pass, Fail, Skipped }

public sealed record Check(string What, CheckOutcome Outcome, string Detail);

/// <summary>
/// After the load: the database holds exactly the ballots the phones were told are stored, each check-in burnt one
/// slip, every receipt given out checks as counted (all of them in ballot_receipt, a sample on the public page), and
/// no request failed.
/// </summary>
public static partial class Verification
{
    public static async Task<IReadOnlyList<Check>> RunAsync(BenchTarget target, BenchOptions options,
        PreparedEvaluation meetingEvaluation, MeetingResult meeting, PreparedEvaluation saturationEvaluation, SaturationResult saturation,
        PreparedEvaluation votesEvaluation, CompleteVotesResult votes, CancellationToken ct)
    {
        var checks = new List<Check>
        {
            Expect("会场：每部手机都拿到回执", meeting.Completed == meeting.Phones, $"{meeting.Completed} / {meeting.Phones}"),
            Expect("饱和：每张票签都签到并提交", saturation.Acknowledged.Count == saturation.Slips,
                $"签到 {saturation.CheckIns.Completed}，提交 {saturation.Acknowledged.Count} / {saturation.Slips}"),
            Expect("完整投票：每张票签都签到并提交", votes.Acknowledged.Count == votes.Slips,
                $"签到 {votes.CheckIns.Completed}，提交 {votes.Acknowledged.Count} / {votes.Slips}"),
        };
        var failures = meeting.Errors.Concat(saturation.Errors).Concat(votes.Errors).Sum(e => e.Count);
        checks.Add(Expect("没有失败的请求（含重试前的 503）", failures == 0, failures == 0 ? "0" : $"{failures} 次，见下方按状态码的错误表"));

        var all = meeting.Ballots.Concat(saturation.Acknowledged).Concat(votes.Acknowledged).ToList();
        if (target.ConnectionString is { } connectionString)
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync(ct);
            foreach (var (label, evaluation, ballots, checkIns) in new[]
                     {
                         ("会场", meetingEvaluation, meeting.Ballots.Count, meeting.CheckIns),
                         ("饱和", saturationEvaluation, saturation.Acknowledged.Count, saturation.CheckIns.Completed),
                         ("完整投票", votesEvaluation, votes.Acknowledged.Count, votes.CheckIns.Completed),
                     })
            {
                // Voting is still open: the ballots are in the box, sealed, one row per door credential.
                var stored = await conn.ExecuteScalarAsync<long>("select count(*) from sealed_ballot where evaluation_id = @Id", new { evaluation.Id });
                checks.Add(Expect($"{label}：库中选票数 = 已确认的选票数", stored == ballots, $"{stored} = {ballots}"));
                var burnt = await conn.ExecuteScalarAsync<long>(
                    "select count(*) from slip where evaluation_id = @Id and blinded_hash is not null", new { evaluation.Id });
                checks.Add(Expect($"{label}：已签到票签数 = 成功签到数", burnt == checkIns, $"{burnt} = {checkIns}"));
            }
            var receipts = (await conn.QueryAsync<string>("select receipt from ballot_receipt where evaluation_id = any(@Ids)",
                new { Ids = new[] { meetingEvaluation.Id, saturationEvaluation.Id, votesEvaluation.Id } })).ToHashSet(StringComparer.Ordinal);
            var missing = all.Count(b => !receipts.Contains(b.Receipt));
            checks.Add(Expect("每个回执都在 ballot_receipt 中", missing == 0, $"缺 {missing} / {all.Count}"));
        }
        else
        {
            checks.Add(new Check("库中计数与全部回执", CheckOutcome.Skipped, "没有 --connection"));
        }

        var sample = all.OrderBy(_ => Random.Shared.Next()).Take(options.ReceiptChecks).ToList();
        if (sample.Count > 0)
        {
            var counted = 0;
            foreach (var ballot in sample)
                if (await IsCountedAsync(target.Url, Receipt.Grouped(ballot.Receipt), ct)) counted++;
            checks.Add(Expect("公开查询页（POST /receipt）抽查回执：已计入", counted == sample.Count, $"{counted} / {sample.Count}"));
        }
        return checks;
    }

    private static Check Expect(string what, bool passed, string detail) => new(what, passed ? CheckOutcome.Pass : CheckOutcome.Fail, detail);

    /// <summary>A visitor with no account on /receipt: the form's antiforgery token comes from the page itself.</summary>
    private static async Task<bool> IsCountedAsync(Uri baseUrl, string code, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = baseUrl,
        };
        var page = await http.GetStringAsync("/receipt", ct);
        var token = TokenInput().Match(page);
        if (!token.Success) return false;
        using var response = await http.PostAsync("/receipt", new FormUrlEncodedContent(
            [new("Code", code), new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups["value"].Value))]), ct);
        return response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync(ct)).Contains("<p class=\"result-title\">已计入</p>");
    }

    [GeneratedRegex(@"<input[^>]*\bname=""__RequestVerificationToken""[^>]*\bvalue=""(?<value>[^""]*)""")]
    private static partial Regex TokenInput();
}
