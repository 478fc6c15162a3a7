using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Voting;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// The sealed ballot box's protocol against a cheating phone (docs/sealed-ballot-box.md), over HTTP against the real app and
/// PostgreSQL: one meeting with key cards (2 of 3), where besides honest phones some replay a door credential, move a
/// ciphertext to another door, tamper with one, forge a ballot credential or an answer signature, seal one ballot
/// credential twice, forge door credentials, or seal answers the form refuses. The door's answers are recorded as the
/// meeting goes; after 结束投票 and 开箱 the tests read the ballot and box_rejection tables, the results page and PDF, the
/// 开箱 log entry and the audit bundle.
/// </summary>
public sealed partial class SealedBallotBoxProtocolTests : OrganizerSession
{
    private const string Wind1 = "文山会海、以会议落实会议";
    private static readonly string[] Holders = ["王监票", "李监票", "赵监票"];

    // What the meeting puts in the box, and what 开箱 must make of it.
    private const int Opened = 12;      // 5 honest, the replayed one, one of the two sealing one credential, 3 breaking items, blank, misfit
    private static readonly Dictionary<string, int> ExpectedRejections = new()
    {
        [BoxOpener.Reasons.Undecryptable] = 2, // the moved ciphertext, the tampered one
        [BoxOpener.Reasons.BadCredential] = 2, // σM flipped; M not binding the phone key inside
        [BoxOpener.Reasons.BadSignature] = 2,  // τ flipped; answers changed after signing
        [BoxOpener.Reasons.Duplicate] = 1,     // one ballot credential through two doors
    };
    private const int Sealed = Opened + 7;

    private SeededEvaluation _evaluation = null!;
    private Guid _retirees;
    private BoxKeys.PrintedCards _cards = null!;
    private readonly Queue<string> _tokens = new();

    // The door's answers, recorded as the meeting goes.
    private readonly Dictionary<string, (HttpStatusCode Status, string Body)> _door = [];
    private VotingClient.Credential _replayed = null!;
    private byte[] _replayedFirst = null!;
    private (long Sealed, long Receipts) _afterReplay, _afterChangedReplay, _beforeForged, _afterForged;
    private VotingClient.Credential _movedOwner = null!, _movedDoor = null!;
    private byte[]? _ciphertextInMovedDoor;
    private readonly List<VotingClient.Credential> _everyCredential = [];

    private string _resultsPage = null!;
    private string _pdfText = null!;
    private byte[] _bundleFile = null!;

