using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;

namespace Evaluation.Tests.Faults;

/// <summary>One request and what came back (a status, with Retry-After and body, or no answer at all), and when it ended.</summary>
public sealed record Exchange(string Path, int? Status, TimeSpan? RetryAfter, string Body, TimeSpan Took, string? Failure)
{
    public DateTime At { get; } = DateTime.UtcNow;

    public override string ToString() =>
        $"{Path} → {(Status is { } s ? s.ToString() : Failure)} in {Took.TotalSeconds:0.0} s" + (Body.Length > 0 ? $": {Body[..Math.Min(Body.Length, 300)]}" : "");
}

/// <summary>
/// Phones that keep trying, as the phone page does (wwwroot/vote/vote.js): no connection, a reset, 502, 503 or 504 is
/// sent again, after Retry-After when there is one, until an answer comes; every request here is idempotent. Every
/// exchange is kept, so a test can hold each answer a fault produced to what it must be.
/// </summary>
public sealed class Crowd(HttpClient http)
{
    /// <summary>How long one phone keeps trying one request before the test gives up on it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    // The page waits what Retry-After says; capped here only so that a test's retries do not outlast its bound.
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(3);

    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    /// <summary>Posts until the server answers something other than "try again"; returns that status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, object body, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(body);
        var deadline = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            if (deadline.Elapsed > Patience) throw new TimeoutException($"{path}: no answer within {Patience.TotalSeconds} s");
            var started = Stopwatch.GetTimestamp();
            TimeSpan wait;
            try
            {
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(path, content, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                var retryAfter = response.Headers.RetryAfter?.Delta;
                Exchanges.Enqueue(new Exchange(path, (int)response.StatusCode, retryAfter, text, Stopwatch.GetElapsedTime(started), null));
                if (response.StatusCode is not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout))
                    return (response.StatusCode, text);
                wait = retryAfter is { } after ? TimeSpan.FromTicks(Math.Min(after.Ticks, LongestWait.Ticks)) : Backoff(attempt);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // Refused, reset, or no answer within the client's timeout: the page says 网络中断，正在重试.
                Exchanges.Enqueue(new Exchange(path, null, null, "", Stopwatch.GetElapsedTime(started), e.GetType().Name + ": " + e.Message));
                wait = Backoff(attempt);
            }
            await Task.Delay(wait, ct);
        }
    }

    /// <summary>One attempt, as a phone that gives up would make it: whatever the server answers, kept with the others.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostOnceAsync(string path, object body, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Exchanges.Enqueue(new Exchange(path, (int)response.StatusCode, response.Headers.RetryAfter?.Delta, text, Stopwatch.GetElapsedTime(started), null));
        return (response.StatusCode, text);
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(200 * (1 << Math.Min(attempt, 4)), 2000));

    /// <summary>
    /// Every answer was a result (2xx) or "try again" (503 with Retry-After and a Chinese sentence telling the voter to
    /// wait): never a 500, never another refusal, never a page the phone cannot read.
    /// </summary>
    public void AssertOnlyResultsOrRetryAdvice()
    {
        Assert.Multiple(() =>
        {
            foreach (var e in Exchanges.Where(e => e.Status is { } s && s != 200))
            {
                Assert.That(e.Status, Is.EqualTo(503), e.ToString());
                Assert.That(e.RetryAfter, Is.Not.Null.And.GreaterThan(TimeSpan.Zero), $"Retry-After on {e}");
                Assert.That(VoterError(e.Body), Does.Contain("页面会自动重试，请不要关闭"), e.ToString());
            }
        });
    }

    /// <summary>Phones that do not all press the button in the same millisecond: the i-th of n waits its share of <paramref name="over"/>.</summary>
    public static TimeSpan Spread(int i, int n, TimeSpan over) => over * i / n;

    /// <summary>Polls until <paramref name="condition"/> holds; fails after 60 s.</summary>
    public static async Task WhenAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "waited 60 s for the burst to get going");
            await Task.Delay(5, ct);
        }
    }

    /// <summary>The "error" of a voting API answer; fails on anything that is not the API's JSON.</summary>
    public static string VoterError(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetString()!;
    }
}

/// <summary>
/// One attendee's phone, in C#: the page's steps (docs/sealed-ballot-box.md: a door message made from a secret that the
/// receipt is derived from, a ballot message bound to a phone key, both blinded; the answers signed and sealed), with what
/// it keeps between retries: the blinded pair of its check-in and the bytes of its ballot.
/// </summary>
public sealed class Phone
{
    private readonly string _token;
    private readonly byte[] _secret = Receipt.NewSecret();
    private readonly ECDsa _phoneKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private BlindRsaPublicKey? _doorKey, _ballotKey;
    private BlindRsa.BlindingResult? _doorBlinding, _ballotBlinding;
    private byte[]? _boxKey, _sealed;

    public Phone(string token, object answers)
    {
        _token = token;
        Answers = answers;
        Message = BlindRsa.Prepare(Receipt.MessageFor(_secret));
        var q = _phoneKey.ExportParameters(false).Q;
        PhoneKey = [0x04, .. q.X!, .. q.Y!];
        BallotMessage = BlindRsa.Prepare(SealedBallot.MessageFor(PhoneKey));
    }

    public string Token => _token;
    public object Answers { get; }
    public Guid EvaluationId { get; private set; }
    public Guid KeyGroupId { get; private set; }

