using System.Net;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Raters;

/// <summary>
/// A meeting where 服务对象代表 rate the 班子 only: their phones are handed the 班子 alone; a ballot of theirs answering
/// about 张三 cannot be refused while sealed, and counts 无效 at 开箱; 张三 is counted over 机关工作人员 alone, and the
/// results page says who rated him; the audit bundle verifies.
/// </summary>
public sealed class RaterScopeMeetingTests : OrganizerSession
{
    private SeededEvaluation _evaluation = null!;
    private System.Text.Json.JsonElement _clientForm, _staffForm;
    private HttpStatusCode _outOfScopeSubmit;
    private string _results = "";
    private byte[] _bundle = [];

    [OneTimeSetUp]
    public async Task HoldTheMeeting()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var clients = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@clients, @Id, '服务对象代表', 10, 2)",
                new { clients, _evaluation.Id });
        using (var save = await PostAsync($"{_evaluation.Url}/categories/{clients}/targets", ("TargetIds", _evaluation.TeamId.ToString())))
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var staffSlips = await IssueSlipsAsync(_evaluation, 6);
        var clientSlips = await IssueSlipsAsync(_evaluation, 6, clients);

        using var phone = new VotingClient(World.App.CreateClient());
        _staffForm = (await phone.DescribeAsync(staffSlips[0])).GetProperty("form");
        _clientForm = (await phone.DescribeAsync(clientSlips[0])).GetProperty("form");
        foreach (var token in staffSlips)
        {
            using var ok = await phone.SubmitAsync(await phone.CheckInAsync(token), _evaluation.CompleteAnswers("好", "称职"));
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        foreach (var token in clientSlips.Take(5))
        {
            using var ok = await phone.SubmitAsync(await phone.CheckInAsync(token), TeamOnly("差"));
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        // Not from our page: a 服务对象代表's ballot about 张三 too. Sealed, the server cannot read it to refuse it.
        using (var outside = await phone.SubmitAsync(await phone.CheckInAsync(clientSlips[5]), _evaluation.CompleteAnswers("好", "不称职")))
            _outOfScopeSubmit = outside.StatusCode;

        using (var close = await PostAsync($"{_evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        using (var results = await Organizer.GetAsync($"{_evaluation.Url}/results"))
        {
            _results = await StaffClient.BodyAsync(results);
            Assert.That(results.StatusCode, Is.EqualTo(HttpStatusCode.OK), _results);
        }
        using var auditor = await World.SignInAsync("auditor-a");
        using var bundle = await auditor.GetAsync($"{_evaluation.Url}/audit-bundle");
        Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        _bundle = await bundle.Content.ReadAsByteArrayAsync();
    }

    private object TeamOnly(string grade) => new
    {
        targets = new Dictionary<string, object> { [_evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = grade } } },
    };

    private AuditBundle Bundle()
    {
        Assert.That(AuditBundle.TryRead(new MemoryStream(_bundle), out var bundle, out var error), Is.True, error);
        return bundle!;
    }

    private string Figure(string key) => Bundle().Tally.Single(f => f.Key == key).Value;

    [Test]
    public void PhoneForm_OfALimitedCategory_HoldsOnlyItsTargets_AndNoScope()
    {
        Assert.That(_clientForm.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()), Is.EqualTo(new[] { "领导班子" }));
        Assert.That(_clientForm.TryGetProperty("raters", out _), Is.False);
        Assert.That(_staffForm.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()), Is.EqualTo(new[] { "领导班子", "张三" }));
        Assert.That(_staffForm.TryGetProperty("raters", out _), Is.False);
    }

    [Test]
    public void OutOfScopeBallot_IsTakenSealed_AndCountsInvalidAtOpening_WithNothingOfItCounted()
    {
        Assert.That(_outOfScopeSubmit, Is.EqualTo(HttpStatusCode.OK), "the sealed box cannot read a ballot to refuse it");
        Assert.That((Figure("turnout/received"), Figure("turnout/valid"), Figure("turnout/invalid")), Is.EqualTo(("12", "11", "1")));
        var member = _evaluation.MemberId.ToString("N");
        Assert.That(Figure($"item/{member}/member-overall/answered"), Is.EqualTo("6"));
        Assert.That(Figure($"item/{member}/member-overall/unanswered"), Is.EqualTo("0"), "the clients' ballots are not his unanswered items");
        Assert.That(Figure($"target/{member}/raters"), Is.EqualTo("机关工作人员"));
        Assert.That((Figure($"target/{member}/expected"), Figure($"target/{member}/ballots")), Is.EqualTo(("10", "6")));
        Assert.That(Figure($"item/{_evaluation.TeamId:N}/team-overall/answered"), Is.EqualTo("11"));
    }

    [Test]
    public void ResultsPage_SaysWhoRatedTheLimitedTarget()
    {
        Assert.That(_results, Does.Contain("评议人员：").And.Contain("只由这些类别评议"));
        Assert.That(_results.Split("评议人员：").Length - 1, Is.EqualTo(1), "only 张三 is limited");
    }

    [Test]
    public void AuditBundle_CarriesTheScope_AndVerifies()
    {
        var verification = BundleVerifier.Verify(Bundle());

        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(verification.Checks.Single(c => c.Name == "评议范围").Detail, Does.Contain("服务对象代表").And.Contain("1 张选票为范围外的对象作答"));
    }
}
