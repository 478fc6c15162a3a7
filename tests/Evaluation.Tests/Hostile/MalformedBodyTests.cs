using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Voting;
using Evaluation.Web.Features.Voting;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// The voting API fed bodies no phone page sends: broken or cut-off JSON, JSON of another shape, fields of the wrong type or
/// absurd size, other content types, and bodies over the limit, declared or chunked. Each is a 4xx in JSON with a sentence
/// for the voter, and nothing is burnt or stored.
/// </summary>
public sealed class MalformedBodyTests : HostileSession
{
    private const string Format = "提交的数据格式不正确";
    private const string NotJson = "应为 JSON";
    private const string TooLarge = "提交的内容太大";

    /// <summary>A request that would succeed, as text: the cases break it.</summary>
    private readonly Dictionary<string, string> _valid = [];

    [OneTimeSetUp]
    public async Task OpenAndCheckIn()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var tokens = await IssueSlipsAsync(evaluation, 3);

        using var phone = new VotingClient(Phone());
        var credential = await phone.CheckInAsync(tokens[0]);
        var slip = await phone.DescribeAsync(tokens[1]);

        _valid["slip"] = JsonSerializer.Serialize(new { token = tokens[1] });
        _valid["checkin"] = JsonSerializer.Serialize(VotingClient.CheckInBody(tokens[1],
            BlindRsa.Blind(VotingClient.DoorKey(slip), BlindRsa.Prepare("x"u8)).BlindedMessage,
            BlindRsa.Blind(VotingClient.BallotKey(slip), BlindRsa.Prepare("y"u8)).BlindedMessage));
        _valid["ballot"] = JsonSerializer.Serialize(VotingClient.BallotBody(credential, VotingClient.Sealed(credential, evaluation.CompleteAnswers())));
    }

    /// <param name="Body">The body to send, made from the valid request's text.</param>
    public sealed record Case(string Endpoint, string What, Func<string, HttpContent> Body, HttpStatusCode Status, string Says)
    {
        public override string ToString() => $"{Endpoint} {What}";
    }

    private static readonly string[] Endpoints = ["slip", "checkin", "ballot"];

    private static IEnumerable<Case> AnyEndpoint(string what, Func<string, HttpContent> body, HttpStatusCode status, string says) =>
        Endpoints.Select(e => new Case(e, what, body, status, says));

    private static IEnumerable<Case> Cases()
    {
        // Not JSON, or not JSON of the request's shape: refused by the framework before the endpoint runs.
        foreach (var c in AnyEndpoint("with a trailing comma", v => Json(v[..^1] + ",}"), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("truncated half way", v => Json(v[..(v.Length / 2)]), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("as a form, labelled JSON", _ => Json("token=ABCDE&answers=1"), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("as a JSON array", v => Json($"[{v}]"), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("as a JSON string", v => Json(JsonSerializer.Serialize(v)), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("as JSON null", _ => Json("null"), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("empty", _ => Json(""), HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("nested 500 deep", _ => Json("{\"token\":" + new string('[', 500) + new string(']', 500) + "}"),
                     HttpStatusCode.BadRequest, Format)) yield return c;
        foreach (var c in AnyEndpoint("with invalid UTF-8", v => Bytes([.. Encoding.UTF8.GetBytes(v[..^2]), 0xFF, 0xFE, (byte)'"', (byte)'}']),
                     HttpStatusCode.BadRequest, Format)) yield return c;

        // Fields of the wrong type or size.
        yield return new("slip", "with a numeric token", _ => Json("""{"token":12345678901234567890}"""), HttpStatusCode.BadRequest, Format);
        yield return new("slip", "with an object for the token", _ => Json("""{"token":{"$ne":null}}"""), HttpStatusCode.BadRequest, Format);
        yield return new("slip", "without a token", _ => Json("{}"), HttpStatusCode.BadRequest, "票签代码应为 20 位");
        yield return new("slip", "with a 15,000-character token", _ => Json(Field("token", new string('A', 15_000))),
            HttpStatusCode.BadRequest, "票签代码应为 20 位");
        foreach (var blinded in new[] { "blindedDoor", "blindedBallot" })
        {
            yield return new("checkin", $"with a numeric {blinded}", v => Json(Replace(v, blinded, 42)), HttpStatusCode.BadRequest, Format);
            yield return new("checkin", $"with a {blinded} that is not base64", v => Json(Replace(v, blinded, "不是base64!")),
                HttpStatusCode.BadRequest, "签到数据格式不正确");
            yield return new("checkin", $"with an empty {blinded}", v => Json(Replace(v, blinded, "")), HttpStatusCode.BadRequest, "签到数据不完整");
            yield return new("checkin", $"with a 9,000-byte {blinded}", v => Json(Replace(v, blinded, Convert.ToBase64String(new byte[9000]))),
                HttpStatusCode.BadRequest, "签到数据不完整");
            yield return new("checkin", $"with a {blinded} above the modulus",
                v => Json(Replace(v, blinded, Convert.ToBase64String(Enumerable.Repeat((byte)0xFF, 256).ToArray()))), HttpStatusCode.BadRequest, "签到数据不完整");
        }
        yield return new("ballot", "with an evaluation id that is not one", v => Json(Replace(v, "evaluationId", "1 or 1=1")), HttpStatusCode.BadRequest, Format);
        yield return new("ballot", "with a key group id that is not one", v => Json(Replace(v, "keyGroupId", "1 or 1=1")), HttpStatusCode.BadRequest, Format);
        yield return new("ballot", "without a door signature", v => Json(Replace(v, "doorSignature", null)), HttpStatusCode.BadRequest, "提交的数据不完整");
        yield return new("ballot", "with a numeric door message", v => Json(Replace(v, "doorMessage", 7)), HttpStatusCode.BadRequest, Format);
        yield return new("ballot", "with a 12,000-character door message", v => Json(Replace(v, "doorMessage", Convert.ToBase64String(new byte[9000]))),
            HttpStatusCode.BadRequest, "提交的数据不完整");
        // A sealed ballot that cannot be one is refused as incomplete data, like any other missing or broken field.
        yield return new("ballot", "without a sealed ballot", v => Json(Replace(v, "sealed", null)), HttpStatusCode.BadRequest, "提交的数据不完整");
        yield return new("ballot", "with a numeric sealed ballot", v => Json(Replace(v, "sealed", 7)), HttpStatusCode.BadRequest, Format);
        yield return new("ballot", "with a sealed ballot that is not base64", v => Json(Replace(v, "sealed", "不是base64!")), HttpStatusCode.BadRequest, "提交的数据不完整");
        yield return new("ballot", "with a sealed ballot shorter than its key and tag",
            v => Json(Replace(v, "sealed", Convert.ToBase64String(new byte[Evaluation.Core.Crypto.Hpke.EncLength + 15]))), HttpStatusCode.BadRequest, "提交的数据不完整");

        // Other content types: the API reads JSON only.
        foreach (var type in new[] { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml" })
            foreach (var c in AnyEndpoint($"as {type.Split(';')[0]}", v => Json(v, type), HttpStatusCode.UnsupportedMediaType, NotJson))
                yield return c;
        foreach (var c in AnyEndpoint("without a content type", v => Json(v, contentType: null), HttpStatusCode.UnsupportedMediaType, NotJson))
            yield return c;
        // JSON under another name: the framework would read every +json type; the API documents application/json alone.
        foreach (var type in new[] { "application/problem+json", "application/merge-patch+json", "application/vnd.api+json", "application/json-seq",
                     "text/json", "application/x-json", "application/json; charset=utf-16", "application/json; charset=\"utf-8\"", "application/json; charset=utf-8; profile=x" })
            foreach (var c in AnyEndpoint($"labelled {type}", v => Json(v, type), HttpStatusCode.UnsupportedMediaType, NotJson))
                yield return c;

        // Over the limits, with the length declared and chunked without one.
        foreach (var (endpoint, limit) in new[] { ("slip", VotingEndpoints.MaxCheckInBodyBytes), ("checkin", VotingEndpoints.MaxCheckInBodyBytes),
                     ("ballot", VotingEndpoints.MaxBallotBodyBytes) })
        {
            yield return new(endpoint, $"padded past {limit >> 10} KB", v => Json(Padded(v, limit + 1)), HttpStatusCode.RequestEntityTooLarge, TooLarge);
            yield return new(endpoint, $"padded past {limit >> 10} KB, chunked", v => Chunked(Padded(v, limit + 1)),
                HttpStatusCode.RequestEntityTooLarge, TooLarge);
            yield return new(endpoint, "of 3 MB, chunked", v => Chunked(Padded(v, 3 << 20)), HttpStatusCode.RequestEntityTooLarge, TooLarge);
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Body_IsRefusedWithAClearMessage_AndChangesNothing(Case c)
    {
        using var phone = Phone();

        using var response = await UnchangedAsync(() => phone.PostAsync($"/api/v/{c.Endpoint}", c.Body(_valid[c.Endpoint])));

        await AssertApiRefusalAsync(response, c.Status, c.Says);
    }

    [Test]
    public async Task ChunkedBodyUnderTheLimit_IsReadAsAnyOther()
    {
        using var phone = Phone();

        using var response = await UnchangedAsync(() => phone.PostAsync("/api/v/slip", Chunked(_valid["slip"])));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("application/json")]
    [TestCase("application/json; charset=utf-8")]
    [TestCase("Application/JSON; Charset=UTF-8")]
    public async Task Json_WithOrWithoutItsUtf8Charset_IsRead(string type)
    {
        using var phone = Phone();

        using var response = await UnchangedAsync(() => phone.PostAsync("/api/v/slip", Json(_valid["slip"], type)));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("GET")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    public async Task OtherMethods_Are405InJson(string method)
    {
        using var phone = Phone();

        using var response = await UnchangedAsync(() => phone.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/api/v/ballot")));

        await AssertApiRefusalAsync(response, HttpStatusCode.MethodNotAllowed, "请求方式不正确");
    }

    [Test]
    public async Task UnknownApiAddress_Is404InJson()
    {
        using var phone = Phone();

        using var response = await UnchangedAsync(() => phone.PostAsync("/api/v/ballots", Json(_valid["ballot"])));

        await AssertApiRefusalAsync(response, HttpStatusCode.NotFound, "二维码");
    }

    private static string Field(string name, object? value) => JsonSerializer.Serialize(new Dictionary<string, object?> { [name] = value });

    private static string Replace(string json, string field, object? value)
    {
        var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!
            .ToDictionary(p => p.Key, p => (object?)p.Value);
        fields[field] = value;
        return JsonSerializer.Serialize(fields);
    }

    /// <summary>The same JSON, made <paramref name="size"/> bytes long with white space: valid, only too big.</summary>
    internal static string Padded(string json, long size) => json[..^1] + new string(' ', (int)(size - Encoding.UTF8.GetByteCount(json))) + "}";

    internal static ByteArrayContent Bytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    internal static HttpContent Chunked(string json) => new UnknownLength(Encoding.UTF8.GetBytes(json));

    /// <summary>A body sent without Content-Length, as a chunked upload is.</summary>
    private sealed class UnknownLength : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLength(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var i = 0; i < _bytes.Length; i += 4096) await stream.WriteAsync(_bytes.AsMemory(i, Math.Min(4096, _bytes.Length - i)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
