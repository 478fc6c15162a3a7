using System.Net;
using System.Text;
using Evaluation.Tests.Features.OpenBox;
using Evaluation.Web.Features.OpenBox;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// The open 征求意见箱 fed what its page never sends: broken, oversized and mistyped bodies, control characters, questions
/// the box does not ask, choices it does not offer, answers to a box that is not open, and addresses that are no box. Each
/// is a 4xx in JSON with a Chinese sentence saying what to do, and leaves every table as it was.
/// </summary>
public sealed class OpenBoxHostileTests : HostileSession
{
    private const string Valid = """{"once":{"opinion":{"text":"希望多听基层意见"}}}""";
    private const string Broken = "不是有效的 JSON";
    private const string Shape = "答卷格式不正确";
    private const string NotAsked = "问卷里没有的题目";
    private const string Hidden = "控制字符";

    /// <summary>Public ids of the fixture's boxes, by state.</summary>
    private readonly Dictionary<string, string> _boxes = [];

    [OneTimeSetUp]
    public async Task PublishBoxes()
    {
        foreach (var state in new[] { "open", "draft", "paused", "ended" })
        {
            var id = await OpenBoxSetup.CreateSurveyAsync(Organizer, World.UnitA, $"征求意见（{state}）");
            _boxes[state] = await OpenBoxSetup.PublishAsync(Organizer, World, id);
            if (state == "draft") continue;
            await OpenBoxSetup.OpenVotingAsync(Organizer, id);
            if (state == "paused") await OpenBoxSetup.RedirectsAsync(Organizer, $"/evaluations/{id}/open-box/close");
            if (state == "ended") await OpenBoxSetup.CloseVotingAsync(Organizer, id);
        }
    }

    public sealed record Case(string What, string Box, Func<HttpContent> Body, HttpStatusCode Status, string Says)
    {
        public override string ToString() => What;
    }

    private static Case Bad(string what, string body, string says) => new(what, "open", () => Json(body), HttpStatusCode.BadRequest, says);

    private static string Once(string answers) => """{"once":{""" + answers + "}}";

