using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Markup and spreadsheet formulas typed where text goes: in opinions (by voters) and in the names staff give units,
/// evaluations, rounds, targets and categories. Every page shows them as text (escaped), the PDF prints them literally with
/// no script able to run, and the Excel report holds them as strings, never as formulas.
/// </summary>
public sealed partial class MarkupAndFormulaTests : HostileSession
{
    private const string Script = "<script>alert(1)</script>";
    private const string Img = "\"><img src=x onerror=alert(1)>";
    private const string Hyperlink = "=HYPERLINK(\"http://x\",\"y\")";
    private static readonly string[] Hostile = [Script, Img, Hyperlink, "+1+1", "@SUM(A1)", "-1+1"];
    private static readonly string[] Formulas = [Hyperlink, "+1+1", "@SUM(A1)", "-1+1"];

    private readonly Dictionary<string, StaffClient> _staff = [];
    private Guid _unit;
    private ClosedEvaluation _closed = null!;
    private SeededEvaluation _draft = null!;

    [OneTimeSetUp]
    public async Task SeedHostileNames()
    {
        _unit = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@_unit, @Name);
                insert into staff_unit (account_id, unit_id) select id, @_unit from staff_account where user_name in ('organizer-a', 'supervisor-a', 'auditor-a');
                """, new { _unit, Name = Script + "卫生局" });
        foreach (var user in new[] { "supervisor-a", "auditor-a", "admin2" }) _staff[user] = await World.SignInAsync(user);
        _staff["organizer-a"] = Organizer;

        // Members named with every hostile string; two categories of at least k, so both are shown by name.
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, Hostile);
        var team = form.Targets[0];
        var ballots = Enumerable.Range(0, 12).Select(i => new SeedBallot(i < 6 ? 0 : 1, new BallotAnswers
        {
            Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Text(Hostile[i % Hostile.Length]) },
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [team.Id] = new Dictionary<string, Answer>
                {
                    ["team-overall"] = Choice(i % 2 == 0 ? "好" : "较好"),
                    ["target-opinion"] = Text(Hostile[(i + 1) % Hostile.Length]),
                    ["wind-1"] = new Answer { Other = Hostile[(i + 2) % Hostile.Length] },
                },
            },
        })).ToList();
        _closed = await World.SeedClosedAsync(_unit, form, [(Script + "职工", 8), (Hyperlink, 8)], ballots, name: Img + "评议", round: Hyperlink);

        // Through the organiser's forms, so the names also reach the action log and the slip sheet.
        _draft = await World.SeedDraftAsync(_unit, expectedCount: 5);
        using (var rename = await PostAsync($"{_draft.Url}/details", ("Name", Img + "草稿"), ("Round", "+1+1")))
            Assert.That(rename.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(rename));
        using (var target = await PostAsync($"{_draft.Url}/targets", ("Kind", "member"), ("Name", "@SUM(A1)"), ("Title", Script)))
            Assert.That(target.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(target));
        using (var category = await PostAsync($"{_draft.Url}/categories", ("Name", "-1+1" + Script), ("ExpectedCount", "5")))
            Assert.That(category.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(category));
        using (var unit = await _staff["admin2"].PostFormAsync("/admin/units", [new("name", Img + "单位")]))
            Assert.That(unit.StatusCode, Is.LessThan(HttpStatusCode.BadRequest), await StaffClient.BodyAsync(unit));
    }

    [OneTimeTearDown]
    public void SignOut()
    {
        foreach (var (user, client) in _staff)
            if (user != "organizer-a") client.Dispose();
    }

    private static IEnumerable<TestCaseData> Pages() =>
        new (string As, string What, Func<MarkupAndFormulaTests, string> Path)[]
        {
            ("organizer-a", "the evaluation list", _ => "/evaluations"),
            ("organizer-a", "the closed evaluation", t => t._closed.Url),
            ("organizer-a", "the draft with renamed target and category", t => t._draft.Url),
            ("supervisor-a", "the turnout page", t => $"{t._closed.Url}/progress"),
            ("supervisor-a", "the results page", t => $"{t._closed.Url}/results"),
            ("supervisor-a", "the opinions page", t => $"{t._closed.Url}/opinions"),
            ("supervisor-a", "the round comparison", t => $"{t._closed.Url}/compare"),
            ("supervisor-a", "the roll-up", _ => "/results/rollup"),
            ("organizer-a", "the counting rules", t => $"{t._closed.Url}/counting"),
            ("auditor-a", "the action log", _ => "/audit-log"),
            ("admin2", "the unit list", _ => "/admin/units"),
        }.Select(p => new TestCaseData(p.As, p.Path).SetName($"Page_ShowsMarkupAsText: {p.What}"));

    [TestCaseSource(nameof(Pages))]
    public async Task Page_ShowsMarkupAsText(string user, Func<MarkupAndFormulaTests, string> path)
    {
        using var response = await _staff[user].GetAsync(path(this));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        AssertEscaped(body);
    }

    /// <summary>
    /// HTML-encoding does not protect text inside an inline handler: the parser decodes &#x27; back to a quote before the
    /// script runs, so a name in confirm('…') could close the string. No handler may hold any typed text.
    /// </summary>
    [Test]
    public async Task EvaluationPage_PutsNoTypedNameIntoAnEventHandler()
    {
        const string Breakout = "');alert(1);('";
        var draft = await World.SeedDraftAsync(_unit, expectedCount: 5);
        using (var target = await PostAsync($"{draft.Url}/targets", ("Kind", "member"), ("Name", Breakout), ("Title", "局长")))
            Assert.That(target.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var category = await PostAsync($"{draft.Url}/categories", ("Name", Breakout + "类"), ("ExpectedCount", "5")))
            Assert.That(category.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        using var response = await Organizer.GetAsync(draft.Url);
        var body = await StaffClient.BodyAsync(response);

        var handlers = Handler().Matches(body).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.That(handlers, Is.Not.Empty, "the page asks before deleting");
        Assert.That(handlers.Where(h => h.Contains("alert(1)")), Is.Empty, "a name inside a handler's script");
        Assert.That(WebUtility.HtmlDecode(body), Does.Contain("确定删除 " + Breakout), "the confirmation still names what is deleted");
    }

    [Test]
    public async Task ResultsPage_ShowsEveryNameAndOpinionLiterally()
    {
        using var response = await _staff["supervisor-a"].GetAsync($"{_closed.Url}/results");
        var text = WebUtility.HtmlDecode(await StaffClient.BodyAsync(response));

        foreach (var hostile in Hostile) Assert.That(text, Does.Contain(hostile));
        Assert.That(text, Does.Contain(Script + "卫生局").And.Contain(Img + "评议").And.Contain(Script + "职工"));
    }

    [Test]
    public async Task SlipSheet_ShowsTheNamesAsText()
    {
        var category = await World.ScalarAsync<Guid>("select id from respondent_category where evaluation_id = @Id and name like '-1+1%'", new { _draft.Id });
        using var response = await PostAsync($"{_draft.Url}/slips", ("CategoryId", category.ToString()), ("Count", "1"), ("Format", "html"));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        AssertEscaped(body);
        Assert.That(WebUtility.HtmlDecode(body), Does.Contain(Img + "草稿").And.Contain("-1+1" + Script));
    }

    [Test]
    public async Task PhoneApi_GivesTheNamesAsJsonStrings()
    {
        var token = (await IssueSlipsAsync(_draft, 1)).Single();
        using var phone = Phone();

        using var response = await phone.PostAsync("/api/v/slip", Json($$"""{"token":"{{token}}"}"""));
        var text = await response.Content.ReadAsStringAsync();

        // Not open yet: the refusal names nothing, and the phone page puts any text it shows into text nodes, never HTML.
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(text, Does.Not.Contain("<script"));
    }

    [Test]
    public async Task Pdf_PrintsTheTextLiterally()
    {
        if (World.App.Services.GetService(typeof(PdfPrinter)) is PdfPrinter { ChromiumPath: null })
            Assert.Ignore("no Chromium on this machine");
        using var response = await _staff["supervisor-a"].GetAsync($"{_closed.Url}/results.pdf");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

        var flat = NoSpace(await PdfTools.TextAsync(await response.Content.ReadAsByteArrayAsync()));

        foreach (var hostile in Hostile) Assert.That(flat, Does.Contain(NoSpace(hostile)));
        Assert.That(flat, Does.Contain(NoSpace(Script + "卫生局")).And.Contain(NoSpace(Img + "评议")));
    }

    [Test]
    public async Task Excel_HoldsTheTextAsStrings_NeverAsFormulas()
    {
        using var response = await _staff["supervisor-a"].GetAsync($"{_closed.Url}/results.xlsx");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        // The file itself: no worksheet has a formula element at all.
        using (var zip = new ZipArchive(new MemoryStream(bytes)))
            foreach (var sheet in zip.Entries.Where(e => e.FullName.StartsWith("xl/worksheets/", StringComparison.Ordinal) && e.FullName.EndsWith(".xml")))
            {
                using var reader = new StreamReader(sheet.Open());
                Assert.That(FormulaElement().IsMatch(await reader.ReadToEndAsync()), Is.False, $"{sheet.FullName} has a formula");
            }

        // Read back: each hostile text is found as a string cell with exactly that text.
        using var workbook = new XLWorkbook(new MemoryStream(bytes));
        var cells = workbook.Worksheets.SelectMany(w => w.CellsUsed()).ToList();
        Assert.That(cells.Where(c => c.HasFormula).Select(c => c.Address.ToString()), Is.Empty);
        foreach (var hostile in Hostile.Append(Script + "职工"))
        {
            var holding = cells.Where(c => c.GetString() == hostile).ToList();
            Assert.That(holding, Is.Not.Empty, $"no cell holds {hostile}");
            Assert.That(holding.Select(c => c.DataType), Is.All.EqualTo(XLDataType.Text), hostile);
        }
        foreach (var formula in Formulas)
            Assert.That(cells.Where(c => c.GetString() == formula).Select(c => c.Style.IncludeQuotePrefix), Is.All.True,
                $"{formula} is marked as text, so editing the cell in Excel does not turn it into a formula");
        Assert.That(cells.Any(c => c.GetString().Contains(Script + "卫生局")), "the unit's name is in the report");
    }

    [TestCase("results.xlsx")]
    [TestCase("results.pdf")]
    public async Task Download_FileNameOfHostileNames_IsAPlainFileName(string file)
    {
        if (file.EndsWith(".pdf") && World.App.Services.GetService(typeof(PdfPrinter)) is PdfPrinter { ChromiumPath: null })
            Assert.Ignore("no Chromium on this machine");
        using var response = await _staff["supervisor-a"].GetAsync($"{_closed.Url}/{file}");

        var disposition = response.Content.Headers.ContentDisposition!;
        var name = disposition.FileNameStar ?? disposition.FileName!;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(name, Does.EndWith(Path.GetExtension(file)));
        Assert.That(name.IndexOfAny(['/', '\\', '"', '<', '>', ':', '*', '?', '|', '\r', '\n', '\0']), Is.EqualTo(-1), name);
    }

    private static void AssertEscaped(string html)
    {
        Assert.That(html, Does.Not.Contain("<script"), "a <script> tag");
        // The attribute text stays (escaped text is still text); what must not appear is the element it would open.
        Assert.That(html, Does.Not.Contain("<img"), "an <img> element");
        Assert.That(html, Does.Not.Contain(Img).And.Not.Contain(Script), "a hostile string as it was typed");
    }

    private static string NoSpace(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    [GeneratedRegex(@"\son[a-z]+=""([^""]*)""")]
    private static partial Regex Handler();

    // <f>, <f t="shared" …>, or with a namespace prefix.
    [GeneratedRegex(@"<(\w+:)?f[\s>/]")]
    private static partial Regex FormulaElement();
}
