using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// Debian's Chromium, not Playwright's own build (which cannot be downloaded here). No skip when it is missing: CI
/// installs it, and a browser test that silently does not run is worse than a red one. As root it needs --no-sandbox;
/// the other switches keep it from reaching for Google's hosts on a closed network.
/// </summary>
public static class DebianChromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu"],
        });
}
