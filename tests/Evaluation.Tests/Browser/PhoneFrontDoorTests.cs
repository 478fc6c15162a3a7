using Dapper;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using static Evaluation.Tests.Browser.VotingForm;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The phone page as a first-time voter and a first-time organiser meet it, in Debian's Chromium: the bare address, the
/// code box at a doubled text size, the receipt's copy button, the shorter review, the 演练 band, and the organiser's
/// preview of a draft, which must store nothing.
/// </summary>
public sealed class PhoneFrontDoorTests : AppInChromium
{
    private const string PreviewBand = "预览 · 不会保存任何内容";
    private const string RehearsalBand = "演练 · 本次投票不计入正式结果";
    private StaffClient _organizer = null!;
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<IRequest> _requests = [];
    private Screenshots _screens = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _organizer = await Server.SignInAsOrganizerAsync();
    }

    [OneTimeTearDown]
    public void Release()
    {
        _organizer?.Dispose();
    }

    [SetUp]
    public void NewTest()
    {
        _screens = new Screenshots(TestContext.CurrentContext.Test.MethodName!);
        _requests.Clear();
    }

    [TearDown]
    public async Task ClosePages()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        _contexts.Clear();
    }

    private async Task<PhoneVoter> NewPageAsync(string name, int width = 360, int height = 740, bool clipboard = false)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            IsMobile = width < 600,
            HasTouch = width < 600,
            Locale = "zh-CN",
            Permissions = clipboard ? ["clipboard-read", "clipboard-write"] : [],
        });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Request += (_, request) => _requests.Add(request);
        return new PhoneVoter(page, Server.Origin, name, _screens);
    }

    private async Task<(VotingEvaluation, List<string>)> OpenWithSlipsAsync(string name, int slips)
    {
        var evaluation = await Server.SeedDraftAsync(name);
        await VotingServer.OpenAsync(_organizer, evaluation);
        return (evaluation, await VotingServer.IssueSlipsAsync(_organizer, evaluation, slips));
    }

    /// <summary>Every row a vote could leave behind, in the whole database.</summary>
    private async Task<string> StoredRowsAsync()
    {
        await using var conn = await Server.OpenAsync();
        return await conn.QuerySingleAsync<string>(
            """
            select concat_ws(' ',
                (select count(*) from slip), (select count(*) from slip where blinded_hash is not null),
                (select count(*) from sealed_ballot), (select count(*) from ballot), (select count(*) from ballot_receipt),
                (select count(*) from key_group), (select count(*) from ballot_box), (select count(*) from slip_issue), (select count(*) from staff_action),
                (select string_agg(status || coalesce(form_hash, ''), ',' order by id) from evaluation))
            """);
    }

    [Test]
    public async Task BareAddress_IsTheCodeEntry_WithOneProductName_AndASmallLinkToTheStaffLogin()
    {
        var phone = await NewPageAsync("front-door");
        await phone.OpenAsync("/");

        await phone.ShowsAsync("code");
        Assert.That(await phone.Page.TitleAsync(), Is.EqualTo("匿名民主评议"));
        await Assertions.Expect(phone.Page.Locator("header.bar")).ToHaveTextAsync("匿名民主评议");
        await Assertions.Expect(phone.Page.GetByLabel("票签代码", new() { Exact = true })).ToBeVisibleAsync();
        await phone.SnapAsync("code-entry");

        await phone.Page.GetByRole(AriaRole.Link, new() { Name = "工作人员登录" }).ClickAsync();
        await phone.Page.WaitForURLAsync(url => url.EndsWith("/login"));
        await Assertions.Expect(phone.Page.GetByLabel("用户名")).ToBeVisibleAsync();
    }

    [Test]
    public async Task TypedCode_AtDoubledTextSize_StaysWhollyVisibleInItsBox_AndStillOpensTheSlip()
    {
        var (evaluation, slips) = await OpenWithSlipsAsync("大字号评议", 1);
        var phone = await NewPageAsync("large-code");
        await phone.OpenAsync("/");
        await phone.ShowsAsync("code");
        var box = phone.Page.GetByLabel("票签代码", new() { Exact = true });
        var code = string.Join("-", slips[0].Chunk(5).Select(c => new string(c)));

        await box.FillAsync(slips[0]);
        await Assertions.Expect(box).ToHaveValueAsync(code);
        var normal = await FitAsync(box);
        Assert.That(normal.Lines, Is.EqualTo(1), "at the phone's usual size the code is one line");
        await phone.SnapAsync("code-normal-size");

        // What a phone's "largest text" setting does to rem-based pages: the root font size doubles.
        await phone.Page.EvaluateAsync("() => { document.documentElement.style.fontSize = '200%'; }");
        await box.FillAsync("");
        await box.PressSequentiallyAsync(slips[0].ToLowerInvariant());
        await Assertions.Expect(box).ToHaveValueAsync(code);
        var large = await FitAsync(box);
        Assert.That(large.Lines, Is.GreaterThan(1), "the box wraps and grows instead");
        Assert.That(large.HiddenWidth, Is.LessThanOrEqualTo(0), "nothing of the code hidden sideways inside the box");
        Assert.That(large.HiddenHeight, Is.LessThanOrEqualTo(0), "nor below its last line");
        Assert.That(large.Right, Is.LessThanOrEqualTo(360), "the box itself fits the screen");
        await phone.SnapAsync("code-double-size");

        await box.PressAsync("Enter");
        await phone.ShowsAsync("intro");
        await Assertions.Expect(phone.Main).ToContainTextAsync(evaluation.Name);
    }

    // Settable properties: Playwright fills a result type through its parameterless constructor.
    private sealed class Fit
    {
        public int Lines { get; set; }
        public double HiddenWidth { get; set; }
        public double HiddenHeight { get; set; }
        public double Right { get; set; }
    }

    private static Task<Fit> FitAsync(ILocator box) => box.EvaluateAsync<Fit>(
        """
        el => {
          const style = getComputedStyle(el);
          const lines = Math.round((el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight));
          return { lines, hiddenWidth: el.scrollWidth - el.clientWidth, hiddenHeight: el.scrollHeight - el.clientHeight,
                   right: el.getBoundingClientRect().right };
        }
        """);

    [Test]
    public async Task Review_FoldsUnansweredOptionalItems_AndTheReceiptCanBeCopied()
    {
        var (_, slips) = await OpenWithSlipsAsync("回执复制评议", 1);
        var phone = await NewPageAsync("copy", clipboard: true);
        await phone.OpenLinkAsync(slips[0]);
        await phone.StartAsync();
        await FillRatingsAsync(phone);
        await phone.ClickAsync("核对答卷");

        await phone.ShowsAsync("review");
        var sections = phone.Page.Locator("section.review");
        await Assertions.Expect(sections.Nth(0).Locator("dt")).ToHaveTextAsync(new[] { TeamRating });
        await Assertions.Expect(sections.Nth(0).Locator("summary")).ToHaveTextAsync("另有 5 项选答未填");
        await Assertions.Expect(sections.Nth(0).GetByText(Formalism)).ToBeHiddenAsync();
        await Assertions.Expect(sections.Nth(3).Locator("dt")).ToHaveCountAsync(0);
        await Assertions.Expect(sections.Nth(3).Locator("summary")).ToHaveTextAsync("3 项选答均未填");
        await phone.SnapAsync("review-folded");
        await sections.Nth(0).Locator("summary").ClickAsync();
        await Assertions.Expect(sections.Nth(0).GetByText(Formalism)).ToBeVisibleAsync();

        await phone.ClickAsync("提交答卷");
        var receipt = await phone.ReceiptAsync();
        await phone.ClickAsync("复制回执码");
        await Assertions.Expect(phone.Main).ToContainTextAsync("已复制");
        Assert.That(await phone.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"), Is.EqualTo(receipt));
        await phone.SnapAsync("receipt-copied");
    }

    [Test]
    public async Task Rehearsal_IsMarkedOnEveryPhoneScreen_FromTheIntroductionToTheReceipt_AndAfterAReload()
    {
        var real = await Server.SeedDraftAsync("2026年动员大会后民主评议");
        var rehearsal = await Server.SeedDraftAsync("2026年动员大会后民主评议（演练）");
        // The rehearsal itself (a copy of the real evaluation, run on its own slips) is made by the 演练 feature;
        // here the row is marked as one directly, which is all the phone reads.
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync("update evaluation set rehearsal_of = @Real where id = @Id", new { Real = real.Id, rehearsal.Id });
        await VotingServer.OpenAsync(_organizer, rehearsal);
        var slip = (await VotingServer.IssueSlipsAsync(_organizer, rehearsal, 1))[0];

        var phone = await NewPageAsync("rehearsal");
        var band = phone.Page.Locator("#band");
        await phone.OpenLinkAsync(slip);
        await phone.ShowsAsync("intro");
        await Assertions.Expect(band).ToHaveTextAsync(RehearsalBand);
        await phone.SnapAsync("intro");
        await phone.StartAsync();
        await Assertions.Expect(band).ToHaveTextAsync(RehearsalBand);
        await phone.SnapAsync("team-step");
        await FillRatingsAsync(phone);
        await phone.ClickAsync("核对答卷");
        await phone.ShowsAsync("review");
        await Assertions.Expect(band).ToHaveTextAsync(RehearsalBand);
        await phone.ClickAsync("提交答卷");
        await phone.ReceiptAsync();
        await Assertions.Expect(band).ToHaveTextAsync(RehearsalBand);
        await phone.SnapAsync("receipt");

        await phone.Page.ReloadAsync();
        await phone.ReceiptAsync();
        await Assertions.Expect(band).ToHaveTextAsync(RehearsalBand);

        // A real evaluation's phone shows no band.
        var (_, realSlips) = await OpenWithSlipsAsync("正式评议", 1);
        var other = await NewPageAsync("real");
        await other.OpenLinkAsync(realSlips[0]);
        await other.ShowsAsync("intro");
        await Assertions.Expect(other.Page.Locator("#band")).ToBeHiddenAsync();

        // The preview of a rehearsal carries both marks.
        var organizer = await NewPageAsync("rehearsal-preview");
        await Server.SignInAsync(organizer.Page);
        await organizer.OpenAsync($"/evaluations/{rehearsal.Id}/preview");
        await organizer.ShowsAsync("intro");
        await Assertions.Expect(organizer.Page.Locator("#band p")).ToHaveTextAsync(new[] { PreviewBand, RehearsalBand });
        await organizer.SnapAsync("preview-intro");
    }

    [Test]
    public async Task Preview_OfADraft_StepsThroughTheExactPhoneForm_ToASampleReceipt_AndStoresNothing()
    {
        var evaluation = await Server.SeedDraftAsync("预览评议");
        var organizer = await NewPageAsync("preview", 1366, 768);
        await Server.SignInAsync(organizer.Page);
        await organizer.Page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        var link = organizer.Page.GetByRole(AriaRole.Link, new() { Name = "按手机上的样子逐步预览" });
        Assert.That(await link.GetAttributeAsync("href"), Is.EqualTo($"/evaluations/{evaluation.Id}/preview"));
        var before = await StoredRowsAsync();
        _requests.Clear();

        await organizer.OpenAsync($"/evaluations/{evaluation.Id}/preview");
        await organizer.ShowsAsync("intro");
        var band = organizer.Page.Locator("#band");
        await Assertions.Expect(band).ToHaveTextAsync(PreviewBand);
        await Assertions.Expect(organizer.Main).ToContainTextAsync("预览评议");
        await Assertions.Expect(organizer.Main).ToContainTextAsync("机关工作人员");
        await Assertions.Expect(organizer.Main).ToContainTextAsync("本评议不记名");
        await organizer.SnapAsync("intro");

        await organizer.ClickAsync("开始填写");
        await organizer.ExpectStepAsync("局领导班子");
        await Assertions.Expect(band).ToHaveTextAsync(PreviewBand);
        // Each target's page asks what the phone would ask about that target: the 班子's question on the 班子's page only.
        await Assertions.Expect(organizer.Question(TeamRating)).ToBeVisibleAsync();
        await Assertions.Expect(organizer.Question(MemberRating)).ToHaveCountAsync(0);
        await organizer.ClickAsync("下一步");
        await Assertions.Expect(organizer.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("还有 1 道必答题没有作答");
        await organizer.ChooseAsync(TeamRating, "好");
        await organizer.TickAsync(Formalism, "文山会海、以会议落实会议");
        await organizer.SnapAsync("team-step");
        await organizer.ClickAsync("下一步");
        foreach (var (member, grade) in new[] { ("张三（局长）", "称职"), ("李四（副局长）", "优秀") })
        {
            await organizer.ExpectStepAsync(member);
            await Assertions.Expect(organizer.Question(MemberRating)).ToBeVisibleAsync();
            await Assertions.Expect(organizer.Question(TeamRating)).ToHaveCountAsync(0);
            await organizer.ChooseAsync(MemberRating, grade);
            await organizer.ClickAsync("下一步");
        }
        await organizer.ExpectStepAsync("总体评价和意见建议");
        await organizer.WriteAsync(CampaignOpinion, "预览时写的意见");
        await organizer.ClickAsync("核对答卷");

        await organizer.ShowsAsync("review");
        await Assertions.Expect(organizer.Main).ToContainTextAsync("文山会海、以会议落实会议");
        await Assertions.Expect(organizer.Main).ToContainTextAsync("预览时写的意见");
        await organizer.SnapAsync("review");
        await organizer.ClickAsync("提交答卷");

        await organizer.ShowsAsync("receipt");
        await Assertions.Expect(organizer.Heading).ToHaveTextAsync("提交成功（预览示例）");
        await Assertions.Expect(organizer.Main).ToContainTextAsync("这是预览：没有签到，也没有提交或保存任何内容");
        await Assertions.Expect(organizer.Main).ToContainTextAsync("回执码（示例）");
        await Assertions.Expect(band).ToHaveTextAsync(PreviewBand);
        await organizer.SnapAsync("receipt");

        Assert.That(_requests.Select(r => new Uri(r.Url).AbsolutePath), Has.None.StartsWith("/api/"), "no check-in, no ballot");
        Assert.That(_requests.Where(r => r.Method != "GET"), Is.Empty, "nothing sent that could store anything");
        Assert.That(await organizer.StoredItemsAsync(), Is.Zero, "nothing kept in the browser either");
        Assert.That(await StoredRowsAsync(), Is.EqualTo(before), "no slip, check-in, ballot, receipt, key or log entry written; still a draft");

        // The same preview on a phone's screen.
        var phone = await NewPageAsync("preview-phone");
        await Server.SignInAsync(phone.Page);
        await phone.OpenAsync($"/evaluations/{evaluation.Id}/preview");
        await phone.ShowsAsync("intro");
        await phone.SnapAsync("intro");
        await phone.ClickAsync("开始填写");
        await phone.ExpectStepAsync("局领导班子");
        await phone.SnapAsync("team-step");
    }

    private static async Task FillRatingsAsync(PhoneVoter phone)
    {
        await phone.ExpectStepAsync("局领导班子");
        await phone.ChooseAsync(TeamRating, "好");
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("张三（局长）");
        await phone.ChooseAsync(MemberRating, "称职");
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("李四（副局长）");
        await phone.ChooseAsync(MemberRating, "称职");
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("总体评价和意见建议");
    }
}
