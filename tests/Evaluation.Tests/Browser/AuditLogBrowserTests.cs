using Dapper;
using Evaluation.Tests.Features.Audit;
using Evaluation.Web.Features.Accounts;
using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The 审计's action log in Chromium, at a laptop's 1366×768 and a phone's 360×740: nothing scrolls sideways or is cut off,
/// the 操作 column is wider than one character (it used to wrap one character a line), and every entry's full hash is on
/// screen as text, without hovering.
/// </summary>
public sealed class AuditLogBrowserTests : AppInChromium
{
    private const string Auditor = "auditor-browser", Password = "Auditor-Password-1";

    [OneTimeSetUp]
    public async Task Prepare()
    {
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
                values (@Account, @Auditor, '局纪委', 'auditor', @Hash, gen_random_uuid());
                insert into staff_unit (account_id, unit_id) values (@Account, @Unit);
                """, new { Account = Guid.NewGuid(), Auditor, Server.Unit, Hash = Passwords.Hash(Password) });
        // Entries shaped like a meeting's: the longest action name, long details, and an actor label of some length.
        var start = DateTimeOffset.UtcNow.AddDays(-2);
        await ActionLogSeed.AppendAsync(Server.ConnectionString, Enumerable.Range(0, 60).Select(i => new ActionLogSeed.Entry(start.AddMinutes(i),
            "局教育实践活动办公室（demo-organizer，组织者）", i % 2 == 0 ? "修改评议人员类别" : "开箱",
            $"《2026年局领导班子和班子成员民主评议》，编号 {Guid.NewGuid()}，密封选票 67 张，开出 67 张，拒收 0 张，问卷哈希 {new string('d', 64)}", null)));
    }

    [TestCase(1366, 768)]
    [TestCase(360, 740)]
    public async Task LogPage_FitsTheScreen_ActionOnOneLine_AndTheFullHashShows(int width, int height)
    {
        var phone = width < 640;
        await using var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height }, IsMobile = phone, HasTouch = phone, Locale = "zh-CN",
        });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page, Auditor, Password);
        await page.GotoAsync($"{Server.Origin}/audit-log");
        await Assertions.Expect(page.Locator("#log-count")).ToContainTextAsync("第 1–50 条");

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), $"the page scrolls sideways by {overflow}px");
        // Nothing inside scrolls sideways either (the old page hid the hash in a scroll box) or sticks out past the screen.
        var wider = await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('main *')]
                .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible' && !['SELECT', 'INPUT'].includes(e.tagName)
                          || e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
                .map(e => e.tagName + '.' + e.className)
            """);
        Assert.That(wider, Is.Empty, "elements cut off or scrolling sideways");

        var action = page.Locator("tr[id^=entry-] td.action").First;
        var lines = await action.EvaluateAsync<int>(
            "td => { const r = document.createRange(); r.selectNodeContents(td); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }");
        var fontSize = await action.EvaluateAsync<double>("td => parseFloat(getComputedStyle(td).fontSize)");
        Assert.That(await action.TextContentAsync(), Is.EqualTo("开箱").Or.EqualTo("修改评议人员类别"));
        Assert.That((await action.BoundingBoxAsync())!.Width, Is.GreaterThan(3 * fontSize), "the 操作 cell is wider than a character");
        var longest = page.Locator("tr[id^=entry-] td.action", new() { HasText = "修改评议人员类别" }).First;
        var longestLines = await longest.EvaluateAsync<int>(
            "td => { const r = document.createRange(); r.selectNodeContents(td); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }");
        Assert.That(lines, Is.EqualTo(1));
        Assert.That(longestLines, Is.EqualTo(1), "修改评议人员类别 on one line");

        await using var conn = await Server.OpenAsync();
        var newest = await conn.QuerySingleAsync<(long Seq, string Hash)>("select seq, hash from staff_action order by seq desc limit 1");
        var hash = page.Locator($"#entry-{newest.Seq} .hash");
        await Assertions.Expect(hash).ToBeVisibleAsync();
        Assert.That((await hash.InnerTextAsync()).Replace(" ", "").Replace("\n", ""), Is.EqualTo(newest.Hash), "the full hash, as text");
        var box = (await hash.BoundingBoxAsync())!;
        Assert.That(box.X, Is.GreaterThanOrEqualTo(0));
        Assert.That(box.X + box.Width, Is.LessThanOrEqualTo(width), "the hash is not cut off");

        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"audit-log-{width}.png");
        await page.ScreenshotAsync(new() { Path = path });
        TestContext.AddTestAttachment(path, $"{width}x{height}");
    }
}
