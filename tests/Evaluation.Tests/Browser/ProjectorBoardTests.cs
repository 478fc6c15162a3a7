using System.Net;
using Dapper;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The projector board in Debian's Chromium against the built app on a real socket, as the venue's laptop shows it: it
/// follows a submission within a few seconds without reloading, fits a 16:9 projector and a phone without scrolling
/// sideways, and the 结束投票 confirmation a click brings up counts those checked in and not submitted. Screens go to
/// /tmp/shots (board-*.png).
/// </summary>
public sealed class ProjectorBoardTests : AppInChromium
{
    private StaffClient _organizer = null!;

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

    private async Task<VotingClient.Credential> CheckInAsync(string token)
    {
        using var phone = new VotingClient(Server.Client());
        return await phone.CheckInAsync(token);
    }

    private async Task SubmitAsync(VotingEvaluation evaluation, VotingClient.Credential credential)
    {
        using var phone = new VotingClient(Server.Client());
        using var submitted = await phone.SubmitAsync(credential, new
        {
            once = new Dictionary<string, object>(),
            targets = new Dictionary<string, object>
            {
                [evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "好" } },
            },
        });
        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
    }

    private async Task<IPage> SignedInPageAsync(int width, int height, bool phone = false)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height }, IsMobile = phone, HasTouch = phone, Locale = "zh-CN",
        });
        var page = await context.NewPageAsync();
        await Server.SignInAsync(page);
        return page;
    }

    private static async Task NoSidewaysScrollAsync(IPage page, string what)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.That(overflow, Is.LessThanOrEqualTo(0), $"{what} scrolls sideways by {overflow}px");
    }

    [Test]
    public async Task Board_follows_a_submission_within_seconds_without_reloading_and_close_confirmation_counts_those_not_submitted()
    {
        var evaluation = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        await VotingServer.OpenAsync(_organizer, evaluation);
        var tokens = await VotingServer.IssueSlipsAsync(_organizer, evaluation, 8);
        // Five in, one more checked in and still filling the form.
        for (var i = 0; i < 5; i++) await SubmitAsync(evaluation, await CheckInAsync(tokens[i]));
        var filling = await CheckInAsync(tokens[5]);
        await CheckInAsync(tokens[6]);

        var board = await SignedInPageAsync(1366, 768);
        var console = new List<string>();
        board.Console += (_, message) => console.Add(message.Text);
        await board.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/board");
        await Assertions.Expect(board.Locator("#total-ballots")).ToHaveTextAsync("5");
        await Assertions.Expect(board.Locator("#total-checked-in")).ToHaveTextAsync("7");
        await Assertions.Expect(board.Locator("#total-waiting")).ToHaveTextAsync("2");
        await Assertions.Expect(board.Locator(".categories li")).ToContainTextAsync("已提交 5（10%） · 已签到 7 · 应到 50 · 已签到未提交 2");
        await Assertions.Expect(board.Locator("#address")).ToHaveTextAsync(Server.Origin);
        await Assertions.Expect(board.Locator("header")).Not.ToContainTextAsync("退出");
        await NoSidewaysScrollAsync(board, "the board at 1366×768");
        var fits = await board.EvaluateAsync<bool>("() => document.documentElement.scrollHeight <= window.innerHeight");
        Assert.That(fits, Is.True, "the whole board on one 1366×768 screen, no scrolling");
        await ShotAsync(board, "board-1366x768");

        await board.EvaluateAsync("() => { window.sameBoard = 'not reloaded'; }");
        await SubmitAsync(evaluation, filling);
        await Assertions.Expect(board.Locator("#total-ballots")).ToHaveTextAsync("6", new() { Timeout = 8000 });
        await Assertions.Expect(board.Locator("#total-waiting")).ToHaveTextAsync("1");
        await Assertions.Expect(board.Locator("#total-ballots-pct")).ToHaveTextAsync("12%");
        await Assertions.Expect(board.Locator(".categories li")).ToContainTextAsync("已提交 6（12%） · 已签到 7 · 应到 50 · 已签到未提交 1");
        Assert.That(await board.EvaluateAsync<string?>("() => window.sameBoard"), Is.EqualTo("not reloaded"));
        Assert.That(console, Is.Empty, "no script error or policy violation");

        await board.SetViewportSizeAsync(1920, 1080);
        await ShotAsync(board, "board-1920x1080");
        var phone = await SignedInPageAsync(360, 740, phone: true);
        await phone.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/board");
        await Assertions.Expect(phone.Locator("#total-ballots")).ToHaveTextAsync("6");
        await NoSidewaysScrollAsync(phone, "the board at 360×740");
        await ShotAsync(phone, "board-360x740");
        await phone.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/progress");
        await Assertions.Expect(phone.GetByRole(AriaRole.Link, new() { Name = "打开投影大屏" })).ToHaveAttributeAsync("href", $"/evaluations/{evaluation.Id}/board");
        await NoSidewaysScrollAsync(phone, "the progress page at 360×740");
        await ShotAsync(phone, "board-link-progress-360x740");

        // 结束投票, as the organiser clicks it: the question names the one still filling in; dismissed, nothing closes.
        string? question = null;
        board.Dialog += async (_, dialog) =>
        {
            question = dialog.Message;
            await dialog.DismissAsync();
        };
        await board.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        await board.SetViewportSizeAsync(1366, 768);
        await board.Locator("#slips").ScrollIntoViewIfNeededAsync();
        await ShotAsync(board, "board-link-evaluation-1366x768");
        await board.GetByRole(AriaRole.Button, new() { Name = "结束投票" }).ClickAsync();
        Assert.That(question, Does.StartWith("还有 1 人已签到未提交，结束后他们将无法提交。"));
        await using (var conn = await Server.OpenAsync())
            Assert.That(await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @Id", new { evaluation.Id }), Is.EqualTo("open"));

        // Closed: the board says so and shows the address no more.
        using (var close = await _organizer.PostFormAsync($"/evaluations/{evaluation.Id}/close", []))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        await phone.Context.CloseAsync();
        await board.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/board");
        await board.SetViewportSizeAsync(1366, 768);
        await Assertions.Expect(board.Locator("#not-open")).ToContainTextAsync("投票已结束");
        await Assertions.Expect(board.Locator("#vote")).ToBeHiddenAsync();
        await Assertions.Expect(board.Locator("#waiting")).ToBeHiddenAsync();
        await ShotAsync(board, "board-closed-1366x768");
        await board.Context.CloseAsync();
    }

    [Test]
    public async Task A_rehearsal_board_is_marked_as_such()
    {
        var real = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        var rehearsal = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync("update evaluation set rehearsal_of = @Real where id = @Rehearsal", new { Real = real.Id, Rehearsal = rehearsal.Id });
        await VotingServer.OpenAsync(_organizer, rehearsal);
        var tokens = await VotingServer.IssueSlipsAsync(_organizer, rehearsal, 2);
        await CheckInAsync(tokens[0]);

        var board = await SignedInPageAsync(1366, 768);
        await board.GotoAsync($"{Server.Origin}/evaluations/{rehearsal.Id}/board");
        await Assertions.Expect(board.Locator(".rehearsal-mark")).ToHaveTextAsync("演练 · 不是正式投票");
        await Assertions.Expect(board.Locator("#only-in-total")).ToContainTextAsync("人数少于 5 的类别只计入合计：机关工作人员");
        Assert.That(await board.TitleAsync(), Does.StartWith("【演练】"));
        await ShotAsync(board, "board-rehearsal-1366x768");
        await board.Context.CloseAsync();
    }
}
