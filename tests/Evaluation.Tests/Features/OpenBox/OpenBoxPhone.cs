using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.OpenBox;

/// <summary>A phone at the open 征求意见箱: the calls its page makes (/api/o/…), with no slip and no cookie.</summary>
public sealed class OpenBoxPhone(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    public Task<HttpResponseMessage> DescribeAsync(string publicId) => http.GetAsync($"/api/o/{publicId}");

    public async Task<JsonElement> DescriptionAsync(string publicId)
    {
        using var response = await DescribeAsync(publicId);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<HttpResponseMessage> SubmitAsync(string publicId, object answers) => http.PostAsJsonAsync($"/api/o/{publicId}/answers", answers);

    public Task<HttpResponseMessage> SubmitAsync(string publicId, HttpContent body) => http.PostAsync($"/api/o/{publicId}/answers", body);

    /// <summary>Submits and asserts it was stored.</summary>
    public async Task SubmitOkAsync(string publicId, object answers)
    {
        using var response = await SubmitAsync(publicId, answers);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    /// <summary>{"once": {question: answer, …}}, as the page sends it.</summary>
    public static object Once(params (string Question, object Answer)[] answers) =>
        new { once = answers.ToDictionary(a => a.Question, a => a.Answer) };

    public static object Text(string text) => new { text };

    public void Dispose() => http.Dispose();
}

/// <summary>Setting a box up as its organiser does, through the staff pages.</summary>
public static class OpenBoxSetup
{
    /// <summary>A new evaluation with the plain 征求意见表 and no respondent categories: nothing but the open box.</summary>
    public static async Task<Guid> CreateSurveyAsync(StaffClient organizer, Guid unit, string name = "2026年作风建设征求意见")
    {
        using var response = await organizer.PostFormAsync("/evaluations/new",
            [new("UnitId", unit.ToString()), new("Name", name), new("Round", "征求意见"), new("Template", "survey"), new("PresetCategories", "false")]);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    /// <summary>Publishes the box and returns its public id.</summary>
    public static async Task<string> PublishAsync(StaffClient organizer, StaffWorld world, Guid evaluationId)
    {
        using var response = await organizer.PostFormAsync($"/evaluations/{evaluationId}/open-box", []);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        return await world.ScalarAsync<string>("select public_id from open_box where evaluation_id = @evaluationId", new { evaluationId });
    }

    /// <summary>开始投票, the box kept by the server (no key cards).</summary>
    public static Task OpenVotingAsync(StaffClient organizer, Guid evaluationId) =>
        RedirectsAsync(organizer, $"/evaluations/{evaluationId}/open", ("custody", "server"));

    /// <summary>结束投票; with the box kept by the server, opened at once.</summary>
    public static Task CloseVotingAsync(StaffClient organizer, Guid evaluationId) => RedirectsAsync(organizer, $"/evaluations/{evaluationId}/close");

    public static async Task RedirectsAsync(StaffClient client, string url, params (string Key, string Value)[] fields)
    {
        using var response = await client.PostFormAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
    }
}
