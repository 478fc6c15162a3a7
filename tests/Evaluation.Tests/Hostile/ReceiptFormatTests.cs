using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// The public receipt check fed what is not a receipt code: each is a 400 page that shows what a code looks like, puts
/// what was typed back as text, answers neither 已计入 nor 未找到, and changes nothing.
/// </summary>
public sealed class ReceiptFormatTests : HostileSession
{
    private static IEnumerable<TestCaseData> BadCodes() =>
        new (string What, string Code)[]
        {
            ("empty", ""),
            ("blank", "   \t "),
            ("too short", "ABCDE"),
            ("too long", "ABCDE-FGHJK-M"),
            ("with a zero", "ABCDE-FGHJ0"),
            ("with an O and an I", "ABCDE-FGHOI"),
            ("in full-width letters", "ＡＢＣＤＥ-ＦＧＨＪＫ"),
            ("with emoji", "😀😀😀😀😀-😀😀😀😀😀"),
            ("a script", "<script>alert(1)</script>"),
            ("closing an attribute", "\"><img src=x onerror=alert(1)>"),
            ("SQL", "' or '1'='1' --"),
            ("a formula", "=HYPERLINK(\"http://x\",\"y\")"),
            ("10,000 characters", new string('A', 10_000)),
            ("with a control character", "ABCDE\u001bFGHJK"),
        }.Select(c => new TestCaseData(c.Code).SetName($"Receipt {c.What} is 400 and answers nothing"));

    [TestCaseSource(nameof(BadCodes))]
    public async Task BadCode_Is400_AndChangesNothing(string code)
    {
        using var visitor = World.App.CreateStaffClient();
        TestClientAddress.From(visitor.Http, NewAddress());

        using var response = await UnchangedAsync(() => visitor.PostFormAsync("/receipt", [new("Code", code)], tokenFromPage: "/receipt"));

        var body = await AssertPageRefusalAsync(response, HttpStatusCode.BadRequest, "10 位字母和数字");
        Assert.That(body, Does.Not.Contain("result-title"), "neither 已计入 nor 未找到");
        Assert.That(body, Does.Not.Contain("<script>alert").And.Not.Contain("<img"));
        Assert.That(body.Length, Is.LessThan(20_000), "what was typed is put back cut short");
    }

    [Test]
    public async Task CodeAsJson_IsRefusedLikeAnyFormWithoutItsToken()
    {
        using var visitor = World.App.CreateStaffClient();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"Code":"ABCDE-FGHJK"}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await UnchangedAsync(() => visitor.Http.PostAsync("/receipt", content));

        var body = await AssertPageRefusalAsync(response, HttpStatusCode.BadRequest, "安全校验未通过");
        Assert.That(body, Does.Not.Contain("result-title"));
    }
}
