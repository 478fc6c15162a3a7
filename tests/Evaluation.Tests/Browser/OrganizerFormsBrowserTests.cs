using Dapper;
using Evaluation.Web.Features.Accounts;
using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The organiser's forms in Chromium, at a phone's 360×740 and a laptop's 1366×768: the question editor shows the chosen
/// 题型's fields only, a save returns to the saved item with its confirmation in view, the category rows are labelled on a
/// phone, and an account with a password someone else has seen lands on the password page. Set SCREENSHOTS to a folder
/// to keep a PNG of each page at each size.
/// </summary>
public sealed class OrganizerFormsBrowserTests : AppInChromium
{
    private static readonly (int Width, int Height)[] Sizes = [(360, 740), (1366, 768)];

    /// <summary>Which of the optional fields each 题型 shows (the text, 题型, 针对 and 必答 always show).</summary>
    private static readonly Dictionary<string, string[]> FieldsOf = new()
    {
        ["rating"] = ["Scale", "AllowUnknown"],
        ["symptoms"] = ["Options", "NoneOption", "MaxSelections", "MaxLength", "AllowOther"],
        ["single"] = ["Options", "MaxLength", "AllowOther"],
        ["multiple"] = ["Options", "MaxSelections", "MaxLength", "AllowOther"],
        ["text"] = ["MaxLength"],
    };

