using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Voting;

public sealed partial class SubmitTests : OrganizerSession
{
    private SeededEvaluation _evaluation = null!;
    private Guid _otherCategory;
    private readonly Queue<string> _tokens = new();
    private readonly Queue<string> _otherTokens = new();

    [OneTimeSetUp]
    public async Task OpenWithTwoCategories()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 200);
        _otherCategory = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@_otherCategory, @Id, '离退休老党员', 20, 2)",
                new { _otherCategory, _evaluation.Id });
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        foreach (var t in await IssueAsync(_evaluation.CategoryId, 120)) _tokens.Enqueue(t);
        foreach (var t in await IssueAsync(_otherCategory, 5)) _otherTokens.Enqueue(t);
    }

    private async Task<List<string>> IssueAsync(Guid category, int count)
    {
        using var response = await PostAsync($"{_evaluation.Url}/slips", ("CategoryId", category.ToString()), ("Count", count.ToString()), ("Format", "html"));
        return SlipLink().Matches(await StaffClient.BodyAsync(response)).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();

    private VotingClient Phone() => new(World.App.CreateClient());

    private object CompleteAnswers(string teamGrade = "较好") => new
    {
        once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = "希望多听基层意见。" } },
        targets = new Dictionary<string, object>
        {
            [_evaluation.TeamId.ToString()] = new Dictionary<string, object>
            {
                ["team-overall"] = new { choice = teamGrade },
                ["wind-1"] = new { choices = new[] { "文山会海、以会议落实会议" } },
                ["wind-2"] = new { choices = new[] { "未发现" } },
            },
            [_evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } },
        },
    };

    private Task<long> BallotCountAsync() =>
        World.ScalarAsync<long>("select count(*) from ballot where evaluation_id = @Id", new { _evaluation.Id });

    [Test]
    public async Task Vote_ThroughTheHttpApi_StoresOneBallotAndReturnsTheReceiptOfItsMessage()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var before = await BallotCountAsync();

        using var response = await phone.SubmitAsync(credential, CompleteAnswers());
        var body = await VotingClient.JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("receipt").GetString(), Is.EqualTo(Receipt.Grouped(Receipt.From(credential.Message))));
        Assert.That(body.GetProperty("blank").GetBoolean(), Is.False);
        Assert.That(await BallotCountAsync(), Is.EqualTo(before + 1));
        await using var conn = await World.OpenAsync();
        var stored = await conn.QuerySingleAsync<(Guid CategoryId, string Answers, byte[] Signature)>(
            "select category_id, answers, signature from ballot where message = @Message", new { credential.Message });
        Assert.That(stored.CategoryId, Is.EqualTo(_evaluation.CategoryId));
        Assert.That(stored.Answers, Does.Contain("较好").And.Contain("希望多听基层意见。"));
        var key = BlindRsaPublicKey.ImportSpki(await conn.QuerySingleAsync<byte[]>(
            "select public_key from signing_key where evaluation_id = @Id and category_id = @CategoryId", new { _evaluation.Id, _evaluation.CategoryId }));
        Assert.That(BlindRsa.Verify(key, credential.Message, stored.Signature), Is.True);
    }

    [Test]
    public async Task Submit_SameContentAgain_ReturnsTheSameReceipt_DifferentContentIsRefused()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());

        using var first = await phone.SubmitAsync(credential, CompleteAnswers());
        using var again = await phone.SubmitAsync(credential, CompleteAnswers());
        var countAfterRetry = await BallotCountAsync();
        using var changed = await phone.SubmitAsync(credential, CompleteAnswers("差"));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await VotingClient.JsonAsync(again)).GetProperty("receipt").GetString(),
            Is.EqualTo((await VotingClient.JsonAsync(first)).GetProperty("receipt").GetString()));
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await BallotCountAsync(), Is.EqualTo(countAfterRetry));
        Assert.That(await World.ScalarAsync<string>("select answers from ballot where message = @Message", new { credential.Message }),
            Does.Contain("较好").And.Not.Contain("\"差\""));
    }

    [Test]
    public async Task Submit_WithAForgedSignature_Is400AndStoresNothing()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var forged = credential with { Signature = credential.Signature.Select((b, i) => i == 10 ? (byte)(b ^ 1) : b).ToArray() };
        var unsigned = credential with { Message = BlindRsa.Prepare("never signed"u8) };
        var before = await BallotCountAsync();

        using var forgedResponse = await phone.SubmitAsync(forged, CompleteAnswers());
        using var unsignedResponse = await phone.SubmitAsync(unsigned, CompleteAnswers());

        Assert.That(forgedResponse.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unsignedResponse.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await VotingClient.JsonAsync(forgedResponse)).GetProperty("error").GetString(), Does.Contain("凭证无效"));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Submit_SignedWithAnotherCategorysKey_IsRefused()
    {
        using var phone = Phone();
        var retiree = await phone.CheckInAsync(_otherTokens.Dequeue());
        var before = await BallotCountAsync();

        // A retiree's credential presented as a staff member's: the signature does not verify under that key.
        using var response = await phone.SubmitAsync(retiree with { CategoryId = _evaluation.CategoryId }, CompleteAnswers());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Submit_WithAnswersTheFormDoesNotAllow_Is400WithTheReasons_AndStoresNothing()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var before = await BallotCountAsync();
        var bad = new
        {
            targets = new Dictionary<string, object>
            {
                [_evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "优秀" } },
                [_evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } },
            },
        };

        using var response = await phone.SubmitAsync(credential, bad);
        var body = await VotingClient.JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body.GetProperty("problems")[0].GetString(), Does.Contain("不是本题的评价等级"));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Submit_BlankBallot_IsStoredAsAbstention()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());

        using var response = await phone.SubmitAsync(credential, new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await VotingClient.JsonAsync(response)).GetProperty("blank").GetBoolean(), Is.True);
        Assert.That(await World.ScalarAsync<string>("select answers from ballot where message = @Message", new { credential.Message }),
            Is.EqualTo(BallotJson.Canonical(new BallotAnswers())));
    }

    [Test]
    public async Task Submit_ManyPhonesAtOnce_EveryAcknowledgedBallotIsStoredExactlyOnce()
    {
        var phones = Enumerable.Range(0, 60).Select(_ => Phone()).ToList();
        var credentials = await Task.WhenAll(phones.Select(p => p.CheckInAsync(_tokens.Dequeue())));
        var before = await BallotCountAsync();

        var responses = await Task.WhenAll(phones.Select((p, i) => p.SubmitAsync(credentials[i], CompleteAnswers(i % 2 == 0 ? "好" : "一般"))));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before + 60));
        await using var conn = await World.OpenAsync();
        foreach (var credential in credentials)
            Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from ballot where message = @Message", new { credential.Message }), Is.EqualTo(1));
        foreach (var r in responses) r.Dispose();
        foreach (var p in phones) p.Dispose();
    }

    [Test]
    public async Task Progress_ShowsTheSupervisionGroupAggregateCountsThatRefresh()
    {
        using (var phone = Phone())
        {
            var credential = await phone.CheckInAsync(_tokens.Dequeue());
            (await phone.SubmitAsync(credential, CompleteAnswers())).Dispose();
        }
        using var supervisor = await World.SignInAsync("supervisor-a");

        using var page = await supervisor.GetAsync($"{_evaluation.Url}/progress");
        var body = await StaffClient.BodyAsync(page);

        var ballots = await BallotCountAsync();
        var checkedIn = await World.ScalarAsync<long>("select count(*) from slip where evaluation_id = @Id and blinded_hash is not null", new { _evaluation.Id });
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Does.Contain($"已提交 <strong>{ballots}</strong>").And.Contain($"已签到 <strong>{checkedIn}</strong>"));
        Assert.That(body, Does.Contain("http-equiv=\"refresh\""));
    }

    [Test]
    public async Task BallotTable_HoldsNothingThatOrdersOrDatesABallot()
    {
        await using var conn = await World.OpenAsync();
        var columns = (await conn.QueryAsync<(string Name, string Type, string? Default)>(
            "select column_name, data_type, column_default from information_schema.columns where table_name = 'ballot'")).ToList();

        Assert.That(columns.Select(c => c.Name), Is.EquivalentTo(new[] { "id", "evaluation_id", "category_id", "message", "signature", "answers", "receipt" }));
        Assert.That(columns.Where(c => c.Type.Contains("time") || c.Type.Contains("serial") || c.Default is not null), Is.Empty);
        Assert.That(columns.Single(c => c.Name == "id").Type, Is.EqualTo("uuid"));
    }
}
