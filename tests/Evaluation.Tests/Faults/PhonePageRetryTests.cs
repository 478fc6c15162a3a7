using Evaluation.Tests.Browser;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>
/// The phone page (Debian's headless Chromium at 360×740) submitting while PostgreSQL is stopped: it must say that it is
/// retrying and that the voter should keep the page open, and show the receipt by itself once the database is back.
/// </summary>
public sealed class PhonePageRetryTests
{
    /// <summary>Where the retrying state is photographed, to be looked at by a person (also attached to the test result).</summary>
    public const string ScreenshotPath = "/tmp/faults-phone-database-down.png";

    private VotingServer _server = null!;
    private StaffClient _organizer = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private VotingEvaluation _evaluation = null!;
    private string _slip = null!;

    [OneTimeSetUp]
    public async Task StartTheAppOnThePrivateClusterAndABrowser()
    {
        _server = await VotingServer.StartAsync(await FaultCluster.CreateDatabaseAsync());
        _organizer = await _server.SignInAsOrganizerAsync();
        _evaluation = await _server.SeedDraftAsync("数据库重启时的评议");
        await VotingServer.OpenAsync(_organizer, _evaluation);
        _slip = (await VotingServer.IssueSlipsAsync(_organizer, _evaluation, 1))[0];

        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
    }

    [OneTimeTearDown]
    public async Task StopAppAndBrowser()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        _organizer?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        await FaultCluster.StartAsync();
    }

    [Test, CancelAfter(150_000)]
    public async Task SubmitWhileTheDatabaseIsDown_SaysItIsRetryingAndToKeepThePageOpen_ThenShowsTheReceipt()
    {
        var context = await _browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true, Locale = "zh-CN",
        });
        // Generous: the machine may be busy, and PostgreSQL's start includes crash recovery.
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var ballotAnswers = new List<int>();
        page.Response += (_, response) =>
        {
            if (response.Url.EndsWith("/api/v/ballot", StringComparison.Ordinal)) lock (ballotAnswers) ballotAnswers.Add(response.Status);
        };
        int Refused()
        {
            lock (ballotAnswers) return ballotAnswers.Count(s => s == 503);
        }
        var phone = new PhoneVoter(page, _server.Origin, "database-down", new Screenshots(TestContext.CurrentContext.Test.MethodName!));

        await phone.OpenLinkAsync(_slip);
        await phone.AnswerRequiredOnlyToReviewAsync();

        // A clean shutdown ("fast"): the app's pooled connections are ended by the server (57P01), then refused.
        await FaultCluster.StopAsync("fast");
        try
        {
            await phone.ClickAsync("提交答卷");
            var status = page.Locator("#status");
            await Assertions.Expect(status).ToBeVisibleAsync();
            await Assertions.Expect(status).ToContainTextAsync("您的答卷还没有保存。页面会自动重试，请不要关闭。");
            await Assertions.Expect(phone.Heading).ToHaveTextAsync("正在提交……");
            await Assertions.Expect(phone.Main).ToContainTextAsync("不要关闭页面");
            await page.ScreenshotAsync(new() { Path = ScreenshotPath });
            TestContext.AddTestAttachment(ScreenshotPath, "retrying while the database is down");
            await phone.SnapAsync("retrying");
            // Retry-After: 2: a second attempt while still down, and still the same state.
            for (var waited = 0; Refused() < 2; waited += 100)
            {
                Assert.That(waited, Is.LessThan(30_000), "the page sends the ballot again while the database is down");
                await Task.Delay(100);
            }
            await phone.ShowsAsync("sending");
        }
        finally
        {
            await FaultCluster.StartAsync();
        }

        // This process's own pooled connections died with the server too (the app is another process).
        NpgsqlConnection.ClearAllPools();

        var receipt = await phone.ReceiptAsync();
        await Assertions.Expect(page.Locator("#status")).ToBeHiddenAsync();
        await phone.SnapAsync("receipt-after-restart");
        Assert.That(await _server.ReceiptsAsync(_evaluation), Is.EqualTo(new[] { receipt.Replace("-", "") }));
        Assert.That(await _server.BallotsAsync(_evaluation), Has.Count.EqualTo(1));
        lock (ballotAnswers)
            Assert.That(ballotAnswers.Where(s => s != 200), Has.All.EqualTo(503), "while down, every answer was 503: never a 500 the page would give up on");
        await context.CloseAsync();
    }
}
