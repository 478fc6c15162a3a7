using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Text;
using Evaluation.Tests.Infrastructure;
using Evaluation.Verifier;
using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Features.Demo;

namespace Evaluation.Tests.Features.Demo;

/// <summary>
/// <c>--demo</c> seeded into a real database, then every output of both closed rounds downloaded through HTTP as the role
/// that may have it: the results page, the PDF, the Excel workbook and the opinion triage page (督导组), the audit bundle
/// (审计) and the verifier run on it. The rounds' voters wrote emoji, a CJK Extension B character, a direction override,
/// markup and formulas; each output answers 200 and holds each text intact.
/// </summary>
public sealed class DemoOutputsTests
{
    private const string Mobilisation = "2026年第一季度民主评议（示例）";
    private const string Closing = "2026年第一季度满意度测评（示例）";

    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;
    private StaffClient _auditor = null!;
    private Dictionary<string, Guid> _rounds = null!;

    [OneTimeSetUp]
    public async Task SeedTheDemo()
    {
        _world = await StaffWorld.StartAsync();
        await DemoEvaluation.SeedAsync(_world.App.Services);
        await using var conn = await _world.OpenAsync();
        // The demo prints its accounts' passwords once, to be changed at first sign-in; the test gives them one it knows.
        await conn.ExecuteAsync("update staff_account set password_hash = @Hash, must_change_password = false where user_name like 'demo-%'",
            new { Hash = Passwords.Hash(StaffWorld.Password) });
        _rounds = (await conn.QueryAsync<(string Name, Guid Id)>("select name, id from evaluation where status = 'closed'"))
            .ToDictionary(r => r.Name, r => r.Id);
        Assert.That(_rounds.Keys, Is.EquivalentTo(new[] { Mobilisation, Closing }));
        _supervisor = await _world.SignInAsync("demo-supervisor");
        _auditor = await _world.SignInAsync("demo-auditor");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _supervisor?.Dispose();
        _auditor?.Dispose();
        if (_world is not null) await _world.DisposeAsync();
    }

    /// <summary>What the round's voters typed: opinions in both rounds, 其他 texts where the form asks for them (the first round).</summary>
    private static IEnumerable<string> TypedIn(string round) =>
        round == Mobilisation ? [.. DemoResults.RealOpinions, .. DemoResults.RealOtherTexts] : DemoResults.RealOpinions;

    private static IEnumerable<TestCaseData> Rounds() =>
        new[] { ("mobilisation", Mobilisation), ("closing", Closing) }.Select(r => new TestCaseData(r.Item2).SetArgDisplayNames(r.Item1));

    private async Task<byte[]> DownloadAsync(StaffClient client, string round, string path)
    {
        using var response = await client.GetAsync($"/evaluations/{_rounds[round]}/{path}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 2000)))}");
        return bytes;
    }

    [Test]
    public void Demo_TypedTextsOfEveryKind()
    {
        var all = DemoResults.RealOpinions.Concat(DemoResults.RealOtherTexts).ToList();
        Assert.That(all, Has.Some.Contains("👍").And.Some.Contains("\u200D").And.Some.Contains("🇨🇳").And.Some.Contains("𠮷"));
        Assert.That(all, Has.Some.Contains("\u202E").And.Some.Contains("<script>").And.Some.Contains("<b>").And.Some.StartsWith("="));
    }

    [TestCaseSource(nameof(Rounds))]
    public async Task Round_WasSealedWithThreeCards_AndOpenedWithTwo_EveryBallotCounted_SmallCategorySharingAKeyGroup(string round)
    {
        var id = _rounds[round];
        await using var conn = await _world.OpenAsync();
        var box = await conn.QuerySingleAsync<(string Custody, int Threshold, string[] Holders)>(
            "select custody, threshold, holders from ballot_box where evaluation_id = @id", new { id });
        var ballots = await conn.QuerySingleAsync<(int All, int Signed)>(
            "select count(*)::int, count(*) filter (where phone_key is not null and answer_signature is not null)::int from ballot where evaluation_id = @id",
            new { id });
        var left = await conn.QuerySingleAsync<int>(
            "select (select count(*) from sealed_ballot where evaluation_id = @id) + (select count(*) from box_rejection where evaluation_id = @id)",
            new { id });
        var groups = (await conn.QueryAsync<string>("select name from key_group where evaluation_id = @id order by position", new { id })).ToList();
        var typed = (await conn.QueryAsync<string>("select answers from ballot where evaluation_id = @id", new { id }))
            .SelectMany(a => Strings(JsonDocument.Parse(a).RootElement)).ToHashSet(StringComparer.Ordinal);
        var log = (await conn.QueryAsync<string>("select action from staff_action where detail like '%' || @Id || '%' order by seq", new { Id = id.ToString() })).ToList();

        Assert.That((box.Custody, box.Threshold), Is.EqualTo(("cards", 2)));
        Assert.That(box.Holders, Is.EqualTo(DemoResults.Tellers));
        Assert.That(ballots, Is.EqualTo((67, 67)), "every voter's ballot opened, with its phone key and answer signature");
        Assert.That(left, Is.Zero, "no ciphertext left and none refused");
        Assert.That(TypedIn(round).Where(t => !typed.Contains(t)), Is.Empty, "every typed text came out of the box exactly");
        Assert.That(groups, Is.EqualTo(new[] { "机关工作人员", "直属单位领导班子成员", "离退休老党员、服务对象代表" }));
        Assert.That(log.Where(a => a is BundleVerifier.OpenAction or BundleVerifier.CloseAction or BundleVerifier.UnsealAction),
            Is.EqualTo(new[] { BundleVerifier.OpenAction, BundleVerifier.CloseAction, BundleVerifier.UnsealAction }));
    }

