using System.Net;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Text;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Reports;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// The 意见梳理 page with voters' texts that carry a direction override, emoji and markup: each original is shown
/// verbatim inside its own &lt;bdi&gt;, so it cannot turn the page's words around it; the 督导组's own wording and themes
/// are staff text and refuse hidden characters.
/// </summary>
public sealed class OpinionTriageTextTests : HostileSession
{
    private const string Override = "右到左\u202E覆盖的意见";
    private const string StrayCloser = "多出的闭合\u2069符号";
    private static readonly string[] Opinions = [Override, StrayCloser, "很好👍", "👨‍👩‍👧一家都满意", "𠮷野家", "<b>加粗</b>"];
    private const string Other = "公车私用\u202E🚗";

    private ClosedEvaluation _closed = null!;
    private StaffClient _supervisor = null!;

    [OneTimeSetUp]
    public async Task SeedOpinions()
    {
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, "张三");
        var team = form.Targets[0].Id;
        // Six voters answer each item, so every text is published (k = 5).
        var ballots = Opinions.Select((text, i) => new SeedBallot(0, new BallotAnswers
        {
            Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Text(text) },
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [team] = new Dictionary<string, Answer>
                {
                    ["team-overall"] = Choice("好"),
                    ["wind-1"] = i == 0 ? new Answer { Other = Other } : Choices("文山会海、以会议落实会议"),
                },
            },
        }));
        _closed = await World.SeedClosedAsync(World.UnitA, form, [("机关工作人员", 10)], ballots.ToList());
        _supervisor = await World.SignInAsync("supervisor-a");
    }

    [OneTimeTearDown]
    public void SignOut() => _supervisor.Dispose();

    private async Task<string> PageAsync()
    {
        using var response = await _supervisor.GetAsync($"{_closed.Url}/opinions");
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return WebUtility.HtmlDecode(body);
    }

    [Test]
    public async Task TriagePage_HoldsEachOpinionInsideItsOwnBdi_AsTyped()
    {
        var page = await PageAsync();

        foreach (var text in Opinions)
            AssertHolds(page, $"<bdi>{UserText.Balanced(text)}</bdi>");
        AssertHolds(page, $"<bdi>{Other}</bdi>（其他）");
        Assert.That(page.Contains(StrayCloser, StringComparison.Ordinal), Is.False,
            "a stray isolate closer is dropped, so it cannot close the <bdi> early");
    }

    [Test]
    public async Task TriagePage_AfterMerging_HoldsTheEntryAndItsOriginalsInsideBdi()
    {
        var keys = await KeysAsync();
        var entry = "会风文风问题👍";
        using (var merged = await _supervisor.PostFormAsync($"{_closed.Url}/opinions/entries",
                   [new("Keys", keys[Override]), new("Keys", keys["很好👍"]), new("Text", entry), new("Theme", "作风👍")]))
            Assert.That(merged.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(merged));

        var page = await PageAsync();

        AssertHolds(page, $"<bdi>{entry}</bdi>");
        AssertHolds(page, "<bdi>作风👍</bdi>");
        AssertHolds(page, $"<bdi>{Override}</bdi>");
        AssertHolds(page, $"\u2068{entry}\u2069（2 条）"); // the entry list's <option> isolates the wording as text
    }

    [TestCase("Text", "会风\u202E问题", TestName = "Triage_WordingWithARightToLeftOverride_Is400_AndChangesNothing")]
    [TestCase("Text", "会风\u200B问题", TestName = "Triage_WordingWithAZeroWidthSpace_Is400_AndChangesNothing")]
    [TestCase("Theme", "作风\u2066建设", TestName = "Triage_ThemeWithAnIsolate_Is400_AndChangesNothing")]
    public async Task Triage_StaffTextWithAHiddenCharacter_Is400_AndChangesNothing(string field, string bad)
    {
        var keys = await KeysAsync();
        var fields = new Dictionary<string, string> { ["Text"] = "会风文风问题", ["Theme"] = "作风" };
        fields[field] = bad;

        using var response = await UnchangedAsync(() => _supervisor.PostFormAsync($"{_closed.Url}/opinions/entries",
            [new("Keys", keys["𠮷野家"]), .. fields]));

        await AssertPageRefusalAsync(response, HttpStatusCode.BadRequest, "控制字符");
    }

    [Test]
    public async Task Triage_WordingOfAThousandEmoji_IsAccepted_AndOneMoreIsRefusedCountingAsTheReaderDoes()
    {
        var keys = await KeysAsync();
        var tooLong = string.Concat(Enumerable.Repeat("👍", 1001));

        using var refused = await UnchangedAsync(() => _supervisor.PostFormAsync($"{_closed.Url}/opinions/entries",
            [new("Keys", keys["<b>加粗</b>"]), new("Text", tooLong)]));
        await AssertPageRefusalAsync(refused, HttpStatusCode.BadRequest, "概括措辞不能超过 1000 个字（现有 1001 个）");

        using var accepted = await _supervisor.PostFormAsync($"{_closed.Url}/opinions/entries",
            [new("Keys", keys["<b>加粗</b>"]), new("Text", tooLong[2..])]);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(accepted));
    }

    /// <summary>Ordinal: a culture-aware comparison skips the very direction controls these tests are about.</summary>
    private static void AssertHolds(string page, string fragment) =>
        Assert.That(page.Contains(fragment, StringComparison.Ordinal), Is.True, $"the page holds {fragment}");

    private async Task<Dictionary<string, string>> KeysAsync()
    {
        await using var conn = await World.OpenAsync();
        var tally = await EvaluationResults.CountAsync(conn, _closed.Id, CancellationToken.None);
        return tally.Opinions.GroupBy(o => o.Text).ToDictionary(g => g.Key, g => g.First().Key);
    }
}
