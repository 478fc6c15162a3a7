using System.Net;
using System.Text.RegularExpressions;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>
/// What voters and staff typed, as the results page and the PDF show it (issue 12): emoji, flags, ZWJ sequences and CJK
/// Extension B drawn and intact; a U+202E reordering only itself, never the product's words around it; nothing from an item
/// answered by fewer than k; and the action log's head printed for the verifier's --anchor.
/// </summary>
public sealed partial class ReportTextTests
{
    private const string Rlo = "\u202E";
    private const string Thumbs = "很好👍";
    private const string ExtensionB = "𠮷𪛖";           // 𪛖 (U+2A6D6) is in no Noto CJK font: only a full Extension B font draws it
    private const string Family = "👨‍👩‍👧‍👦一家人";      // one emoji made of four joined by ZWJ
    private const string Flag = "🇨🇳加油";
    private const string Reversing = Rlo + "反转的意见";
    private const string OtherText = "𪛖字其他👍";
    private const string FewOpinion = "只有两人写的意见";
    private const string FewOther = "少数人的其他说明";
    private const string Reversed = Rlo + "李四";         // a name from before names with hidden characters were refused
    private static readonly string[] Opinions = [Thumbs, ExtensionB, Family, Flag, Reversing];

    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;
    private ClosedEvaluation _evaluation = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, "𠮷田", Reversed);
        var (team, yoshida, li) = (form.Targets[0], form.Targets[1], form.Targets[2]);
        var ballots = Enumerable.Range(0, 12).Select(i =>
        {
            var targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [team.Id] = new Dictionary<string, Answer>
                {
                    ["team-overall"] = Choice(i % 3 == 0 ? "好" : "较好"),
                    ["wind-1"] = i < 6 ? new Answer { Other = OtherText } : Choices(FormTemplates.NoneSeen),
                },
                [yoshida.Id] = i < 2
                    ? new Dictionary<string, Answer> { ["member-overall"] = Choice("称职"), ["target-opinion"] = Text(FewOpinion + i) }
                    : new Dictionary<string, Answer> { ["member-overall"] = Choice("优秀") },
            };
            // Three answer about 李四: fewer than k = 5, so nothing about him is published, not even that three answered.
            if (i < 3)
                targets[li.Id] = new Dictionary<string, Answer> { ["member-overall"] = Choice("称职"), ["wind-2"] = new Answer { Other = FewOther } };
            return new SeedBallot(i < 6 ? 0 : 1, new BallotAnswers
            {
                Once = i < 10 ? new Dictionary<string, Answer> { ["campaign-opinion"] = Text(Opinions[i % Opinions.Length]) } : [],
                Targets = targets,
            });
        }).ToList();
        _evaluation = await _world.SeedClosedAsync(_world.UnitA, form, [("机关工作人员", 8), ("离退休👴老党员", 8)], ballots, name: "很好👍评议");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    [Test]
    public async Task Pdf_draws_emoji_flags_zwj_sequences_and_extension_b_with_fonts_that_have_them()
    {
        var (text, fonts, _) = await PdfAsync(_evaluation, "non-bmp");

        foreach (var typed in new[] { Thumbs, ExtensionB, Family, Flag, OtherText, "很好👍评议", "𠮷田", "离退休👴老党员" })
            Assert.That(text, Does.Contain(typed), $"{typed} comes out of the PDF as it went in");
        Assert.That(fonts, Does.Contain("NotoColorEmoji"), "emoji drawn in colour, not as empty boxes");
        Assert.That(fonts, Does.Contain("HanaMinB"), "CJK Extension B drawn by a font that has all of it");
        Assert.That(fonts, Does.Contain("NotoSansCJKsc-Regular"), "and Chinese by the CJK font, before the fallbacks");
    }

    [Test]
    public async Task Results_page_shows_emoji_and_extension_b_intact()
    {
        var page = WebUtility.HtmlDecode(await PageAsync($"{_evaluation.Url}/results"));

        foreach (var typed in new[] { Thumbs, ExtensionB, Family, Flag, OtherText, "很好👍评议", "𠮷田", "离退休👴老党员" })
            Assert.That(page, Does.Contain(typed));
    }

    [Test]
    public async Task Results_page_isolates_every_text_someone_typed()
    {
        var page = await PageAsync($"{_evaluation.Url}/results");
        Assert.That(WebUtility.HtmlDecode(page).Contains(Reversing, StringComparison.Ordinal), Is.True, "the opinion is shown as typed");

        // What is left once every <bdi> (and the isolated tab title) is taken out is the product's own text only.
        var product = WebUtility.HtmlDecode(Isolated().Replace(Bdi().Replace(page, ""), ""));
        // Ordinal: NUnit's string constraints compare by culture, which ignores U+202E altogether.
        Assert.That(product.Contains(Rlo, StringComparison.Ordinal), Is.False, "no direction control outside an isolate");
        foreach (var typed in Opinions.Append(OtherText).Append("很好👍评议").Append("𠮷田").Append("离退休👴老党员"))
            Assert.That(product, Does.Not.Contain(typed), $"{typed} stands inside a <bdi>");
    }

    [Test]
    public async Task Pdf_keeps_the_product_text_around_a_reversing_opinion_in_reading_order()
    {
        var (_, _, flat) = await PdfAsync(_evaluation, "bidi");

        Assert.That(flat, Does.Contain("（对搞好教育实践活动的意见建议）"), "the label after the opinion reads left to right");
        Assert.That(flat, Does.Not.Contain("议建见意的"), "and is not reversed");
        Assert.That(flat, Does.Contain("（副局长）").And.Not.Contain("长局副"), "a reversing name reverses only itself");
    }

    [Test]
    public async Task Suppressed_items_show_no_count_and_no_opinion_on_the_page_or_in_the_pdf()
    {
        var page = Flat(WebUtility.HtmlDecode(Tags().Replace(await PageAsync($"{_evaluation.Url}/results"), "")));
        var (_, _, pdf) = await PdfAsync(_evaluation, "suppressed");

        foreach (var (output, text) in new[] { ("page", page), ("PDF", pdf) })
        {
            Assert.That(text, Does.Not.Contain(FewOpinion).And.Not.Contain(FewOther), $"{output}: texts of an item under k are not published");
            Assert.That(text, Does.Not.Contain("人作答）"), $"{output}: no answer count beside a suppressed item");
            Assert.That(text, Does.Not.Contain("文字意见0条").And.Not.Contain("文字意见2条"), $"{output}: no count of texts for a suppressed text item");
            Assert.That(text, Does.Contain("作答不足5人，为保护匿名不公布"), output);
            Assert.That(text, Does.Contain("作答不足5人的题目不公布意见原文"), $"{output}: says once why some opinions are missing");
            Assert.That(text, Does.Contain(Flat(OtherText)), $"{output}: the texts of items answered by k or more are all there");
        }
    }

    [Test]
    public async Task Page_and_pdf_print_the_action_log_head_for_the_verifiers_anchor()
    {
        var page = WebUtility.HtmlDecode(await PageAsync($"{_evaluation.Url}/results"));
        var (seq, hash) = await HeadAsync();
        Assert.That(page, Does.Contain($"操作记录 第 {seq} 条").And.Contain(hash));

        // The PDF's own export entry is written after it is printed, so it prints the head from just before.
        var (_, _, flat) = await PdfAsync(_evaluation, "log-head");
        Assert.That(flat, Does.Contain($"操作记录第{seq}条").And.Contain(hash));
        Assert.That(await HeadAsync(), Is.Not.EqualTo((seq, hash)), "the export itself was logged after");
    }

    private async Task<(long, string)> HeadAsync()
    {
        await using var conn = await _world.OpenAsync();
        var head = (await ActionLogWriter.HeadAsync(conn))!;
        return (head.Seq, head.Hash);
    }

    private async Task<string> PageAsync(string url)
    {
        var response = await _supervisor.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return await StaffClient.BodyAsync(response);
    }

    /// <summary>The PDF's text (pdftotext -layout), the fonts it embeds and its text without white space; kept as a test attachment.</summary>
    private async Task<(string Text, string Fonts, string Flat)> PdfAsync(ClosedEvaluation evaluation, string name)
    {
        var response = await _supervisor.GetAsync($"{evaluation.Url}/results.pdf");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-pdfs", $"{name}.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        TestContext.AddTestAttachment(path);
        var text = await PdfTools.TextAsync(path);
        return (text, string.Join("\n", await PdfTools.EmbeddedFontsAsync(path)), Flat(text));
    }

    private static string Flat(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    [GeneratedRegex("<bdi[^>]*>.*?</bdi>", RegexOptions.Singleline)]
    private static partial Regex Bdi();

    [GeneratedRegex("\u2068[^\u2069]*\u2069")]
    private static partial Regex Isolated();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}