    [TestCaseSource(nameof(Rounds))]
    public async Task ResultsPage_ShowsEveryTypedTextVerbatim(string round)
    {
        var raw = Encoding.UTF8.GetString(await DownloadAsync(_supervisor, round, "results"));
        var page = WebUtility.HtmlDecode(raw);

        Assert.That(raw, Does.Not.Contain("<script>alert").And.Not.Contain("<b>会议"), "markup is shown as text");
        foreach (var text in TypedIn(round))
            AssertHolds(page, UserText.Balanced(text), "the results page");
    }

    [TestCaseSource(nameof(Rounds))]
    public async Task OpinionTriagePage_ShowsEveryTypedTextInsideItsOwnBdi(string round)
    {
        var page = WebUtility.HtmlDecode(Encoding.UTF8.GetString(await DownloadAsync(_supervisor, round, "opinions")));

        foreach (var text in TypedIn(round))
            AssertHolds(page, $"<bdi>{UserText.Balanced(text)}</bdi>", "the triage page");
    }

    [TestCaseSource(nameof(Rounds))]
    public async Task Pdf_PrintsEveryTypedText(string round)
    {
        var pdf = await DownloadAsync(_supervisor, round, "results.pdf");
        // Kept with the test's results, to look at as pages (pdftoppm).
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"demo-{_rounds[round]:N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        TestContext.AddTestAttachment(path, round);
        var text = NoSpace(await PdfTools.TextAsync(pdf));

        // A PDF's text layer holds what is drawn: direction controls are not drawn, and pdftotext gives the characters
        // of an overridden run in the order they stand on the page.
        foreach (var typed in TypedIn(round))
            Assert.That(text.Contains(Drawn(typed), StringComparison.Ordinal), Is.True, $"the PDF holds {Drawn(typed)}; found {Around(text, Drawn(typed)[..2])}");
    }

    [TestCaseSource(nameof(Rounds))]
    public async Task Excel_HoldsEveryTypedTextAsAString(string round)
    {
        using var workbook = new XLWorkbook(new MemoryStream(await DownloadAsync(_supervisor, round, "results.xlsx")));
        var cells = workbook.Worksheets.SelectMany(w => w.CellsUsed()).ToList();

        Assert.That(cells.Where(c => c.HasFormula).Select(c => c.Address.ToString()), Is.Empty, "no typed text became a formula");
        foreach (var text in TypedIn(round))
            Assert.That(cells.Any(c => c.DataType == XLDataType.Text && c.GetString().Contains(UserText.Balanced(text), StringComparison.Ordinal)),
                Is.True, $"a text cell holds {text}");
    }

    [TestCaseSource(nameof(Rounds))]
    public async Task AuditBundle_CarriesEveryTypedTextInItsBallots_AndTheVerifierPassesIt(string round)
    {
        var file = await DownloadAsync(_auditor, round, "audit-bundle");
        Assert.That(AuditBundle.TryRead(new MemoryStream(file), out var bundle, out var error), Is.True, error);
        var answers = bundle!.Groups.SelectMany(g => g.Ballots).SelectMany(b => Strings(JsonDocument.Parse(b.Answers).RootElement)).ToHashSet(StringComparer.Ordinal);
        foreach (var text in TypedIn(round))
            Assert.That(answers.Contains(text), Is.True, $"a ballot in the bundle holds {text} exactly");

        var path = Path.Combine(Path.GetTempPath(), $"demo-bundle-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(path, file);
        try
        {
            var (exit, output) = await VerifyAsync(path);
            Assert.That(exit, Is.Zero, output);
            Assert.That(output, Does.Contain("项核对通过"), output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The auditor's command as they run it: its own process, on the saved file.</summary>
    private static async Task<(int Exit, string Output)> VerifyAsync(string bundlePath)
    {
        var verifier = typeof(VerifierCommand).Assembly.Location;
        using var process = Process.Start(new ProcessStartInfo("dotnet", [verifier, bundlePath])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    /// <summary>Ordinal: a culture-aware comparison skips the very direction controls these tests are about.</summary>
    private static void AssertHolds(string output, string fragment, string where) =>
        Assert.That(output.Contains(fragment, StringComparison.Ordinal), Is.True, $"{where} holds {fragment}");

    /// <summary>What follows each place the text's first characters stand, to show how it came out.</summary>
    private static string Around(string text, string start) =>
        string.Join(" | ", text.Split(start).Skip(1).Select(t => start + t[..Math.Min(12, t.Length)]));

    private static string NoSpace(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>The text as it is drawn: without its invisible controls, a run after a right-to-left override reversed.</summary>
    private static string Drawn(string text)
    {
        var visible = new StringBuilder();
        List<string>? reversed = null;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            if (element == "\u202E") reversed = [];
            else if (reversed is not null) reversed.Add(element);
            else visible.Append(element);
        }
        return NoSpace(visible + string.Concat(Enumerable.Reverse(reversed ?? [])));
    }
}
