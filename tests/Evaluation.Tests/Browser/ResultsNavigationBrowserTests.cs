using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features.Reports;
using Evaluation.Web.Features.Accounts;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Browser;

/// <summary>
/// Reading a closed evaluation in Debian's Chromium, on a laptop and on a phone: the results page's summary and contents
/// lead to each target's card, nothing runs off a phone's screen, and the opinion triage's merge controls stay in reach
/// while the list scrolls.
/// </summary>
public sealed class ResultsNavigationBrowserTests : AppInChromium
{
    private const string SupervisorName = "supervisor-browser", SupervisorPassword = "Supervisor-Password-1";
    private static readonly string[] Members = ["张三", "李四", "王五", "赵六", "孙七", "周八"];
    private ClosedEvaluation _evaluation = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _evaluation = await SeedAsync();
    }

    /// <summary>
    /// A 班子 and six members rated by 30 voters, each writing an opinion about the 班子 and one member, so every item is
    /// published (k = 5) and the untriaged list is long; and a 督导组 account of the unit, who may triage.
    /// </summary>
    private async Task<ClosedEvaluation> SeedAsync()
    {
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, Members);
        string[] team = ["好", "较好", "一般", "差"], member = ["优秀", "称职", "基本称职", "不称职"];
        var ballots = Enumerable.Range(0, 30).Select(i => new SeedBallot(0, new BallotAnswers
        {
            Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Text($"希望活动务求实效（{i + 1}）") },
            Targets = form.Targets.ToDictionary(t => t.Id, t => (IReadOnlyDictionary<string, Answer>)(t.Kind == TargetKind.Team
                ? new Dictionary<string, Answer>
                {
                    ["team-overall"] = Choice(team[i % 3]),
                    ["wind-1"] = Choices(FormTemplates.NoneSeen),
                    ["target-opinion"] = Text($"班子会议偏多，第 {i + 1} 位评议人的意见"),
                }
                : new Dictionary<string, Answer>
                {
                    ["member-overall"] = Choice(member[(i + t.Position) % 4]),
                    ["target-opinion"] = Text($"希望{t.Name}同志多下基层（{i + 1}）"),
                })),
        })).ToList();
        var evaluation = await SeedClosedAsync(Server.OpenAsync, Server.Unit, form, [("机关工作人员", 40)], ballots, name: "2026年民主评议");
        await using var conn = await Server.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
            values (@Account, @SupervisorName, '第一督导组', 'supervisor', @Hash, gen_random_uuid());
            insert into staff_unit (account_id, unit_id) values (@Account, @Unit);
            """, new { Server.Unit, Account = Guid.NewGuid(), SupervisorName, Hash = Passwords.Hash(SupervisorPassword) });
        return evaluation;
    }

    private string ResultsUrl => $"{Server.Origin}/evaluations/{_evaluation.Id}/results";

    [Test]
    public async Task Results_SummaryAndContentsLeadToEveryTargetsCard_AndAPhoneShowsEveryCardWithoutSidewaysScrolling()
    {
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);
        await page.GotoAsync(ResultsUrl);

        // The summary lists every target, each a link to a card that exists.
        var summaryLinks = page.Locator("#summary table.compact td.who a");
        await Assertions.Expect(summaryLinks).ToHaveCountAsync(_evaluation.Form.Targets.Count);
        foreach (var target in _evaluation.Form.Targets)
        {
            var anchor = $"#target-{target.Id:N}";
            Assert.That(await page.Locator($"#summary table.compact a[href='{anchor}']").CountAsync(), Is.EqualTo(1), $"{target.Name} is in the summary's table");
            await Assertions.Expect(page.Locator($"section.target{anchor}")).ToHaveCountAsync(1);
        }
        Assert.That(await page.Locator("section.target").CountAsync(), Is.EqualTo(_evaluation.Form.Targets.Count));

        var last = _evaluation.Member(Members[^1]);
        var lastCard = page.Locator($"#target-{last.Id:N}");
        await Assertions.Expect(lastCard).Not.ToBeInViewportAsync();
        await page.Locator("#contents").GetByRole(AriaRole.Link, new() { Name = Members[^1] }).ClickAsync();
        await Assertions.Expect(lastCard).ToBeInViewportAsync();
        await Assertions.Expect(lastCard.Locator("h2")).ToBeInViewportAsync();

        // From the card back to the contents, then on through the summary's own link.
        await lastCard.GetByRole(AriaRole.Link, new() { Name = "↑ 目录" }).ClickAsync();
        var second = _evaluation.Member(Members[1]);
        await page.Locator("#summary").GetByRole(AriaRole.Link, new() { Name = Members[1] }).ClickAsync();
        await Assertions.Expect(page.Locator($"#target-{second.Id:N} h2")).ToBeInViewportAsync();
        foreach (var section in new[] { "整体评价", "“四风”问题汇总", "意见建议" })
            await Assertions.Expect(page.Locator("#contents").GetByRole(AriaRole.Link, new() { Name = section })).ToHaveCountAsync(1);

        await page.SetViewportSizeAsync(360, 740);
        await page.GotoAsync(ResultsUrl);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), "the results page scrolls sideways on a phone");
        var cards = await page.Locator("section.target").AllAsync();
        Assert.That(cards, Has.Count.EqualTo(_evaluation.Form.Targets.Count));
        foreach (var card in cards)
        {
            var box = await card.BoundingBoxAsync();
            Assert.That(box, Is.Not.Null);
            Assert.That(box!.X, Is.GreaterThanOrEqualTo(0));
            Assert.That(box.X + box.Width, Is.LessThanOrEqualTo(360), "a target card runs off a phone's screen");
        }
        // On a phone the contents are a strip stuck to the top: its link still brings the card into view, not under the strip.
        await page.Locator("#contents").GetByRole(AriaRole.Link, new() { Name = Members[^1] }).ClickAsync();
        await Assertions.Expect(lastCard.Locator("h2")).ToBeInViewportAsync();
        var stripBottom = (await page.Locator("#contents").BoundingBoxAsync())!;
        var heading = (await lastCard.Locator("h2").BoundingBoxAsync())!;
        Assert.That(heading.Y, Is.GreaterThanOrEqualTo(stripBottom.Y + stripBottom.Height - 1), "the card's heading is not hidden under the contents strip");
    }

    [TestCase(1366, 768)]
    [TestCase(360, 740)]
    public async Task Triage_MergeControlsStayInTheWindow_WhileTheListIsScrolledToItsMiddle(int width, int height)
    {
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page, SupervisorName, SupervisorPassword);
        await page.GotoAsync($"{Server.Origin}/evaluations/{_evaluation.Id}/opinions");

        var boxes = page.Locator("#untriaged input[name=Keys]");
        var count = await boxes.CountAsync();
        Assert.That(count, Is.GreaterThan(100), "a long list");
        var merge = page.Locator("#merge-form").GetByRole(AriaRole.Button, new() { Name = "合并为新条目" });
        var wording = page.Locator("#merge-text");

        // Two opinions about one target, from the middle of the list (each target has 30 in a row).
        var middle = boxes.Nth(count / 2 + 5);
        await middle.ScrollIntoViewIfNeededAsync();
        await middle.CheckAsync();
        await boxes.Nth(count / 2 + 6).CheckAsync();
        var list = (await page.Locator("#untriaged").BoundingBoxAsync())!;
        Assert.That(list.Y, Is.LessThan(0), "the list is scrolled: its top is above the window");
        Assert.That(list.Y + list.Height, Is.GreaterThan(height), "and its end below it");
        await Assertions.Expect(merge).ToBeInViewportAsync(new() { Ratio = 1 });
        await Assertions.Expect(wording).ToBeInViewportAsync(new() { Ratio = 1 });
        await Assertions.Expect(page.Locator("#merge-form .merge-count")).ToBeInViewportAsync(new() { Ratio = 1 });
        Assert.That(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"),
            Is.LessThanOrEqualTo(0), "the triage page scrolls sideways");

        // The ticked boxes and the wording go with the stuck form: a merge of two opinions about one target goes straight through.
        await wording.FillAsync("会议偏多");
        await merge.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("#entry-"));
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("已将 2 条原始意见梳理为 1 条");
    }
}