    private static readonly string[] Optional = ["Scale", "AllowUnknown", "Options", "NoneOption", "MaxSelections", "MaxLength", "AllowOther"];
    private VotingEvaluation _evaluation = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _evaluation = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                update target set title = '副局长（分管医政）' where id = @DeputyId;
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (gen_random_uuid(), @Id, '离退休老党员', 23, 2), (gen_random_uuid(), @Id, '服务对象代表', 120, 3);
                """, new { _evaluation.DeputyId, _evaluation.Id });
    }

    private async Task<IPage> SignedInPageAsync((int Width, int Height) size, string user = "organizer-browser", string password = VotingServer.OrganizerPassword)
    {
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = size.Width, Height = size.Height } });
        await Server.SignInAsync(page, user, password);
        return page;
    }

    /// <param name="top">Scrolled to the top of the screen first.</param>
    private static async Task ShotAsync(IPage page, string name, (int Width, int Height) size, ILocator? top = null)
    {
        if (Environment.GetEnvironmentVariable("SCREENSHOTS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        if (top is not null) await top.EvaluateAsync("e => e.scrollIntoView({ block: 'start' })");
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{size.Width}x{size.Height}.png") });
    }

    [TestCaseSource(nameof(Sizes))]
    public async Task QuestionEditor_ShowsOnlyTheChosenKindsFields((int Width, int Height) size)
    {
        var page = await SignedInPageAsync(size);
        await page.GotoAsync($"{Server.Origin}/evaluations/{_evaluation.Id}/questionnaire");
        var adding = page.Locator("details", new() { Has = page.Locator("summary", new() { HasText = "添加题目" }) });
        await adding.Locator("summary").ClickAsync();

        foreach (var (kind, shown) in FieldsOf)
        {
            await adding.Locator("select[name=Kind]").SelectOptionAsync(kind);
            foreach (var field in Optional)
                Assert.That(await adding.Locator($"[name={field}]").IsVisibleAsync(), Is.EqualTo(shown.Contains(field)), $"{kind}: {field}");
            foreach (var always in new[] { "Text", "Kind", "Per", "Required" })
                Assert.That(await adding.Locator($"[name={always}]").IsVisibleAsync(), Is.True, $"{kind}: {always}");
            if (kind is "symptoms" or "rating") await ShotAsync(page, $"questionnaire-add-{kind}", size, adding);
        }
        await ShotAsync(page, "questionnaire-add-text", size, adding);
        await page.CloseAsync();
    }

    [Test]
    public async Task AddingAQuestion_ReturnsToIt_WithTheConfirmationInView()
    {
        var size = Sizes[0];
        var page = await SignedInPageAsync(size);
        await page.GotoAsync($"{Server.Origin}/evaluations/{_evaluation.Id}/questionnaire");
        var adding = page.Locator("details", new() { Has = page.Locator("summary", new() { HasText = "添加题目" }) });
        await adding.Locator("summary").ClickAsync();
        await adding.Locator("select[name=Kind]").SelectOptionAsync("text");
        await adding.Locator("input[name=Text]").FillAsync("对本次评议工作的其他意见");
        await adding.GetByRole(AriaRole.Button, new() { Name = "添加" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        var saved = page.Locator(".saved[role=status]");
        Assert.That(new Uri(page.Url).Fragment, Does.StartWith("#q-"));
        Assert.That(await saved.TextContentAsync(), Does.StartWith("已保存：添加题目（第 "));
        Assert.That(await saved.IsVisibleAsync(), Is.True);
        var box = await saved.BoundingBoxAsync();
        Assert.That(box!.Y, Is.InRange(0, size.Height - box.Height), "the confirmation is on screen, not at the top of a long page");
        await ShotAsync(page, "questionnaire-saved", size);
        await page.CloseAsync();
    }

    [TestCaseSource(nameof(Sizes))]
    public async Task CategoryRows_AreLabelled_AndASaveReturnsToTheRow((int Width, int Height) size)
    {
        var page = await SignedInPageAsync(size);
        await page.GotoAsync($"{Server.Origin}/evaluations/{_evaluation.Id}#categories");
        var row = page.Locator($"#category-{_evaluation.CategoryId:N}");
        var name = row.GetByLabel("类别名称");
        var count = row.GetByLabel("应到人数");
        Assert.That(await name.InputValueAsync(), Is.EqualTo("机关工作人员"));
        if (size.Width < 640)
        {
            Assert.That(await row.Locator("label", new() { HasText = "类别名称" }).IsVisibleAsync(), Is.True, "on a phone the label shows");
            var labelBox = await row.Locator("label", new() { HasText = "应到人数" }).BoundingBoxAsync();
            Assert.That(labelBox!.Width, Is.GreaterThan(20));
        }
        await ShotAsync(page, "categories", size, page.Locator("#categories"));

        await count.FillAsync(size.Width < 640 ? "51" : "52");
        await row.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.That(new Uri(page.Url).Fragment, Is.EqualTo($"#category-{_evaluation.CategoryId:N}"));
        var saved = page.Locator($"#category-{_evaluation.CategoryId:N} .saved");
        Assert.That(await saved.TextContentAsync(), Does.Contain("已保存：类别“机关工作人员”"));
        var box = await saved.BoundingBoxAsync();
        Assert.That(box!.Y, Is.InRange(0, size.Height - box.Height), "the confirmation is on screen");
        await ShotAsync(page, "categories-saved", size);
        await page.CloseAsync();
    }

    [TestCaseSource(nameof(Sizes))]
    public async Task EvaluationPage_NamesAPostWithBracketsWithoutNestingThem((int Width, int Height) size)
    {
        var page = await SignedInPageAsync(size);
        await page.GotoAsync($"{Server.Origin}/evaluations/{_evaluation.Id}#targets");

        var deputy = await page.Locator($"#target-{_evaluation.DeputyId:N}").InnerTextAsync();

        Assert.That(deputy, Does.Contain("李四（副局长，分管医政）").And.Not.Contain("（副局长（"));
        await ShotAsync(page, "targets", size, page.Locator("#targets"));
        await page.CloseAsync();
    }

    [TestCaseSource(nameof(Sizes))]
    public async Task AccountWithAPasswordSomeoneElseSaw_LandsOnThePasswordPage((int Width, int Height) size)
    {
        var user = $"forced-{size.Width}";
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp, must_change_password)
                values (@Id, @user, '新组织者', 'organizer', @Hash, gen_random_uuid(), true);
                insert into staff_unit (account_id, unit_id) values (@Id, @Unit);
                """, new { Id = Guid.NewGuid(), user, Hash = Passwords.Hash("Given-Password-1"), Server.Unit });

        var page = await SignedInPageAsync(size, user, "Given-Password-1");
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo("/account/password"));
        Assert.That(await page.Locator(".notice[role=status]").TextContentAsync(), Does.Contain("请先设置一个只有您自己知道的新密码"));
        await ShotAsync(page, "forced-password", size);
        await page.GotoAsync($"{Server.Origin}/evaluations");
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo("/account/password"), "other pages wait");

        await page.GetByLabel("当前密码").FillAsync("Given-Password-1");
        await page.GetByLabel("新密码（至少").FillAsync("My-Own-Password-1");
        await page.GetByLabel("再次输入新密码").FillAsync("My-Own-Password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存新密码" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/password"));
        await page.GotoAsync($"{Server.Origin}/evaluations");
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo("/evaluations"), "and then every page opens");
        await ShotAsync(page, "forced-password-done", size);
        await page.CloseAsync();
    }
}
