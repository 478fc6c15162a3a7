using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Receipts;

/// <summary>The public receipt check (DESIGN.md §3): 已计入 or 未找到, and nothing of the ballot.</summary>
public sealed partial class ReceiptCheckTests : OrganizerSession
{
    private const string EvaluationName = "回执查询测试评议";
    private const string Opinion = "只有投票人自己知道的意见";

    private SeededEvaluation _evaluation = null!;
    private string _receipt = null!;

    [OneTimeSetUp]
    public async Task VoteOnce()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync("update evaluation set name = @EvaluationName where id = @Id", new { EvaluationName, _evaluation.Id });
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var token = (await IssueSlipsAsync(_evaluation, 1)).Single();

        using var phone = new VotingClient(World.App.CreateClient());
        var credential = await phone.CheckInAsync(token);
        using var response = await phone.SubmitAsync(credential, new
        {
            once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = Opinion } },
            targets = new Dictionary<string, object>
            {
                [_evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "较好" } },
                [_evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "基本称职" } },
            },
        });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        _receipt = (await VotingClient.JsonAsync(response)).GetProperty("receipt").GetString()!;
    }

    /// <summary>A visitor with no account: the form's antiforgery token comes from the page itself.</summary>
    private async Task<(HttpStatusCode Status, string Body)> CheckAsync(string code)
    {
        using var visitor = World.App.CreateStaffClient();
        using var response = await visitor.PostFormAsync("/receipt", [new("Code", code)], tokenFromPage: "/receipt");
        return (response.StatusCode, await StaffClient.BodyAsync(response));
    }

    [Test]
    public async Task Get_ShowsTheFormWithoutSignIn_AndIsNeverCached()
    {
        using var visitor = World.App.CreateStaffClient();

        using var response = await visitor.GetAsync("/receipt");
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Does.Contain("查询回执码").And.Contain("action=\"/receipt\"").And.Contain("method=\"post\"").And.Contain(StaffClient.TokenField));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(Answer(body), Is.Null);
    }

    [Test]
    public async Task Check_ReceiptOfASubmittedBallot_SaysCounted_AndNothingOfTheBallot()
    {
        var (status, body) = await CheckAsync(_receipt);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Answer(body), Is.EqualTo("已计入"));
        Assert.That(body, Does.Contain("这张回执码对应的答卷已计入"));
        foreach (var trace in new[] { EvaluationName, "甲单位", "机关工作人员", "领导班子", "张三", "较好", "基本称职", Opinion, "动员大会", _evaluation.Id.ToString() })
            Assert.That(body, Does.Not.Contain(trace), $"the page shows “{trace}”");
        Assert.That(DateOrTime().Match(body).Value, Is.Empty, "the page shows a date or a time");
    }

    [TestCase("lower case, no dash")]
    [TestCase("spaces around")]
    [TestCase("space for the dash")]
    public async Task Check_CodeInAnyCase_WithOrWithoutTheDash_AndSpaces_IsTheSameCode(string how)
    {
        var compact = _receipt.Replace("-", "");
        var typed = how switch
        {
            "lower case, no dash" => compact.ToLowerInvariant(),
            "spaces around" => $"  {_receipt} \t",
            _ => $"{compact[..5].ToLowerInvariant()} {compact[5..]}",
        };

        var (status, body) = await CheckAsync(typed);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Answer(body), Is.EqualTo("已计入"));
    }

    [Test]
    public async Task Check_UnknownWellFormedCode_SaysNotFound_AndWhatToDo()
    {
        string unknown;
        do unknown = SlipToken.Generate()[..Receipt.Length];
        while (unknown == _receipt.Replace("-", ""));

        var (status, body) = await CheckAsync(unknown);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Answer(body), Is.EqualTo("未找到"));
        Assert.That(body, Does.Contain(Receipt.Grouped(unknown)).And.Contain("核对").And.Contain("提交成功"));
    }

    [TestCase("")]
    [TestCase("ABCDE")]
    [TestCase("ABCDE-FGHJKM")]
    [TestCase("ABCDE-FGHJ0")]
    [TestCase("ABCDE-FGHJ!")]
    public async Task Check_MalformedCode_Is400_WithTheFormAndWhatACodeLooksLike(string code)
    {
        var (status, body) = await CheckAsync(code);

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Contain("10 位字母和数字").And.Contain("ABCDE-FGHJK"));
        Assert.That(body, Does.Contain("action=\"/receipt\""));
        Assert.That(Answer(body), Is.Null);
    }

    [Test]
    public async Task Check_WithoutTheAntiforgeryToken_IsRefusedAndAnswersNothing()
    {
        using var visitor = World.App.CreateStaffClient();

        using var response = await visitor.Http.PostAsync("/receipt", new FormUrlEncodedContent([new("Code", _receipt)]));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Answer(await StaffClient.BodyAsync(response)), Is.Null);
    }

    [Test]
    public async Task Check_CodeInTheQueryString_IsNotRead()
    {
        using var visitor = World.App.CreateStaffClient();

        using var response = await visitor.GetAsync($"/receipt?code={Uri.EscapeDataString(_receipt)}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await StaffClient.BodyAsync(response);
        Assert.That(Answer(body), Is.Null);
        Assert.That(body, Does.Not.Contain(_receipt));
    }

    /// <summary>The page's answer (已计入 or 未找到), or null when it gave none.</summary>
    private static string? Answer(string body) => ResultTitle().Match(body) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"<p class=""result-title"">([^<]*)</p>")]
    private static partial Regex ResultTitle();

    // 2026-03-01, 2026年3月1日, 14:05
    [GeneratedRegex(@"\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月|\b\d{1,2}:\d{2}\b")]
    private static partial Regex DateOrTime();
}
