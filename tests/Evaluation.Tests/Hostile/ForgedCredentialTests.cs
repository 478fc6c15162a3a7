using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using static Evaluation.Tests.Features.Voting.VotingClient;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Ballots with forged, borrowed or replayed credentials, and slips that cannot vote (draft, closed, voided, burnt, unknown).
/// Every one is refused with a sentence for the voter, and no slip, ballot or receipt changes.
/// </summary>
public sealed class ForgedCredentialTests : HostileSession
{
    private SeededEvaluation _open = null!;
    private Guid _retired;
    private readonly Queue<string> _tokens = new();
    private readonly Dictionary<string, string> _slips = [];
    private readonly Dictionary<string, Credential> _credentials = [];

    [OneTimeSetUp]
    public async Task SetUpEvaluationsInEveryState()
    {
        _open = await World.SeedDraftAsync(World.UnitA, expectedCount: 50);
        _retired = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@_retired, @Id, '离退休老党员', 10, 2)",
                new { _retired, _open.Id });
        await OpenAsync(_open);
        foreach (var t in await IssueSlipsAsync(_open, 12)) _tokens.Enqueue(t);

        var other = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        await OpenAsync(other);
        var closing = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        await OpenAsync(closing);
        var closingTokens = await IssueSlipsAsync(closing, 2);
        var draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);

        using var phone = new VotingClient(Phone());
        _credentials["staff"] = await phone.CheckInAsync(_tokens.Dequeue());
        _credentials["staff2"] = await phone.CheckInAsync(_tokens.Dequeue());
        _credentials["retired"] = await phone.CheckInAsync((await IssueSlipsAsync(_open, 1, _retired)).Single());
        _credentials["other evaluation"] = await phone.CheckInAsync((await IssueSlipsAsync(other, 1)).Single());
        _credentials["closed"] = await phone.CheckInAsync(closingTokens[0]);
        _credentials["submitted"] = await phone.CheckInAsync(_tokens.Dequeue());
        using (var first = await phone.SubmitAsync(_credentials["submitted"], _open.CompleteAnswers()))
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        _slips["closed"] = closingTokens[1];
        using (var close = await PostAsync($"{closing.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        _slips["draft"] = (await IssueSlipsAsync(draft, 1)).Single();
        _slips["voided"] = _tokens.Dequeue();
        using (var voided = await PostAsync($"{_open.Url}/slips/void", ("code", _slips["voided"])))
            Assert.That(voided.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        _slips["burnt"] = _tokens.Dequeue();
        await phone.CheckInAsync(_slips["burnt"]);
        _slips["unknown"] = SlipToken.Generate();
    }

    private async Task OpenAsync(SeededEvaluation evaluation)
    {
        using var open = await PostAsync($"{evaluation.Url}/open");
        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
    }

    public sealed record SlipCase(string Slip, string Endpoint, HttpStatusCode Status, string Says)
    {
        public override string ToString() => $"{Endpoint} with a {Slip} slip";
    }

    private static IEnumerable<SlipCase> SlipCases() =>
    [
        new("draft", "slip", HttpStatusCode.Conflict, "投票还没有开始"),
        new("draft", "checkin", HttpStatusCode.Conflict, "投票还没有开始"),
        new("closed", "slip", HttpStatusCode.Conflict, "投票已经结束"),
        new("closed", "checkin", HttpStatusCode.Conflict, "投票已经结束"),
        new("voided", "slip", HttpStatusCode.Gone, "已作废"),
        new("voided", "checkin", HttpStatusCode.Gone, "已作废"),
        new("burnt", "checkin", HttpStatusCode.Conflict, "已经签到过，不能再次签到"),
        new("unknown", "slip", HttpStatusCode.NotFound, "没有这个票签代码"),
        new("unknown", "checkin", HttpStatusCode.NotFound, "没有这个票签代码"),
    ];

    [TestCaseSource(nameof(SlipCases))]
    public async Task Slip_ThatCannotVote_IsRefused_AndNothingIsBurnt(SlipCase c)
    {
        using var phone = Phone();
        // Blinded messages of the right size; whether they blind anything does not matter once the slip is refused.
        var body = VotingClient.CheckInBody(_slips[c.Slip], RandomNumberGenerator.GetBytes(256), RandomNumberGenerator.GetBytes(256));

        using var response = await UnchangedAsync(() => phone.PostAsJsonAsync($"/api/v/{c.Endpoint}", body));

        await AssertApiRefusalAsync(response, c.Status, c.Says);
    }

    /// <summary>
    /// Values whose signature is trivial (0, 1 and n − 1 are their own) or that are not below the modulus: the phone page
    /// never sends them. Refused before the slip is burnt, so the same slip still checks in and votes.
    /// </summary>
    [TestCase("0")]
    [TestCase("1")]
    [TestCase("n − 1")]
    [TestCase("n")]
    [TestCase("n + 1")]
    public async Task CheckIn_WithABlindedMessageThatSignsTrivially_IsRefused_NothingIsBurnt_AndTheSlipStillVotes(string value)
    {
        var token = (await IssueSlipsAsync(_open, 1)).Single();
        using var phone = new VotingClient(Phone());
        var slip = await phone.DescribeAsync(token);
        byte[] Trivial(BlindRsaPublicKey key)
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(key.ExportSpki(), out _);
            var n = new System.Numerics.BigInteger(rsa.ExportParameters(false).Modulus, isUnsigned: true, isBigEndian: true);
            var m = value switch { "0" => 0, "1" => 1, "n − 1" => n - 1, "n" => n, _ => n + 1 };
            var bytes = m.ToByteArray(isUnsigned: true, isBigEndian: true);
            return [.. new byte[Math.Max(0, 256 - bytes.Length)], .. bytes];
        }
        byte[] Proper(BlindRsaPublicKey key) => BlindRsa.Blind(key, BlindRsa.Prepare("proper"u8)).BlindedMessage;
        var (doorKey, ballotKey) = (VotingClient.DoorKey(slip), VotingClient.BallotKey(slip));

        // Trivial under either key, the other half proper: refused all the same.
        using var badDoor = await UnchangedAsync(() => phone.Http.PostAsJsonAsync("/api/v/checkin", VotingClient.CheckInBody(token, Trivial(doorKey), Proper(ballotKey))));
        using var badBallot = await UnchangedAsync(() => phone.Http.PostAsJsonAsync("/api/v/checkin", VotingClient.CheckInBody(token, Proper(doorKey), Trivial(ballotKey))));

        await AssertApiRefusalAsync(badDoor, HttpStatusCode.BadRequest, "这张票签还没有使用");
        await AssertApiRefusalAsync(badBallot, HttpStatusCode.BadRequest, "这张票签还没有使用");
        var credential = await phone.CheckInAsync(token);
        using var ballot = await phone.SubmitAsync(credential, _open.CompleteAnswers());
        Assert.That(ballot.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ballot.Content.ReadAsStringAsync());
    }

    /// <param name="Forge">The ballot sent, made from the fixture's credentials.</param>
    public sealed record BallotCase(string What, Func<IReadOnlyDictionary<string, Credential>, SeededEvaluation, Credential> Forge,
        HttpStatusCode Status, string Says)
    {
        public override string ToString() => What;
    }

    private const string Invalid = "投票凭证无效";

    private static IEnumerable<BallotCase> BallotCases() =>
    [
        new("random bytes for a door signature", (c, _) => c["staff"] with { DoorSignature = RandomNumberGenerator.GetBytes(256) },
            HttpStatusCode.BadRequest, Invalid),
        new("a door signature with one bit flipped", (c, _) => WithForgedDoor(c["staff"]), HttpStatusCode.BadRequest, Invalid),
        new("another ballot's valid door signature", (c, _) => c["staff"] with { DoorSignature = c["staff2"].DoorSignature }, HttpStatusCode.BadRequest, Invalid),
        new("another ballot's door message and secret under this door signature",
            (c, _) => c["staff"] with { DoorMessage = c["staff2"].DoorMessage, Secret = c["staff2"].Secret }, HttpStatusCode.BadRequest, Invalid),
        new("the ballot credential's signature at the door",
            (c, _) => c["staff"] with { DoorSignature = c["staff"].BallotSignature }, HttpStatusCode.BadRequest, Invalid),
        new("a door signature one byte short", (c, _) => c["staff"] with { DoorSignature = c["staff"].DoorSignature[..^1] }, HttpStatusCode.BadRequest, Invalid),
        new("a door signature twice as long", (c, _) => c["staff"] with { DoorSignature = [.. c["staff"].DoorSignature, .. c["staff"].DoorSignature] },
            HttpStatusCode.BadRequest, Invalid),
        new("a door signature above the modulus", (c, _) => c["staff"] with { DoorSignature = Enumerable.Repeat((byte)0xFF, 256).ToArray() },
            HttpStatusCode.BadRequest, Invalid),
        new("an empty door signature", (c, _) => c["staff"] with { DoorSignature = [] }, HttpStatusCode.BadRequest, "提交的数据不完整"),
        new("a door message not made from the secret", (c, _) => c["staff"] with { DoorMessage = BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32)) },
            HttpStatusCode.BadRequest, "回执数据不一致"),
        new("a retiree's credential claiming the staff key group", (c, _) => c["retired"] with { KeyGroupId = c["staff"].KeyGroupId },
            HttpStatusCode.BadRequest, Invalid),
        new("another evaluation's credential claiming this evaluation and key group",
            (c, e) => c["other evaluation"] with { EvaluationId = e.Id, KeyGroupId = c["staff"].KeyGroupId }, HttpStatusCode.BadRequest, Invalid),
        new("another evaluation's key group under this evaluation", (c, e) => c["other evaluation"] with { EvaluationId = e.Id },
            HttpStatusCode.NotFound, "找不到这次评议"),
        new("an evaluation that does not exist", (c, _) => c["staff"] with { EvaluationId = Guid.NewGuid() }, HttpStatusCode.NotFound, "找不到这次评议"),
        new("a credential of an evaluation closed since", (c, _) => c["closed"], HttpStatusCode.Conflict, "投票已经结束"),
        new("a submitted credential again, with other answers", (c, _) => c["submitted"], HttpStatusCode.Conflict, "已经提交过"),
    ];

    [TestCaseSource(nameof(BallotCases))]
    public async Task Ballot_WithAForgedOrBorrowedCredential_IsRefused_AndNothingIsStored(BallotCase c)
    {
        using var phone = new VotingClient(Phone());
        var forged = c.Forge(_credentials, _open);

        using var response = await UnchangedAsync(() => phone.SubmitAsync(forged, _open.CompleteAnswers(teamGrade: "差", memberGrade: "不称职")));

        await AssertApiRefusalAsync(response, c.Status, c.Says);
    }

    [Test]
    public async Task Ballot_ReplayedWithTheSameAnswers_GetsTheSameReceipt_AndStoresNothingMore()
    {
        using var phone = new VotingClient(Phone());
        var credential = _credentials["submitted"];

        using var response = await UnchangedAsync(() => phone.SubmitAsync(credential, _open.CompleteAnswers()));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await JsonAsync(response)).GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));
    }

    [Test]
    public async Task Refused_CredentialsStayGood_TheRealBallotStillGoesIn()
    {
        using var phone = new VotingClient(Phone());
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        using (var forged = await phone.SubmitAsync(WithForgedDoor(credential), _open.CompleteAnswers()))
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var real = await phone.SubmitAsync(credential, _open.CompleteAnswers());

        Assert.That(real.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
