using System.Net;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features.Evaluations;

/// <summary>
/// Voting does not open while slips would carry a plain-http address (issue 19 item 3): the page says why and what to set,
/// and the evaluation stays a draft. The in-memory test server's other fixtures open over https://localhost, and the process
/// tests over http://127.0.0.1, both of which the rule lets through (see SlipAddressTests).
/// </summary>
public sealed class HttpsOpeningTests : OrganizerSession
{
    protected override void ConfigureApp(IWebHostBuilder builder) => builder.UseSetting("Site:PublicBaseUrl", "http://pingyi.example.cn/");

    [Test]
    public async Task Https_Opening_IsRefused_WhileSlipsWouldCarryPlainHttp_AndSaysWhatToSet()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);

        using var open = await PostAsync($"{evaluation.Url}/open");

        var body = WebUtility.HtmlDecode(await StaffClient.BodyAsync(open));
        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("不能开始投票：票签二维码地址是 http://pingyi.example.cn/，不是 HTTPS 地址")
            .And.Contain("Site__PublicBaseUrl").And.Contain("DOMAIN"));
        Assert.That(await World.ScalarAsync<string>("select status from evaluation where id = @Id", new { evaluation.Id }), Is.EqualTo("draft"));
        Assert.That(await World.ScalarAsync<long>("select count(*) from key_group where evaluation_id = @Id", new { evaluation.Id }), Is.Zero,
            "no key made");
    }
}