    [OneTimeSetUp]
    public async Task HoldTheMeetingAndOpenTheBox()
    {
        _evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 60);
        _retirees = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
        {
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@_retirees, @Id, '离退休老党员', 20, 2)",
                new { _retirees, _evaluation.Id });
            await using var tx = await conn.BeginTransactionAsync();
            _cards = await BoxKeys.MakeCardsAsync(conn, tx, _evaluation.Id, Holders, 2);
            await tx.CommitAsync();
        }
        using (var open = await PostAsync($"{_evaluation.Url}/open",
                   [("custody", "cards"), .. _cards.Cards.Select(c => ("checkCodes", c.CheckCode))]))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        foreach (var t in await IssueSlipsAsync(_evaluation, 24)) _tokens.Enqueue(t);
        var retireeToken = (await IssueSlipsAsync(_evaluation, 1, _retirees)).Single();

        // Another evaluation of the unit, open in 服务器保管 mode: its door key is not this one's.
        var elsewhere = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        using (var open = await PostAsync($"{elsewhere.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var elsewhereToken = (await IssueSlipsAsync(elsewhere, 1)).Single();

        using var phone = new VotingClient(World.App.CreateClient());
        async Task<VotingClient.Credential> CheckIn(string? token = null)
        {
            var credential = await phone.CheckInAsync(token ?? _tokens.Dequeue());
            _everyCredential.Add(credential);
            return credential;
        }
        async Task Door(string name, Task<HttpResponseMessage> sending)
        {
            using var response = await sending;
            _door[name] = (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // Five honest phones.
        foreach (var (grade, i) in new[] { "好", "好", "好", "较好", "较好" }.Select((g, i) => (g, i)))
        {
            var c = await CheckIn();
            await Door($"honest-{i}", phone.SubmitAsync(c, _evaluation.CompleteAnswers(grade)));
        }

        // A replayed door credential: the same bytes again, then other bytes.
        _replayed = await CheckIn();
        _replayedFirst = VotingClient.Sealed(_replayed, _evaluation.CompleteAnswers("一般"));
        await Door("replay-first", phone.SubmitSealedAsync(_replayed, _replayedFirst));
        await Door("replay-same", phone.SubmitSealedAsync(_replayed, _replayedFirst));
        _afterReplay = await CountsAsync();
        await Door("replay-other", phone.SubmitAsync(_replayed, _evaluation.CompleteAnswers("差")));
        _afterChangedReplay = await CountsAsync();

        // A ciphertext moved to another credential's door, then that credential's own ballot.
        _movedOwner = await CheckIn();
        _movedDoor = await CheckIn();
        await Door("moved", phone.SubmitAsync(_movedOwner, _evaluation.CompleteAnswers("差"), door: _movedDoor));
        _ciphertextInMovedDoor = await World.ScalarAsync<byte[]?>("select ciphertext from sealed_ballot where door_message = @DoorMessage",
            new { _movedDoor.DoorMessage });
        await Door("moved-door-own", phone.SubmitAsync(_movedDoor, _evaluation.CompleteAnswers("好")));

        // A tampered ciphertext.
        var tampered = await CheckIn();
        await Door("tampered", phone.SubmitSealedAsync(tampered, VotingClient.Flip(VotingClient.Sealed(tampered, _evaluation.CompleteAnswers("差")))));

        // Forged contents, sealed properly: 开箱 must judge them.
        var complete = VotingClient.AnswersText(_evaluation.CompleteAnswers("差"));
        var forgedCredential = await CheckIn();
        await Door("forged-ballot-credential", phone.SubmitSealedAsync(forgedCredential,
            VotingClient.Seal(forgedCredential, complete, c => c with { Signature = VotingClient.Flip(c.Signature) })));
        var otherPhoneKey = await CheckIn();
        using (var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var strangerPoint = (otherPhoneKey with { PhoneKey = stranger }).PhonePublicKey;
            var strangerSignature = VotingClient.SignAnswers(stranger, otherPhoneKey.EvaluationId, otherPhoneKey.KeyGroupId, complete);
            await Door("phone-key-not-bound", phone.SubmitSealedAsync(otherPhoneKey,
                VotingClient.Seal(otherPhoneKey, complete, c => c with { PhoneKey = strangerPoint, AnswerSignature = strangerSignature })));
        }
        var badSignature = await CheckIn();
        await Door("bad-answer-signature", phone.SubmitSealedAsync(badSignature,
            VotingClient.Seal(badSignature, complete, c => c with { AnswerSignature = VotingClient.Flip(c.AnswerSignature) })));
        var changedAnswers = await CheckIn();
        await Door("answers-changed-after-signing", phone.SubmitSealedAsync(changedAnswers,
            VotingClient.Seal(changedAnswers, complete, c => c with { Answers = VotingClient.AnswersText(_evaluation.CompleteAnswers("好")) })));

        // One ballot credential sealed through two doors, with the same answers: whichever opens first counts.
        var first = await CheckIn();
        var second = await CheckIn();
        var twice = VotingClient.AnswersText(_evaluation.CompleteAnswers("好"));
        await Door("credential-first", phone.SubmitAnswersTextAsync(first, twice));
        await Door("credential-second", phone.SubmitSealedAsync(second, VotingClient.Seal(first with { DoorMessage = second.DoorMessage }, twice)));

        // Answers the form refuses; the box cannot read them.
        await Door("four-winds-over-selection", phone.SubmitAsync(await CheckIn(), Answers("较好", wind1: [Wind1, "未发现"])));
        await Door("unknown-options", phone.SubmitAsync(await CheckIn(), Answers("优秀", wind2: ["没有这个选项"])));
        await Door("opinion-too-long", phone.SubmitAsync(await CheckIn(), Answers("好", opinion: new string('很', 1001))));
        await Door("blank", phone.SubmitAsync(await CheckIn(), new { }));
        await Door("unknown-question", phone.SubmitAsync(await CheckIn(), new
        {
            targets = new Dictionary<string, object>
            {
                [_evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "好" }, ["no-such-question"] = new { choice = "好" } },
                [_evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } },
            },
        }));

        // Forged door credentials: none may leave anything behind.
        _beforeForged = await CountsAsync();
        var forger = await CheckIn();
        var retiree = await CheckIn(retireeToken);
        var outsider = await CheckIn(elsewhereToken);
        Assert.That(retiree.KeyGroupId, Is.Not.EqualTo(forger.KeyGroupId), "20 expected retirees (≥ 2k) form a key group of their own");
        var answers = _evaluation.CompleteAnswers();
        await Door("door-random", phone.SubmitAsync(forger with { DoorSignature = RandomNumberGenerator.GetBytes(forger.DoorSignature.Length) }, answers));
        await Door("door-bit-flipped", phone.SubmitAsync(VotingClient.WithForgedDoor(forger), answers));
        await Door("door-other-group", phone.SubmitAsync(retiree with { KeyGroupId = forger.KeyGroupId }, answers));
        await Door("door-other-evaluation", phone.SubmitAsync(outsider with { EvaluationId = forger.EvaluationId, KeyGroupId = forger.KeyGroupId }, answers));
        _afterForged = await CountsAsync();

        using (var close = await PostAsync($"{_evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        using (var unseal = await Organizer.PostFormAsync($"{_evaluation.Url}/unseal",
                   [new("cards", _cards.Cards[1].Code), new("cards", _cards.Cards[2].Code)]))
            Assert.That(unseal.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(unseal));

        using (var results = await Organizer.GetAsync($"{_evaluation.Url}/results"))
        {
            _resultsPage = await StaffClient.BodyAsync(results);
            Assert.That(results.StatusCode, Is.EqualTo(HttpStatusCode.OK), _resultsPage);
        }
        using (var pdf = await Organizer.GetAsync($"{_evaluation.Url}/results.pdf"))
        {
            Assert.That(pdf.StatusCode, Is.EqualTo(HttpStatusCode.OK), await pdf.Content.ReadAsStringAsync());
            _pdfText = await PdfTools.TextAsync(await pdf.Content.ReadAsByteArrayAsync());
        }
        using var auditor = await World.SignInAsync("auditor-a");
        using var bundle = await auditor.GetAsync($"{_evaluation.Url}/audit-bundle");
        Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(bundle));
        _bundleFile = await bundle.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The mobilisation form's answers with the given 班子 grade, and 四风 choices or opinion as given.</summary>
    private object Answers(string team, string[]? wind1 = null, string[]? wind2 = null, string opinion = "希望多听基层意见。") => new
    {
        once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = opinion } },
        targets = new Dictionary<string, object>
        {
            [_evaluation.TeamId.ToString()] = new Dictionary<string, object>
            {
                ["team-overall"] = new { choice = team },
                ["wind-1"] = new { choices = wind1 ?? [Wind1] },
                ["wind-2"] = new { choices = wind2 ?? ["未发现"] },
            },
            [_evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } },
        },
    };

    private async Task<(long Sealed, long Receipts)> CountsAsync()
    {
        await using var conn = await World.OpenAsync();
        return await conn.QuerySingleAsync<(long, long)>(
            """
            select (select count(*) from sealed_ballot where evaluation_id = @Id), (select count(*) from ballot_receipt where evaluation_id = @Id)
            """, new { _evaluation.Id });
    }

    private (HttpStatusCode Status, string Body) DoorAnswer(string name) => _door[name];

    /// <summary>The 班子's grade on a ballot's answers, or null (blank, or no such item).</summary>
    private string? TeamGrade(string answers)
    {
        using var json = System.Text.Json.JsonDocument.Parse(answers);
        return json.RootElement.TryGetProperty("targets", out var targets)
            && targets.TryGetProperty(_evaluation.TeamId.ToString(), out var team)
            && team.TryGetProperty("team-overall", out var item) && item.TryGetProperty("choice", out var choice)
                ? choice.GetString()
                : null;
    }

    private static string ReceiptIn(string body) => System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("receipt").GetString()!;

    private AuditBundle Bundle()
    {
        Assert.That(AuditBundle.TryRead(new MemoryStream(_bundleFile), out var bundle, out var error), Is.True, error);
        return bundle!;
    }

    /// <summary>A published figure of the bundle's tally (the server's count), by key.</summary>
    private string Figure(string key) => Bundle().Tally.Single(f => f.Key == key).Value;

    private string Item(Guid? target, string question, string what) => Figure($"item/{target?.ToString("N") ?? "-"}/{question}/{what}");

    private static string Squeezed(string text) => WhiteSpace().Replace(text, "");

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    // --- at the door ---

    [Test]
    public void ReplayedDoorCredential_SameSealedBytes_Is200WithTheSameReceipt_AndAddsNothing()
    {
        Assert.That(DoorAnswer("replay-first").Status, Is.EqualTo(HttpStatusCode.OK), DoorAnswer("replay-first").Body);
        Assert.That(DoorAnswer("replay-same").Status, Is.EqualTo(HttpStatusCode.OK), DoorAnswer("replay-same").Body);
        Assert.That(ReceiptIn(DoorAnswer("replay-first").Body), Is.EqualTo(_replayed.ExpectedReceipt));
        Assert.That(ReceiptIn(DoorAnswer("replay-same").Body), Is.EqualTo(_replayed.ExpectedReceipt));
        Assert.That(_afterChangedReplay, Is.EqualTo(_afterReplay), "nothing added by the other bytes either");
    }

    [Test]
    public async Task ReplayedDoorCredential_OtherSealedBytes_Is409_AndTheFirstBallotStands()
    {
        Assert.That(DoorAnswer("replay-other").Status, Is.EqualTo(HttpStatusCode.Conflict), DoorAnswer("replay-other").Body);
        Assert.That(DoorAnswer("replay-other").Body, Does.Contain("used"));
        // The first ballot (一般) was opened and counted; the other (差) never went in: no ballot of the meeting says 差.
        await using var conn = await World.OpenAsync();
        var grades = (await conn.QueryAsync<string>("select answers from ballot where evaluation_id = @Id", new { _evaluation.Id })).Select(TeamGrade).ToList();
        Assert.That(grades.Count(g => g == "一般"), Is.EqualTo(1));
        Assert.That(grades, Has.None.EqualTo("差"));
        Assert.That(Item(_evaluation.TeamId, "team-overall", "option/2"), Is.EqualTo("1"), "一般: the replayed phone's first ballot");
        Assert.That(Item(_evaluation.TeamId, "team-overall", "option/3"), Is.EqualTo("0"), "差: neither the refused bytes nor any rejected ballot");
    }

    [Test]
    public void CiphertextMovedToAnotherCredential_IsAcceptedAtTheDoor_AndTheOtherVotersOwnBallotThenGets409()
    {
        Assert.That(DoorAnswer("moved").Status, Is.EqualTo(HttpStatusCode.OK), "the server cannot tell: it never reads the ciphertext");
        Assert.That(ReceiptIn(DoorAnswer("moved").Body), Is.EqualTo(_movedDoor.ExpectedReceipt), "the door's receipt, not the sealer's");
        Assert.That(_ciphertextInMovedDoor, Is.EqualTo(VotingClient.Sealed(_movedOwner, _evaluation.CompleteAnswers("差"))));
        Assert.That(DoorAnswer("moved-door-own").Status, Is.EqualTo(HttpStatusCode.Conflict), "its door is used");
    }

    [Test]
    public void TamperedCiphertext_And_ForgedContents_AreAcceptedAtTheDoor()
    {
        foreach (var name in new[] { "tampered", "forged-ballot-credential", "phone-key-not-bound", "bad-answer-signature", "answers-changed-after-signing",
                     "credential-first", "credential-second" })
            Assert.That(DoorAnswer(name).Status, Is.EqualTo(HttpStatusCode.OK), $"{name}: {DoorAnswer(name).Body}");
    }

    [TestCase("door-random")]
    [TestCase("door-bit-flipped")]
    [TestCase("door-other-group")]
    [TestCase("door-other-evaluation")]
    public void ForgedDoorCredential_Is400(string name)
    {
        Assert.That(DoorAnswer(name).Status, Is.EqualTo(HttpStatusCode.BadRequest), DoorAnswer(name).Body);
        Assert.That(DoorAnswer(name).Body, Does.Contain("投票凭证无效"));
    }

    [Test]
    public void ForgedDoorCredentials_StoreNothing()
    {
        Assert.That(_afterForged, Is.EqualTo(_beforeForged), "no sealed ballot and no receipt");
    }

    [Test]
    public void AnswersTheFormRefuses_AreAcceptedAtTheDoor()
    {
        foreach (var name in new[] { "four-winds-over-selection", "unknown-options", "opinion-too-long", "blank", "unknown-question" })
            Assert.That(DoorAnswer(name).Status, Is.EqualTo(HttpStatusCode.OK), $"{name}: {DoorAnswer(name).Body}");
    }

    // --- at 开箱 ---

    [Test]
    public async Task Opening_WritesTheOpenedBallots_CountsEachRejectionByReason_AndEmptiesTheBox()
    {
        await using var conn = await World.OpenAsync();
        Assert.That(await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @Id", new { _evaluation.Id }), Is.EqualTo("closed"));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from ballot where evaluation_id = @Id", new { _evaluation.Id }), Is.EqualTo(Opened));
        var rejections = (await conn.QueryAsync<(string Reason, int Count)>("select reason, count from box_rejection where evaluation_id = @Id", new { _evaluation.Id }))
            .ToDictionary(r => r.Reason, r => r.Count);
        Assert.That(rejections, Is.EquivalentTo(ExpectedRejections));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from sealed_ballot where evaluation_id = @Id", new { _evaluation.Id }), Is.Zero);
    }

    [Test]
    public async Task Opening_ABallotCredentialSealedThroughTwoDoors_CountsOnce_TheOtherIsADuplicate()
    {
        await using var conn = await World.OpenAsync();
        var messages = (await conn.QueryAsync<byte[]>("select message from ballot where evaluation_id = @Id", new { _evaluation.Id })).ToList();
        Assert.That(messages.Select(Convert.ToHexString).Distinct().Count(), Is.EqualTo(messages.Count), "every opened ballot credential once");
        Assert.That(await conn.ExecuteScalarAsync<int>("select count from box_rejection where evaluation_id = @Id and reason = 'duplicate'", new { _evaluation.Id }),
            Is.EqualTo(1));
    }

    [Test]
    public async Task Opening_KeepsNoDoorCredentialOrReceipt_InTheOpenedBallots()
    {
        await using var conn = await World.OpenAsync();
        var dump = string.Join("\n", await conn.QueryAsync<string>("select b::text from ballot b where evaluation_id = @Id", new { _evaluation.Id }));
        foreach (var credential in _everyCredential)
        {
            Assert.That(dump, Does.Not.Contain(Convert.ToHexStringLower(credential.DoorMessage)));
            Assert.That(dump, Does.Not.Contain(Convert.ToHexStringLower(credential.DoorSignature)));
            Assert.That(dump, Does.Not.Contain(credential.ExpectedReceipt.Replace("-", "")));
        }
    }

    [Test]
    public async Task OpeningLogEntry_CarriesTheSealedOpenedAndRejectedCounts()
    {
        await using var conn = await World.OpenAsync();
        var detail = await conn.QuerySingleAsync<string>("select detail from staff_action where action = @Action and detail like '%' || @Id || '%'",
            new { Action = BundleVerifier.UnsealAction, Id = _evaluation.Id.ToString() });
        Assert.That(detail, Does.Contain($"密封选票 {Sealed} 张，开出 {Opened} 张，拒收 7 张（无法解密 2、投票凭证无效 2、答卷签名无效 2、凭证重复 1）"));
    }

    [Test]
    public void ResultsPage_CountsTheRejectedAsReceivedAndInvalid_WithTheirReasons()
    {
        // 收回 19 = 12 opened + 7 rejected; 无效 8 = 7 rejected + 1 not fitting the form; 有效 11, of which 1 blank (弃权).
        var turnout = Squeezed(WebUtility.HtmlDecode(Regex.Match(_resultsPage, "<table class=\"turnout\">.*?</table>", RegexOptions.Singleline).Value));
        Assert.That(turnout, Does.Contain($"<td>{Sealed}</td><td>11</td><td>8（无法解密2、投票凭证无效2、答卷签名无效2、凭证重复1、与问卷不符1）</td><td>1</td>"),
            turnout);
    }

    [Test]
    public void ResultsPdf_HeaderShowsInvalidWithTheReasons()
    {
        Assert.That(Squeezed(_pdfText), Does.Contain($"收回{Sealed}份，有效11份，无效8份（无法解密2、投票凭证无效2、答卷签名无效2、凭证重复1、与问卷不符1），弃权1份"),
            _pdfText);
    }

    [Test]
    public void Tally_BlankBallotIsAbstention_AndAMisfitBallotIsInvalid()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Figure("turnout/received"), Is.EqualTo(Sealed.ToString()));
            Assert.That(Figure("turnout/valid"), Is.EqualTo("11"));
            Assert.That(Figure("turnout/invalid"), Is.EqualTo("8"));
            Assert.That(Figure("turnout/abstained"), Is.EqualTo("1"));
            foreach (var (reason, count) in ExpectedRejections)
                Assert.That(Figure($"turnout/invalid/{reason}"), Is.EqualTo(count.ToString()), reason);
        });
    }

    [Test]
    public void Tally_AnItemBreakingItsRules_IsVoidAlone_AndTheRestOfItsBallotCounts()
    {
        // Ten answering ballots: 5 honest (好 好 好 较好 较好), the replayed one (一般), the credential sealed twice (好), and
        // three breaking one rule each: 较好 with 未发现 beside an option in 形式主义; 优秀 (not a grade here) with an unknown
        // 官僚主义 option; 好 with a 1,001-character opinion.
        var team = _evaluation.TeamId;
        Assert.Multiple(() =>
        {
            Assert.That(Item(team, "team-overall", "answered"), Is.EqualTo("9"));
            Assert.That(Item(team, "team-overall", "void"), Is.EqualTo("1"), "优秀 is no grade of the 班子's scale");
            Assert.That(new[] { 0, 1, 2, 3 }.Select(i => Item(team, "team-overall", $"option/{i}")), Is.EqualTo(new[] { "5", "3", "1", "0" }),
                "好 较好 一般 差: the ballot with the broken 四风 item and the one with the over-long opinion count here");
            Assert.That(Item(team, "wind-1", "void"), Is.EqualTo("1"), "未发现 beside an option");
            Assert.That(Item(team, "wind-1", "answered"), Is.EqualTo("9"));
            Assert.That(Item(team, "wind-1", "option/0"), Is.EqualTo("9"));
            Assert.That(Item(team, "wind-2", "void"), Is.EqualTo("1"), "an option the item does not have");
            Assert.That(Item(team, "wind-2", "answered"), Is.EqualTo("9"));
            Assert.That(Item(null, "campaign-opinion", "void"), Is.EqualTo("1"), "1,001 characters of 1,000");
            Assert.That(Item(null, "campaign-opinion", "answered"), Is.EqualTo("9"));
            Assert.That(Item(_evaluation.MemberId, "member-overall", "answered"), Is.EqualTo("10"), "every answering ballot's member rating counts");
            Assert.That(Item(_evaluation.MemberId, "member-overall", "void"), Is.EqualTo("0"));
        });
    }

    [Test]
    public void ResultsPage_ShowsTheVoidItems()
    {
        var page = WebUtility.HtmlDecode(_resultsPage);
        Assert.That(page, Does.Contain("作答 9 人，无效 1"));
    }

    // --- the audit bundle ---

    [Test]
    public void AuditBundle_Verifies_WithTheRejectionsItCommits()
    {
        var bundle = Bundle();
        var verification = BundleVerifier.Verify(bundle);
        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));
        Assert.That(bundle.Rejected, Is.EquivalentTo(ExpectedRejections));
        Assert.That(bundle.Groups.Sum(g => g.Ballots.Count), Is.EqualTo(Opened));
        Assert.That(bundle.Box!.Custody, Is.EqualTo("cards"));
        Assert.That(bundle.Box.Threshold, Is.EqualTo(2));
        Assert.That(bundle.Box.Cards.Select(c => c.Holder), Is.EqualTo(Holders));
    }

    [Test]
    public void AuditBundle_WithAnAnswerChangedAfterOpening_FailsVerification()
    {
        var bundle = Bundle();
        var group = bundle.Groups.Single(g => g.Ballots.Count > 0);
        var changed = group.Ballots.ToList();
        var index = changed.FindIndex(b => TeamGrade(b.Answers) == "一般");
        Assert.That(index, Is.GreaterThanOrEqualTo(0), "the replayed phone's ballot is in the bundle");
        // Its 一般 becomes 好: the whole answer string of a ballot that said 好 (phones escape non-ASCII, so no text replace).
        changed[index] = changed[index] with { Answers = changed.First(b => TeamGrade(b.Answers) == "好").Answers };
        var tampered = bundle with { Groups = bundle.Groups.Select(g => g.Id == group.Id ? g with { Ballots = changed } : g).ToList() };

        var verification = BundleVerifier.Verify(tampered);

        Assert.That(verification.Passed, Is.False);
        Assert.That(verification.Checks.Where(c => !c.Passed).Select(c => c.Name), Does.Contain("答卷签名"), string.Join("\n", verification.Checks));
        Assert.That(verification.Checks.Single(c => c.Name == "投票凭证").Passed, Is.True, "the credential covers the phone key, not the answers");
    }
}
