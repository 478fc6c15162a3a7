using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The open 征求意见箱's page in Debian's Chromium on a 360×740 phone: it says what the box is before anything else, shows
/// the box's questions (not its rating), sends what was typed, thanks, and starts empty for the next submission; a paused
/// box says so. Screenshots of each state are attached; none scrolls sideways.
/// </summary>
public sealed class OpenBoxPageBrowserTests : AppInChromium
{
    private const string Notice = "这是公开的征求意见箱，不记录您的身份；任何人都可以提交，可以多次提交，不计作评议票。";
    private const string Opinion = "<b>窗口</b>排队太久，\n希望增加自助机👍";

    /// <summary>An open evaluation with the 征求意见表 and a box, written straight in; returns the box's public id.</summary>
    private async Task<(Guid Evaluation, string Box)> SeedBoxAsync(bool accepting)
    {
        var id = Guid.NewGuid();
        var box = SlipToken.Generate();
        var questionnaire = FormTemplates.OpinionSurvey.Questionnaire;
        await using var conn = await Server.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, status, questionnaire, frozen_form, form_hash, opened_at)
            values (@id, @Unit, '2026年作风建设征求意见', '征求意见', 'open', @Questionnaire, @Frozen, @Hash, now());
            insert into open_box (evaluation_id, public_id, accepting) values (@id, @box, @accepting);
            """,
            new
            {
                id, Server.Unit, box, accepting, Questionnaire = FormJson.Canonical(questionnaire),
                Frozen = FormJson.FrozenForm(questionnaire, []), Hash = FormJson.FormHash(questionnaire, []),
            });
        return (id, box);
    }

    private async Task<IPage> PhoneAsync()
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true, Locale = "zh-CN",
        });
        return await context.NewPageAsync();
    }

    [Test]
    public async Task Phone_AnswersTheBox_IsThanked_AndCanAnswerAgain()
    {
        var (evaluation, box) = await SeedBoxAsync(accepting: true);
        var screens = new Screenshots(nameof(Phone_AnswersTheBox_IsThanked_AndCanAnswerAgain));
        var page = await PhoneAsync();

        await page.GotoAsync($"{Server.Origin}/o/{box}");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("2026年作风建设征求意见");
        await Assertions.Expect(page.Locator(".open-notice")).ToHaveTextAsync(Notice);
        Assert.That(await page.Locator("fieldset, .q").CountAsync(), Is.EqualTo(3), "identity, concerns and the opinion; not the rating");
        Assert.That(await page.ContentAsync(), Does.Not.Contain("您对本单位服务群众工作的总体评价"));
        await page.GetByLabel("服务对象").CheckAsync();
        await page.GetByLabel("办事效率").CheckAsync();
        await page.GetByLabel("其他（请注明）").CheckAsync();
        await page.GetByLabel("请注明", new() { Exact = true }).FillAsync("停车难");
        await page.Locator("textarea").FillAsync(Opinion);
        await screens.TakeAsync(page, "filled");

        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(page.Locator(".ok")).ToContainTextAsync("已收到您的意见");
        await Assertions.Expect(page.Locator(".open-notice")).ToHaveTextAsync(Notice);
        await screens.TakeAsync(page, "thanked");

        await using (var conn = await Server.OpenAsync())
        {
            var stored = (await conn.QueryAsync<string>("select answers from open_box_answer where evaluation_id = @evaluation", new { evaluation })).ToList();
            Assert.That(stored, Has.Count.EqualTo(1));
            Assert.That(stored[0], Does.Contain("停车难").And.Contain("服务对象").And.Contain("办事效率"));
            Assert.That(System.Text.Json.JsonDocument.Parse(stored[0]).RootElement.GetProperty("once").GetProperty("opinion").GetProperty("text").GetString(),
                Is.EqualTo(Opinion));
        }

        // The next person on the same phone starts from an empty form.
        await page.GetByRole(AriaRole.Button, new() { Name = "再提交一份意见" }).ClickAsync();
        await Assertions.Expect(page.Locator("textarea")).ToHaveValueAsync("");
        Assert.That(await page.GetByLabel("服务对象").IsCheckedAsync(), Is.False);
    }

    [Test]
    public async Task Phone_AtAPausedBox_IsToldSoAndShownNoQuestions()
    {
        var (_, box) = await SeedBoxAsync(accepting: false);
        var screens = new Screenshots(nameof(Phone_AtAPausedBox_IsToldSoAndShownNoQuestions));
        var page = await PhoneAsync();

        await page.GotoAsync($"{Server.Origin}/o/{box}");

        await Assertions.Expect(page.Locator(".alert")).ToContainTextAsync("征求意见箱暂停接收意见");
        Assert.That(await page.Locator("textarea").CountAsync(), Is.Zero);
        await screens.TakeAsync(page, "paused");
    }
}
