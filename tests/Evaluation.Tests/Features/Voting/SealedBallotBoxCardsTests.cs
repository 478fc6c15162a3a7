using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Browser;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// The 监票人's key cards, as the organiser makes and confirms them: over real HTTP against the built app and its own
/// PostgreSQL, and in Debian's Chromium for how the cards look on screen and on paper. Screens go to /tmp/shots.
/// </summary>
public sealed partial class SealedBallotBoxCardsTests : AppInChromium
{
    private static readonly string[] Holders = ["王监票", "李监票", "赵监票"];
    private StaffClient _organizer = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _organizer = await Server.SignInAsOrganizerAsync();
    }

    [OneTimeTearDown]
    public void Release()
    {
        _organizer?.Dispose();
    }

    [Test]
    public async Task MakingCards_PrintsEveryCardOnce_AndNoCardOrKeyByteIsStoredAnywhere()
    {
        var evaluation = await Server.SeedDraftAsync("密钥卡存储测试");
        var cards = await MakeCardsAsync(_organizer, evaluation.Id, Holders, threshold: 2);

        Assert.That(cards.Select(c => (c.Index, c.Holder)), Is.EqualTo(Holders.Select((h, i) => (i + 1, h))));
        var read = cards.Select(c =>
        {
            Assert.That(KeyCards.TryRead(c.Code, out var card, out var error), Is.True, $"card {c.Index}: {error}");
            Assert.That(card!.Index, Is.EqualTo(c.Index));
            Assert.That(KeyCards.CheckCodeMatches(c.CheckCode, KeyCards.CardPublicKey(card)), Is.True, $"card {c.Index}'s 核对码");
            return card;
        }).ToList();
        using var key = KeyCards.Combine(read.Take(2).ToList());
        var scalar = key.ExportScalar();

        // Everything the database holds, every table's rows as text (bytea as hex): no share, no code, no key.
        var dump = (await DumpDatabaseAsync(Server.ConnectionString)).ToLowerInvariant();
        var secrets = read.SelectMany(c => Spellings(c.Share)).Concat(Spellings(scalar))
            .Concat(cards.SelectMany(c => new[] { c.Code.ToLowerInvariant(), Regex.Replace(c.Code, @"\s", "").ToLowerInvariant() }));
        Assert.Multiple(() =>
        {
            foreach (var secret in secrets)
                Assert.That(dump, Does.Not.Contain(secret), "a card or key byte in the database");
        });
        // Nor in the service's own output.
        foreach (var card in cards)
            Assert.That(Server.Output, Does.Not.Contain(card.Code.Split(' ')[0] + " " + card.Code.Split(' ')[1]));
        // The names and the threshold are what is kept.
        Assert.That(dump, Does.Contain("王监票"));
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("draft"), "making cards does not open voting");
    }

    [Test]
    public async Task AWrongCheckCode_KeepsVotingClosed_AndNamesTheCard()
    {
        var evaluation = await Server.SeedDraftAsync("核对码错误测试");
        var cards = await MakeCardsAsync(_organizer, evaluation.Id, Holders, threshold: 2);

        var typed = cards.Select(c => c.CheckCode).ToList();
        typed[1] = Mistyped(typed[1]);
        using var response = await OpenWithCardsAsync(evaluation.Id, typed);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.Redirect), body);
        Assert.That(body, Does.Contain("第 2 张"), "the page names the card whose 核对码 is wrong");
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("draft"));

        // Typed right, it opens.
        using var again = await OpenWithCardsAsync(evaluation.Id, cards.Select(c => c.CheckCode).ToList());
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(again));
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("open"));
    }

    [Test]
    public async Task NewCards_VoidTheOnesMadeBefore()
    {
        var evaluation = await Server.SeedDraftAsync("重新制作密钥卡测试");
        var first = await MakeCardsAsync(_organizer, evaluation.Id, Holders, threshold: 2);
        var second = await MakeCardsAsync(_organizer, evaluation.Id, ["周监票", "吴监票"], threshold: 2);
        Assert.That(second.Select(c => c.Code), Has.None.AnyOf(first.Select(c => c.Code).ToArray()));

        // The page offers the new set for confirmation, and the old set's 核对码 no longer opens voting.
        var page = await StaffClient.BodyAsync(await _organizer.GetAsync($"/evaluations/{evaluation.Id}"));
        Assert.That(page, Does.Contain("周监票").And.Contain("吴监票"));
        using (var old = await OpenWithCardsAsync(evaluation.Id, first.Select(c => c.CheckCode).ToList()))
            Assert.That(old.StatusCode, Is.Not.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("draft"));

        using var current = await OpenWithCardsAsync(evaluation.Id, second.Select(c => c.CheckCode).ToList());
        Assert.That(current.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(current));
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("open"));
    }

    [Test]
    public async Task MakingCards_IsRefused_OutsideADraft_AndWithTooFewHoldersOrAThresholdAboveThem()
    {
        var evaluation = await Server.SeedDraftAsync("密钥卡参数测试");
        using (var one = await PostCardsAsync(evaluation.Id, ["王监票", "", ""], threshold: 2))
        {
            Assert.That(one.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(one), Does.Contain("请填写 2 至 9 名监票人的姓名"));
        }
        using (var tooHigh = await PostCardsAsync(evaluation.Id, Holders, threshold: 4))
        {
            Assert.That(tooHigh.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(tooHigh), Does.Contain("开箱所需的密钥卡张数应在 2 至 3 之间"));
        }
        using (var unknown = await PostCardsAsync(Guid.NewGuid(), Holders, threshold: 2))
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var cards = await MakeCardsAsync(_organizer, evaluation.Id, Holders, threshold: 3);
        using (var opened = await OpenWithCardsAsync(evaluation.Id, cards.Select(c => c.CheckCode).ToList()))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using var frozen = await PostCardsAsync(evaluation.Id, Holders, threshold: 2);
        Assert.That(frozen.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task TheCardsPage_ReadsOnADeskAndAPhone_AndPrintsOneCardPerPage()
    {
        var evaluation = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        await SignInAsync(page);

        await page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}#open-voting");
        await ShotAsync(page, "evaluation-draft-1366");
        await page.Locator("#open-voting details.weaker > summary").ClickAsync();
        await page.Locator("#open-voting").ScreenshotAsync(new() { Path = ShotPath("open-voting-choice-1366") });
        for (var i = 0; i < Holders.Length; i++)
            await page.GetByLabel($"监票人 {i + 1}", new() { Exact = true }).FillAsync(Holders[i]);
        await page.GetByRole(AriaRole.Button, new() { Name = "制作并打印密钥卡" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/key-cards"));
        await Expect(page.Locator("article.key-card")).ToHaveCountAsync(3);
        Assert.That(await page.Locator("#print-cards").IsVisibleAsync(), Is.True, "the print button shows once its script ran");
        await ShotAsync(page, "key-cards-1366");

        await page.SetViewportSizeAsync(360, 740);
        await ShotAsync(page, "key-cards-360");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the cards page scrolls sideways on a phone");

        // On paper: one card per page, each whole, and nothing of the screen's explanations or the 核对码 form.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await ShotAsync(page, "key-cards-print-media");
        var pdfPath = ShotPath("key-cards-print").Replace(".png", ".pdf");
        await page.PdfAsync(new() { Path = pdfPath, PreferCSSPageSize = true, PrintBackground = true });
        Assert.That(await PdfTools.PagesAsync(pdfPath), Is.EqualTo(3));
        var pages = (await PdfTools.TextAsync(pdfPath)).Split('\f', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Trim().Length > 0).ToList();
        Assert.That(pages, Has.Count.EqualTo(3));
        for (var i = 0; i < 3; i++)
            Assert.Multiple(() =>
            {
                Assert.That(pages[i], Does.Contain($"第 {i + 1} 张 / 共 3 张"));
                Assert.That(pages[i], Does.Contain(Holders[i]));
                Assert.That(pages[i], Does.Contain("核对码"));
                Assert.That(pages[i], Does.Not.Contain("开始投票"));
            });

        // Back on the evaluation page, the cards wait for their 核对码.
        await page.EmulateMediaAsync(new() { Media = Media.Screen });
        await page.SetViewportSizeAsync(1366, 768);
        await page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        await Expect(page.Locator(".pending-cards")).ToContainTextAsync("王监票、李监票、赵监票");
        await page.Locator("#open-voting").ScreenshotAsync(new() { Path = ShotPath("open-voting-pending-1366") });
        Assert.That(console, Has.None.Contains("Content Security Policy"), "nothing on the page trips its policy");
    }

    // --- helpers, shared with SealedBallotBoxOpeningTests ---

    public sealed record PrintedCard(int Index, string Holder, string Code, string CheckCode);

    public static async Task<List<PrintedCard>> MakeCardsAsync(StaffClient organizer, Guid evaluationId, IReadOnlyList<string> holders, int threshold)
    {
        using var response = await PostCardsAsync(organizer, evaluationId, holders, threshold);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "the cards page is never stored");
        var cards = ReadCards(body);
        Assert.That(cards, Has.Count.EqualTo(holders.Count(h => h.Trim().Length > 0)));
        return cards;
    }

    public static List<PrintedCard> ReadCards(string html) =>
        CardArticle().Matches(html).Select(m => new PrintedCard(
            int.Parse(m.Groups["index"].Value),
            WebUtility.HtmlDecode(m.Groups["holder"].Value),
            string.Join(" ", CardGroup().Matches(m.Groups["code"].Value).Select(g => g.Groups[1].Value)),
            WebUtility.HtmlDecode(m.Groups["check"].Value))).ToList();

    public static Task<HttpResponseMessage> PostCardsAsync(StaffClient organizer, Guid evaluationId, IReadOnlyList<string> holders, int threshold) =>
        organizer.PostFormAsync($"/evaluations/{evaluationId}/key-cards",
            holders.Select(h => new KeyValuePair<string, string>("holders", h)).Append(new("threshold", threshold.ToString())));

    public static Task<HttpResponseMessage> OpenWithCardsAsync(StaffClient organizer, Guid evaluationId, IReadOnlyList<string> checkCodes) =>
        organizer.PostFormAsync($"/evaluations/{evaluationId}/open",
            checkCodes.Select(c => new KeyValuePair<string, string>("checkCodes", c)).Prepend(new("custody", "cards")));

    /// <summary>Every row of every table in the public schema, as PostgreSQL writes it as text (bytea as \x hex).</summary>
    public static async Task<string> DumpDatabaseAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var tables = await conn.QueryAsync<string>(
            "select quote_ident(table_name) from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
            foreach (var row in await conn.QueryAsync<string>($"select t::text from public.{table} t"))
                dump.AppendLine(row);
        return dump.ToString();
    }

    /// <summary>How bytes could be written down: hex as bytea prints it, and base64.</summary>
    public static IEnumerable<string> Spellings(byte[] bytes) =>
        [Convert.ToHexStringLower(bytes), Convert.ToBase64String(bytes).ToLowerInvariant(), Convert.ToHexStringLower(bytes[..16]), Convert.ToHexStringLower(bytes[16..])];

    private Task<HttpResponseMessage> PostCardsAsync(Guid evaluationId, IReadOnlyList<string> holders, int threshold) =>
        PostCardsAsync(_organizer, evaluationId, holders, threshold);

    private Task<HttpResponseMessage> OpenWithCardsAsync(Guid evaluationId, IReadOnlyList<string> checkCodes) =>
        OpenWithCardsAsync(_organizer, evaluationId, checkCodes);

    private async Task<string> StatusAsync(Guid id)
    {
        await using var conn = await Server.OpenAsync();
        return await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @id", new { id }) ?? "";
    }

    /// <summary>The same 核对码 with one symbol changed to another of the same kind.</summary>
    private static string Mistyped(string checkCode)
    {
        var chars = checkCode.ToCharArray();
        var at = Array.FindIndex(chars, char.IsLetterOrDigit);
        chars[at] = chars[at] == 'A' ? 'B' : chars[at] == '2' ? '3' : char.IsDigit(chars[at]) ? '2' : 'A';
        return new string(chars);
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync($"{Server.Origin}/login");
        await page.GetByLabel("用户名").FillAsync("organizer-browser");
        await page.GetByLabel("密码").FillAsync(VotingServer.OrganizerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login"));
    }

    public static string ShotPath(string name)
    {
        Directory.CreateDirectory("/tmp/shots");
        return Path.Combine("/tmp/shots", name + ".png");
    }

    public static async Task ShotAsync(IPage page, string name)
    {
        var path = ShotPath(name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [GeneratedRegex("""<article class="key-card" aria-label="[^"]*">.*?开箱密钥卡 第 (?<index>\d+) 张.*?监票人：<strong>(?<holder>[^<]*)</strong>.*?<p class="key-card-code">(?<code>.*?)</p>.*?<span class="key-card-check">(?<check>[^<]*)</span>""", RegexOptions.Singleline)]
    private static partial Regex CardArticle();

    [GeneratedRegex("<span>([^<]*)</span>")]
    private static partial Regex CardGroup();
}
