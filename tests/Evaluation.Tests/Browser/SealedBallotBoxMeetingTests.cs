using System.Net;
using System.Text.RegularExpressions;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using static Evaluation.Tests.Browser.VotingForm;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>
/// A whole meeting with the sealed ballot box, in Debian's Chromium against the built app on a real socket: the organiser
/// makes three key cards (2 of 3) and opens voting; phones vote through the QR link with the box key the service gave
/// them (no substitution: only the 监票人's cards can open what they seal) and get receipts; 结束投票 leaves the results
/// 404 until 开箱, which the 监票人 do on the 开箱 page, first with a wrong card, then too few, then two good ones. The
/// results then show what the phones clicked, and every receipt checks as 已计入. Screens go to /tmp/shots.
/// </summary>
public sealed class SealedBallotBoxMeetingTests : AppInChromium
{
    private static readonly string[] Holders = ["王监票", "李监票", "赵监票"];
    // One phone per line: its grade for the 班子 and for the 局长 (every phone also ticks 文山会海 for the 班子, 基本称职 for the 副局长).
    private static readonly (string Team, string Chief)[] Phones = [("好", "称职"), ("好", "优秀"), ("较好", "称职"), ("好", "称职"), ("一般", "优秀")];
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
    public async Task SealedBallotBox_MeetingThroughThePhonePage_WithKeyCards_OpensWithTwoOfThree_AndCountsWhatThePhonesClicked()
    {
        var evaluation = await Server.SeedDraftAsync("2026年局领导班子民主评议（密封投票箱）");
        var cards = await MakeCardsAsync(_organizer, evaluation.Id, Holders, threshold: 2);
        Assert.That(cards.Select(c => c.Index), Is.EqualTo(new[] { 1, 2, 3 }));
        using (var opened = await OpenWithCardsAsync(_organizer, evaluation.Id, cards.Select(c => c.CheckCode).ToList()))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(opened));
        var elsewhere = await Server.SeedDraftAsync("另一次评议");
        var otherCards = await MakeCardsAsync(_organizer, elsewhere.Id, Holders, threshold: 2);
        var tokens = await VotingServer.IssueSlipsAsync(_organizer, evaluation, Phones.Length);
        var console = new List<string>();

        // The phones, one after another, each in a browser of its own.
        var receipts = new List<string>();
        for (var i = 0; i < Phones.Length; i++)
        {
            await using var context = await Browser.NewContextAsync(new()
            {
                ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true, Locale = "zh-CN",
            });
            var page = await context.NewPageAsync();
            page.Console += (_, message) => console.Add(message.Text);
            var phone = new PhoneVoter(page, Server.Origin, $"sealed-phone-{i + 1}", new Screenshots(nameof(SealedBallotBoxMeetingTests)));
            await phone.OpenLinkAsync(tokens[i]);
            await phone.ShowsAsync("intro");
            await Assertions.Expect(phone.Main).ToContainTextAsync(evaluation.Name);
            await phone.StartAsync();
            await phone.ExpectStepAsync("局领导班子");
            await phone.ChooseAsync(TeamRating, Phones[i].Team);
            await phone.TickAsync(Formalism, "文山会海、以会议落实会议");
            await phone.ClickAsync("下一步");
            await phone.ExpectStepAsync("张三（局长）");
            await phone.ChooseAsync(MemberRating, Phones[i].Chief);
            await phone.ClickAsync("下一步");
            await phone.ExpectStepAsync("李四（副局长）");
            await phone.ChooseAsync(MemberRating, "基本称职");
            await phone.ClickAsync("下一步");
            await phone.ExpectStepAsync("总体评价和意见建议");
            await phone.ClickAsync("核对答卷");
            await phone.ShowsAsync("review");
            await phone.ClickAsync("提交答卷");
            receipts.Add(await phone.ReceiptAsync());
            if (i == 0) await ShotAsync(page, "sealed-meeting-phone-receipt-360");
        }
        Assert.That(receipts.Distinct().Count(), Is.EqualTo(Phones.Length));
        Assert.That(await Server.BallotsAsync(evaluation), Has.Count.EqualTo(Phones.Length), "sealed, each under its door");

