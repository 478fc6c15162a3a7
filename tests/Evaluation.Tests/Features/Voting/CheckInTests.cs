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

    /// <summary>Sends every body at once, each from a phone of its own, and returns the answers' statuses and bodies.</summary>
    private async Task<List<(HttpStatusCode Status, JsonElement Body)>> AllAtOnceAsync(IEnumerable<object> bodies)
    {
        using var start = new ManualResetEventSlim();
        var sending = bodies.Select(body => Task.Run(async () =>
        {
            using var phone = Phone();
            start.Wait();
            using var response = await phone.PostAsJsonAsync("/api/v/checkin", body);
            return (response.StatusCode, await VotingClient.JsonAsync(response));
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(sending)];
    }

    private async Task<(byte[]? BlindedHash, byte[]? Door, byte[]? Ballot)> StoredAsync(string token)
    {
        await using var conn = await World.OpenAsync();
        return await conn.QuerySingleAsync<(byte[]?, byte[]?, byte[]?)>(
            "select blinded_hash, blind_signature, ballot_blind_signature from slip where token_hash = @Hash",
            new { Hash = Evaluation.Core.Slips.SlipToken.Hash(token) });
    }

    private static string Signature(JsonElement answer, string name) => answer.GetProperty(name).GetString()!;

    [Test]
    public async Task CheckIn_FiftySimultaneousPhonesWithOneSlip_YieldsExactlyOneCredential_TheOneTheSlipKeeps()
    {
        var token = _tokens.Dequeue();
        using var probe = Phone();
        var keys = await KeysAsync(probe, token);
        var blindings = Enumerable.Range(0, 50).Select(i => Blinded(keys, [(byte)i])).ToList();

        var answers = await AllAtOnceAsync(blindings.Select(b => Body(token, b)));

        Assert.That(answers.Count(a => a.Status == HttpStatusCode.OK), Is.EqualTo(1));
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.That(refused.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.Conflict));
        Assert.That(refused.Select(a => a.Body.GetProperty("code").GetString()), Is.All.EqualTo("used"));
        var winner = answers.Single(a => a.Status == HttpStatusCode.OK).Body;
        var stored = await StoredAsync(token);
        Assert.That(Convert.ToBase64String(stored.Door!), Is.EqualTo(Signature(winner, "doorSignature")));
        Assert.That(Convert.ToBase64String(stored.Ballot!), Is.EqualTo(Signature(winner, "ballotSignature")));
        var won = blindings.Single(b => stored.BlindedHash!.AsSpan().SequenceEqual(
            System.Security.Cryptography.SHA256.HashData([.. b.DoorBlinding.BlindedMessage, .. b.BallotBlinding.BlindedMessage])));
        Assert.That(BlindRsa.Verify(keys.Door, won.Door, BlindRsa.Finalize(keys.Door, won.Door, stored.Door!, won.DoorBlinding.Inverse)), Is.True,
            "the slip keeps the signatures of the blinded messages it keeps");
    }

    [Test]
    public async Task CheckIn_TheSameCheckInThirtyTimesAtOnce_IsAnsweredWithTheSameSignaturesEveryTime()
    {
        var token = _tokens.Dequeue();
        using var probe = Phone();
        var blinded = Blinded(await KeysAsync(probe, token), "same"u8);

        var answers = await AllAtOnceAsync(Enumerable.Repeat(Body(token, blinded), 30));

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
        var stored = await StoredAsync(token);
        Assert.That(answers.Select(a => Signature(a.Body, "doorSignature")), Is.All.EqualTo(Convert.ToBase64String(stored.Door!)));
        Assert.That(answers.Select(a => Signature(a.Body, "ballotSignature")), Is.All.EqualTo(Convert.ToBase64String(stored.Ballot!)));
    }

    [Test]
    public async Task CheckIn_ABurstOfSixtyDifferentSlips_BurnsEveryOne_WithSignaturesThatVerify()
    {
        var tokens = await IssueSlipsAsync(_open, 60);
        using var probe = Phone();
        var keys = await KeysAsync(probe, tokens[0]);
        var blindings = tokens.Select(t => Blinded(keys, System.Text.Encoding.ASCII.GetBytes(t))).ToList();

        var answers = await AllAtOnceAsync(tokens.Select((t, i) => Body(t, blindings[i])));

        Assert.Multiple(() =>
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                Assert.That(answers[i].Status, Is.EqualTo(HttpStatusCode.OK), answers[i].Body.ToString());
                if (answers[i].Status != HttpStatusCode.OK) continue;
                var b = blindings[i];
                var door = Convert.FromBase64String(Signature(answers[i].Body, "doorSignature"));
                var ballot = Convert.FromBase64String(Signature(answers[i].Body, "ballotSignature"));
                Assert.That(BlindRsa.Verify(keys.Door, b.Door, BlindRsa.Finalize(keys.Door, b.Door, door, b.DoorBlinding.Inverse)), Is.True);
                Assert.That(BlindRsa.Verify(keys.Ballot, b.Ballot, BlindRsa.Finalize(keys.Ballot, b.Ballot, ballot, b.BallotBlinding.Inverse)), Is.True);
            }
        });
        Assert.That(await World.ScalarAsync<long>("select count(*) from slip where token_hash = any(@Hashes) and blinded_hash is not null",
            new { Hashes = tokens.Select(Evaluation.Core.Slips.SlipToken.Hash).ToArray() }), Is.EqualTo(60));
    }

    /// <summary>
    /// Holds a row locked (<paramref name="lockRow"/>) while <paramref name="staff"/> waits for it in
    /// <paramref name="staffStatement"/> and then a check-in's batch queues behind in <paramref name="batchStatement"/>, so the
    /// staff's action commits between the check-in's read of the slip and its batch's burn.
    /// </summary>
    private async Task<(HttpResponseMessage Staff, HttpResponseMessage CheckIn)> StaffActsBetweenReadAndBurnAsync(string lockRow, object rowArgs,
        Func<Task<HttpResponseMessage>> staff, string staffStatement, object checkIn, string batchStatement)
    {
        await using var conn = await World.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(lockRow, rowArgs, tx);
        var acting = staff();
        await WhenWaitingOnALockAsync(staffStatement);
        using var phone = Phone();
        var checkingIn = phone.PostAsJsonAsync("/api/v/checkin", checkIn);
        await WhenWaitingOnALockAsync(batchStatement);
        await tx.CommitAsync();
        return (await acting, await checkingIn);
    }

    private async Task WhenWaitingOnALockAsync(string statement)
    {
        for (var waited = 0; ; waited += 20)
        {
            if (await World.ScalarAsync<long>("select count(*) from pg_stat_activity where wait_event_type = 'Lock' and strpos(query, @statement) > 0",
                    new { statement }) > 0) return;
            if (waited >= 30_000)
            {
                await using var conn = await World.OpenAsync();
                Assert.Fail($"nothing waits on a lock in \"{statement}\": " + string.Join(" | ", await conn.QueryAsync<string>(
                    "select coalesce(wait_event_type, '-') || ' ' || coalesce(wait_event, '-') || ' ' || left(query, 300) from pg_stat_activity where datname = current_database()")));
            }
            await Task.Delay(20);
        }
    }

    [Test, CancelAfter(60_000)]
    public async Task CheckIn_OfASlipVoidedAfterItWasRead_IsRefusedAsVoided_AndTheSlipStaysUnburnt()
    {
        var token = _tokens.Dequeue();
        using var probe = Phone();
        var blinded = Blinded(await KeysAsync(probe, token), "void"u8);

        // Voiding locks the slip's row, as the batch's burn does.
        var (voiding, checkIn) = await StaffActsBetweenReadAndBurnAsync("select 1 from slip where token_hash = @Hash for update",
            new { Hash = Evaluation.Core.Slips.SlipToken.Hash(token) },
            () => PostAsync($"{_open.Url}/slips/void", ("code", token)), "select voided, blinded_hash is not null from slip", Body(token, blinded),
            batchStatement: "update slip s set blinded_hash");

        Assert.That(voiding.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(voiding));
        Assert.That(checkIn.StatusCode, Is.EqualTo(HttpStatusCode.Gone), await checkIn.Content.ReadAsStringAsync());
        Assert.That((await JsonAsync(checkIn)).GetProperty("error").GetString(), Does.Contain("已作废"));
        Assert.That((await StoredAsync(token)).BlindedHash, Is.Null);
    }

    [Test, CancelAfter(60_000)]
    public async Task CheckIn_OfAnEvaluationClosedAfterTheSlipWasRead_IsRefusedAsClosed_AndTheSlipStaysUnburnt()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 10);
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var token = (await IssueSlipsAsync(evaluation, 1)).Single();
        using var probe = Phone();
        var blinded = Blinded(await KeysAsync(probe, token), "close"u8);

        // Closing updates the evaluation's row, which the batch locks before it burns.
        var (closing, checkIn) = await StaffActsBetweenReadAndBurnAsync("select 1 from evaluation where id = @Id for update", new { evaluation.Id },
            () => PostAsync($"{evaluation.Url}/close"), "set status = case when exists", Body(token, blinded),
            batchStatement: "from evaluation where id = any($1) order by id for share");

        Assert.That(closing.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(closing));
        Assert.That(checkIn.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), await checkIn.Content.ReadAsStringAsync());
        Assert.That((await JsonAsync(checkIn)).GetProperty("code").GetString(), Is.EqualTo("closed"));
        Assert.That((await StoredAsync(token)).BlindedHash, Is.Null);
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
