using Dapper;
using Evaluation.Tests.Features.Voting;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>
/// Copying a round and rehearsing, as an organiser does it in Debian's Chromium, on a desk and on a phone. Screens go to
/// /tmp/shots.
/// </summary>
public sealed class RoundsBrowserTests : AppInChromium
{
    private async Task<IPage> SignedInPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);
        return page;
    }

    private static async Task AtBothSizesAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(1366, 768);
        await ShotAsync(page, name + "-1366");
        await page.SetViewportSizeAsync(360, 740);
        await ShotAsync(page, name + "-360");
        // What a phone shows first, at a size a person can read back.
        await page.ScreenshotAsync(new() { Path = ShotPath(name + "-360-screen") });
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), $"{name} scrolls sideways on a phone");
        await page.SetViewportSizeAsync(1366, 768);
    }

    [Test]
    public async Task The_organiser_copies_last_rounds_setup_into_a_new_draft_from_the_evaluation_page()
    {
        var source = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await SignedInPageAsync(context);

        await page.GotoAsync($"{Server.Origin}/evaluations/{source.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "复制为新一轮" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/evaluations/copy"));
        await AtBothSizesAsync(page, "copy-form");
        Assert.That(await page.GetByLabel("新评议名称").InputValueAsync(), Is.EqualTo("2026年局领导班子民主评议（复制）"));
        Assert.That(await page.GetByLabel("轮次").InputValueAsync(), Is.EqualTo("总结大会后满意度测评"), "the next round is suggested");
        await page.GetByLabel("新评议名称").FillAsync("2026年局领导班子满意度测评");
        await page.GetByText("改用：满意度测评表（总结大会后）").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "复制为新草稿" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/copy"));

        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("已从《2026年局领导班子民主评议》复制：评议对象 3 个，评议人员类别 1 个");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("2026年局领导班子满意度测评");
        await Assertions.Expect(page.Locator("#targets li")).ToHaveCountAsync(3);
        await AtBothSizesAsync(page, "copy-result");
    }

    [Test]
    public async Task The_organiser_rehearses_sees_the_band_on_every_rehearsal_page_and_purges_it_in_one_click()
    {
        var real = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await SignedInPageAsync(context);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();

        await page.GotoAsync($"{Server.Origin}/evaluations/{real.Id}#rehearsal");
        await Assertions.Expect(page.Locator(".rehearsal-band")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "创建演练" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.EndsWith($"/evaluations/{real.Id}#rehearsal"));
        var rehearsalUrl = page.Url;

        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("【演练】2026年局领导班子民主评议");
        await Assertions.Expect(page.Locator(".rehearsal-band")).ToContainTextAsync("这是演练，不是正式评议");
        await AtBothSizesAsync(page, "rehearsal-evaluation");
        foreach (var sub in new[] { "/questionnaire", "/progress", "/counting" })
        {
            await page.GotoAsync(rehearsalUrl + sub);
            await Assertions.Expect(page.Locator(".rehearsal-band")).ToBeVisibleAsync();
        }
        await page.GotoAsync($"{Server.Origin}/evaluations");
        await ShotAsync(page, "rehearsal-list-1366");
        await Assertions.Expect(page.Locator(".badge.rehearsal")).ToHaveCountAsync(1);

        await page.GotoAsync(rehearsalUrl);
        await page.Locator("#rehearsal").GetByRole(AriaRole.Button, new() { Name = "清除演练" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/evaluations/{real.Id}"));

        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("演练已清除");
        await Assertions.Expect(page.Locator(".rehearsal-band")).ToHaveCountAsync(0);
        await ShotAsync(page, "rehearsal-purged-1366");
        await using var conn = await Server.OpenAsync();
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from evaluation where rehearsal_of = @Id", new { real.Id }), Is.Zero);
    }
}
