using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Guessing slip and receipt codes. Failed lookups are budgeted per client address (FailedLookups): a guesser meets 429
/// with Retry-After and a Chinese sentence, while a venue of 2,000 phones behind one NAT address, typos included, all get
/// through, and a valid code is answered even from an address that is over budget.
/// </summary>
public sealed partial class GuessingTests : HostileSession
{
    private const int Venue = 2000;
    private SeededEvaluation _evaluation = null!;
    private readonly Queue<string> _slips = new();
    private string _receipt = null!;

    [OneTimeSetUp]
    public async Task OpenWithAVenueOfSlips()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: Venue + 100);
        using (var open = await PostAsync($"{_evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        // Written straight in (only hashes are stored): printing 2,100 slips as a page would test the printing, not this.
        var tokens = Enumerable.Range(0, Venue + 100).Select(_ => SlipToken.Generate()).ToList();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                "insert into slip (token_hash, evaluation_id, category_id) select h, @Id, @CategoryId from unnest(@Hashes) as h",
                new { _evaluation.Id, _evaluation.CategoryId, Hashes = tokens.Select(SlipToken.Hash).ToArray() });
        foreach (var token in tokens) _slips.Enqueue(token);

        using var phone = new VotingClient(Phone());
        var credential = await phone.CheckInAsync(_slips.Dequeue());
        using var ballot = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers());
        Assert.That(ballot.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        _receipt = credential.ExpectedReceipt;
    }

    private static string UnknownCode() => SlipToken.Generate();

    private static Task<HttpResponseMessage> DescribeAsync(HttpClient phone, string token) => phone.PostAsJsonAsync("/api/v/slip", new { token });

    [Test]
    public async Task Venue_TwoThousandPhonesBehindOneAddress_WithTypos_AllGetThrough()
    {
        var nat = NewAddress();
        var valid = Enumerable.Range(0, Venue).Select(_ => _slips.Dequeue()).ToList();
        // One in twenty phones types its code wrong first, and a few of those twice: 150 misses in all.
        var typos = Enumerable.Range(0, 150).Select(_ => UnknownCode()).ToList();
        var requests = valid.Select(t => (Token: t, Valid: true)).Concat(typos.Select(t => (Token: t, Valid: false)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        using var phones = Phone(nat);
        var watch = Stopwatch.StartNew();

        var answers = new List<(bool Valid, HttpStatusCode Status)>();
        foreach (var chunk in requests.Chunk(8))
            answers.AddRange(await Task.WhenAll(chunk.Select(async r =>
            {
                using var response = await DescribeAsync(phones, r.Token);
                return (r.Valid, response.StatusCode);
            })));

        TestContext.Progress.WriteLine($"{requests.Count} slip lookups from one address in {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.That(answers.Count(a => a.Valid), Is.EqualTo(Venue));
        Assert.That(answers.Where(a => a.Valid).Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(answers.Where(a => !a.Valid).Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.NotFound), "typos are told the code is unknown, not throttled");
    }

    [Test]
    public async Task Guesser_PastTheBudget_Gets429WithRetryAfter_AndNothingChanges()
    {
        using var guesser = Phone();
        var before = await FingerprintAsync();

        for (var i = 0; i < FailedLookups.Burst; i++)
        {
            using var miss = await DescribeAsync(guesser, UnknownCode());
            Assert.That(miss.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"guess {i + 1} is within the budget");
        }
        using var slip = await DescribeAsync(guesser, UnknownCode());
        using var checkIn = await guesser.PostAsJsonAsync("/api/v/checkin", new { token = UnknownCode(), blindedDoor = "AAAA", blindedBallot = "AAAA" });

        await AssertUnchangedAsync(before);
        foreach (var response in new[] { slip, checkIn })
        {
            var error = await AssertApiRefusalAsync(response, HttpStatusCode.TooManyRequests, "输错票签代码的次数太多");
            Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(error, Does.Contain($"{response.Headers.RetryAfter!.Delta!.Value.TotalSeconds:0} 秒后再试"));
        }
    }

    [Test]
    public async Task Guesser_BehindTheVenuesAddress_DoesNotLockTheVenueOut()
    {
        var nat = NewAddress();
        using var guesser = Phone(nat);
        for (var i = 0; i <= FailedLookups.Burst; i++) (await DescribeAsync(guesser, UnknownCode())).Dispose();
        using (var throttled = await DescribeAsync(guesser, UnknownCode()))
            Assert.That(throttled.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));

        // An attendee on the same Wi-Fi: their slip opens and checks in; a valid code never depends on the budget.
        using var attendee = new VotingClient(Phone(nat));
        var credential = await attendee.CheckInAsync(_slips.Dequeue());
        using var ballot = await attendee.SubmitAsync(credential, _evaluation.CompleteAnswers());
        Assert.That(ballot.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // And somebody elsewhere is not affected at all.
        using var elsewhere = await DescribeAsync(Phone(), UnknownCode());
        Assert.That(elsewhere.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ReceiptGuesser_PastTheBudget_Gets429_ButACountedReceiptIsStillAnswered()
    {
        var address = NewAddress();
        using var visitor = World.App.CreateStaffClient();
        TestClientAddress.From(visitor.Http, address);
        var token = await ReceiptTokenAsync(visitor);
        var before = await FingerprintAsync();

        // Half unknown codes (未找到), half codes that cannot be receipts (400): both spend the budget.
        for (var i = 0; i < FailedLookups.Burst; i++)
        {
            var (status, _) = await CheckAsync(visitor, token, i % 2 == 0 ? UnknownCode()[..Receipt.Length] : "ABCDE-0000");
            Assert.That(status, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.BadRequest), $"check {i + 1} is within the budget");
        }
        using var throttled = await visitor.Http.PostAsync("/receipt", Form(token, UnknownCode()[..Receipt.Length]));
        var (counted, countedBody) = await CheckAsync(visitor, token, _receipt);

        await AssertUnchangedAsync(before);
        var body = await AssertPageRefusalAsync(throttled, HttpStatusCode.TooManyRequests, "秒后再查询");
        Assert.That(throttled.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(ResultTitle().IsMatch(body), Is.False, "no answer while throttled");
        Assert.That(counted, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ResultTitle().Match(countedBody).Groups[1].Value, Is.EqualTo("已计入"));
    }

    private static async Task<string> ReceiptTokenAsync(StaffClient visitor)
    {
        using var page = await visitor.GetAsync("/receipt");
        return WebUtility.HtmlDecode(TokenInput().Match(await StaffClient.BodyAsync(page)).Groups[1].Value);
    }

    private static async Task<(HttpStatusCode, string)> CheckAsync(StaffClient visitor, string token, string code)
    {
        using var response = await visitor.Http.PostAsync("/receipt", Form(token, code));
        return (response.StatusCode, await StaffClient.BodyAsync(response));
    }

    private static FormUrlEncodedContent Form(string token, string code) => new([new("Code", code), new(StaffClient.TokenField, token)]);

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*\bvalue=""([^""]*)""")]
    private static partial Regex TokenInput();

    [GeneratedRegex(@"<p class=""result-title"">([^<]*)</p>")]
    private static partial Regex ResultTitle();
}
