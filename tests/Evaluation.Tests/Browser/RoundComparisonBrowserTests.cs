using Evaluation.Tests.Features.Reports;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>The round comparison read on a phone in Debian's Chromium: every column of a row within the screen. Screens go to /tmp/shots.</summary>
public sealed class RoundComparisonBrowserTests : AppInChromium
{
    [Test]
    public async Task On_a_phone_the_comparison_shows_each_rate_with_its_n_and_the_verdict_without_scrolling_sideways()
    {
        // A long name, as units write them, so the headings have to wrap.
        var (small, large) = await RoundComparisonPageTests.SeedTwoRoundsAsync(Server.OpenAsync, Server.Unit,
            name: "2026年局领导班子和班子成员党的群众路线教育实践活动动员大会后民主评议");
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);

        await page.GotoAsync($"{Server.Origin}{large.Url}/compare");
        await ShotAsync(page, "compare-1366");
        await page.SetViewportSizeAsync(360, 740);
        await ShotAsync(page, "compare-360");

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the comparison scrolls sideways on a phone");
        var team = page.Locator("table.compare-table tbody tr").Filter(new() { HasText = "领导班子" });
        await Assertions.Expect(team.Locator("td.rate .n-inline").First).ToHaveTextAsync("（n = 8）");
        await Assertions.Expect(team.Locator("td.rate .n-inline").First).ToBeVisibleAsync();
        await Assertions.Expect(team.Locator("td.verdict")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("差异不显著\\s*p = 0.202"));
        // Nothing of a row is cut off at the right edge of the phone's screen.
        var rightmost = await page.EvaluateAsync<double>("() => Math.max(...[...document.querySelectorAll('table.compare-table td, h2.compare-rounds span')].map(e => e.getBoundingClientRect().right))");
        Assert.That(rightmost, Is.LessThanOrEqualTo(360));
    }
}
