using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Voting;

public sealed class CheckInTests : OrganizerSession
{
    private SeededEvaluation _open = null!;
    private readonly Queue<string> _tokens = new();

    [OneTimeSetUp]
    public async Task OpenEvaluationWithSlips()
    {
        _open = await World.SeedDraftAsync(World.UnitA, expectedCount: 80);
        using (var open = await PostAsync($"{_open.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        foreach (var token in await IssueSlipsAsync(_open, 20)) _tokens.Enqueue(token);
    }

    private HttpClient Phone() => World.App.CreateClient();

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The slip's key group's door and ballot keys, as the phone reads them.</summary>
    private async Task<(BlindRsaPublicKey Door, BlindRsaPublicKey Ballot)> KeysAsync(HttpClient phone, string token)
    {
        using var response = await phone.PostAsJsonAsync("/api/v/slip", new { token });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await JsonAsync(response);
        return (VotingClient.DoorKey(body), VotingClient.BallotKey(body));
    }

    /// <summary>A door and a ballot message, blinded under the group's keys: what a phone sends at check-in.</summary>
    private static (byte[] Door, byte[] Ballot, BlindRsa.BlindingResult DoorBlinding, BlindRsa.BlindingResult BallotBlinding) Blinded(
        (BlindRsaPublicKey Door, BlindRsaPublicKey Ballot) keys, ReadOnlySpan<byte> seed)
    {
        var door = BlindRsa.Prepare([.. "door"u8, .. seed]);
        var ballot = BlindRsa.Prepare([.. "ballot"u8, .. seed]);
        return (door, ballot, BlindRsa.Blind(keys.Door, door), BlindRsa.Blind(keys.Ballot, ballot));
    }

    private static object Body(string token, (byte[], byte[], BlindRsa.BlindingResult DoorBlinding, BlindRsa.BlindingResult BallotBlinding) blinded) =>
        VotingClient.CheckInBody(token, blinded.DoorBlinding.BlindedMessage, blinded.BallotBlinding.BlindedMessage);

    [Test]
    public async Task Issue_GivesDistinctTwentySymbolTokens_AndCountsThemAsIssued()
    {
        var before = await World.ScalarAsync<long>("select count(*) from slip where category_id = @CategoryId", new { _open.CategoryId });

        var tokens = await IssueSlipsAsync(_open, 25);

        Assert.That(tokens, Has.Count.EqualTo(25));
        Assert.That(tokens.Distinct().Count(), Is.EqualTo(25));
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where category_id = @CategoryId", new { _open.CategoryId }),
            Is.EqualTo(before + 25));
    }

    [Test]
    public async Task Issue_StoresOnlyHashes_AndLogsTheCountButNoToken()
    {
        var tokens = await IssueSlipsAsync(_open, 3);
        await using var conn = await World.OpenAsync();

        var columns = await conn.QueryAsync<(string Table, string Column)>(
            "select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type in ('text', 'bytea', 'character varying')");
        foreach (var (table, column) in columns)
        foreach (var token in tokens)
            Assert.That(await conn.ExecuteScalarAsync<long>($"select count(*) from \"{table}\" where \"{column}\"::text like '%' || @token || '%'", new { token }),
                Is.Zero, $"{table}.{column} holds a token");
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from staff_action where action = '发放票签' and detail like '%3 张'"), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Describe_ReturnsTheFrozenFormAndTheCategoryKey_WithoutBurningTheSlip()
    {
        var token = _tokens.Dequeue();
        using var phone = Phone();

        // Typed by hand: lower case, grouped with dashes and spaces.
        var typed = string.Join("- ", token.ToLowerInvariant().Chunk(5).Select(c => new string(c)));
        using var response = await phone.PostAsJsonAsync("/api/v/slip", new { token = typed });
        var body = await JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(body.GetProperty("category").GetProperty("name").GetString(), Is.EqualTo("机关工作人员"));
        Assert.That(body.GetProperty("form").GetProperty("targets").GetArrayLength(), Is.EqualTo(2));
        Assert.That(body.GetProperty("checkedIn").GetBoolean(), Is.False);
        Assert.That(body.GetProperty("keyGroup").GetProperty("id").GetGuid(), Is.Not.EqualTo(Guid.Empty));
        Assert.That(VotingClient.DoorKey(body).ExportSpki(), Is.Not.EqualTo(VotingClient.BallotKey(body).ExportSpki()));
        Assert.That(Convert.FromBase64String(body.GetProperty("boxKey").GetString()!), Has.Length.EqualTo(65));
        Assert.That(await World.ScalarAsync<bool>("select blinded_hash is null from slip where token_hash = @Hash",
            new { Hash = Evaluation.Core.Slips.SlipToken.Hash(token) }), Is.True);
    }

    [TestCase("ABC", HttpStatusCode.BadRequest, "20 位", TestName = "Describe_MalformedCode_Is400")]
    [TestCase("22222-22222-22222-22222", HttpStatusCode.NotFound, "没有这个票签代码", TestName = "Describe_UnknownCode_Is404")]
    public async Task Describe_BadCode(string token, HttpStatusCode status, string message)
    {
        using var phone = Phone();

        using var response = await phone.PostAsJsonAsync("/api/v/slip", new { token });

        Assert.That(response.StatusCode, Is.EqualTo(status));
        Assert.That((await JsonAsync(response)).GetProperty("error").GetString(), Does.Contain(message));
    }

    [Test]
    public async Task Describe_SlipOfAnEvaluationNotYetOpen_Is409SayingVotingHasNotStarted()
    {
        var draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        var token = (await IssueSlipsAsync(draft, 1)).Single();
        using var phone = Phone();

        using var response = await phone.PostAsJsonAsync("/api/v/slip", new { token });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await JsonAsync(response)).GetProperty("error").GetString(), Does.Contain("投票还没有开始"));
    }

