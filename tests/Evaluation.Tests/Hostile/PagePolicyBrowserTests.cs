using Dapper;
using Evaluation.Tests.Browser;
using Evaluation.Web.Infrastructure;
using Microsoft.Playwright;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// The staff pages' content security policy in a real browser: the one confirmation handler still runs and asks with the
/// target's name as plain text, even a name written to break out of a script, and nothing on the page trips the policy.
/// </summary>
public sealed class PagePolicyBrowserTests : AppInChromium
{
    private const string Breakout = "');alert(1);('";
    private VotingEvaluation _evaluation = null!;

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _evaluation = await Server.SeedDraftAsync("策略测试评议");
        await using (var conn = await Server.OpenAsync())
            await conn.ExecuteAsync("update target set name = @Breakout where id = @ChiefId", new { Breakout, _evaluation.ChiefId });
    }

    [Test]
    public async Task DeleteConfirmation_RunsUnderThePolicy_AndShowsAHostileNameAsText()
    {
        var page = await Browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        var dialogs = new List<string>();
        var accept = false;
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            if (accept) await dialog.AcceptAsync();
            else await dialog.DismissAsync();
        };

        await page.GotoAsync($"{Server.Origin}/login");
        await page.GetByLabel("用户名").FillAsync("organizer-browser");
        await page.GetByLabel("密码").FillAsync(VotingServer.OrganizerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login"));
        var response = await page.GotoAsync($"{Server.Origin}/evaluations/{_evaluation.Id}");
        Assert.That(await response!.HeaderValueAsync("content-security-policy"), Is.EqualTo(PagePolicy.ContentSecurityPolicy));

        // Declined: the question names the target literally, and nothing is deleted.
        await DeleteAsync(page, _evaluation.ChiefId);
        Assert.That(dialogs, Is.EqualTo(new[] { $"确定删除 {Breakout}？" }));
        Assert.That(await TargetExistsAsync(_evaluation.ChiefId), Is.True);

        // Accepted: the form goes through, under form-action 'self'.
        accept = true;
        await DeleteAsync(page, _evaluation.DeputyId);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.That(dialogs, Has.Count.EqualTo(2));
        Assert.That(await TargetExistsAsync(_evaluation.DeputyId), Is.False);

        Assert.That(console, Has.None.Contains("Content Security Policy"), "nothing on the page trips its policy");
        await page.CloseAsync();
    }

    private static async Task DeleteAsync(IPage page, Guid target)
    {
        var form = page.Locator($"form[action$='/targets/{target}/delete']");
        await page.Locator("details", new() { Has = form }).Locator("summary").ClickAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "删除" }).ClickAsync();
    }

    private async Task<bool> TargetExistsAsync(Guid id)
    {
        await using var conn = await Server.OpenAsync();
        return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from target where id = @id)", new { id });
    }
}
