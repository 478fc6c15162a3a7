using System.Net;
using System.Text.Json;
using Evaluation.Tests.Features.OpenBox;
using Evaluation.Web.Features.OpenBox;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Bursts at the open 征求意见箱 from one address, on a clock the test moves (OpenBoxThrottle: 100 at once, then one a
/// second). A venue behind one NAT address gets every answer in, the late ones after the page's own retries; a flood is
/// held to the refill rate and told plainly, in Chinese, when to try again; nobody else is slowed by it.
/// </summary>
public sealed class OpenBoxThrottleTests : HostileSession
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(8));
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new();
    private Guid _evaluation;
    private string _box = null!;

    protected override void ConfigureApp(IWebHostBuilder builder)
    {
        base.ConfigureApp(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(new OpenBoxThrottle(_clock)));
    }

    [OneTimeSetUp]
    public async Task OpenABox()
    {
        _evaluation = await OpenBoxSetup.CreateSurveyAsync(Organizer, World.UnitA);
        _box = await OpenBoxSetup.PublishAsync(Organizer, World, _evaluation);
        await OpenBoxSetup.OpenVotingAsync(Organizer, _evaluation);
    }

    private Task<long> StoredAsync() =>
        World.ScalarAsync<long>("select count(*) from open_box_answer where evaluation_id = @_evaluation", new { _evaluation });

    private Task<HttpResponseMessage> SubmitAsync(HttpClient phone, string text) =>
        phone.PostAsync($"/api/o/{_box}/answers", Json(JsonSerializer.Serialize(OpenBoxPhone.Once(("opinion", OpenBoxPhone.Text(text))))));

    /// <summary>A 429 as the page reads it: Retry-After in seconds, and a sentence that says what happened and what to do.</summary>
    private static async Task<int> AssertThrottledAsync(HttpResponseMessage response)
    {
        var error = await AssertApiRefusalAsync(response, HttpStatusCode.TooManyRequests, "还没有保存");
        Assert.That(error, Does.Contain("秒再提交").And.Contain("自动重新提交"));
        var seconds = (int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        Assert.That(seconds, Is.InRange(1, 2));
        return seconds;
    }

    [Test]
    public async Task Venue_TwoHundredAnswersInOneMinuteFromOneAddress_AllGetIn()
    {
        using var venue = Phone(NewAddress());
        var before = await StoredAsync();
        var start = _clock.Now;
        // One answer every 0.3 s for a minute; each one told to wait is sent again after Retry-After, as the page does.
        var due = new PriorityQueue<int, DateTimeOffset>();
        for (var i = 0; i < 200; i++) due.Enqueue(i, start + TimeSpan.FromSeconds(0.3 * i));
        var told = new HashSet<int>();
        var waits = 0;
        while (due.TryDequeue(out var i, out var at))
        {
            if (at > _clock.Now) _clock.Now = at;
            using var response = await SubmitAsync(venue, $"会场意见{i}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                waits++;
                told.Add(i);
                due.Enqueue(i, _clock.Now + TimeSpan.FromSeconds(await AssertThrottledAsync(response)));
                continue;
            }
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }

        var took = _clock.Now - start;
        TestContext.Progress.WriteLine($"200 answers from one address: {told.Count} told to wait ({waits} retries), the last in after {took.TotalSeconds:0} s");
        Assert.That(await StoredAsync(), Is.EqualTo(before + 200), "every answer got in");
        Assert.That(told.Count, Is.InRange(1, 100), "the first 100 and those the refill covers go straight in");
        Assert.That(took, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(105)), "100 at once and one a second: the 200th is in within 100 s");
    }

    [Test]
    public async Task Flood_FromOneAddress_IsHeldToOneASecond_WhileAnotherAddressGetsIn()
    {
        using var flood = Phone(NewAddress());
        var before = await StoredAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 1000; i++)
        {
            using var response = await SubmitAsync(flood, $"刷屏{i}");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && statuses.Count(s => s == HttpStatusCode.TooManyRequests) == 1)
                await AssertThrottledAsync(response);
        }

        Assert.That(statuses.Count(s => s == HttpStatusCode.OK), Is.EqualTo(OpenBoxThrottle.Burst));
        Assert.That(statuses.Skip(OpenBoxThrottle.Burst), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(await StoredAsync(), Is.EqualTo(before + OpenBoxThrottle.Burst));

        // Someone else, at another address, is not slowed by it.
        using (var bystander = Phone(NewAddress()))
        using (var response = await SubmitAsync(bystander, "路过的意见"))
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // Ten seconds later the flood gets ten more in, and no more.
        _clock.Now += TimeSpan.FromSeconds(10);
        var later = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await SubmitAsync(flood, $"再刷{i}");
            later.Add(response.StatusCode);
        }
        Assert.That(later.Count(s => s == HttpStatusCode.OK), Is.EqualTo(10));
        Assert.That(await StoredAsync(), Is.EqualTo(before + OpenBoxThrottle.Burst + 1 + 10));
    }
}