    [Test]
    public async Task CheckIn_ReturnsDoorAndBallotSignaturesThatFinalizeUnderTheGroupKeys_AndARetryGetsTheSameOnes()
    {
        var token = _tokens.Dequeue();
        using var phone = Phone();
        var keys = await KeysAsync(phone, token);
        var blinded = Blinded(keys, "1"u8);

        using var first = await phone.PostAsJsonAsync("/api/v/checkin", Body(token, blinded));
        using var retry = await phone.PostAsJsonAsync("/api/v/checkin", Body(token, blinded));
        var answer = await JsonAsync(first);
        var doorBlind = Convert.FromBase64String(answer.GetProperty("doorSignature").GetString()!);
        var ballotBlind = Convert.FromBase64String(answer.GetProperty("ballotSignature").GetString()!);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(first.Headers.ConnectionClose, Is.True, "the ballot must not ride the check-in's connection");
        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await JsonAsync(retry)).GetProperty("doorSignature").GetString(), Is.EqualTo(Convert.ToBase64String(doorBlind)));
        Assert.That((await JsonAsync(retry)).GetProperty("ballotSignature").GetString(), Is.EqualTo(Convert.ToBase64String(ballotBlind)));
        Assert.That(BlindRsa.Verify(keys.Door, blinded.Door, BlindRsa.Finalize(keys.Door, blinded.Door, doorBlind, blinded.DoorBlinding.Inverse)), Is.True);
        Assert.That(BlindRsa.Verify(keys.Ballot, blinded.Ballot, BlindRsa.Finalize(keys.Ballot, blinded.Ballot, ballotBlind, blinded.BallotBlinding.Inverse)),
            Is.True);
    }

    [Test]
    public async Task CheckIn_OfABurntSlipFromAnotherPhone_Is409AndChangesNothing()
    {
        var token = _tokens.Dequeue();
        using var phone = Phone();
        using var secondPhone = Phone();
        var keys = await KeysAsync(phone, token);
        var mine = Blinded(keys, "mine"u8);
        var theirs = Blinded(keys, "theirs"u8);

        using var first = await phone.PostAsJsonAsync("/api/v/checkin", Body(token, mine));
        using var second = await secondPhone.PostAsJsonAsync("/api/v/checkin", Body(token, theirs));
        // Half of the same pair is another phone too.
        using var mixed = await phone.PostAsJsonAsync("/api/v/checkin",
            VotingClient.CheckInBody(token, mine.DoorBlinding.BlindedMessage, theirs.BallotBlinding.BlindedMessage));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await JsonAsync(second)).GetProperty("error").GetString(), Does.Contain("已经签到过，不能再次签到").And.Contain("补发票签"));
        Assert.That(mixed.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task CheckIn_FiftySimultaneousPhonesWithOneSlip_YieldsExactlyOneCredential()
    {
        var token = _tokens.Dequeue();
        using var probe = Phone();
        var keys = await KeysAsync(probe, token);
        var blindings = Enumerable.Range(0, 50).Select(i => Blinded(keys, [(byte)i])).ToList();
        var phones = blindings.Select(_ => Phone()).ToList();
        using var start = new ManualResetEventSlim();

        var responses = await Task.WhenAll(blindings.Select((b, i) => Task.Run(async () =>
        {
            start.Wait();
            return await phones[i].PostAsJsonAsync("/api/v/checkin", Body(token, b));
        })).Append(Task.Run(() => { start.Set(); return (HttpResponseMessage)null!; })));

        var answered = responses.Where(r => r is not null).ToList();
        Assert.That(answered.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1));
        Assert.That(answered.Count(r => r.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(49));
        foreach (var r in answered) r.Dispose();
        foreach (var p in phones) p.Dispose();
    }

    [Test]
    public async Task CheckIn_WithAMalformedBlindedMessage_Is400AndTheSlipStaysUnused()
    {
        var token = _tokens.Dequeue();
        using var phone = Phone();
        var good = Convert.ToBase64String(Blinded(await KeysAsync(phone, token), "good"u8).DoorBlinding.BlindedMessage);

        using var notBase64 = await phone.PostAsJsonAsync("/api/v/checkin", new { token, blindedDoor = "not base64!", blindedBallot = good });
        using var tooShort = await phone.PostAsJsonAsync("/api/v/checkin", new { token, blindedDoor = good, blindedBallot = Convert.ToBase64String(new byte[10]) });
        using var onlyOne = await phone.PostAsJsonAsync("/api/v/checkin", new { token, blindedDoor = good });
        using var describe = await phone.PostAsJsonAsync("/api/v/slip", new { token });

        Assert.That(notBase64.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(tooShort.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(onlyOne.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(describe)).GetProperty("checkedIn").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Void_AnUnusedSlip_StopsItFromCheckingIn_ButAUsedSlipCannotBeVoided()
    {
        var lost = _tokens.Dequeue();
        var used = _tokens.Dequeue();
        using var phone = Phone();
        var keys = await KeysAsync(phone, used);
        (await phone.PostAsJsonAsync("/api/v/checkin", Body(used, Blinded(keys, "x"u8)))).Dispose();

        using var voidLost = await PostAsync($"{_open.Url}/slips/void", ("code", SlipGrouped(lost)));
        using var voidUsed = await PostAsync($"{_open.Url}/slips/void", ("code", used));
        using var describeLost = await phone.PostAsJsonAsync("/api/v/slip", new { token = lost });

        Assert.That(voidLost.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(voidUsed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(voidUsed), Does.Contain("已经使用，不能作废"));
        Assert.That(describeLost.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        await using var conn = await World.OpenAsync();
        Assert.That(await conn.ExecuteScalarAsync<string>("select detail from staff_action where action = '作废票签' order by seq desc limit 1"),
            Does.Not.Contain(lost));
    }

    private static string SlipGrouped(string token) => string.Join('-', token.Chunk(5).Select(c => new string(c)));
}
