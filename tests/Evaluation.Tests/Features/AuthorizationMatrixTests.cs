using System.Net;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features;

/// <summary>
/// Every staff endpoint, called by every role and by staff of another unit. Allowed callers get past authorisation
/// (whatever the page then says about the empty form); other roles get 403; another unit's evaluation is 404, so its
/// existence is not revealed; a signed-out caller is sent to the login page.
/// </summary>
public sealed class AuthorizationMatrixTests
{
    private const string Admin = "admin", Organizer = "organizer", Supervisor = "supervisor", Auditor = "auditor";
    private static readonly string[] Everyone = [Admin, Organizer, Supervisor, Auditor];
    private static readonly string[] UnitStaff = [Organizer, Supervisor, Auditor];

    /// <param name="Scoped">The endpoint belongs to one unit's evaluation, so staff of another unit must get 404.</param>
    /// <param name="Closed">The endpoint exists only once voting has closed: it is called on a closed evaluation.</param>
    /// <param name="SentUp">
    /// The endpoint serves a 调出 member's result sent at 开箱 to the evaluating unit's parent (Features/Transfers), so
    /// covering the evaluating unit is not the rule: it is called on a closed evaluation of a unit below unit A whose
    /// {transferred} member's result was sent to A, so A's staff are its office and B's get 404. Staff of the evaluating
    /// unit alone, or of a unit beside it, are UnitTreeScopeTests-like cases in TransferredResultsTests.
    /// </param>
    public sealed record Endpoint(string Method, string Path, string[] Allowed, bool Scoped = false, bool Closed = false, bool SentUp = false)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private static readonly Endpoint[] Endpoints =
    [
        new("GET", "/admin/accounts", [Admin]),
        new("GET", "/admin/accounts/new", [Admin]),
        new("POST", "/admin/accounts/new", [Admin]),
        new("GET", "/admin/accounts/{victim}", [Admin]),
        new("POST", "/admin/accounts/{victim}", [Admin]),
        new("POST", "/admin/accounts/{victim}/reset-password", [Admin]),
        new("POST", "/admin/accounts/{victim}/unlock", [Admin]),
        new("POST", "/admin/accounts/{victim}/disable", [Admin]),
        new("POST", "/admin/accounts/{victim}/enable", [Admin]),
        new("GET", "/admin/units", [Admin]),
        new("POST", "/admin/units", [Admin]),
        new("POST", "/admin/units/{unit}/parent", [Admin]),
        new("GET", "/admin/campaigns", [Admin]),
        new("POST", "/admin/campaigns", [Admin]),
        new("POST", "/admin/campaigns/{campaign}/name", [Admin]),
        new("POST", "/admin/campaigns/{campaign}/unit", [Admin]),
        new("GET", "/campaigns", [Organizer, Supervisor]),
        new("GET", "/campaigns/{campaign}", [Organizer, Supervisor], Scoped: true),
        new("GET", "/campaigns/{campaign}.xlsx", [Organizer, Supervisor], Scoped: true),
        new("GET", "/campaigns/{campaign}.pdf", [Organizer, Supervisor], Scoped: true),
        new("GET", "/results/rollup", [Organizer, Supervisor]),
        new("GET", "/results/rollup.xlsx", [Organizer, Supervisor]),
        new("GET", "/results/rollup.pdf", [Organizer, Supervisor]),
        new("GET", "/evaluations", UnitStaff),
        new("GET", "/evaluations/new", [Organizer]),
        new("POST", "/evaluations/new", [Organizer]),
        new("GET", "/evaluations/{e}", UnitStaff, Scoped: true),
        new("GET", "/evaluations/{e}/progress", UnitStaff, Scoped: true),
        new("GET", "/evaluations/{e}/board", UnitStaff, Scoped: true),
        new("GET", "/evaluations/{e}/board.json", UnitStaff, Scoped: true),
        new("POST", "/evaluations/{e}/details", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/open", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/close", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/key-cards", [Organizer], Scoped: true),
        new("GET", "/evaluations/{e}/unseal", [Organizer, Supervisor], Scoped: true),
        new("POST", "/evaluations/{e}/unseal", [Organizer, Supervisor], Scoped: true),
        new("POST", "/evaluations/{e}/targets", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/targets/{member}", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/targets/{member}/move", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/targets/{member}/delete", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/categories", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/categories/{category}", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/categories/{category}/delete", [Organizer], Scoped: true),
        new("GET", "/evaluations/{e}/import", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/import", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/import/confirm", [Organizer], Scoped: true),
        new("GET", "/evaluations/{e}/categories/{category}/targets", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/categories/{category}/targets", [Organizer], Scoped: true),
        new("GET", "/evaluations/{e}/questionnaire", UnitStaff, Scoped: true),
        new("GET", "/evaluations/{e}/preview", UnitStaff, Scoped: true),
        new("GET", "/evaluations/{e}/preview/form", UnitStaff, Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/header", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/questions", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/questions/{question}", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/questions/{question}/move", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/questions/{question}/delete", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/template", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/questionnaire/json", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/slips", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/slips/void", [Organizer], Scoped: true),
        new("GET", "/evaluations/copy?from={e}", [Organizer], Scoped: true),
        new("POST", "/evaluations/copy", [Organizer]),
        new("POST", "/evaluations/{e}/rehearsal", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/rehearsal/purge", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/slips/void-batch", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/slips/replacement", [Organizer], Scoped: true),
        new("GET", "/evaluations/{e}/open-box", UnitStaff, Scoped: true),
        new("POST", "/evaluations/{e}/open-box", [Organizer], Scoped: true),
        new("POST", "/evaluations/{e}/open-box/close", [Organizer], Scoped: true),
        new("GET", "/audit-log", [Auditor]),
        new("GET", "/evaluations/{e}/results", UnitStaff, Scoped: true, Closed: true),
        new("GET", "/evaluations/{e}/results.pdf", UnitStaff, Scoped: true, Closed: true),
        new("GET", "/evaluations/{e}/results.xlsx", UnitStaff, Scoped: true, Closed: true),
        new("GET", "/evaluations/{e}/compare", [Organizer, Supervisor], Scoped: true, Closed: true),
        new("GET", "/evaluations/{e}/audit-bundle", [Auditor], Scoped: true, Closed: true),
        new("GET", "/transferred", [Organizer, Supervisor]),
        new("GET", "/evaluations/{e}/transferred/{transferred}.pdf", [Organizer, Supervisor], Scoped: true, Closed: true, SentUp: true),
        new("GET", "/verifier/win-x64", [Auditor]),
        new("GET", "/verifier/linux-x64", [Auditor]),
        new("GET", "/audit-log.xlsx", [Auditor]),
        new("GET", "/audit-log.csv", [Auditor]),
        new("GET", "/account/password", Everyone),
        new("POST", "/account/password", Everyone),
    ];

    private static IEnumerable<TestCaseData> Cases() =>
        from endpoint in Endpoints
        from caller in new[] { "anonymous", "admin2", "organizer-a", "supervisor-a", "auditor-a", "organizer-b", "supervisor-b", "auditor-b" }
        select new TestCaseData(endpoint, caller).SetName($"{endpoint.Method} {endpoint.Path} as {caller}");

    private StaffWorld _world = null!;
    private readonly Dictionary<string, StaffClient> _clients = [];
    private Guid _victim;
    private Guid _campaign;
    private Guid _belowA;
    private string _verifier = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // Stand-ins for the published verifier: who may download it does not depend on what it is.
        _verifier = Directory.CreateTempSubdirectory("matrix-verifier-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_verifier, "evaluation-verify.exe"), "stand-in");
        await File.WriteAllTextAsync(Path.Combine(_verifier, "evaluation-verify"), "stand-in");
        _world = await StaffWorld.StartAsync(web => web.UseSetting("Verifier:Directory", _verifier));
        _victim = await _world.AddAccountAsync("victim", "organizer", _world.UnitA);
        _campaign = Guid.NewGuid();
        _belowA = Guid.NewGuid();
        await using (var conn = await _world.OpenAsync())
            // Run by unit A: its board is A's staff's, and B's get 404 as for A's evaluations.
            await Dapper.SqlMapper.ExecuteAsync(conn,
                """
                insert into campaign (id, name, unit_id) values (@_campaign, '矩阵测试活动', @UnitA);
                insert into unit (id, name, parent_id) values (@_belowA, '甲单位下属单位', @UnitA);
                """, new { _campaign, _belowA, _world.UnitA });
        foreach (var userName in _world.Accounts.Keys)
            _clients[userName] = await _world.SignInAsync(userName);
        _clients["anonymous"] = _world.App.CreateStaffClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        foreach (var client in _clients.Values) client.Dispose();
        await _world.DisposeAsync();
        Directory.Delete(_verifier, recursive: true);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Endpoint_AnswersEachCallerAsItsRoleAndUnitAllow(Endpoint endpoint, string caller)
    {
        // A fresh evaluation in unit A per case, so one case's successful change cannot affect the next.
        var evaluation = await _world.SeedDraftAsync(_world.UnitA);
        var form = ClosedEvaluations.Form(FormTemplates.MobilisationEvaluation.Questionnaire, "张三");
        if (endpoint.SentUp)
            form = form with { Targets = [.. form.Targets.Select(t => t.Kind == TargetKind.Member ? t with { TransferredOutOn = new DateOnly(2026, 9, 1) } : t)] };
        var closed = endpoint.Closed ? await _world.SeedClosedAsync(endpoint.SentUp ? _belowA : _world.UnitA, form, [("机关工作人员", 10)], []) : null;
        if (endpoint.SentUp)
            // As 开箱 records it (Features/Transfers): the member's result sent to the evaluating unit's parent.
            await _world.ScalarAsync<int>(
                "insert into result_transfer (evaluation_id, target_id, to_unit_id) values (@Id, @MemberId, @UnitA) returning 1",
                new { closed!.Id, MemberId = closed.Member("张三").Id, _world.UnitA });
        var id = closed?.Id ?? evaluation.Id;
        var path = endpoint.Path
            .Replace("{transferred}", closed?.Member("张三").Id.ToString())
            .Replace("{e}", id.ToString()).Replace("{member}", evaluation.MemberId.ToString())
            .Replace("{category}", evaluation.CategoryId.ToString()).Replace("{question}", evaluation.QuestionId)
            .Replace("{victim}", _victim.ToString()).Replace("{campaign}", _campaign.ToString())
            .Replace("{unit}", _world.UnitB.ToString());
        var client = _clients[caller];

        using var response = endpoint.Method == "GET"
            ? await client.GetAsync(path)
            : caller == "anonymous"
                ? await client.Http.PostAsync(path, new FormUrlEncodedContent([]))
                : await client.PostFormAsync(path, []);

        var role = caller == "anonymous" ? null : caller.Split('-')[0].Replace("admin2", Admin);
        var status = response.StatusCode;
        var body = await StaffClient.BodyAsync(response);
        if (role is null)
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(response.Headers.Location?.AbsolutePath ?? response.Headers.Location?.OriginalString, Does.StartWith("/login"));
        }
        else if (!endpoint.Allowed.Contains(role))
            Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), body);
        else if (endpoint.Scoped && caller.EndsWith("-b"))
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), body);
        else
            Assert.That((int)status, Is.Not.AnyOf(401, 403, 404).And.LessThan(500), body);
    }

    [Test]
    public async Task EvaluationList_ShowsOnlyTheCallersUnits()
    {
        var mine = await _world.SeedDraftAsync(_world.UnitA);
        var theirs = await _world.SeedDraftAsync(_world.UnitB);

        using var response = await _clients["supervisor-a"].GetAsync("/evaluations");
        var body = await StaffClient.BodyAsync(response);

        Assert.That(body, Does.Contain(mine.Id.ToString()));
        Assert.That(body, Does.Not.Contain(theirs.Id.ToString()));
    }
}
