using System.Net;
using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>
/// The app killed outright (SIGKILL: no shutdown code runs, and the ballot box's queue dies with the process) in the
/// middle of a crowd's check-ins and of its ballots, then started again on the same database and address, as a service
/// manager would. The phones keep retrying throughout, as the page does.
/// </summary>
public sealed class SigkillTests
{
    private const string OrganizerName = "organizer-kill";

    private string _connectionString = null!;
    private ServiceProcess _service = null!;
    private HttpClient _http = null!;
    private SeededEvaluation _evaluation = null!;
    private readonly Queue<string> _slips = new();

    [OneTimeSetUp]
    public async Task StartTheServiceWithAnOpenEvaluation()
    {
        _connectionString = await TestDatabase.CreateDatabaseAsync();
        _service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = _connectionString,
            ["Bootstrap__AdminPassword"] = AppFactory.AdminPassword,
        });
        await _service.WaitUntilServingAsync();

        var unit = Guid.NewGuid();
        await using (var conn = new NpgsqlConnection(_connectionString))
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@unit, '甲单位');
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
                values (@account, @OrganizerName, @OrganizerName, 'organizer', @Hash, gen_random_uuid());
                insert into staff_unit (account_id, unit_id) values (@account, @unit);
                """, new { unit, account = Guid.NewGuid(), OrganizerName, Hash = Passwords.Hash(StaffWorld.Password) });
        _evaluation = await StaffWorld.SeedDraftAsync(_connectionString, unit, expectedCount: 450);

        using var organizer = new StaffClient(_service.Client());
        await organizer.LoginAsync(OrganizerName, StaffWorld.Password);
        using (var open = await organizer.PostFormAsync($"{_evaluation.Url}/open", []))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        foreach (var token in await OrganizerSession.IssueSlipsAsync(organizer, _evaluation, 450)) _slips.Enqueue(token);

        // A bound on every request, so a hang fails the test instead of stalling it.
        _http = new HttpClient { BaseAddress = new Uri(_service.Origin), Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public async Task StopTheService()
    {
        _http?.Dispose();
        if (_service is not null) await _service.DisposeAsync();
    }

    [Test, CancelAfter(150_000)]
    public async Task SigkillDuringCheckIns_AnsweredCheckInsAreKept_AndRetriesWithTheSameBlindedMessageGetTheSameSignature()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        var crowd = new Crowd(_http);
        var phones = Ballots.Phones(_evaluation, Take(150));
        // The slips are read beforehand: the kill is meant for the check-ins, which burn slips and sign.
        await Parallel.ForEachAsync(phones, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (phone, token) => await phone.OpenAsync(crowd, token));

        var checkIns = Task.WhenAll(phones.Select(async (phone, i) =>
        {
            await Task.Delay(Crowd.Spread(i, phones.Count, TimeSpan.FromSeconds(2)), ct);
            await phone.CheckInAsync(crowd, ct);
        }));
        await Crowd.WhenAsync(() => phones.Count(p => p.BlindSignature is not null) >= 30 || checkIns.IsCompleted, ct);
        await _service.KillAsync();

        var answered = phones.Where(p => p.BlindSignature is not null).ToList();
        Assert.That(answered, Has.Count.LessThan(phones.Count), "the kill came before the last check-in was answered");
        var burnt = await BurntSlipsAsync();
        Assert.Multiple(() =>
        {
            foreach (var phone in answered)
                Assert.That(burnt.GetValueOrDefault(Convert.ToHexString(SlipToken.Hash(phone.Token))), Is.EqualTo(SHA256.HashData(phone.BlindedMessage)),
                    "an answered check-in burnt its slip with its blinded message, on disk");
        });
        var burntUnanswered = phones.Count(p => p.BlindSignature is null && burnt.ContainsKey(Convert.ToHexString(SlipToken.Hash(p.Token))));

        _service = _service.StartAgain();
        await _service.WaitUntilServingAsync();
        await checkIns.WaitAsync(Crowd.Patience, ct);

        // Each phone's credential unblinded to a valid signature (Finalize checks it), however many tries it took.
        Assert.That(phones.Where(p => p.Signature is null), Is.Empty);
        Assert.That((await BurntSlipsAsync()).Keys.Intersect(phones.Select(p => Convert.ToHexString(SlipToken.Hash(p.Token)))).Count(),
            Is.EqualTo(phones.Count), "each slip burnt once");
        foreach (var phone in answered.Take(20))
        {
            var (status, body) = await phone.SendCheckInAsync(crowd, ct);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(Phone.BlindSignatureIn(body), Is.EqualTo(phone.BlindSignature), "a retried check-in gets the signature it got before the kill");
        }
        crowd.AssertOnlyResultsOrRetryAdvice();
        TestContext.Out.WriteLine($"check-ins answered before the kill: {answered.Count} of {phones.Count}; " +
                                  $"burnt but unanswered at the kill, then retried: {burntUnanswered}; " +
                                  $"requests that got no answer: {crowd.Exchanges.Count(e => e.Status is null)}");
    }

    [Test, CancelAfter(150_000)]
    public async Task SigkillDuringABallotBurst_EveryReceiptGivenIsStored_RetriesGetTheSameReceipt_AndEachPhoneCountsOnce()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        var crowd = new Crowd(_http);
        var phones = Ballots.Phones(_evaluation, Take(300));
        await Ballots.CheckInAllAsync(crowd, phones, ct);

        var submits = Task.WhenAll(phones.Select(async (phone, i) =>
        {
            await Task.Delay(Crowd.Spread(i, phones.Count, TimeSpan.FromSeconds(2.5)), ct);
            await phone.SubmitAsync(crowd, ct);
        }));
        await Crowd.WhenAsync(() => phones.Count(p => p.ReceiptShown is not null) >= 60 || submits.IsCompleted, ct);
        await _service.KillAsync();

        var answeredAtKill = phones.Where(p => p.ReceiptShown is not null).ToDictionary(p => p, p => p.ReceiptShown!);
        Assert.That(answeredAtKill, Has.Count.LessThan(phones.Count), "the kill came before the last ballot was answered");
        var atKill = await Ballots.ReadAsync(_connectionString, _evaluation.Id);
        Ballots.AssertAcknowledgedAreStored(atKill, answeredAtKill.Keys, "right after the kill");
        var storedUnanswered = phones.Count(p => !answeredAtKill.ContainsKey(p) && atKill.AnswersByMessage.ContainsKey(Convert.ToBase64String(p.Message)));

        _service = _service.StartAgain();
        await _service.WaitUntilServingAsync();
        await submits.WaitAsync(Crowd.Patience, ct);

        // A phone that never heard back sends again; the ballots answered before the kill are sent again here too:
        // an already stored ballot is answered with its receipt and adds nothing (BallotOutcome.AlreadyStored).
        await Parallel.ForEachAsync(answeredAtKill.Keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (phone, token) =>
            {
                var (status, body) = await phone.SubmitAsync(crowd, token);
                Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
            });
        Assert.Multiple(() =>
        {
            foreach (var (phone, receipt) in answeredAtKill)
                Assert.That(phone.ReceiptShown, Is.EqualTo(receipt), "a retry of a stored ballot answers the same receipt");
        });
        await Ballots.AssertEachPhoneCountedOnceAsync(_connectionString, _evaluation.Id, phones);
        crowd.AssertOnlyResultsOrRetryAdvice();
        TestContext.Out.WriteLine($"ballots answered before the kill: {answeredAtKill.Count} of {phones.Count}; " +
                                  $"committed but unanswered at the kill, then retried: {storedUnanswered}; " +
                                  $"requests that got no answer: {crowd.Exchanges.Count(e => e.Status is null)}");
    }

    private IEnumerable<string> Take(int count)
    {
        for (var i = 0; i < count; i++) yield return _slips.Dequeue();
    }

    private async Task<Dictionary<string, byte[]>> BurntSlipsAsync()
    {
        await using var conn = new NpgsqlConnection(_connectionString);
        return (await conn.QueryAsync<(byte[] TokenHash, byte[] BlindedHash)>(
                "select token_hash, blinded_hash from slip where evaluation_id = @Id and blinded_hash is not null", new { _evaluation.Id }))
            .ToDictionary(s => Convert.ToHexString(s.TokenHash), s => s.BlindedHash);
    }
}
