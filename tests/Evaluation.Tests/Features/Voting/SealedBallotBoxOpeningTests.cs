using System.Net;
using Dapper;
using Evaluation.Tests.Browser;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;
using Microsoft.Playwright;
using static Evaluation.Tests.Features.Voting.SealedBallotBoxCardsTests;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// 结束投票 then 开箱 through the staff pages: who may open the box and when, what a wrong or missing card does (nothing,
/// and the page says which and how many more), and 2 of 3 cards opening it. In Chromium at a desk and on a phone;
/// screens go to /tmp/shots.
/// </summary>
public sealed class SealedBallotBoxOpeningTests : AppInChromium
{
    private const string SupervisorName = "supervisor-unseal", OutsiderName = "organizer-elsewhere", Password = "Unseal-Password-1";
    private static readonly string[] Holders = ["王监票", "李监票", "赵监票"];
    private StaffClient _organizer = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@Elsewhere, '另一单位');
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp) values
                    (@Supervisor, @SupervisorName, '督导组', 'supervisor', @Hash, gen_random_uuid()),
                    (@Outsider, @OutsiderName, '别处组织者', 'organizer', @Hash, gen_random_uuid());
                insert into staff_unit (account_id, unit_id) values (@Supervisor, @Unit), (@Outsider, @Elsewhere);
                """,
                new
                {
                    Elsewhere = Guid.NewGuid(), Supervisor = Guid.NewGuid(), Outsider = Guid.NewGuid(), SupervisorName, OutsiderName,
                    Server.Unit, Hash = Passwords.Hash(Password),
                });
        _organizer = await Server.SignInAsOrganizerAsync();
    }

    [OneTimeTearDown]
    public void Release()
    {
        _organizer?.Dispose();
    }

    [Test]
    public async Task TheUnsealPage_IsForTheUnitsOrganiserAndSupervisor_OnlyOnceVotingHasEnded()
    {
        var evaluation = await Server.SeedDraftAsync("开箱权限测试");
        using (var draft = await _organizer.GetAsync($"/evaluations/{evaluation.Id}/unseal"))
            Assert.That(draft.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        await SealAsync(evaluation.Id);

        using (var page = await _organizer.GetAsync($"/evaluations/{evaluation.Id}/unseal"))
        {
            var body = await StaffClient.BodyAsync(page);
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(page.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(body.Split("name=\"cards\"").Length - 1, Is.EqualTo(2), "one field per card needed (t = 2)");
            Assert.That(body, Does.Contain("王监票、李监票、赵监票"));
        }
        using (var supervisor = new StaffClient(Server.Client()))
        {
            await supervisor.LoginAsync(SupervisorName, Password);
            using var page = await supervisor.GetAsync($"/evaluations/{evaluation.Id}/unseal");
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        using (var outsider = new StaffClient(Server.Client()))
        {
            await outsider.LoginAsync(OutsiderName, Password);
            using var page = await outsider.GetAsync($"/evaluations/{evaluation.Id}/unseal");
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another unit's evaluation is not there at all");
            using var post = await outsider.PostFormAsync($"/evaluations/{evaluation.Id}/unseal", [new("cards", "x"), new("cards", "y")]);
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    [Test]
    public async Task AWrongCard_OrTooFew_ChangeNothing_AndThePageSaysWhichAndHowManyMore()
    {
        var evaluation = await Server.SeedDraftAsync("开箱错误测试");
        var cards = await SealAsync(evaluation.Id);
        var other = await Server.SeedDraftAsync("另一次评议");
        var otherCards = await MakeCardsAsync(_organizer, other.Id, Holders, threshold: 2);

        using (var wrong = await UnsealAsync(evaluation.Id, cards[0].Code, otherCards[1].Code))
        {
            var body = await StaffClient.BodyAsync(wrong);
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
            Assert.That(body, Does.Contain("第 2 张密钥卡不正确"));
        }
        using (var tooFew = await UnsealAsync(evaluation.Id, cards[2].Code, ""))
        {
            var body = await StaffClient.BodyAsync(tooFew);
            Assert.That(tooFew.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
            Assert.That(body, Does.Contain("还需要 1 张"));
        }
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("sealed"));
        using var results = await _organizer.GetAsync($"/evaluations/{evaluation.Id}/results");
        Assert.That(results.StatusCode, Is.Not.EqualTo(HttpStatusCode.OK), "no results before 开箱");
    }

    [Test]
    public async Task TwoOfThreeCards_OpenTheBox_AndThePageReportsWhatWasInIt()
    {
        var evaluation = await Server.SeedDraftAsync("二取三开箱测试");
        var cards = await SealAsync(evaluation.Id);

        using var response = await UnsealAsync(evaluation.Id, cards[2].Code, cards[0].Code);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo($"/evaluations/{evaluation.Id}#results"));
        Assert.That(await StatusAsync(evaluation.Id), Is.EqualTo("closed"));
        var page = await StaffClient.BodyAsync(await _organizer.GetAsync($"/evaluations/{evaluation.Id}"));
        Assert.That(page, Does.Contain("开箱完成").And.Contain("查看结果"));

        using var again = await _organizer.GetAsync($"/evaluations/{evaluation.Id}/unseal");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "an opened box is not opened again");
    }

    [Test]
    public async Task EndingVotingAndOpeningTheBox_ReadOnADeskAndAPhone()
    {
        var evaluation = await Server.SeedDraftAsync("2026年局领导班子民主评议");
        var cards = await MakeCardsAsync(_organizer, evaluation.Id, Holders, threshold: 2);
        using (var opened = await OpenWithCardsAsync(_organizer, evaluation.Id, cards.Select(c => c.CheckCode).ToList()))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.AcceptAsync();
        };
        await page.GotoAsync($"{Server.Origin}/login");
        await page.GetByLabel("用户名").FillAsync("organizer-browser");
        await page.GetByLabel("密码").FillAsync(VotingServer.OrganizerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login"));

        await page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        await ShotAsync(page, "evaluation-open-1366");
        await page.GetByRole(AriaRole.Button, new() { Name = "结束投票" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.That(dialogs.Single(), Does.Contain("结果须由监票人持密钥卡开箱后才能查看"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "投票已结束，等待开箱" })).ToBeVisibleAsync();
        await ShotAsync(page, "evaluation-sealed-1366");

        await page.GetByRole(AriaRole.Link, new() { Name = "开箱", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/unseal"));
        await ShotAsync(page, "unseal-1366");
        await page.SetViewportSizeAsync(360, 740);
        await ShotAsync(page, "unseal-360");

        // One card wrong: the page names it and keeps what was typed.
        await page.GetByLabel("第 1 位监票人的密钥卡代码").FillAsync(cards[0].Code);
        await page.GetByLabel("第 2 位监票人的密钥卡代码").FillAsync(cards[1].Code[..^3] + "AAA");
        await page.GetByRole(AriaRole.Button, new() { Name = "开箱", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("ul.errors")).ToBeVisibleAsync();
        await ShotAsync(page, "unseal-wrong-card-360");
        Assert.That(await page.GetByLabel("第 1 位监票人的密钥卡代码").InputValueAsync(), Is.EqualTo(cards[0].Code));

        await page.GetByLabel("第 2 位监票人的密钥卡代码").FillAsync(cards[1].Code);
        await page.GetByRole(AriaRole.Button, new() { Name = "开箱", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains($"/evaluations/{evaluation.Id}") && !url.Contains("/unseal"));
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("开箱完成");
        await ShotAsync(page, "evaluation-opened-360");
        await page.SetViewportSizeAsync(1366, 768);
        await ShotAsync(page, "evaluation-opened-1366");
        Assert.That(console, Has.None.Contains("Content Security Policy"), "nothing on the pages trips their policy");
    }

    /// <summary>Cards (2 of 3) made and confirmed, voting opened and ended: the box waits for its cards.</summary>
    private async Task<List<PrintedCard>> SealAsync(Guid id)
    {
        var cards = await MakeCardsAsync(_organizer, id, Holders, threshold: 2);
        using (var opened = await OpenWithCardsAsync(_organizer, id, cards.Select(c => c.CheckCode).ToList()))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(opened));
        using (var closed = await _organizer.PostFormAsync($"/evaluations/{id}/close", []))
            Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(closed));
        Assert.That(await StatusAsync(id), Is.EqualTo("sealed"));
        return cards;
    }

    private Task<HttpResponseMessage> UnsealAsync(Guid id, params string[] cards) =>
        _organizer.PostFormAsync($"/evaluations/{id}/unseal", cards.Select(c => new KeyValuePair<string, string>("cards", c)));

    private async Task<string> StatusAsync(Guid id)
    {
        await using var conn = await Server.OpenAsync();
        return await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @id", new { id }) ?? "";
    }
}
