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
        World = await StartWorldAsync();
        Organizer = await World.SignInAsync("organizer-a");
    }

    protected virtual Task<StaffWorld> StartWorldAsync() => StaffWorld.StartAsync(ConfigureApp);

    /// <summary>Changes to the app under test, for a fixture that needs them.</summary>
    protected virtual void ConfigureApp(IWebHostBuilder builder)
    {
    }

    [OneTimeTearDown]
    public virtual async Task StopWorld()
    {
        Organizer.Dispose();
        await World.DisposeAsync();
    }

    protected Task<HttpResponseMessage> PostAsync(string url, params (string Key, string Value)[] fields) =>
        Organizer.PostFormAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    /// <summary>Issues slips as the organiser, in the printable page's HTML form, and reads their codes off it.</summary>
    protected Task<List<string>> IssueSlipsAsync(SeededEvaluation evaluation, int count, Guid? category = null) =>
        IssueSlipsAsync(Organizer, evaluation, count, category);

    /// <summary>The same, as any signed-in organiser of the evaluation's unit.</summary>
    public static async Task<List<string>> IssueSlipsAsync(StaffClient organizer, SeededEvaluation evaluation, int count, Guid? category = null)
    {
        using var response = await organizer.PostFormAsync($"{evaluation.Url}/slips",
            [new("CategoryId", (category ?? evaluation.CategoryId).ToString()), new("Count", count.ToString()), new("Format", "html")]);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        return SlipLink().Matches(body).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();
}
