using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Tests.Browser;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// DESIGN.md §2.5: at the default log levels nothing is logged per voting request, and nothing logs a token, message,
/// signature, receipt or answer. The built service in its own process, with the settings it ships with, through a whole
/// meeting (setup, slips, many phones voting, receipt checks, close, every download), its whole console output read back.
/// </summary>
public sealed class MeetingLogTests
{
    private const string AuditorName = "auditor-log";
    private const string AuditorPassword = "Auditor-Password-1";

    /// <summary>Enough requests that one log line for each would stand out against any line that happens to fall in between.</summary>
    private const int Phones = 24;

    [Test, CancelAfter(240_000)]
    public async Task AWholeMeeting_AtDefaultLevels_LogsNoLinePerVotingRequestOrReceiptCheck_AndNoSecret()
    {
        await using var server = await VotingServer.StartAsync();
        await SeedAuditorAsync(server);
        using var organizer = await server.SignInAsOrganizerAsync();
        var evaluation = await server.SeedDraftAsync("日志检查评议");
        (await organizer.GetAsync($"/evaluations/{evaluation.Id}")).Dispose();
        await VotingServer.OpenAsync(organizer, evaluation);
        var tokens = await VotingServer.IssueSlipsAsync(organizer, evaluation, Phones + 1);
        var startedWith = await SettledLinesAsync(server);
        Assert.That(server.Output, Does.Contain("Application started"), "the service's console output is captured");

        // Many phones: each reads its slip, checks in and votes (three requests), with an opinion only it wrote.
        var secrets = new List<string>(tokens.Concat(tokens.Select(SlipToken.Grouped)));
        var receipts = new List<string>();
        foreach (var (token, i) in tokens.Take(Phones).Select((t, i) => (t, i)))
        {
            using var phone = new VotingClient(server.Client());
            var credential = await phone.CheckInAsync(token);
            var opinion = $"第{i}号手机的意见：食堂要改进{Guid.NewGuid():N}";
            using var ballot = await phone.SubmitAsync(credential, Answers(evaluation, opinion));
            Assert.That(ballot.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ballot.Content.ReadAsStringAsync());
            receipts.Add(credential.ExpectedReceipt);
            secrets.AddRange([opinion, .. VotingClient.Secrets(credential), credential.ExpectedReceipt, credential.ExpectedReceipt.Replace("-", "")]);
        }
        // And refusals a venue sees: a mistyped code, a slip used twice.
        using (var refusals = server.Client())
        {
            (await refusals.PostAsJsonAsync("/api/v/slip", new { token = tokens[^1][..19] + "X" })).Dispose();
            (await refusals.PostAsJsonAsync("/api/v/checkin", VotingClient.CheckInBody(tokens[0], new byte[256], new byte[256]))).Dispose();
        }
        var afterVoting = await SettledLinesAsync(server);

        // Every voter checks the receipt on the public page (a form with its antiforgery token), twice.
        foreach (var receipt in receipts.Concat(receipts))
        {
            using var visitor = new StaffClient(server.Client());
            using var checkedReceipt = await visitor.PostFormAsync("/receipt", [new("Code", receipt.ToLowerInvariant())], tokenFromPage: "/receipt");
            Assert.That(await StaffClient.BodyAsync(checkedReceipt), Does.Contain("已计入"));
        }
        var afterReceipts = await SettledLinesAsync(server);

        using (var close = await organizer.PostFormAsync($"/evaluations/{evaluation.Id}/close", []))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        using var auditor = new StaffClient(server.Client());
        await auditor.LoginAsync(AuditorName, AuditorPassword);
        foreach (var (client, url) in new[]
                 {
                     (organizer, "results"), (organizer, "results.pdf"), (organizer, "results.xlsx"), (organizer, "opinions"),
                     (auditor, "audit-bundle"),
                 })
            using (var download = await client.GetAsync($"/evaluations/{evaluation.Id}/{url}"))
                Assert.That(download.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        var atTheEnd = await SettledLinesAsync(server);

        var log = server.Output;
        var lines = log.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(afterVoting - startedWith, Is.LessThanOrEqualTo(2),
                $"{Phones * 3 + 2} voting requests logged {afterVoting - startedWith} lines:\n{Between(lines, startedWith, afterVoting)}");
            Assert.That(afterReceipts - afterVoting, Is.LessThanOrEqualTo(2),
                $"{receipts.Count * 2} receipt requests logged {afterReceipts - afterVoting} lines:\n{Between(lines, afterVoting, afterReceipts)}");
            Assert.That(atTheEnd - afterReceipts, Is.LessThanOrEqualTo(5),
                $"closing and the downloads logged {atTheEnd - afterReceipts} lines:\n{Between(lines, afterReceipts, atTheEnd)}");
            foreach (var secret in secrets.Append(VotingServer.OrganizerPassword).Append(AuditorPassword))
                Assert.That(log, Does.Not.Contain(secret).IgnoreCase, $"the log holds a secret: {secret[..Math.Min(12, secret.Length)]}…");
        });
    }

    private static object Answers(VotingEvaluation evaluation, string opinion) => new
    {
        targets = new Dictionary<string, object>
        {
            [evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "较好" } },
            [evaluation.ChiefId.ToString()] = new Dictionary<string, object>
            {
                ["member-overall"] = new { choice = "称职" }, ["target-opinion"] = new { text = opinion },
            },
            [evaluation.DeputyId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "基本称职" } },
        },
    };

    /// <summary>The number of lines the service has written, once it has written nothing new for a moment (the console logger writes from a queue).</summary>
    private static async Task<int> SettledLinesAsync(VotingServer server)
    {
        var count = Lines(server.Output);
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            var now = Lines(server.Output);
            if (now == count) return count;
            count = now;
        }
    }

    private static int Lines(string output) => output.Count(c => c == '\n');

    private static string Between(string[] lines, int from, int to) => string.Join('\n', lines.Skip(from).Take(Math.Min(to - from, 20)));

    private static async Task SeedAuditorAsync(VotingServer server)
    {
        await using var conn = await server.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
            values (@Account, @AuditorName, '审计', 'auditor', @Hash, gen_random_uuid());
            insert into staff_unit (account_id, unit_id) values (@Account, @Unit);
            """, new { Account = Guid.NewGuid(), AuditorName, server.Unit, Hash = Passwords.Hash(AuditorPassword) });
    }
}
