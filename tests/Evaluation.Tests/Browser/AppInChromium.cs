using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The app as its own process on a fresh database, and Debian's Chromium, once per test class: what every page test
/// starts from. NUnit runs a derived class's own [OneTimeSetUp] after this one (to seed or sign in) and its
/// [OneTimeTearDown] before this one's.
/// </summary>
public abstract class AppInChromium
{
    private IPlaywright? _playwright;

    protected VotingServer Server { get; private set; } = null!;
    protected IBrowser Browser { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAppAndBrowser()
    {
        Server = await VotingServer.StartAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await DebianChromium.LaunchAsync(_playwright);
    }

    [OneTimeTearDown]
    public async Task StopAppAndBrowser()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }
}
