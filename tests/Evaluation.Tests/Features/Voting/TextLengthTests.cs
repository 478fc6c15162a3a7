using System.Net;
using System.Text.Json;
using Dapper;
using Evaluation.Core.Text;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// A voter's text is limited in characters as a person sees them, not in UTF-16 units: 1,000 emoji fit a 1,000-character
/// opinion (they were refused as "2,000 个字"), and the message for one too many counts the way the voter does.
/// </summary>
public sealed class TextLengthTests : OrganizerSession
{
    private const string Family = "👨‍👩‍👧";
    private SeededEvaluation _evaluation = null!;
    private readonly Queue<string> _tokens = new();

    [OneTimeSetUp]
    public async Task Open()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        foreach (var t in await IssueSlipsAsync(_evaluation, 8)) _tokens.Enqueue(t);
    }

    private static string Times(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    /// <summary>The mobilisation form's 1,000-character opinion and a 100-character 其他 on the 班子's 形式主义 item.</summary>
    private object Answers(string opinion, string other) => new
    {
        once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = opinion } },
        targets = new Dictionary<string, object>
        {
            [_evaluation.TeamId.ToString()] = new Dictionary<string, object>
            {
                ["team-overall"] = new { choice = "好" },
                ["wind-1"] = new { choices = new[] { "文山会海、以会议落实会议" }, other },
            },
            [_evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } },
        },
    };

    private Task<long> BallotCountAsync() =>
        World.ScalarAsync<long>("select count(*) from ballot where evaluation_id = @Id", new { _evaluation.Id });

    private static IEnumerable<TestCaseData> Characters() =>
        new[] { ("emoji", "👍"), ("ZWJ families", Family), ("flags", "🇨🇳"), ("CJK Extension B characters", "𠮷") }
            .Select(c => new TestCaseData(c.Item2).SetArgDisplayNames(c.Item1));

    [TestCaseSource(nameof(Characters))]
    public async Task Ballot_WithTextsOfExactlyTheLimitInWideCharacters_IsStoredAsTyped(string character)
    {
        var opinion = "很好👍" + Times(character, 997);
        var other = Times(character, 100);
        Assert.That((UserText.Length(opinion), UserText.Length(other)), Is.EqualTo((1000, 100)));
        using var phone = new VotingClient(World.App.CreateClient());
        var credential = await phone.CheckInAsync(_tokens.Dequeue());

        using var response = await phone.SubmitAsync(credential, Answers(opinion, other));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        await using var conn = await World.OpenAsync();
        using var stored = JsonDocument.Parse(await conn.QuerySingleAsync<string>(
            "select answers from ballot where message = @Message", new { credential.Message }));
        // Compared as booleans: a failure message holding two thousand emoji helps nobody.
        Assert.That(stored.RootElement.GetProperty("once").GetProperty("campaign-opinion").GetProperty("text").GetString() == opinion, Is.True,
            "the opinion is stored as typed");
        Assert.That(stored.RootElement.GetProperty("targets").GetProperty(_evaluation.TeamId.ToString()).GetProperty("wind-1").GetProperty("other").GetString() == other,
            Is.True, "the 其他 text is stored as typed");
    }

    [Test]
    public async Task Ballot_OneEmojiOverTheLimit_Is400_CountingAsTheVoterDoes_AndStoresNothing()
    {
        using var phone = new VotingClient(World.App.CreateClient());
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var before = await BallotCountAsync();

        using var response = await phone.SubmitAsync(credential, Answers(Times("👍", 1001), Times(Family, 101)));
        var body = await VotingClient.JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
        var problems = body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.That(problems, Has.One.Contains("内容不能超过 1000 个字，您写了 1001 个字"), string.Join("\n", problems));
        Assert.That(problems, Has.One.Contains("“其他”的说明不能超过 100 个字，您写了 101 个字"), string.Join("\n", problems));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before));
    }
}
