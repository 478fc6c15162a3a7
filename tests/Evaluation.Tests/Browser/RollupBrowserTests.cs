using Dapper;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>The roll-up of a campaign across two units, one of them with low turnout, in Debian's Chromium on a desk and a phone.</summary>
public sealed class RollupBrowserTests : AppInChromium
{
    [Test]
    public async Task The_campaign_roll_up_marks_the_low_turnout_unit_and_fits_a_phone_without_sideways_scrolling()
    {
        var (hospital, campaign) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@hospital, '示例市第一人民医院');
                insert into staff_unit (account_id, unit_id) select id, @hospital from staff_account where user_name = 'organizer-browser';
                insert into campaign (id, name) values (@campaign, '党的群众路线教育实践活动');
                """, new { hospital, campaign });
        var bureau = ReportScenario.NewForm();
        var clinic = ReportScenario.NewForm();
        var ids = new[]
        {
            (await ClosedEvaluations.SeedClosedAsync(Server.OpenAsync, Server.Unit, bureau, ReportScenario.Categories,
                ReportScenario.Ballots(bureau), name: "2026年局领导班子民主评议")).Id,
            (await ClosedEvaluations.SeedClosedAsync(Server.OpenAsync, hospital, clinic, [("机关工作人员", 150), ("离退休老党员", 40), ("服务对象代表", 3)],
                ReportScenario.Ballots(clinic), name: "2026年医院领导班子民主评议")).Id,
        };
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync("update evaluation set campaign_id = @campaign where id = any(@ids)", new { campaign, ids });

        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);
        await page.GotoAsync($"{Server.Origin}/results/rollup");

        var low = page.Locator("tr.low");
        await Assertions.Expect(low).ToHaveCountAsync(1);
        await Assertions.Expect(low).ToContainTextAsync("2026年医院领导班子民主评议");
        await Assertions.Expect(low).ToContainTextAsync("17 / 193");
        await Assertions.Expect(low.Locator(".low-flag").First).ToBeVisibleAsync();
        await ShotAsync(page, "rollup-1366");
        await page.SetViewportSizeAsync(360, 740);
        await ShotAsync(page, "rollup-360");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the roll-up scrolls sideways on a phone");

        // The PDF of the same view, kept beside the screenshots to look at.
        var pdf = await context.APIRequest.GetAsync($"{Server.Origin}/results/rollup.pdf?campaign={campaign}");
        Assert.That(pdf.Status, Is.EqualTo(200));
        await File.WriteAllBytesAsync(ShotPath("rollup").Replace(".png", ".pdf"), await pdf.BodyAsync());
    }
}
