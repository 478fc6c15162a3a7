using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Voting;

public sealed class SubmitTests : OrganizerSession
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
        foreach (var t in await IssueSlipsAsync(_evaluation, 120)) _tokens.Enqueue(t);
        foreach (var t in await IssueSlipsAsync(_evaluation, 5, _otherCategory)) _otherTokens.Enqueue(t);
    }

    private VotingClient Phone() => new(World.App.CreateClient());

    // While voting is open a ballot is a row of the sealed box; the ballot table fills at 开箱.
    private Task<long> BallotCountAsync() =>
        World.ScalarAsync<long>("select count(*) from sealed_ballot where evaluation_id = @Id", new { _evaluation.Id });

    private Task<byte[]?> CiphertextAsync(VotingClient.Credential credential) =>
        World.ScalarAsync<byte[]?>("select ciphertext from sealed_ballot where door_message = @DoorMessage", new { credential.DoorMessage });

    private Task<long> ReceiptCountAsync() =>
        World.ScalarAsync<long>("select count(*) from ballot_receipt where evaluation_id = @Id", new { _evaluation.Id });

    private Task<bool> IsStoredAsync(string receipt) =>
        World.ScalarAsync<bool>("select exists (select 1 from ballot_receipt where receipt = @receipt)", new { receipt = receipt.Replace("-", "") });

    [Test]
    public async Task Vote_ThroughTheHttpApi_StoresOneSealedBallotAndReturnsTheReceiptOfItsSecret()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var before = await BallotCountAsync();

        using var response = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());
        var body = await VotingClient.JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("receipt").GetString(), Is.EqualTo(Receipt.Grouped(Receipt.FromSecret(credential.Secret!))));
        Assert.That(body.TryGetProperty("blank", out _), Is.False, "the box does not read the answers");
        Assert.That(await BallotCountAsync(), Is.EqualTo(before + 1));
        Assert.That(await IsStoredAsync(credential.ExpectedReceipt), Is.True);
        await using var conn = await World.OpenAsync();
        var stored = await conn.QuerySingleAsync<(Guid KeyGroupId, byte[] Ciphertext)>(
            "select key_group_id, ciphertext from sealed_ballot where door_message = @DoorMessage", new { credential.DoorMessage });
        Assert.That(stored.KeyGroupId, Is.EqualTo(credential.KeyGroupId));
        Assert.That(stored.Ciphertext, Is.EqualTo(VotingClient.Sealed(credential, _evaluation.CompleteAnswers())));
        Assert.That(Encoding.UTF8.GetString(stored.Ciphertext), Does.Not.Contain("较好").And.Not.Contain("希望多听基层意见。"));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from ballot where evaluation_id = @Id", new { _evaluation.Id }), Is.Zero,
            "nothing is opened before 开箱");
        var doorKey = BlindRsaPublicKey.ImportSpki(await conn.QuerySingleAsync<byte[]>(
            "select door_public_key from key_group where id = @KeyGroupId", new { credential.KeyGroupId }));
        Assert.That(BlindRsa.Verify(doorKey, credential.DoorMessage, credential.DoorSignature), Is.True);
    }

    [Test]
    public async Task Submit_SameContentAgain_ReturnsTheSameReceipt_DifferentContentIsRefused()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());

        using var first = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());
        using var again = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());
        var countAfterRetry = await BallotCountAsync();
        using var changed = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers("差"));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await VotingClient.JsonAsync(first)).GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));
        Assert.That((await VotingClient.JsonAsync(again)).GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));
        Assert.That(await World.ScalarAsync<long>("select count(*) from ballot_receipt where receipt = @R", new { R = credential.ExpectedReceipt.Replace("-", "") }),
            Is.EqualTo(1));
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await BallotCountAsync(), Is.EqualTo(countAfterRetry));
        Assert.That(await CiphertextAsync(credential), Is.EqualTo(VotingClient.Sealed(credential, _evaluation.CompleteAnswers())));
    }

    [Test]
    public async Task Submit_WithAForgedSignature_Is400AndStoresNothing()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var forged = credential with { DoorSignature = credential.DoorSignature.Select((b, i) => i == 10 ? (byte)(b ^ 1) : b).ToArray() };
        var otherSecret = Receipt.NewSecret();
        var unsigned = credential with { DoorMessage = BlindRsa.Prepare(Receipt.MessageFor(otherSecret)), Secret = otherSecret };
        var before = await BallotCountAsync();

        using var forgedResponse = await phone.SubmitAsync(forged, _evaluation.CompleteAnswers());
        using var unsignedResponse = await phone.SubmitAsync(unsigned, _evaluation.CompleteAnswers());

        Assert.That(forgedResponse.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unsignedResponse.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await VotingClient.JsonAsync(forgedResponse)).GetProperty("error").GetString(), Does.Contain("凭证无效"));
        Assert.That((await VotingClient.JsonAsync(unsignedResponse)).GetProperty("error").GetString(), Does.Contain("凭证无效"));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Submit_SignedWithAnotherKeyGroupsKey_IsRefused()
    {
        using var phone = Phone();
        var retiree = await phone.CheckInAsync(_otherTokens.Dequeue());
        var staff = await phone.CheckInAsync(_tokens.Dequeue());
        Assert.That(retiree.KeyGroupId, Is.Not.EqualTo(staff.KeyGroupId), "20 expected retirees (≥ 2k) form a key group of their own");
        var before = await BallotCountAsync();

        // A retiree's credential presented as a staff member's: the door signature does not verify under that group's key.
        using var response = await phone.SubmitAsync(retiree with { KeyGroupId = staff.KeyGroupId }, _evaluation.CompleteAnswers());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before));
    }

    /// <summary>
    /// The box cannot read what it takes: answers the form does not allow are sealed and stored like any other, and
    /// judged at 开箱 (DESIGN.md §4: the item breaking its rules is void alone). The page refuses them before sealing.
    /// </summary>
    [Test]
    public async Task Submit_WithAnswersTheFormDoesNotAllow_IsTakenIntoTheBoxSealed()
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

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await VotingClient.JsonAsync(response)).GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before + 1));
        // At 开箱 the team item is void alone and the rest stands: SealedBallotBoxProtocolTests.Tally_AnItemBreakingItsRules_IsVoidAlone_AndTheRestOfItsBallotCounts.
    }

    [Test]
    public async Task Submit_BlankBallot_IsTakenIntoTheBoxSealed()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var before = await BallotCountAsync();

        using var response = await phone.SubmitAsync(credential, new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before + 1));
        // At 开箱 it is counted as 弃权: SealedBallotBoxProtocolTests.Tally_BlankBallotIsAbstention_AndAMisfitBallotIsInvalid.
    }

    [Test]
    public async Task Submit_ManyPhonesAtOnce_EveryAcknowledgedBallotIsStoredExactlyOnce()
    {
        var phones = Enumerable.Range(0, 60).Select(_ => Phone()).ToList();
        var credentials = await Task.WhenAll(phones.Select(p => p.CheckInAsync(_tokens.Dequeue())));
        var before = await BallotCountAsync();

        var responses = await Task.WhenAll(phones.Select((p, i) => p.SubmitAsync(credentials[i], _evaluation.CompleteAnswers(i % 2 == 0 ? "好" : "一般"))));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await BallotCountAsync(), Is.EqualTo(before + 60));
        for (var i = 0; i < responses.Length; i++)
            Assert.That((await VotingClient.JsonAsync(responses[i])).GetProperty("receipt").GetString(), Is.EqualTo(credentials[i].ExpectedReceipt));
        foreach (var credential in credentials) Assert.That(await IsStoredAsync(credential.ExpectedReceipt), Is.True);
        await using var conn = await World.OpenAsync();
        foreach (var credential in credentials)
            Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from sealed_ballot where door_message = @DoorMessage", new { credential.DoorMessage }),
                Is.EqualTo(1));
        foreach (var r in responses) r.Dispose();
        foreach (var p in phones) p.Dispose();
    }

    [Test]
    public async Task Progress_ShowsTheSupervisionGroupAggregateCountsThatRefresh()
    {
        using (var phone = Phone())
        {
            var credential = await phone.CheckInAsync(_tokens.Dequeue());
            (await phone.SubmitAsync(credential, _evaluation.CompleteAnswers())).Dispose();
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

        Assert.That(columns.Select(c => c.Name), Is.EquivalentTo(new[]
        {
            "id", "evaluation_id", "key_group_id", "message", "signature", "answers", "phone_key", "answer_signature",
        }));
        Assert.That(columns.Where(c => c.Type.Contains("time") || c.Type.Contains("serial") || c.Default is not null), Is.Empty);
        Assert.That(columns.Single(c => c.Name == "id").Type, Is.EqualTo("uuid"));
    }

    [Test]
    public async Task SealedBallotTable_HoldsTheDoorMessageAndTheCiphertext_AndNothingThatOrdersOrDatesThem()
    {
        await using var conn = await World.OpenAsync();
        var columns = (await conn.QueryAsync<(string Name, string Type, string? Default)>(
            "select column_name, data_type, column_default from information_schema.columns where table_name = 'sealed_ballot'")).ToList();

        Assert.That(columns.Select(c => c.Name), Is.EquivalentTo(new[] { "door_message", "evaluation_id", "key_group_id", "ciphertext" }));
        Assert.That(columns.Where(c => c.Type.Contains("time") || c.Type.Contains("serial") || c.Default is not null), Is.Empty);
    }

    [Test]
    public async Task ReceiptTable_HoldsTheReceiptAndItsEvaluation_AndNothingThatNamesOrDatesABallot()
    {
        await using var conn = await World.OpenAsync();
        var columns = (await conn.QueryAsync<(string Name, string Type, string? Default)>(
            "select column_name, data_type, column_default from information_schema.columns where table_name = 'ballot_receipt'")).ToList();

        Assert.That(columns.Select(c => c.Name), Is.EquivalentTo(new[] { "receipt", "evaluation_id" }));
        Assert.That(columns.Where(c => c.Default is not null), Is.Empty);
    }

    [Test]
    public async Task Submit_StoresTheReceiptApartFromTheBallot_NoBallotColumnHoldsIt()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var receiptsBefore = await ReceiptCountAsync();

        using var response = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var receipt = credential.ExpectedReceipt.Replace("-", "");
        Assert.That(await ReceiptCountAsync(), Is.EqualTo(receiptsBefore + 1));
        Assert.That(await World.ScalarAsync<Guid>("select evaluation_id from ballot_receipt where receipt = @receipt", new { receipt }), Is.EqualTo(_evaluation.Id));
        await using var conn = await World.OpenAsync();
        foreach (var column in new[] { "door_message::text", "encode(door_message, 'base64')", "ciphertext::text", "encode(ciphertext, 'base64')" })
            Assert.That(await conn.ExecuteScalarAsync<long>(
                    $"select count(*) from sealed_ballot where door_message = @DoorMessage and ({column} like '%' || @receipt || '%' or {column} like '%' || @Grouped || '%')",
                    new { credential.DoorMessage, receipt, Grouped = credential.ExpectedReceipt }),
                Is.Zero, $"sealed_ballot {column} holds the receipt");
        Assert.That(await conn.ExecuteScalarAsync<long>(
            "select count(*) from information_schema.columns where table_schema = 'public' and table_name <> 'ballot_receipt' and column_name like '%receipt%'"), Is.Zero);
    }

    [Test]
    public async Task Receipt_IsNotComputableFromTheBallotsMessageSignaturePhoneKeyOrAnswers()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var answers = _evaluation.CompleteAnswers();
        using var response = await phone.SubmitAsync(credential, answers);
        var receipt = (await VotingClient.JsonAsync(response)).GetProperty("receipt").GetString()!.Replace("-", "");
        var text = VotingClient.AnswersText(answers);

        // What 开箱 and the audit bundle will publish of this ballot (M, σM, pk, A, τ), and what the box holds while open
        // (D, C), put through the receipt's derivation every way it fits. A weak check (the secret is not among them, so no
        // derivation could hit), kept as a guard against the old scheme.
        var published = new[]
        {
            credential.BallotMessage, credential.BallotSignature, credential.PhonePublicKey, Encoding.UTF8.GetBytes(text),
            credential.BallotMessage[BlindRsa.PrefixLength..], [.. credential.BallotMessage, .. credential.BallotSignature],
            credential.DoorMessage, credential.DoorMessage[BlindRsa.PrefixLength..], (await CiphertextAsync(credential))!,
        };
        foreach (var bytes in published)
        {
            Assert.That(ReceiptDerivedFrom(bytes), Is.Not.EqualTo(receipt));
            Assert.That(ReceiptDerivedFrom(SHA256.HashData(bytes)), Is.Not.EqualTo(receipt));
        }
        Assert.That(Receipt.FromSecret(credential.BallotMessage[BlindRsa.PrefixLength..]), Is.Not.EqualTo(receipt));
        Assert.That(Receipt.FromSecret(credential.DoorMessage[BlindRsa.PrefixLength..]), Is.Not.EqualTo(receipt));
    }

    [Test]
    public async Task Submit_WithoutASecret_Is400AndStoresNothing()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var (ballots, receipts) = (await BallotCountAsync(), await ReceiptCountAsync());

        using var missing = await phone.SubmitAsync(credential with { Secret = null }, _evaluation.CompleteAnswers());
        using var notBase64 = await phone.Http.PostAsJsonAsync("/api/v/ballot", new
        {
            evaluationId = credential.EvaluationId, keyGroupId = credential.KeyGroupId, doorMessage = Convert.ToBase64String(credential.DoorMessage),
            doorSignature = Convert.ToBase64String(credential.DoorSignature), secret = "not base64!",
            @sealed = Convert.ToBase64String(VotingClient.Sealed(credential, _evaluation.CompleteAnswers())),
        });
        using var tooShort = await phone.SubmitAsync(credential with { Secret = credential.Secret![..31] }, _evaluation.CompleteAnswers());

        foreach (var response in new[] { missing, notBase64, tooShort })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await VotingClient.JsonAsync(response)).GetProperty("error").GetString(), Does.Contain("请刷新页面后重试"));
        }
        Assert.That(await BallotCountAsync(), Is.EqualTo(ballots));
        Assert.That(await ReceiptCountAsync(), Is.EqualTo(receipts));

        // The credential is not spent: the same ballot with its secret goes in.
        using var proper = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());
        Assert.That(proper.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Submit_WithASecretThatDidNotMakeTheMessage_Is400AndStoresNothing()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var other = await phone.CheckInAsync(_tokens.Dequeue());
        var (ballots, receipts) = (await BallotCountAsync(), await ReceiptCountAsync());

        // Another voter's secret, to take their receipt; a fresh one, to choose one's own.
        using var borrowed = await phone.SubmitAsync(credential with { Secret = other.Secret }, _evaluation.CompleteAnswers());
        using var invented = await phone.SubmitAsync(credential with { Secret = Receipt.NewSecret() }, _evaluation.CompleteAnswers());

        foreach (var response in new[] { borrowed, invented })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await VotingClient.JsonAsync(response)).GetProperty("error").GetString(), Does.Contain("回执数据不一致"));
        }
        Assert.That(await BallotCountAsync(), Is.EqualTo(ballots));
        Assert.That(await ReceiptCountAsync(), Is.EqualTo(receipts));
        Assert.That(await IsStoredAsync(other.ExpectedReceipt), Is.False);
    }

    [Test]
    public async Task Submit_SameBallotManyTimesAtOnce_StoresOneSealedBallotAndOneReceipt_AndAnswersEachWithIt()
    {
        using var phone = Phone();
        var credential = await phone.CheckInAsync(_tokens.Dequeue());
        var (ballots, receipts) = (await BallotCountAsync(), await ReceiptCountAsync());

        // Likely in one batch: the copies of one door message in a batch share one receipt row. The same bytes each time,
        // as a retry on the page sends them.
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => phone.SubmitAsync(credential, _evaluation.CompleteAnswers())));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        foreach (var response in responses)
            Assert.That((await VotingClient.JsonAsync(response)).GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));
        Assert.That(await BallotCountAsync(), Is.EqualTo(ballots + 1));
        Assert.That(await ReceiptCountAsync(), Is.EqualTo(receipts + 1));
        foreach (var response in responses) response.Dispose();
    }

    /// <summary>The receipt's derivation (base31 of SHA-256("receipt:" ‖ bytes)) over any bytes, as an old scheme applied it to the message.</summary>
    private static string ReceiptDerivedFrom(byte[] bytes)
    {
        var value = BitConverter.ToUInt64(SHA256.HashData([.. "receipt:"u8, .. bytes]), 0);
        var text = new StringBuilder();
        for (var i = 0; i < Receipt.Length; i++, value /= 31) text.Append(SlipToken.Alphabet[(int)(value % 31)]);
        return text.ToString();
    }
}
