using System.Net;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Staff reaching past their unit or their role, with valid sessions and tokens: another unit's evaluation answers 404 (its
/// existence is not revealed), another role's action 403, each with a page that says what to do, and nothing changes.
/// Reads are included: reports of another unit must not be downloadable, and a refused download is not logged.
/// </summary>
public sealed class UnitScopeTests : HostileSession
{
    private const string NotFound = "页面不存在，或您无权查看";
    private const string Forbidden = "没有权限";

    private readonly Dictionary<string, StaffClient> _staff = [];
    private SeededEvaluation _draft = null!;
    private SeededEvaluation _open = null!;
    private ClosedEvaluation _closed = null!;
    private ClosedEvaluation _theirs = null!;
    private string _unusedSlip = null!;
    private Guid _unusedBatch;

    [OneTimeSetUp]
    public async Task SignInAndSeed()
    {
        foreach (var user in new[] { "admin2", "supervisor-a", "auditor-a", "organizer-b", "supervisor-b", "auditor-b" })
            _staff[user] = await World.SignInAsync(user);
        _staff["organizer-a"] = Organizer;
        _draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        _open = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        using (var open = await PostAsync($"{_open.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        _unusedSlip = (await IssueSlipsAsync(_open, 1)).Single();
        _unusedBatch = await World.ScalarAsync<Guid>("select id from slip_issue where evaluation_id = @Id", new { _open.Id });
        _closed = await ReportScenario.SeedAsync(World, World.UnitA, name: "甲单位评议");
        _theirs = await ReportScenario.SeedAsync(World, World.UnitB, name: "乙单位评议");
    }

    [OneTimeTearDown]
    public void SignOut()
    {
        foreach (var (user, client) in _staff)
            if (user != "organizer-a") client.Dispose();
    }

    public sealed record Reach(string As, string Method, string What, Func<UnitScopeTests, string> Path, HttpStatusCode Status,
        Func<UnitScopeTests, (string, string)[]>? Fields = null)
    {
        public override string ToString() => $"{As} {What}";
    }

    private static readonly (string Method, string What, Func<UnitScopeTests, string> Path, Func<UnitScopeTests, (string, string)[]>? Fields)[] OrganizerActions =
    [
        ("POST", "renaming unit A's evaluation", t => $"{t._draft.Url}/details", _ => [("Name", "越权改名"), ("Round", "总结")]),
        ("POST", "opening unit A's evaluation", t => $"{t._draft.Url}/open", null),
        ("POST", "closing unit A's evaluation", t => $"{t._open.Url}/close", null),
        ("POST", "adding a target to unit A's evaluation", t => $"{t._draft.Url}/targets", _ => [("Kind", "member"), ("Name", "李四")]),
        ("POST", "deleting unit A's target", t => $"{t._draft.Url}/targets/{t._draft.MemberId}/delete", null),
        ("POST", "adding a category to unit A's evaluation", t => $"{t._draft.Url}/categories", _ => [("Name", "越权类别"), ("ExpectedCount", "3")]),
        ("POST", "replacing unit A's questionnaire", t => $"{t._draft.Url}/questionnaire/template", _ => [("template", "closing")]),
        ("POST", "issuing slips of unit A's evaluation", t => $"{t._open.Url}/slips", t => [("CategoryId", t._open.CategoryId.ToString()), ("Count", "3"), ("Format", "html")]),
        ("POST", "voiding unit A's slip", t => $"{t._open.Url}/slips/void", t => [("code", t._unusedSlip)]),
        ("POST", "voiding a batch of unit A's slips", t => $"{t._open.Url}/slips/void-batch", t => [("batch", t._unusedBatch.ToString())]),
        ("POST", "issuing a replacement slip of unit A's evaluation", t => $"{t._open.Url}/slips/replacement",
            t => [("CategoryId", t._open.CategoryId.ToString()), ("Reason", "越权补发")]),
        ("POST", "changing unit A's counting rules", t => $"{t._closed.Url}/counting", _ => [("SmallCell", "9")]),
        ("GET", "reading unit A's counting rules", t => $"{t._closed.Url}/counting", null),
    ];

    private static readonly (string Method, string What, Func<UnitScopeTests, string> Path)[] Reads =
    [
        ("GET", "reading unit A's evaluation", t => t._draft.Url),
        ("GET", "watching unit A's turnout", t => $"{t._open.Url}/progress"),
        ("GET", "watching unit A's projector board", t => $"{t._open.Url}/board"),
        ("GET", "polling unit A's projector board", t => $"{t._open.Url}/board.json"),
        ("GET", "reading unit A's questionnaire", t => $"{t._draft.Url}/questionnaire"),
        ("GET", "reading unit A's results", t => $"{t._closed.Url}/results"),
        ("GET", "downloading unit A's PDF report", t => $"{t._closed.Url}/results.pdf"),
        ("GET", "downloading unit A's Excel report", t => $"{t._closed.Url}/results.xlsx"),
        ("GET", "comparing unit A's rounds", t => $"{t._closed.Url}/compare"),
        ("GET", "reading unit A's opinions", t => $"{t._closed.Url}/opinions"),
    ];

    private static IEnumerable<Reach> Cases()
    {
        // Another unit's organiser, 督导组 and auditor: 404 for all of it, whatever their role could do at home.
        foreach (var (method, what, path, fields) in OrganizerActions)
            yield return new("organizer-b", method, what, path, HttpStatusCode.NotFound, fields);
        foreach (var (method, what, path) in Reads)
        {
            yield return new("organizer-b", method, what, path, HttpStatusCode.NotFound);
            yield return new("supervisor-b", method, what, path, HttpStatusCode.NotFound);
        }
        yield return new("auditor-b", "GET", "reading unit A's evaluation", t => t._draft.Url, HttpStatusCode.NotFound);
        yield return new("auditor-b", "GET", "downloading unit A's audit bundle", t => $"{t._closed.Url}/audit-bundle", HttpStatusCode.NotFound);
        yield return new("auditor-b", "GET", "reading unit A's results", t => $"{t._closed.Url}/results", HttpStatusCode.NotFound);
        yield return new("auditor-b", "GET", "downloading unit A's PDF report", t => $"{t._closed.Url}/results.pdf", HttpStatusCode.NotFound);
        yield return new("auditor-b", "GET", "downloading unit A's Excel report", t => $"{t._closed.Url}/results.xlsx", HttpStatusCode.NotFound);
        yield return new("supervisor-b", "POST", "merging unit A's opinions", t => $"{t._closed.Url}/opinions/entries", HttpStatusCode.NotFound,
            _ => [("Keys", "x"), ("Text", "越权梳理")]);
        yield return new("organizer-a", "GET", "comparing with unit B's round", t => $"{t._closed.Url}/compare?with={t._theirs.Id}", HttpStatusCode.NotFound);

        // The unit's own 督导组 and auditor trying the organiser's actions, and the other way round: 403.
        foreach (var (method, what, path, fields) in OrganizerActions)
        {
            yield return new("supervisor-a", method, what.Replace("unit A's", "their unit's"), path, HttpStatusCode.Forbidden, fields);
            yield return new("auditor-a", method, what.Replace("unit A's", "their unit's"), path, HttpStatusCode.Forbidden, fields);
        }
        // The 审计 reads their unit's published results (to hold them against the bundle), but neither compares nor triages.
        yield return new("auditor-a", "GET", "comparing their unit's rounds", t => $"{t._closed.Url}/compare", HttpStatusCode.Forbidden);
        yield return new("auditor-a", "GET", "reading their unit's opinion triage", t => $"{t._closed.Url}/opinions", HttpStatusCode.Forbidden);
        yield return new("organizer-a", "GET", "downloading the audit bundle", t => $"{t._closed.Url}/audit-bundle", HttpStatusCode.Forbidden);
        yield return new("supervisor-a", "GET", "downloading the audit bundle", t => $"{t._closed.Url}/audit-bundle", HttpStatusCode.Forbidden);
        yield return new("organizer-a", "POST", "merging opinions", t => $"{t._closed.Url}/opinions/entries", HttpStatusCode.Forbidden,
            _ => [("Keys", "x"), ("Text", "越权梳理")]);
        yield return new("admin2", "GET", "reading an evaluation", t => t._draft.Url, HttpStatusCode.Forbidden);
        yield return new("admin2", "POST", "closing voting", t => $"{t._open.Url}/close", HttpStatusCode.Forbidden);
        yield return new("organizer-a", "POST", "creating a unit", _ => "/admin/units", HttpStatusCode.Forbidden, _ => [("name", "越权单位")]);
        yield return new("organizer-a", "POST", "making themselves an administrator", _ => "/admin/accounts/new", HttpStatusCode.Forbidden,
            _ => [("UserName", "sneaky"), ("DisplayName", "越权"), ("Role", "admin"), ("Password", "Sneaky-Password-1")]);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Reaching_PastOnesUnitOrRole_IsRefused_AndChangesNothing(Reach reach)
    {
        var client = _staff[reach.As];
        var path = reach.Path(this);
        var fields = (reach.Fields?.Invoke(this) ?? []).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2));

        using var response = await UnchangedAsync(() => reach.Method == "GET" ? client.GetAsync(path) : client.PostFormAsync(path, fields));

        await AssertPageRefusalAsync(response, reach.Status, reach.Status == HttpStatusCode.NotFound ? NotFound : Forbidden);
    }

    [Test]
    public async Task Rollup_ShowsOnlyOnesOwnUnits()
    {
        using var response = await UnchangedAsync(() => _staff["supervisor-a"].GetAsync("/results/rollup"));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Does.Contain("甲单位").And.Not.Contain("乙单位"));
    }

    [Test]
    public async Task EvaluationList_ShowsNothingOfAnotherUnit()
    {
        using var response = await UnchangedAsync(() => _staff["organizer-b"].GetAsync("/evaluations"));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(body, Does.Contain(_theirs.Id.ToString()));
        foreach (var id in new[] { _draft.Id, _open.Id, _closed.Id }) Assert.That(body, Does.Not.Contain(id.ToString()));
        Assert.That(body, Does.Not.Contain("甲单位"));
    }
}
