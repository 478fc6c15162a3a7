using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// A fixture for hostile requests: each must be refused with a clear 4xx whose Chinese message says what to do, and must
/// leave every table as it was. Phones come from addresses of their own, so one test's failed guesses never spend another's
/// budget (see FailedLookups).
/// </summary>
public abstract class HostileSession : OrganizerSession
{
    protected override void ConfigureApp(IWebHostBuilder builder) => TestClientAddress.AddTo(builder);

    /// <summary>A phone at <paramref name="address"/>, or at an address no other test uses.</summary>
    protected HttpClient Phone(string? address = null) => TestClientAddress.From(World.App.CreateClient(), address ?? NewAddress());

    /// <summary>An address from the documentation ranges, 198.18.0.0/15 (benchmarking), drawn at random.</summary>
    protected static string NewAddress() => $"198.{18 + RandomNumberGenerator.GetInt32(2)}.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    protected Task<DatabaseFingerprint> FingerprintAsync() => DatabaseFingerprint.TakeAsync(World.ConnectionString);

    protected async Task AssertUnchangedAsync(DatabaseFingerprint before)
    {
        var after = await FingerprintAsync();
        Assert.That(after.DifferencesFrom(before), Is.Empty, "the database changed");
    }

    /// <summary>Runs <paramref name="act"/> and checks that nothing in the database changed.</summary>
    protected async Task<T> UnchangedAsync<T>(Func<Task<T>> act)
    {
        var before = await FingerprintAsync();
        var result = await act();
        await AssertUnchangedAsync(before);
        return result;
    }

    /// <summary>The API's refusal: the status, JSON, not cached, and an <c>error</c> sentence holding <paramref name="says"/>.</summary>
    protected static async Task<string> AssertApiRefusalAsync(HttpResponseMessage response, HttpStatusCode status, string says)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True, "refusals are not cached either");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        AssertSaysWhatToDo(error, says);
        return error;
    }

    /// <summary>A staff or public page's refusal: the status and an HTML page that says <paramref name="says"/>.</summary>
    protected static async Task<string> AssertPageRefusalAsync(HttpResponseMessage response, HttpStatusCode status, string says)
    {
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(status), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"), body);
        AssertSaysWhatToDo(body, says);
        return body;
    }

    /// <summary>Holds the expected words and, being meant for a person, an instruction (请…).</summary>
    protected static void AssertSaysWhatToDo(string message, string says)
    {
        Assert.That(message, Does.Contain(says));
        Assert.That(message, Does.Contain("请"), "the message tells the reader what to do");
    }

    protected static ByteArrayContent Json(string text, string? contentType = "application/json")
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }
}
