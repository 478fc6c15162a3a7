using Dapper;
using Microsoft.Playwright;
using static Evaluation.Tests.Browser.VotingForm;

namespace Evaluation.Tests.Browser;

/// <summary>
/// 评议范围 in the browser: the organiser limits 服务对象代表 to the 班子 on the scope page, and a 服务对象代表's phone then
/// steps through the 班子 and the questions asked once, never a member.
/// </summary>
[NonParallelizable]
public sealed class RaterScopeBrowserTests
{
    private const string Shots = "/work/wt/shots/raters";

    [Test]
    public async Task LimitedCategory_SetOnTheScopePage_VotesOnThePhoneWithTheTeamStepOnly()
    {
        await using var server = await VotingServer.StartAsync();
        using var organizer = await server.SignInAsOrganizerAsync();
        var evaluation = await server.SeedDraftAsync("总结大会后民主评议");
        var clients = Guid.NewGuid();
        await using (var conn = await server.OpenAsync())
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@clients, @Id, '服务对象代表', 10, 2)",
                new { clients, evaluation.Id });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DebianChromium.LaunchAsync(playwright);
        var scopeUrl = $"{server.Origin}/evaluations/{evaluation.Id}/categories/{clients}/targets";
        foreach (var (width, height) in new[] { (1366, 768), (360, 740) })
        {
            var staff = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, Locale = "zh-CN" });
            var page = await staff.NewPageAsync();
            await server.SignInAsync(page);
            await page.GotoAsync(scopeUrl);
            await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("“服务对象代表”评议哪些对象");
            if (width == 360)
            {
                await page.GetByRole(AriaRole.Checkbox, new() { Name = "张三" }).UncheckAsync();
                await page.GetByRole(AriaRole.Checkbox, new() { Name = "李四" }).UncheckAsync();
            }
            await page.ScreenshotAsync(new() { Path = $"{Shots}/scope-page-{width}.png", FullPage = true });
            if (width == 360)
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "保存评议范围" }).ClickAsync();
                await Assertions.Expect(page.Locator("#categories")).ToContainTextAsync("评议：局领导班子（1 项）");
                await page.Locator("#categories").ScreenshotAsync(new() { Path = $"{Shots}/categories-{width}.png" });
            }
            await staff.CloseAsync();
        }

        await VotingServer.OpenAsync(organizer, evaluation);
        var token = (await VotingServer.IssueSlipsAsync(organizer, evaluation with { CategoryId = clients }, 1)).Single();

        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true, Locale = "zh-CN" });
        var phone = new PhoneVoter(await context.NewPageAsync(), server.Origin, "client", new Screenshots("rater-scope"));
        await phone.OpenLinkAsync(token);
        await phone.ShowsAsync("intro");
        await Assertions.Expect(phone.Main).ToContainTextAsync("服务对象代表");
        await phone.StartAsync();
        await phone.ExpectStepAsync("局领导班子");
        await Assertions.Expect(phone.Main).ToContainTextAsync("第 1 / 3 步"); // 班子, the questions asked once, the review: no member (5 steps unlimited)
        await phone.ChooseAsync(TeamRating, "较好");
        await phone.Page.ScreenshotAsync(new() { Path = $"{Shots}/phone-team-step-360.png", FullPage = true });
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("总体评价和意见建议");
        await phone.ClickAsync("核对答卷");
        await phone.ShowsAsync("review");
        await Assertions.Expect(phone.Main).Not.ToContainTextAsync("张三");
        await Assertions.Expect(phone.Main).Not.ToContainTextAsync("李四");
        await phone.Page.ScreenshotAsync(new() { Path = $"{Shots}/phone-review-360.png", FullPage = true });
        await context.CloseAsync();
    }
}
