using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Evaluation.LoadBench;

/// <summary>
/// The phone page's request rule (vote.js, <c>api</c>): POST JSON; on no answer, 502, 503 or 504, wait (Retry-After,
/// or a growing pause) and send the same request again, since every voting call is idempotent. Each failed try is
/// counted by status; the step's latency is what the person waited, retries included.
/// </summary>
public sealed class VotingApi(HttpClient http, ErrorCounts errors)
{
    public const int MaxTries = 5;

    public HttpClient Http => http;

    public ErrorCounts Errors => errors;

    /// <returns>The answer's JSON on 2xx; null when the step failed (already counted).</returns>
    public async Task<JsonElement?> PostAsync(string path, byte[] json, StepRecorder step, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var wait = TimeSpan.FromMilliseconds(Math.Min(1000 * Math.Pow(2, attempt), 8000));
            try
            {
                using var content = new ByteArrayContent(json);
                content.Headers.ContentType = new("application/json");
                using var response = await http.PostAsync(path, content, ct);
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                if (response.IsSuccessStatusCode)
                {
                    step.Succeeded(started, Stopwatch.GetTimestamp());
                    return JsonDocument.Parse(body).RootElement.Clone();
                }
                errors.Add(step.Name, ((int)response.StatusCode).ToString());
                if (response.StatusCode is not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout))
                    break;
                if (response.Headers.RetryAfter?.Delta is { } after) wait = after;
            }
            catch (HttpRequestException)
            {
                errors.Add(step.Name, "无应答");
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                errors.Add(step.Name, "超时");
            }
            if (attempt + 1 < MaxTries) await Task.Delay(wait, ct);
        }
        step.Failed();
        return null;
    }

    /// <summary>A GET as a browser makes it: once, no retry; the whole body on 200, null otherwise (counted).</summary>
    public async Task<string?> GetAsync(string path, string stepName, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(path, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.OK) return body;
            errors.Add(stepName, ((int)response.StatusCode).ToString());
        }
        catch (HttpRequestException)
        {
            errors.Add(stepName, "无应答");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            errors.Add(stepName, "超时");
        }
        return null;
    }

    /// <summary>A small JSON body, as the page's <c>JSON.stringify</c> makes it.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