    /// <summary>The door message: what the box keeps a ballot under while voting is open.</summary>
    public byte[] Message { get; }
    public byte[] BallotMessage { get; }
    public byte[] PhoneKey { get; }

    /// <summary>blindedDoor ‖ blindedBallot, as the server hashes them into the burnt slip.</summary>
    public byte[] BlindedMessage => [.. _doorBlinding!.BlindedMessage, .. _ballotBlinding!.BlindedMessage];

    /// <summary>The two blind signatures of check-in, door ‖ ballot.</summary>
    public byte[]? BlindSignature { get; private set; }

    /// <summary>The door signature, once unblinded (and so checked).</summary>
    public byte[]? Signature { get; private set; }
    public byte[]? BallotSignature { get; private set; }

    /// <summary>The sealed ballot, made once at the first submit: every retry sends these same bytes.</summary>
    public byte[] Sealed => _sealed ??= SealedBallot.Seal(_boxKey!, EvaluationId, KeyGroupId, Message, new SealedBallot.Contents(
        BallotMessage, BallotSignature!, PhoneKey, AnswersText,
        _phoneKey.SignData(SealedBallot.SignedBytes(EvaluationId, KeyGroupId, AnswersText), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));

    /// <summary>A: the answers, serialised once.</summary>
    public string AnswersText => JsonSerializer.Serialize(Answers);

    /// <summary>The receipt the server answered with, once it did.</summary>
    public string? ReceiptShown { get; private set; }

    /// <summary>The receipt of this phone's secret: what the server must answer.</summary>
    public string ExpectedReceipt => Receipt.Grouped(Receipt.FromSecret(_secret));

    /// <summary>Reads the slip (burns nothing) and blinds the messages once: every check-in retry sends these same bytes.</summary>
    public async Task OpenAsync(Crowd crowd, CancellationToken ct)
    {
        var (status, body) = await crowd.PostAsync("/api/v/slip", new { token = _token }, ct);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        using var slip = JsonDocument.Parse(body);
        var root = slip.RootElement;
        EvaluationId = root.GetProperty("evaluation").GetProperty("id").GetGuid();
        var group = root.GetProperty("keyGroup");
        KeyGroupId = group.GetProperty("id").GetGuid();
        _doorKey = BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(group.GetProperty("doorKey").GetString()!));
        _ballotKey = BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(group.GetProperty("ballotKey").GetString()!));
        _boxKey = Convert.FromBase64String(root.GetProperty("boxKey").GetString()!);
        _doorBlinding = BlindRsa.Blind(_doorKey, Message);
        _ballotBlinding = BlindRsa.Blind(_ballotKey, BallotMessage);
    }

    public async Task CheckInAsync(Crowd crowd, CancellationToken ct)
    {
        var (status, body) = await SendCheckInAsync(crowd, ct);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        using var json = JsonDocument.Parse(body);
        var door = Convert.FromBase64String(json.RootElement.GetProperty("doorSignature").GetString()!);
        var ballot = Convert.FromBase64String(json.RootElement.GetProperty("ballotSignature").GetString()!);
        BlindSignature = [.. door, .. ballot];
        // Finalize verifies: a signature that does not unblind to a valid one throws here.
        BallotSignature = BlindRsa.Finalize(_ballotKey!, BallotMessage, ballot, _ballotBlinding!.Inverse);
        Signature = BlindRsa.Finalize(_doorKey!, Message, door, _doorBlinding!.Inverse);
    }

    /// <summary>The check-in (same slip, same blinded pair every time), answered however the server answers.</summary>
    public Task<(HttpStatusCode Status, string Body)> SendCheckInAsync(Crowd crowd, CancellationToken ct, bool once = false)
    {
        var request = new
        {
            token = _token, blindedDoor = Convert.ToBase64String(_doorBlinding!.BlindedMessage),
            blindedBallot = Convert.ToBase64String(_ballotBlinding!.BlindedMessage),
        };
        return once ? crowd.PostOnceAsync("/api/v/checkin", request, ct) : crowd.PostAsync("/api/v/checkin", request, ct);
    }

    /// <summary>The two blind signatures of a check-in's answer, door ‖ ballot.</summary>
    public static byte[] BlindSignatureIn(string body)
    {
        using var json = JsonDocument.Parse(body);
        return
        [
            .. Convert.FromBase64String(json.RootElement.GetProperty("doorSignature").GetString()!),
            .. Convert.FromBase64String(json.RootElement.GetProperty("ballotSignature").GetString()!),
        ];
    }

    /// <summary>Submits (with retries, unless <paramref name="once"/>) and keeps the receipt of a 200.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SubmitAsync(Crowd crowd, CancellationToken ct, bool once = false)
    {
        var ballot = new
        {
            evaluationId = EvaluationId, keyGroupId = KeyGroupId,
            doorMessage = Convert.ToBase64String(Message), doorSignature = Convert.ToBase64String(Signature!), secret = Convert.ToBase64String(_secret),
            @sealed = Convert.ToBase64String(Sealed),
        };
        var (status, body) = once ? await crowd.PostOnceAsync("/api/v/ballot", ballot, ct) : await crowd.PostAsync("/api/v/ballot", ballot, ct);
        if (status == HttpStatusCode.OK)
        {
            using var json = JsonDocument.Parse(body);
            ReceiptShown = json.RootElement.GetProperty("receipt").GetString();
        }
        return (status, body);
    }
}