    private static IEnumerable<Case> Cases()
    {
        // Not JSON, or JSON of another shape.
        yield return Bad("cut off half way", Valid[..(Valid.Length / 2)], Broken);
        yield return Bad("with a trailing comma", Valid[..^1] + ",}", Broken);
        yield return Bad("nested 500 deep", Once("\"opinion\":" + new string('[', 500) + new string(']', 500)), Broken);
        yield return Bad("with a lone surrogate", Once("""  "opinion":{"text":"\ud800"}  """), Broken);
        yield return Bad("empty", "", "答卷内容为空");
        yield return Bad("as a JSON array", $"[{Valid}]", Shape);
        yield return Bad("as JSON null", "null", Shape);
        yield return Bad("with an unknown field", """{"answers":{"opinion":{"text":"x"}}}""", "无法识别的字段");
        yield return Bad("with once as a string", """{"once":"opinion"}""", Shape);
        yield return Bad("with an answer as a string", Once("\"opinion\":\"意见\""), Shape);
        yield return Bad("with a numeric text", Once("""  "opinion":{"text":12}  """), Shape);
        yield return Bad("with choices as a string", Once("""  "concerns":{"choices":"办事效率"}  """), Shape);
        yield return Bad("with a field given twice", Once("""  "opinion":{"text":"a","text":"b"}  """), "出现了两次");
        yield return new("with invalid UTF-8", "open", () => MalformedBodyTests.Bytes([.. Encoding.UTF8.GetBytes(Valid[..^4]), 0xFF, 0xFE, (byte)'"', (byte)'}', (byte)'}', (byte)'}']),
            HttpStatusCode.BadRequest, "UTF-8");

        // JSON of the right shape that the box's questions do not take.
        yield return Bad("to an unknown question", Once("""  "no-such-question":{"text":"x"}  """), NotAsked);
        yield return Bad("to the rating the box does not ask", Once("""  "service-satisfaction":{"choice":"满意"}  """), NotAsked);
        yield return Bad("about a target", """{"targets":{"6f9619ff-8b86-d011-b42d-00c04fc964ff":{"opinion":{"text":"x"}}}}""", "不在本次评议名单中");
        yield return Bad("with a choice for a text question", Once("""  "opinion":{"choice":"x"}  """), "答案格式与题型不符");
        yield return Bad("with an option not offered", Once("""  "identity":{"choice":"局长"}  """), "不在本题选项中");
        yield return Bad("with four of at most three", Once("""  "concerns":{"choices":["办事效率","服务态度","信息公开","收费管理"]}  """), "最多选择");
        yield return Bad("with 1,001 characters", Once($$"""  "opinion":{"text":"{{new string('长', 1001)}}"}  """), "不能超过 1000 个字");
        yield return Bad("with a 其他 of 101 characters", Once($$"""  "concerns":{"choices":[],"other":"{{new string('长', 101)}}"}  """), "不能超过 100 个字");
        yield return Bad("with nothing in it", Once(""), "还没有填写任何内容");
        yield return Bad("as an empty object", "{}", "还没有填写任何内容");
        yield return Bad("with only white space", Once("""  "opinion":{"text":"  \n "}  """), "还没有填写任何内容");

        // Characters nobody types: PostgreSQL cannot store a NUL, and the others hide or reorder words in every output.
        foreach (var (what, bad) in new[] { ("a NUL", "\\u0000"), ("a bell", "\\u0007"), ("an escape sequence", "\\u001b[31m"),
                     ("a right-to-left override", "\u202E"), ("a zero-width space", "\u200B") })
        {
            yield return Bad($"with {what} in a text", Once($$"""  "opinion":{"text":"意见{{bad}}意见"}  """), Hidden);
            yield return Bad($"with {what} in a 其他", Once($$"""  "concerns":{"choices":["办事效率"],"other":"停车{{bad}}难"}  """), Hidden);
        }

        // Other content types, and bodies over the limit, declared or chunked.
        foreach (var type in new[] { "text/plain", "application/x-www-form-urlencoded", "application/problem+json" })
            yield return new($"as {type}", "open", () => Json(Valid, type), HttpStatusCode.UnsupportedMediaType, "应为 JSON");
        yield return new("without a content type", "open", () => Json(Valid, contentType: null), HttpStatusCode.UnsupportedMediaType, "应为 JSON");
        var limit = OpenBoxEndpoints.MaxAnswerBodyBytes;
        yield return new($"padded past {limit >> 10} KB", "open", () => Json(MalformedBodyTests.Padded(Valid, limit + 1)),
            HttpStatusCode.RequestEntityTooLarge, "提交的内容太大");
        yield return new($"padded past {limit >> 10} KB, chunked", "open", () => MalformedBodyTests.Chunked(MalformedBodyTests.Padded(Valid, limit + 1)),
            HttpStatusCode.RequestEntityTooLarge, "提交的内容太大");
        yield return new("of 3 MB, chunked", "open", () => MalformedBodyTests.Chunked(MalformedBodyTests.Padded(Valid, 3 << 20)),
            HttpStatusCode.RequestEntityTooLarge, "提交的内容太大");

        // A valid answer to a box that takes none now, or to no box at all.
        yield return new("to a box published before voting opened", "draft", () => Json(Valid), HttpStatusCode.Conflict, "还没有开放");
        yield return new("to a paused box", "paused", () => Json(Valid), HttpStatusCode.Conflict, "暂停接收意见");
        yield return new("to a box whose voting has ended", "ended", () => Json(Valid), HttpStatusCode.Conflict, "已经结束");
        yield return new("to a box that does not exist", "23456789ABCDEFGHJKMN", () => Json(Valid), HttpStatusCode.NotFound, "找不到这个征求意见箱");
        yield return new("to an address that cannot be a box", "1 or 1=1", () => Json(Valid), HttpStatusCode.NotFound, "找不到这个征求意见箱");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Answer_IsRefusedWithAClearMessage_AndChangesNothing(Case c)
    {
        using var phone = Phone();
        var box = _boxes.GetValueOrDefault(c.Box, c.Box);

        using var response = await UnchangedAsync(() => phone.PostAsync($"/api/o/{Uri.EscapeDataString(box)}/answers", c.Body()));

        await AssertApiRefusalAsync(response, c.Status, c.Says);
    }

    [Test]
    public async Task ValidAnswer_ToTheOpenBox_IsStored()
    {
        using var phone = Phone();
        var before = await World.ScalarAsync<long>("select count(*) from open_box_answer");

        using var response = await phone.PostAsync($"/api/o/{_boxes["open"]}/answers", Json(Valid));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(await World.ScalarAsync<long>("select count(*) from open_box_answer"), Is.EqualTo(before + 1));
    }

    [TestCase("GET")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    public async Task OtherMethods_Are405InJson_WithoutTalkOfSlips(string method)
    {
        using var phone = Phone();

        using var response = await UnchangedAsync(() => phone.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/o/{_boxes["open"]}/answers")));

        var error = await AssertApiRefusalAsync(response, HttpStatusCode.MethodNotAllowed, "征求意见箱");
        Assert.That(error, Does.Not.Contain("票签"));
    }

    [TestCase("draft", "not-open", "还没有开放")]
    [TestCase("paused", "paused", "暂停")]
    [TestCase("ended", "ended", "已经结束")]
    public async Task Description_OfABoxThatTakesNoAnswers_SaysWhyAndShowsNoQuestions(string box, string state, string says)
    {
        using var phone = new OpenBoxPhone(Phone());

        var description = await phone.DescriptionAsync(_boxes[box]);

        Assert.That(description.GetProperty("state").GetString(), Is.EqualTo(state));
        AssertSaysWhatToDo(description.GetProperty("message").GetString()!, says);
        Assert.That(description.GetProperty("form").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
    }

    [Test]
    public async Task Page_OfAnyBoxAddress_IsTheFixedPageUnderItsPolicy()
    {
        using var phone = Phone();

        using var response = await phone.GetAsync($"/o/{_boxes["open"]}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain("这是公开的征求意见箱，不记录您的身份；任何人都可以提交，可以多次提交，不计作评议票。"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        var policy = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.That(policy, Does.Contain("default-src 'self'").And.Contain("script-src 'self'").And.Not.Contain("unsafe-inline"));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"), "nothing from another host");
    }
}
