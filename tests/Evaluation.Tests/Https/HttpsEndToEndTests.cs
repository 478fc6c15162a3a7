using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Evaluation.Core.Slips;
using Evaluation.Tests.Browser;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;
using Microsoft.Playwright;

namespace Evaluation.Tests.Https;

/// <summary>
/// The production setup of docker-compose.yml on one machine (issue 19 item 4): deploy/Caddyfile run by Debian's caddy with
/// its internal CA on a loopback port, in front of the real app process, which believes forwarded headers from the proxy's
/// address alone (Proxy__KnownNetworks=127.0.0.1/32, as compose names Caddy's). Everything goes to https://pingyi.test, a
/// name that is not localhost, so nothing is a secure context but for TLS; Chromium trusts Caddy's root through its NSS
/// database, as a phone trusts a public CA. Site__PublicBaseUrl is not set: the slips' https comes from what Caddy forwards.
/// </summary>
public sealed partial class HttpsEndToEndTests
{
    private const string Domain = "pingyi.test";
    // The proxy reaches the app from 127.0.0.1; a "client on the network" reaching the app straight comes from 127.0.0.2.
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.2");

    private VotingServer _app = null!;
    private Caddy _caddy = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly CookieContainer _organizerCookies = new();
    private StaffClient _organizer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _app = await VotingServer.StartAsync(settings: new Dictionary<string, string?> { ["Proxy__KnownNetworks"] = "127.0.0.1/32" });
        _caddy = await Caddy.StartAsync(Domain, new Uri(_app.Origin).Port);
        _organizer = new StaffClient(_caddy.Client(_organizerCookies));
        await _organizer.LoginAsync("organizer-browser", VotingServer.OrganizerPassword);
        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright, [$"--host-resolver-rules=MAP {Domain} 127.0.0.1"], await _caddy.BrowserHomeAsync());
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        _organizer?.Dispose();
        if (_caddy is not null) await _caddy.DisposeAsync();
        if (_app is not null) await _app.DisposeAsync();
    }

    [Test]
    public async Task Https_PhoneVotesThroughTheProxy_InASecureContext_FromSlipsThatCarryHttps()
    {
        var evaluation = await _app.SeedDraftAsync("HTTPS 评议");
        await VotingServer.OpenAsync(_organizer, evaluation);
        using var issue = await _organizer.PostFormAsync($"/evaluations/{evaluation.Id}/slips",
            [new("CategoryId", evaluation.CategoryId.ToString()), new("Count", "2"), new("Format", "html")]);
        var sheet = await StaffClient.BodyAsync(issue);
        Assert.That(issue.StatusCode, Is.EqualTo(HttpStatusCode.OK), sheet);
        var links = SlipLink().Matches(sheet).Select(m => m.Groups[1].Value).ToList();
        Assert.That(links, Has.Count.EqualTo(2).And.All.StartWith($"{_caddy.Origin}/v#"), "every slip's QR link is https://DOMAIN");
        Assert.That(sheet, Does.Contain($"<div class=\"address\">{_caddy.Origin}/</div>"), "and the address printed to type the code into");

        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, Locale = "zh-CN" });
        try
        {
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync(links[0]);
            Assert.That(response!.Status, Is.EqualTo(200));
            Assert.That(await response.HeaderValueAsync("strict-transport-security"), Is.EqualTo("max-age=31536000"), "HSTS from the proxy");
            var phone = new PhoneVoter(page, _caddy.Origin, "https", new Screenshots(nameof(Https_PhoneVotesThroughTheProxy_InASecureContext_FromSlipsThatCarryHttps)));
            await phone.ShowsAsync("intro");
            Assert.That(await page.EvaluateAsync<bool>("() => window.isSecureContext && location.protocol === 'https:' && typeof crypto.subtle?.importKey === 'function'"),
                Is.True, "https://pingyi.test is a secure context with WebCrypto, by its certificate alone");

            await phone.AnswerRequiredOnlyToReviewAsync();
            await phone.ClickAsync("提交答卷");
            var receipt = await phone.ReceiptAsync();
            await phone.SnapAsync("receipt");

            Assert.That(await _app.ReceiptsAsync(evaluation), Is.EqualTo(new[] { receipt.Replace("-", "") }), "the ballot went through the proxy");
            Assert.That(await _app.BallotsAsync(evaluation), Has.Count.EqualTo(1));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Test]
    public async Task Https_ChromiumWithoutCaddysRoot_RefusesTheSite_SoTheTrustAboveIsTheCertificates()
    {
        await using var untrusting = await DebianChromium.LaunchAsync(_playwright, [$"--host-resolver-rules=MAP {Domain} 127.0.0.1"]);
        var page = await untrusting.NewPageAsync();

        var refused = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"{_caddy.Origin}/v"));
        Assert.That(refused!.Message, Does.Contain("ERR_CERT_AUTHORITY_INVALID"));
    }

    [Test]
    public void Https_StaffAndAntiforgeryCookies_AreSecure_BehindTheProxy()
    {
        var cookies = _organizerCookies.GetAllCookies().ToDictionary(c => c.Name);

        Assert.That(cookies.Keys, Does.Contain("eval.staff").And.Contain("eval.csrf"));
        Assert.That(cookies.Values.Where(c => !c.Secure).Select(c => c.Name), Is.Empty, "every cookie the app set through the proxy is Secure");
        Assert.That(cookies["eval.staff"].HttpOnly, Is.True);
    }

    [Test]
    public async Task Https_AppSeesTheClientAddressTheProxyForwarded_AndIgnoresForwardedHeadersSentStraightToIt()
    {
        var appPort = new Uri(_app.Origin).Port;
        using var straight = new HttpClient(new SocketsHttpHandler { ConnectCallback = (_, ct) => Caddy.LoopbackAsync(appPort, Stranger, ct) })
            { BaseAddress = new Uri(_app.Origin) };
        using var throughProxy = _caddy.Client(from: Stranger);
        using var otherPhone = _caddy.Client(from: IPAddress.Parse("127.0.0.3"));

        // Straight to the app, each request claiming another client address: were X-Forwarded-For believed, each would have a
        // budget of its own; ignored, they all spend 127.0.0.2's, and the one past it is refused.
        HttpStatusCode last = 0;
        for (var i = 0; i <= FailedLookups.Burst && last != HttpStatusCode.TooManyRequests; i++)
            last = await UnknownSlipAsync(straight, $"198.51.100.{i % 250 + 1}", forwardedProto: "https");
        Assert.That(last, Is.EqualTo(HttpStatusCode.TooManyRequests), "X-Forwarded-For sent straight to the app is ignored");

        // Through the proxy the app sees the address Caddy forwarded (127.0.0.2, whose budget is spent), not Caddy's own
        // (127.0.0.1), and not what the client wrote into X-Forwarded-For itself.
        Assert.That(await UnknownSlipAsync(throughProxy, "203.0.113.9"), Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(await UnknownSlipAsync(otherPhone, "127.0.0.2"), Is.EqualTo(HttpStatusCode.NotFound), "another phone has its own budget");

        // And X-Forwarded-Proto sent straight does not make the app think the request came over HTTPS.
        using var login = new HttpRequestMessage(HttpMethod.Get, "/login");
        login.Headers.Add("X-Forwarded-Proto", "https");
        using var plain = await straight.SendAsync(login);
        Assert.That(plain.Headers.GetValues("Set-Cookie").Single(v => v.StartsWith("eval.csrf=")), Does.Not.Contain("secure").IgnoreCase);
    }

    private static async Task<HttpStatusCode> UnknownSlipAsync(HttpClient client, string forwardedFor, string? forwardedProto = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v/slip") { Content = JsonContent.Create(new { token = SlipToken.Generate() }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex(@"<span hidden>([^<]+)</span>")]
    private static partial Regex SlipLink();
}
