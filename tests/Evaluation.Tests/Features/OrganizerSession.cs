using System.Net;
using System.Text.RegularExpressions;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features;

/// <summary>A fixture whose tests act as unit A's organiser, on a world of their own.</summary>
public abstract partial class OrganizerSession
{
    protected StaffWorld World { get; private set; } = null!;
    protected StaffClient Organizer { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartWorld()
    {
        World = await StaffWorld.StartAsync(ConfigureApp);
        Organizer = await World.SignInAsync("organizer-a");
    }

    /// <summary>Changes to the app under test, for a fixture that needs them.</summary>
    protected virtual void ConfigureApp(IWebHostBuilder builder)
    {
    }

    [OneTimeTearDown]
    public async Task StopWorld()
    {
        Organizer.Dispose();
        await World.DisposeAsync();
    }

    protected Task<HttpResponseMessage> PostAsync(string url, params (string Key, string Value)[] fields) =>
        Organizer.PostFormAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    /// <summary>Issues slips as the organiser, in the printable page's HTML form, and reads their codes off it.</summary>
    protected async Task<List<string>> IssueSlipsAsync(SeededEvaluation evaluation, int count, Guid? category = null)
    {
        using var response = await PostAsync($"{evaluation.Url}/slips",
            ("CategoryId", (category ?? evaluation.CategoryId).ToString()), ("Count", count.ToString()), ("Format", "html"));
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        return SlipLink().Matches(body).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();
}
