using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// Debian's Chromium, not Playwright's own build (which cannot be downloaded here). No skip when it is missing: CI
/// installs it, and a browser test that silently does not run is worse than a red one. As root it needs --no-sandbox;
/// the other switches keep it from reaching for Google's hosts on a closed network.
/// </summary>
public static class DebianChromium
{
    /// <param name="args">More switches, e.g. --host-resolver-rules.</param>
    /// <param name="home">HOME for the browser, whose ~/.pki/nssdb holds the roots it trusts beyond the public ones.</param>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, IEnumerable<string>? args = null, string? home = null) =>
        playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu",
                .. args ?? []],
            Env = home is null ? null : EnvironmentWith("HOME", home),
        });

    // Playwright's Env replaces the browser's whole environment: this process's, with one variable changed.
    private static Dictionary<string, string> EnvironmentWith(string name, string value)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        environment[name] = value;
        return environment;
    }
}
