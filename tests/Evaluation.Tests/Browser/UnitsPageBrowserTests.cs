using Dapper;
using Evaluation.Web.Features.Accounts;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>The 管理员's unit tree in Debian's Chromium: children under their parent, indented, and a phone needs no sideways scrolling.</summary>
public sealed class UnitsPageBrowserTests : AppInChromium
{
    private const string Admin = "admin-browser", Password = "Admin-Browser-1";

    [Test]
    public async Task TheUnitTree_ShowsChildrenUnderTheirParent_AndMovesAUnit_OnAPhoneWithoutSidewaysScrolling()
    {
        var (hospital, clinic) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
                values (gen_random_uuid(), @Admin, '局组织部', 'admin', @Hash, gen_random_uuid());
                insert into unit (id, name, parent_id) values (@hospital, '示例市第一人民医院（直属单位，名称较长的一个）', @Unit);
                insert into unit (id, name, parent_id) values (@clinic, '第一人民医院门诊部', @hospital);
                """, new { Admin, Hash = Passwords.Hash(Password), hospital, clinic, Server.Unit });

        await using var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true, Locale = "zh-CN",
        });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page, Admin, Password);
        await page.GotoAsync($"{Server.Origin}/admin/units");
        var names = await page.Locator("td[data-label=单位]").AllInnerTextsAsync();
        Assert.That(names, Is.EqualTo(new[] { "示例市卫生局", "　└ 示例市第一人民医院（直属单位，名称较长的一个）", "　　└ 第一人民医院门诊部" }));
        await ShotAsync(page, "units-360");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the unit tree scrolls sideways on a phone");

        // The clinic moved to the top level, from its own row.
        var parent = page.GetByLabel("“第一人民医院门诊部”的上级单位");
        await parent.SelectOptionAsync(new SelectOptionValue { Label = "无（顶级单位）" });
        await parent.Locator("xpath=ancestor::form").GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator("td[data-label=单位]", new() { HasTextString = "第一人民医院门诊部" })).ToHaveTextAsync("第一人民医院门诊部");
        await ShotAsync(page, "units-moved-360");
    }
}
