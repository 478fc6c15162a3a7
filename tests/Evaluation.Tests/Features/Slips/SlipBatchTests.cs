using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Slips;

/// <summary>
/// The organiser's slip forms as the app under test serves them, on https://localhost: the issue form proposes what each
/// category still lacks and warns about the address, a batch is voided without its codes, and a burnt slip is replaced.
/// </summary>
public sealed partial class SlipBatchTests : OrganizerSession
{
    private async Task<SeededEvaluation> OpenAsync(int expected = 20)
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: expected);
        using var open = await PostAsync($"{evaluation.Url}/open");
        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        return evaluation;
    }

    private async Task<string> PageAsync(SeededEvaluation evaluation)
    {
        using var response = await Organizer.GetAsync(evaluation.Url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await StaffClient.BodyAsync(response);
    }

    private async Task CheckInAsync(string token)
    {
        using var phone = new VotingClient(World.App.CreateClient());
        await phone.CheckInAsync(token);
    }

    private async Task<List<Guid>> BatchesAsync(SeededEvaluation evaluation)
    {
        await using var conn = await World.OpenAsync();
        return (await conn.QueryAsync<Guid>("select id from slip_issue where evaluation_id = @Id order by issued_at", new { evaluation.Id })).ToList();
    }

    private Task<long> StaffActionsAsync(string action, string detailLike) =>
        World.ScalarAsync<long>("select count(*) from staff_action where action = @action and detail like @detailLike", new { action, detailLike });

    [Test]
    public async Task IssueForm_ProposesTheCategorysExpectedMinusSlipsOutAndNotVoided()
    {
        var evaluation = await OpenAsync(expected: 20);
        Assert.That(CountInput(await PageAsync(evaluation), evaluation.CategoryId), Is.EqualTo("20"));

        var tokens = await IssueSlipsAsync(evaluation, 6);
        (await PostAsync($"{evaluation.Url}/slips/void", ("code", tokens[0]))).Dispose();

        Assert.That(CountInput(await PageAsync(evaluation), evaluation.CategoryId), Is.EqualTo("15"), "20 − (6 − 1)");
        await IssueSlipsAsync(evaluation, 30);
        Assert.That(CountInput(await PageAsync(evaluation), evaluation.CategoryId), Is.EqualTo("0"), "never below 0");
    }

    [Test]
    public async Task IssueForm_WarnsThatALocalhostQrAddressWillNotOpenOnPhones_ButStillIssues()
    {
        var evaluation = await OpenAsync();

        var page = await PageAsync(evaluation);

        Assert.That(page, Does.Contain("二维码地址是 https://localhost/").And.Contain("手机打不开").And.Contain("Site__PublicBaseUrl"));
        Assert.That(await IssueSlipsAsync(evaluation, 2), Has.Count.EqualTo(2), "a warning, not a refusal");
    }

    [Test]
    public async Task VoidBatch_VoidsOnlyThatBatchsUnusedSlips_AndLogsTheCount()
    {
        var evaluation = await OpenAsync();
        var batch = await IssueSlipsAsync(evaluation, 5);
        var other = await IssueSlipsAsync(evaluation, 3);
        await CheckInAsync(batch[0]);
        await CheckInAsync(batch[1]);
        var batchId = (await BatchesAsync(evaluation))[0];

        using var response = await PostAsync($"{evaluation.Url}/slips/void-batch", ("batch", batchId.ToString()));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        await using var conn = await World.OpenAsync();
        var states = (await conn.QueryAsync<(bool Voided, bool Used, Guid? IssueId)>(
            "select voided, blinded_hash is not null, issue_id from slip where evaluation_id = @Id", new { evaluation.Id })).ToList();
        Assert.That(states.Count(s => s.IssueId == batchId && s.Voided), Is.EqualTo(3));
        Assert.That(states.Where(s => s.Used).All(s => !s.Voided), Is.True, "used slips untouched");
        Assert.That(states.Where(s => s.IssueId != batchId).All(s => !s.Voided), Is.True, "the other batch untouched");
        Assert.That(states.Count(s => s.IssueId != batchId), Is.EqualTo(other.Count));
        Assert.That(await StaffActionsAsync("作废票签", "%《测试评议》：机关工作人员 % 发放的一批中未使用的 3 张"), Is.EqualTo(1));
        Assert.That(await PageAsync(evaluation), Does.Contain("作废本批未使用的票签"));

        using var again = await PostAsync($"{evaluation.Url}/slips/void-batch", ("batch", batchId.ToString()));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(again), Does.Contain("已经没有未使用的票签"));
    }

    [Test]
    public async Task VoidBatch_OfAnotherEvaluationOrMissing_Is400_AndVoidsNothing()
    {
        var evaluation = await OpenAsync();
        var elsewhere = await OpenAsync();
        await IssueSlipsAsync(elsewhere, 4);
        var theirBatch = (await BatchesAsync(elsewhere))[0];

        using var wrongEvaluation = await PostAsync($"{evaluation.Url}/slips/void-batch", ("batch", theirBatch.ToString()));
        using var missing = await PostAsync($"{evaluation.Url}/slips/void-batch");
        using var garbage = await PostAsync($"{evaluation.Url}/slips/void-batch", ("batch", "not-a-batch"));

        Assert.That(wrongEvaluation.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(wrongEvaluation), Does.Contain("本评议没有这一批票签"));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(garbage.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where voided and evaluation_id = @Id", new { elsewhere.Id }), Is.Zero);
    }

    [Test]
    public async Task VoidBatch_ByAnotherUnitsOrganiser_Is404_AndVoidsNothing()
    {
        var evaluation = await OpenAsync();
        await IssueSlipsAsync(evaluation, 4);
        var batchId = (await BatchesAsync(evaluation))[0];
        using var otherUnit = await World.SignInAsync("organizer-b");

        using var response = await otherUnit.PostFormAsync($"{evaluation.Url}/slips/void-batch", [new("batch", batchId.ToString())]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where voided and evaluation_id = @Id", new { evaluation.Id }), Is.Zero);
    }

    [Test]
    public async Task VoidBatch_AfterVotingEnded_Is409()
    {
        var evaluation = await OpenAsync();
        await IssueSlipsAsync(evaluation, 4);
        var batchId = (await BatchesAsync(evaluation))[0];
        (await PostAsync($"{evaluation.Url}/close")).Dispose();

        using var response = await PostAsync($"{evaluation.Url}/slips/void-batch", ("batch", batchId.ToString()));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where voided and evaluation_id = @Id", new { evaluation.Id }), Is.Zero);
    }

    [Test]
    public async Task Replacement_IssuesOneSlipThatChecksIn_CountedAsReplacementInTheTurnout_AndLoggedWithItsReason()
    {
        var evaluation = await OpenAsync();
        var burnt = (await IssueSlipsAsync(evaluation, 6))[0];
        await CheckInAsync(burnt);

        using var response = await PostAsync($"{evaluation.Url}/slips/replacement",
            ("CategoryId", evaluation.CategoryId.ToString()), ("Reason", "签到后手机没电，本人在场"), ("Format", "html"));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var replacement = SlipLink().Matches(body).Select(m => m.Groups[1].Value).Single();
        await CheckInAsync(replacement);
        Assert.That(body, Does.Contain("补发机关工作人员：1 张票签"));
        Assert.That(await StaffActionsAsync("补发票签", "《测试评议》：机关工作人员 1 张，原因：签到后手机没电，本人在场"), Is.EqualTo(1));

        foreach (var page in new[] { evaluation.Url, $"{evaluation.Url}/progress" })
        {
            using var shown = await Organizer.GetAsync(page);
            var html = await StaffClient.BodyAsync(shown);
            Assert.That(html, Does.Contain("<th>补发</th>"), page);
            Assert.That(html, Does.Contain("""<td data-label="补发">1</td>"""), page);
            Assert.That(html, Does.Contain("""<th data-label="发出">7</th>""").And.Contain("""<th data-label="补发">1</th>"""), $"{page}: the 合计 row");
        }
    }

    [Test]
    public async Task Replacement_WithoutAReason_Is400_AndIssuesNothing()
    {
        var evaluation = await OpenAsync();

        using var response = await PostAsync($"{evaluation.Url}/slips/replacement", ("CategoryId", evaluation.CategoryId.ToString()), ("Reason", "  "));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(response), Does.Contain("请填写补发原因"));
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where evaluation_id = @Id", new { evaluation.Id }), Is.Zero);
    }

    [Test]
    public async Task Replacement_BeforeVotingOpensOrAfterItEnds_Is409_AndIssuesNothing()
    {
        var draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var closed = await OpenAsync();
        (await PostAsync($"{closed.Url}/close")).Dispose();

        foreach (var evaluation in new[] { draft, closed })
        {
            using var response = await PostAsync($"{evaluation.Url}/slips/replacement",
                ("CategoryId", evaluation.CategoryId.ToString()), ("Reason", "手机没电"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(await StaffClient.BodyAsync(response), Does.Contain("只有投票进行中才能补发票签"));
            Assert.That(await World.ScalarAsync<long>("select count(*) from slip where evaluation_id = @Id", new { evaluation.Id }), Is.Zero);
        }
    }

    [Test]
    public async Task TurnoutTotalRow_LabelsEachCell_ForThePhoneLayout()
    {
        var evaluation = await OpenAsync();

        var page = await PageAsync(evaluation);

        foreach (var label in new[] { "应到", "发出", "作废", "补发", "已签到", "已提交" })
            Assert.That(page, Does.Contain($"""<th data-label="{label}">"""), label);
    }

    private static string CountInput(string page, Guid category) =>
        Regex.Match(page, $"""id="slip-count-{category}" name="Count" min="1" max="\d+" value="(\d+)" """).Groups[1].Value;

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();
}
