using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// One attendee's browser tab on the phone page, driven the way a person would: by the words on screen (question
/// texts, option labels, button names), never by internal ids. Every state worth looking at is photographed into
/// the test's attachments, and each photograph first checks that the page fits the 360 px screen.
/// </summary>
public sealed class PhoneVoter(IPage page, string origin, string name, Screenshots screenshots)
{
    public IPage Page => page;

    public Task OpenLinkAsync(string token) => page.GotoAsync($"{origin}/v#{token}");

    public Task OpenAsync(string path = "/v") => page.GotoAsync(origin + path);

    /// <summary>Waits until the page shows <paramref name="screen"/> (main[data-screen]: code, intro, step, review, receipt, problem …).</summary>
    public Task ShowsAsync(string screen) => page.Locator($"main[data-screen={screen}]").WaitForAsync();

    public ILocator Main => page.Locator("main");

    public ILocator Heading => page.Locator("main h1");

    public ILocator Button(string text) => page.GetByRole(AriaRole.Button, new() { Name = text, Exact = true });

    public Task ClickAsync(string button) => Button(button).ClickAsync();

    /// <summary>A question's fieldset, found by its legend.</summary>
    public ILocator Question(string text) => page.GetByRole(AriaRole.Group, new() { Name = text });

    public Task ChooseAsync(string question, string option) =>
        Question(question).GetByRole(AriaRole.Radio, new() { Name = option, Exact = true }).CheckAsync();

    public ILocator Box(string question, string option) =>
        Question(question).GetByRole(AriaRole.Checkbox, new() { Name = option, Exact = true });

    public Task TickAsync(string question, string option) => Box(question, option).CheckAsync();

    public Task UntickAsync(string question, string option) => Box(question, option).UncheckAsync();

    public Task SpecifyOtherAsync(string question, string text) =>
        Question(question).GetByRole(AriaRole.Textbox, new() { Name = "请注明" }).FillAsync(text);

    public ILocator TextBox(string question) => page.GetByRole(AriaRole.Textbox, new() { Name = question });

    public Task WriteAsync(string question, string text) => TextBox(question).FillAsync(text);

    public async Task TypeCodeAsync(string code)
    {
        await page.GetByLabel("票签代码", new() { Exact = true }).FillAsync(code);
        await ClickAsync("开始");
    }

    /// <summary>From the introduction, once the anonymous credential is in hand, to the first step.</summary>
    public async Task StartAsync()
    {
        await CheckedInAsync();
        await ClickAsync("开始填写");
        await ShowsAsync("step");
    }

    public Task CheckedInAsync() => page.Locator("#ready.ok").WaitForAsync();

    /// <summary>From the introduction to the review of <see cref="VotingForm"/>, answering only its required questions.</summary>
    public async Task AnswerRequiredOnlyToReviewAsync()
    {
        await StartAsync();
        await ExpectStepAsync("局领导班子");
        await ChooseAsync(VotingForm.TeamRating, "较好");
        await ClickAsync("下一步");
        await ExpectStepAsync("张三（局长）");
        await ChooseAsync(VotingForm.MemberRating, "称职");
        await ClickAsync("下一步");
        await ExpectStepAsync("李四（副局长）");
        await ChooseAsync(VotingForm.MemberRating, "优秀");
        await ClickAsync("下一步");
        await ExpectStepAsync("总体评价和意见建议");
        await ClickAsync("核对答卷");
        await ShowsAsync("review");
    }

    public async Task ExpectStepAsync(string heading)
    {
        await ShowsAsync("step");
        await Assertions.Expect(Heading).ToContainTextAsync(heading);
    }

    public async Task<string> ReceiptAsync()
    {
        await ShowsAsync("receipt");
        return (await page.Locator("#receipt").InnerTextAsync()).Trim();
    }

    public Task<string> LocalStorageAsync() => page.EvaluateAsync<string>("() => JSON.stringify(localStorage)");

    public Task<int> StoredItemsAsync() => page.EvaluateAsync<int>("() => localStorage.length + sessionStorage.length");

    public Task SnapAsync(string state) => screenshots.TakeAsync(page, $"{name}-{state}");
}

/// <summary>Numbered full-page PNGs of a test, written under the test's work directory and attached to its result.</summary>
public sealed class Screenshots(string test)
{
    private int _count;

    public async Task TakeAsync(IPage page, string state)
    {
        // No sideways scrolling on a 360 px phone, in any state.
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), $"{state}: the page scrolls sideways by {overflow}px");

        var directory = Path.Combine(TestContext.CurrentContext.WorkDirectory, "phone-screens");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{test}-{++_count:00}-{state}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, state);
    }
}
