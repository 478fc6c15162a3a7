using Dapper;
using Microsoft.Playwright;
using static Evaluation.Tests.Browser.VotingForm;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The organiser's slips on the evaluation page, in Chromium: at a desk (1366×768) the issue form proposes what each
/// category lacks, warns about the loopback address the QR would carry, voids a lost batch after a confirmation and
/// issues a replacement; on a phone (360×740) the turnout table, 合计 row included, reads with its labels and nothing
/// scrolls sideways.
/// </summary>
public sealed class SlipsPageTests : AppInChromium
{
    private async Task<IPage> SignedInAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), $"{name}: the page scrolls sideways by {overflow}px");
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"slips-{name}.png");
        await page.Locator("#slips").ScreenshotAsync(new() { Path = path });
        TestContext.AddTestAttachment(path, name);
    }

    [Test]
    public async Task Organiser_IssuesWithTheProposedCount_VoidsALostBatch_AndIssuesAReplacement_AndThePhoneReadsTheTurnout()
    {
        var evaluation = await Server.SeedDraftAsync("2026年局领导班子民主评议（票签）");
        using (var organizer = await Server.SignInAsOrganizerAsync())
        {
            await VotingServer.OpenAsync(organizer, evaluation);
            await VotingServer.IssueSlipsAsync(organizer, evaluation, 12);
        }

        await using var desk = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "zh-CN" });
        var page = await SignedInAsync(desk);
        await page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        await Assertions.Expect(page.Locator("#slip-address-warning")).ToContainTextAsync("二维码地址是 http://127.0.0.1:");
        await page.Locator("#issue-slips > summary").ClickAsync();
        await Assertions.Expect(page.GetByLabel("机关工作人员 发放张数")).ToHaveValueAsync("38");   // 应到 50 − 12

        // The 12 never arrived: void the batch, confirming the dialog.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "作废本批未使用的票签" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("已作废这一批中未使用的票签 12 张");
        await Assertions.Expect(page.Locator("#turnout td[data-label=作废]").First).ToHaveTextAsync("12");
        await page.Locator("#issue-slips > summary").ClickAsync();
        await Assertions.Expect(page.GetByLabel("机关工作人员 发放张数")).ToHaveValueAsync("50");

        // A replacement opens in a tab of its own, as the slips do.
        await page.GetByText("补发票签（手机签到后无法继续）").ClickAsync();
        await page.GetByLabel("补发原因（写入操作日志，请勿写姓名）").FillAsync("签到后手机没电，本人在场");
        var sheet = await page.RunAndWaitForPopupAsync(() =>
            page.GetByRole(AriaRole.Button, new() { Name = "补发 1 张（网页打印）" }).ClickAsync());
        await Assertions.Expect(sheet.Locator(".screen-only")).ToContainTextAsync("补发机关工作人员：1 张票签");
        await Assertions.Expect(sheet.Locator(".slip .category")).ToHaveTextAsync("机关工作人员");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#turnout td[data-label=补发]").First).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#slip-batches")).ToContainTextAsync("签到后手机没电，本人在场");
        await ShotAsync(page, "desk-1366");

        await using var phone = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true, Locale = "zh-CN",
        });
        var small = await SignedInAsync(phone);
        await small.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        var total = small.Locator("#turnout th[data-label=发出]");
        await Assertions.Expect(total).ToHaveTextAsync("13");
        Assert.That(await total.EvaluateAsync<string>("th => getComputedStyle(th, '::before').content"), Is.EqualTo("\"发出：\""),
            "the 合计 row's cells carry their labels on a phone");
        await small.Locator("#issue-slips > summary").ClickAsync();
        await ShotAsync(small, "phone-360");
        await small.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/progress");
        var progressPath = Path.Combine(TestContext.CurrentContext.WorkDirectory, "slips-progress-360.png");
        await small.ScreenshotAsync(new() { Path = progressPath, FullPage = true });
        TestContext.AddTestAttachment(progressPath, "progress-360");

        await using var conn = await Server.OpenAsync();
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from staff_action where action = '补发票签'"), Is.EqualTo(1));
    }
}
