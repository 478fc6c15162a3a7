using Dapper;
using Evaluation.Tests.Features.Reports;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>A campaign board of a 局 and three 直属单位 (one with a unit of its own), in Debian's Chromium on a desk and a phone.</summary>
public sealed class CampaignBoardBrowserTests : AppInChromium
{
    [Test]
    public async Task The_campaign_board_shows_the_tree_and_its_rounds_and_fits_a_phone_without_sideways_scrolling()
    {
        var (first, clinic, second, third, campaign) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name, parent_id) values (@first, '示例市第一人民医院', @Unit), (@second, '示例市中医医院', @Unit),
                    (@third, '示例市疾病预防控制中心', @Unit);
                insert into unit (id, name, parent_id) values (@clinic, '第一人民医院门诊部', @first);
                insert into campaign (id, name, unit_id) values (@campaign, '党的群众路线教育实践活动', @Unit);
                """, new { first, clinic, second, third, campaign, Server.Unit });
        var ids = new List<Guid>();
        foreach (var (unit, name, round, categories) in new (Guid, string, string, IReadOnlyList<(string, int)>)[]
                 {
                     (Server.Unit, "2026年局领导班子民主评议", "动员大会后民主评议", ReportScenario.Categories),
                     (first, "2026年医院领导班子民主评议", "动员大会后民主评议", [("机关工作人员", 150), ("离退休老党员", 40), ("服务对象代表", 3)]),
                     (clinic, "门诊部班子民主评议", "动员大会后民主评议", ReportScenario.Categories),
                     (first, "医院总结大会后民主评议", "总结大会后民主评议", ReportScenario.Categories),
                 })
        {
            var form = ReportScenario.NewForm();
            ids.Add((await ClosedEvaluations.SeedClosedAsync(Server.OpenAsync, unit, form, categories, ReportScenario.Ballots(form), name: name, round: round)).Id);
        }
        await using (var conn = await Server.OpenAsync())
        {
            await conn.ExecuteAsync("update evaluation set campaign_id = @campaign where id = any(@ids)", new { campaign, ids });
            // The summary round of the hospital: voting over, box still sealed.
            await conn.ExecuteAsync(
                """
                insert into sealed_ballot (door_message, evaluation_id, key_group_id, ciphertext)
                select message, evaluation_id, key_group_id, '\x00'::bytea from ballot where evaluation_id = @Id;
                delete from ballot where evaluation_id = @Id;
                update evaluation set status = 'sealed' where id = @Id;
                """, new { Id = ids[^1] });
        }

        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);
        await page.GotoAsync($"{Server.Origin}/campaigns");
        await page.GetByRole(AriaRole.Link, new() { Name = "党的群众路线教育实践活动" }).ClickAsync();

        await Assertions.Expect(page.Locator("table.campaign-board tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("table.campaign-board thead th")).ToHaveTextAsync(["单位", "动员大会后民主评议", "总结大会后民主评议"]);
        await Assertions.Expect(page.Locator(".board-entry.low").First).ToContainTextAsync("收回率低");
        await ShotAsync(page, "campaign-board-1366");
        await page.SetViewportSizeAsync(360, 740);
        await ShotAsync(page, "campaign-board-360");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the board scrolls sideways on a phone");

        // The PDF of the same board, kept beside the screenshots to look at.
        var pdf = await context.APIRequest.GetAsync($"{Server.Origin}/campaigns/{campaign}.pdf");
        Assert.That(pdf.Status, Is.EqualTo(200));
        await File.WriteAllBytesAsync(ShotPath("campaign-board").Replace(".png", ".pdf"), await pdf.BodyAsync());
    }
}