        using (var close = await _organizer.PostFormAsync($"/evaluations/{evaluation.Id}/close", []))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        foreach (var report in new[] { "results", "results.pdf", "results.xlsx", "opinions" })
            using (var waiting = await _organizer.GetAsync($"/evaluations/{evaluation.Id}/{report}"))
                Assert.That(waiting.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{report} while 待开箱");

        // 开箱 at a desk.
        await using var desk = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "zh-CN" });
        var screen = await desk.NewPageAsync();
        screen.Console += (_, message) => console.Add(message.Text);
        await Server.SignInAsync(screen);
        await screen.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/unseal");
        var first = screen.GetByLabel("第 1 位监票人的密钥卡代码");
        var second = screen.GetByLabel("第 2 位监票人的密钥卡代码");
        var unseal = screen.GetByRole(AriaRole.Button, new() { Name = "开箱", Exact = true });
        await ShotAsync(screen, "sealed-meeting-unseal-1366");

        // Another evaluation's third card: the page names it.
        await first.FillAsync(cards[0].Code);
        await second.FillAsync(otherCards[2].Code);
        await unseal.ClickAsync();
        await Assertions.Expect(screen.Locator("ul.errors")).ToContainTextAsync("第 3 张密钥卡不正确");
        await ShotAsync(screen, "sealed-meeting-unseal-wrong-card-1366");

        // One card alone: the page says how many more.
        await screen.GetByLabel("第 1 位监票人的密钥卡代码").FillAsync(cards[1].Code);
        await screen.GetByLabel("第 2 位监票人的密钥卡代码").FillAsync("");
        await unseal.ClickAsync();
        await Assertions.Expect(screen.Locator("ul.errors")).ToContainTextAsync("还需要 1 张");
        await ShotAsync(screen, "sealed-meeting-unseal-too-few-1366");
        using (var stillWaiting = await _organizer.GetAsync($"/evaluations/{evaluation.Id}/results"))
            Assert.That(stillWaiting.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a wrong card or too few change nothing");

        // Cards 3 and 1.
        await screen.GetByLabel("第 1 位监票人的密钥卡代码").FillAsync(cards[2].Code);
        await screen.GetByLabel("第 2 位监票人的密钥卡代码").FillAsync(cards[0].Code);
        await unseal.ClickAsync();
        await screen.WaitForURLAsync(url => url.Contains($"/evaluations/{evaluation.Id}") && !url.Contains("/unseal"));
        await Assertions.Expect(screen.Locator(".notice")).ToContainTextAsync("开箱完成");

        await screen.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/results");
        var turnout = screen.Locator("table.turnout tbody td");
        await Assertions.Expect(turnout.Nth(3)).ToHaveTextAsync(Phones.Length.ToString());   // 收回
        await Assertions.Expect(turnout.Nth(4)).ToHaveTextAsync(Phones.Length.ToString());   // 有效
        await Assertions.Expect(turnout.Nth(5)).ToHaveTextAsync("0");                       // 无效
        var team = screen.Locator("table.summary tr", new() { HasText = "局领导班子" });
        foreach (var grade in new[] { "好", "较好", "一般", "差" })
            await Assertions.Expect(team.Locator($"td[data-label=\"{grade}\"]"))
                .ToHaveTextAsync(new Regex($"^{Phones.Count(p => p.Team == grade)}（"));
        var chief = screen.Locator("table.summary tr", new() { HasText = "张三" });
        foreach (var grade in new[] { "优秀", "称职" })
            await Assertions.Expect(chief.Locator($"td[data-label=\"{grade}\"]"))
                .ToHaveTextAsync(new Regex($"^{Phones.Count(p => p.Chief == grade)}（"));
        var deputy = screen.Locator("table.summary tr", new() { HasText = "李四" });
        await Assertions.Expect(deputy.Locator("td[data-label=\"基本称职\"]")).ToHaveTextAsync(new Regex($"^{Phones.Length}（"));
        // The first screen as the organiser sees it (the full page is six screens long).
        await screen.ScreenshotAsync(new() { Path = ShotPath("sealed-meeting-results-1366") });
        TestContext.AddTestAttachment(ShotPath("sealed-meeting-results-1366"), "results");

        // Every phone's receipt is counted.
        foreach (var receipt in receipts)
        {
            await screen.GotoAsync($"{Server.Origin}/receipt");
            await screen.GetByLabel("回执码").FillAsync(receipt);
            await screen.GetByRole(AriaRole.Button, new() { Name = "查询" }).ClickAsync();
            await Assertions.Expect(screen.Locator(".result.counted .result-title")).ToHaveTextAsync("已计入");
        }
        Assert.That(console, Has.None.Contains("Content Security Policy"), "nothing on the pages trips their policy");
    }
}
