using System.Net;
using System.Text.Json;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
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
    // As many voters as the smallest published cell, so that the tally publishes every item they answer.
    private const int Voters = TallySettings.MinimumSmallCell;

    private static string Times(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    /// <summary>The mobilisation form's 1,000-character opinion and a 100-character 其他 on the 班子's 形式主义 item.</summary>
    private static object Answers(SeededEvaluation evaluation, string opinion, string other) => new
    {
        once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = opinion } },
        targets = new Dictionary<string, object>
        {
            [evaluation.TeamId.ToString()] = new Dictionary<string, object>
            {
                ["team-overall"] = new { choice = "好" },
                ["wind-1"] = new { choices = new[] { "文山会海、以会议落实会议" }, other },
            },
            [evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } },
        },
    };

    /// <summary>
    /// A meeting of its own (服务器保管, so 结束投票 opens the box at once) where one phone seals each of
    /// <paramref name="ballots"/>; what the door answered each, the opened ballots' answers, and the bundle's tally.
    /// </summary>
    private async Task<(List<HttpStatusCode> AtTheDoor, List<string> Opened, IReadOnlyList<Figure> Tally)> VoteAndOpenAsync(
        SeededEvaluation evaluation, IReadOnlyList<object> ballots)
    {
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var atTheDoor = new List<HttpStatusCode>();
        foreach (var (token, answers) in (await IssueSlipsAsync(evaluation, ballots.Count)).Zip(ballots))
        {
            using var phone = new VotingClient(World.App.CreateClient());
            var credential = await phone.CheckInAsync(token);
            using var response = await phone.SubmitAsync(credential, answers);
            atTheDoor.Add(response.StatusCode);
        }
        using (var close = await PostAsync($"{evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        await using var conn = await World.OpenAsync();
        var opened = (await conn.QueryAsync<string>("select answers from ballot where evaluation_id = @Id", new { evaluation.Id })).ToList();
        using var auditor = await World.SignInAsync("auditor-a");
        using var bundle = await auditor.GetAsync($"{evaluation.Url}/audit-bundle");
        Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(bundle));
        Assert.That(AuditBundle.TryRead(await bundle.Content.ReadAsStreamAsync(), out var read, out var error), Is.True, error);
        return (atTheDoor, opened, read!.Tally);
    }

    private static string Figure(IReadOnlyList<Figure> tally, Guid? target, string question, string what) =>
        tally.Single(f => f.Key == $"item/{target?.ToString("N") ?? "-"}/{question}/{what}").Value;

    private static IEnumerable<TestCaseData> Characters() =>
        new[] { ("emoji", "👍"), ("ZWJ families", Family), ("flags", "🇨🇳"), ("CJK Extension B characters", "𠮷") }
            .Select(c => new TestCaseData(c.Item2).SetArgDisplayNames(c.Item1));

    [TestCaseSource(nameof(Characters))]
    public async Task Ballot_WithTextsOfExactlyTheLimitInWideCharacters_IsOpenedAsTyped_AndCounted(string character)
    {
        var opinion = "很好👍" + Times(character, 997);
        var other = Times(character, 100);
        Assert.That((UserText.Length(opinion), UserText.Length(other)), Is.EqualTo((1000, 100)));
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);

        var (atTheDoor, opened, tally) = await VoteAndOpenAsync(evaluation, Enumerable.Repeat(Answers(evaluation, opinion, other), Voters).ToList());

        Assert.That(atTheDoor, Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(opened, Has.Count.EqualTo(Voters));
        foreach (var answers in opened)
        {
            using var stored = JsonDocument.Parse(answers);
            // Compared as booleans: a failure message holding two thousand emoji helps nobody.
            Assert.That(stored.RootElement.GetProperty("once").GetProperty("campaign-opinion").GetProperty("text").GetString() == opinion, Is.True,
                "the opinion is opened as typed");
            Assert.That(stored.RootElement.GetProperty("targets").GetProperty(evaluation.TeamId.ToString()).GetProperty("wind-1").GetProperty("other").GetString() == other,
                Is.True, "the 其他 text is opened as typed");
        }
        Assert.Multiple(() =>
        {
            Assert.That(Figure(tally, null, "campaign-opinion", "answered"), Is.EqualTo(Voters.ToString()));
            Assert.That(Figure(tally, null, "campaign-opinion", "void"), Is.EqualTo("0"), "a text of exactly the limit is not void");
            Assert.That(Figure(tally, evaluation.TeamId, "wind-1", "answered"), Is.EqualTo(Voters.ToString()));
            Assert.That(Figure(tally, evaluation.TeamId, "wind-1", "other"), Is.EqualTo(Voters.ToString()));
            Assert.That(Figure(tally, evaluation.TeamId, "wind-1", "void"), Is.EqualTo("0"));
        });
    }

    [Test]
    public async Task Ballot_OneEmojiOverTheLimit_IsRefusedByTheRules_CountingAsTheVoterDoes_AndAt开箱TheTwoItemsAreVoidAlone()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        var answers = Answers(evaluation, Times("👍", 1001), Times(Family, 101));

        // The box cannot read it, so the rules are applied where the answers are read: on the phone before sealing, and at 开箱.
        var form = new FrozenForm(FormTemplates.MobilisationEvaluation.Questionnaire,
            [new Target { Id = evaluation.TeamId, Kind = TargetKind.Team, Name = "领导班子", Position = 1 },
             new Target { Id = evaluation.MemberId, Kind = TargetKind.Member, Name = "张三", Title = "局长", Position = 2 }]);
        Assert.That(BallotJson.TryRead(VotingClient.AnswersText(answers), out var read, out var error), Is.True, error);
        var problems = BallotValidator.Validate(form.Questionnaire, form.Targets, read!);
        Assert.That(problems, Has.One.Contains("内容不能超过 1000 个字，您写了 1001 个字"), string.Join("\n", problems));
        Assert.That(problems, Has.One.Contains("“其他”的说明不能超过 100 个字，您写了 101 个字"), string.Join("\n", problems));

        // As many again within the limits, so that the two items have answers enough to be published with their void count.
        var (atTheDoor, opened, tally) = await VoteAndOpenAsync(evaluation,
            [.. Enumerable.Repeat(answers, Voters), .. Enumerable.Repeat(Answers(evaluation, "很好", "公车私用"), Voters)]);

        var all = (2 * Voters).ToString();
        Assert.That(atTheDoor, Is.All.EqualTo(HttpStatusCode.OK), "taken into the box sealed");
        Assert.That(opened, Has.Count.EqualTo(2 * Voters));
        Assert.Multiple(() =>
        {
            Assert.That(Figure(tally, null, "campaign-opinion", "void"), Is.EqualTo(Voters.ToString()), "the over-long opinions are void");
            Assert.That(Figure(tally, null, "campaign-opinion", "answered"), Is.EqualTo(Voters.ToString()));
            Assert.That(Figure(tally, evaluation.TeamId, "wind-1", "void"), Is.EqualTo(Voters.ToString()), "an over-long 其他 voids its item");
            Assert.That(Figure(tally, evaluation.TeamId, "wind-1", "answered"), Is.EqualTo(Voters.ToString()));
            Assert.That(tally.Single(f => f.Key == "turnout/valid").Value, Is.EqualTo(all), "the ballots stand");
            Assert.That(Figure(tally, evaluation.TeamId, "team-overall", "answered"), Is.EqualTo(all));
            Assert.That(Figure(tally, evaluation.TeamId, "team-overall", "option/0"), Is.EqualTo(all), "好");
            Assert.That(Figure(tally, evaluation.MemberId, "member-overall", "answered"), Is.EqualTo(all));
        });
    }
}
