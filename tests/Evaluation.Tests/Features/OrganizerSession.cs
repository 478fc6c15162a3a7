using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features;

/// <summary>A fixture whose tests act as unit A's organiser, on a world of their own.</summary>
public abstract class OrganizerSession
{
    protected StaffWorld World { get; private set; } = null!;
    protected StaffClient Organizer { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartWorld()
    {
        World = await StaffWorld.StartAsync();
        Organizer = await World.SignInAsync("organizer-a");
    }

    [OneTimeTearDown]
    public async Task StopWorld()
    {
        Organizer.Dispose();
        await World.DisposeAsync();
    }

    protected Task<HttpResponseMessage> PostAsync(string url, params (string Key, string Value)[] fields) =>
        Organizer.PostFormAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
}
