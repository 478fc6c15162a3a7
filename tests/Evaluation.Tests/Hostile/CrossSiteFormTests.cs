using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Staff forms (and the public ones) posted as another site would post them: without the antiforgery token, with a token
/// of another session or of another account, with one from before sign-in, and as a broken multipart body. Each is 400 with
/// a page that says nothing happened and to reload, and the database stays as it was.
/// </summary>
public sealed partial class CrossSiteFormTests : HostileSession
{
    private readonly Dictionary<string, StaffClient> _staff = [];
    private SeededEvaluation _draft = null!;
    private SeededEvaluation _open = null!;
    private ClosedEvaluation _closed = null!;
    private string _unusedSlip = null!;
    private Guid _unusedBatch;

    [OneTimeSetUp]
    public async Task SignInAndSeed()
    {
        foreach (var user in new[] { "admin2", "supervisor-a" }) _staff[user] = await World.SignInAsync(user);
        _staff["organizer-a"] = Organizer;
        _draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        _open = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        using (var open = await PostAsync($"{_open.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        _unusedSlip = (await IssueSlipsAsync(_open, 1)).Single();
        _unusedBatch = await World.ScalarAsync<Guid>("select id from slip_issue where evaluation_id = @Id", new { _open.Id });
        _closed = await ReportScenario.SeedAsync(World, World.UnitA);
    }

    [OneTimeTearDown]
    public void SignOut()
    {
        _staff["admin2"].Dispose();
        _staff["supervisor-a"].Dispose();
    }

    /// <param name="As">Who posts: a signed-in account, or "anonymous" for the public forms.</param>
    public sealed record Form(string As, string What, Func<CrossSiteFormTests, string> Path, Func<CrossSiteFormTests, (string, string)[]> Fields)
    {
        public override string ToString() => What;
    }

    private static readonly Form[] Forms =
    [
        new("organizer-a", "creating an evaluation", _ => "/evaluations/new",
            t => [("UnitId", t.World.UnitA.ToString()), ("Name", "跨站创建"), ("Round", "动员大会后民主评议"), ("Template", "mobilisation")]),
        new("organizer-a", "renaming an evaluation", t => $"{t._draft.Url}/details", _ => [("Name", "跨站改名"), ("Round", "总结")]),
        new("organizer-a", "opening voting", t => $"{t._draft.Url}/open", _ => []),
        new("organizer-a", "closing voting", t => $"{t._open.Url}/close", _ => []),
        new("organizer-a", "adding a target", t => $"{t._draft.Url}/targets", _ => [("Kind", "member"), ("Name", "李四"), ("Title", "副局长")]),
        new("organizer-a", "adding a category", t => $"{t._draft.Url}/categories", _ => [("Name", "服务对象"), ("ExpectedCount", "5")]),
        new("organizer-a", "importing targets and categories", t => $"{t._draft.Url}/import/confirm", _ => [("Text", "姓名\t职务\n赵六\t副局长")]),
        new("organizer-a", "replacing the questionnaire", t => $"{t._draft.Url}/questionnaire/template", _ => [("template", "closing")]),
        new("organizer-a", "issuing slips", t => $"{t._open.Url}/slips", t => [("CategoryId", t._open.CategoryId.ToString()), ("Count", "5"), ("Format", "html")]),
        new("organizer-a", "voiding a slip", t => $"{t._open.Url}/slips/void", t => [("code", t._unusedSlip)]),
        new("organizer-a", "voiding a batch of slips", t => $"{t._open.Url}/slips/void-batch", t => [("batch", t._unusedBatch.ToString())]),
        new("organizer-a", "issuing a replacement slip", t => $"{t._open.Url}/slips/replacement",
            t => [("CategoryId", t._open.CategoryId.ToString()), ("Reason", "手机没电"), ("Format", "html")]),
        new("organizer-a", "changing the counting rules", t => $"{t._draft.Url}/counting", _ => [("SmallCell", "9")]),
        new("organizer-a", "copying an evaluation", _ => "/evaluations/copy", t => [("From", t._draft.Id.ToString()), ("Name", "跨站复制"), ("Round", "总结")]),
        new("organizer-a", "creating a rehearsal", t => $"{t._draft.Url}/rehearsal", _ => []),
        new("organizer-a", "purging a rehearsal", t => $"{t._draft.Url}/rehearsal/purge", _ => []),
        new("organizer-a", "changing one's password", _ => "/account/password",
            _ => [("Current", StaffWorld.Password), ("New", "Cross-Site-Pass-1"), ("Confirm", "Cross-Site-Pass-1")]),
        new("supervisor-a", "merging opinions", t => $"{t._closed.Url}/opinions/entries", _ => [("Keys", "x"), ("Text", "跨站梳理")]),
        new("admin2", "creating a unit", _ => "/admin/units", _ => [("name", "跨站单位")]),
        new("admin2", "creating an account", _ => "/admin/accounts/new",
            t => [("UserName", "cross-site"), ("DisplayName", "跨站"), ("Role", "admin"), ("Password", "Cross-Site-Pass-1")]),
        new("anonymous", "signing in", _ => "/login", _ => [("UserName", "organizer-a"), ("Password", "wrong-password")]),
        new("anonymous", "checking a receipt", _ => "/receipt", _ => [("Code", "ABCDE-FGHJK")]),
    ];

    public enum Attack { NoToken, TokenOfAnotherSession, TokenOfAnotherAccount, TokenFromBeforeSignIn, BrokenMultipart }

    private static IEnumerable<TestCaseData> Cases() =>
        from form in Forms
        from attack in Enum.GetValues<Attack>()
        // A signed-out visitor has no other session or account to borrow from.
        where form.As != "anonymous" || attack is Attack.NoToken or Attack.BrokenMultipart
        select new TestCaseData(form, attack).SetName($"{form.What}, {Describe(attack)}");

    private static string Describe(Attack attack) => attack switch
    {
        Attack.NoToken => "without the antiforgery token",
        Attack.TokenOfAnotherSession => "with a token of the same account's other session",
        Attack.TokenOfAnotherAccount => "with another account's token",
        Attack.TokenFromBeforeSignIn => "with a token from the sign-in page",
        _ => "as a broken multipart body",
    };

    [TestCaseSource(nameof(Cases))]
    public async Task Form_PostedWithoutThisSessionsToken_Is400_AndChangesNothing(Form form, Attack attack)
    {
        using var anonymous = World.App.CreateStaffClient();
        var client = form.As == "anonymous" ? anonymous : _staff[form.As];
        var fields = form.Fields(this).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)).ToList();
        var token = attack switch
        {
            Attack.TokenOfAnotherSession => await TokenOfNewSessionAsync(form.As),
            Attack.TokenOfAnotherAccount => await TokenOfNewSessionAsync(form.As == "admin2" ? "organizer-b" : "admin2"),
            Attack.TokenFromBeforeSignIn => await TokenAsync(anonymous, "/login"),
            _ => null,
        };
        if (token is not null) fields.Add(new(StaffClient.TokenField, token));
        HttpContent content = attack == Attack.BrokenMultipart
            ? new ByteArrayContent(Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"Name\"\r\n\r\n跨站"))
            { Headers = { ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x") } }
            : new FormUrlEncodedContent(fields);

        using var response = await UnchangedAsync(() => client.Http.PostAsync(form.Path(this), content));

        var body = await AssertPageRefusalAsync(response, HttpStatusCode.BadRequest, attack == Attack.BrokenMultipart ? "请" : "安全校验未通过");
        Assert.That(body, Does.Not.Contain("已计入").And.Not.Contain("未找到"), "a refused form answers nothing");
    }

    [Test]
    public async Task TheRefusal_SaysNothingWasChanged_AndToReload()
    {
        using var response = await UnchangedAsync(() => Organizer.Http.PostAsync($"{_draft.Url}/details",
            new FormUrlEncodedContent([new("Name", "跨站改名"), new("Round", "总结")])));

        var body = await AssertPageRefusalAsync(response, HttpStatusCode.BadRequest, "没有做任何更改");
        Assert.That(body, Does.Contain("刷新后重新提交"));
        Assert.That(Refusals.AntiforgeryFailed, Does.Contain("没有做任何更改"));
    }

    private async Task<string> TokenOfNewSessionAsync(string user)
    {
        using var other = await World.SignInAsync(user);
        return await TokenAsync(other, "/account/password");
    }

    private static async Task<string> TokenAsync(StaffClient client, string page)
    {
        using var response = await client.GetAsync(page);
        var match = TokenInput().Match(await StaffClient.BodyAsync(response));
        Assert.That(match.Success, $"no token on {page}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*\bvalue=""([^""]*)""")]
    private static partial Regex TokenInput();
}
