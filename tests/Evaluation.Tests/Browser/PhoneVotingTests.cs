using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Slips;
using Evaluation.Tests.Infrastructure;
using Microsoft.Playwright;
using static Evaluation.Tests.Browser.VotingForm;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The phone page (wwwroot/vote) in Debian's headless Chromium at 360×740, against the built app on a real socket and
/// database: QR link and typed code, reload, offline, a second phone, the venue kiosk, and what the page sends where.
/// Every state is photographed into the test's attachments (see <see cref="Screenshots"/>).
/// </summary>
public sealed class PhoneVotingTests : AppInChromium
{
    private const string NoneSeen = "未发现";
    private const string Other = "其他（请注明）";
    private StaffClient _organizer = null!;

    private VotingEvaluation _shared = null!;
    private VotingEvaluation _qr = null!;
    private VotingEvaluation _offline = null!;
    private VotingEvaluation _notOpen = null!;
    private readonly Queue<string> _sharedSlips = new();
    private string _qrSlip = null!;
    private string _offlineSlip = null!;
    private string _notOpenSlip = null!;

    // Per test.
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<IRequest> _requests = [];
    private readonly List<string> _console = [];
    private readonly List<string> _tokensUsed = [];
    private Screenshots _screens = null!;

    // The box's own key opens only at 开箱, with the 监票人's cards. So that a test can read what the page sealed, its
    // phones are given this key as the box key instead (see NewPhoneAsync): the page seals to it exactly as it would to
    // the real one, and the service, which cannot read a sealed ballot either way, stores it all the same.
    private readonly BoxPrivateKey _box = BoxPrivateKey.Generate();

    [OneTimeSetUp]
    public async Task Prepare()
    {
        _organizer = await Server.SignInAsOrganizerAsync();

        (_shared, var shared) = await OpenWithSlipsAsync("2026年局领导班子和班子成员民主评议", 17);
        foreach (var slip in shared) _sharedSlips.Enqueue(slip);
        (_qr, var qr) = await OpenWithSlipsAsync("扫码评议", 1);
        _qrSlip = qr[0];
        (_offline, var offline) = await OpenWithSlipsAsync("断网评议", 1);
        _offlineSlip = offline[0];
        _notOpen = await Server.SeedDraftAsync("尚未开始的评议");
        _notOpenSlip = (await VotingServer.IssueSlipsAsync(_organizer, _notOpen, 1))[0];
    }

    private async Task<(VotingEvaluation, List<string>)> OpenWithSlipsAsync(string name, int slips)
    {
        var evaluation = await Server.SeedDraftAsync(name);
        await VotingServer.OpenAsync(_organizer, evaluation);
        return (evaluation, await VotingServer.IssueSlipsAsync(_organizer, evaluation, slips));
    }

    [OneTimeTearDown]
    public void Release()
    {
        _organizer?.Dispose();
        _box.Dispose();
    }

    [SetUp]
    public void NewTest()
    {
        _screens = new Screenshots(TestContext.CurrentContext.Test.MethodName!);
        _requests.Clear();
        _console.Clear();
        _tokensUsed.Clear();
    }

    [TearDown]
    public async Task ClosePhones_AndCheckNothingLeaked()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        _contexts.Clear();

        Assert.That(_requests.Select(r => r.Url), Has.All.StartsWith(Server.Origin + "/"), "the page asks no other host for anything");
        Assert.That(_console, Has.None.Contains("Content Security Policy"), "nothing on the page breaks its CSP");
        foreach (var token in _tokensUsed)
        {
            Assert.That(_console, Has.None.Contains(token), "no slip token in the console");
            Assert.That(_requests.Select(r => SentUrl(r)), Has.None.Contains(token), "no slip token in any URL a request sent");
        }
    }

    private async Task<PhoneVoter> NewPhoneAsync(string name, Action<BrowserNewContextOptions>? options = null)
    {
        var settings = new BrowserNewContextOptions
        {
            ViewportSize = new() { Width = 360, Height = 740 },
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
        };
        options?.Invoke(settings);
        var context = await Browser.NewContextAsync(settings);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.RouteAsync("**/api/v/slip", async route =>
        {
            try
            {
                var response = await route.FetchAsync();
                var body = await response.TextAsync();
                if (response.Status == 200 && JsonNode.Parse(body) is JsonObject slip)
                {
                    slip["boxKey"] = Convert.ToBase64String(_box.PublicKey);
                    body = slip.ToJsonString();
                }
                await route.FulfillAsync(new() { Response = response, Body = body });
            }
            catch (PlaywrightException)
            {
                // The page went offline or was closed meanwhile: as for any request it makes then, no answer.
            }
        });
        page.Request += (_, request) => _requests.Add(request);
        page.Console += (_, message) => _console.Add(message.Text);
        return new PhoneVoter(page, Server.Origin, name, _screens);
    }

    /// <summary>The URL as it goes over the wire: a fragment stays in the browser.</summary>
    private static string SentUrl(IRequest request) => new Uri(request.Url).GetLeftPart(UriPartial.Query);

    private string Use(string token)
    {
        _tokensUsed.Add(token);
        return token;
    }

    private string SharedSlip() => Use(_sharedSlips.Dequeue());

    private IEnumerable<IRequest> Api(string path) => _requests.Where(r => r.Url == $"{Server.Origin}/api/v/{path}");

    /// <summary>
    /// The answers of the ballot the page sent last (canonical, as the tally reads them), found by the door message it
    /// sent (nothing stored leads from a receipt to a ballot) and opened with the test's box key. On the way, checks the
    /// protocol (docs/sealed-ballot-box.md): the receipt shown is the one derived from the secret sent with the ballot,
    /// the door message was made from that secret, the receipt is stored exactly once, the box holds exactly the bytes
    /// sent, and what they seal is a ballot 开箱 would take: a ballot credential valid under the group's ballot key that
    /// binds the phone key, and answers signed with it.
    /// </summary>
    private async Task<string> StoredBallotAsync(VotingEvaluation evaluation, string shownReceipt)
    {
        using var sent = JsonDocument.Parse(Api("ballot").Last().PostData!);
        var request = sent.RootElement;
        Assert.That(request.EnumerateObject().Select(p => p.Name),
            Is.EquivalentTo(new[] { "evaluationId", "keyGroupId", "doorMessage", "doorSignature", "secret", "sealed" }), "the ballot request, and nothing else");
        byte[] Bytes(string name) => Convert.FromBase64String(request.GetProperty(name).GetString()!);
        var (door, secret, sealedBallot) = (Bytes("doorMessage"), Bytes("secret"), Bytes("sealed"));
        var (evaluationId, keyGroupId) = (request.GetProperty("evaluationId").GetGuid(), request.GetProperty("keyGroupId").GetGuid());
        Assert.That(evaluationId, Is.EqualTo(evaluation.Id));
        Assert.That(Receipt.IsMessageOf(door, secret), Is.True, "the door message is SHA-256(\"door:\" ‖ secret) after the prefix");
        Assert.That(shownReceipt, Is.EqualTo(Receipt.Grouped(Receipt.FromSecret(secret))));
        Assert.That((await Server.ReceiptsAsync(evaluation)).Count(r => r == shownReceipt.Replace("-", "")), Is.EqualTo(1));
        var stored = (await Server.BallotsAsync(evaluation)).Single(b => b.DoorMessage.SequenceEqual(door));
        Assert.That(stored.KeyGroupId, Is.EqualTo(keyGroupId));
        Assert.That(stored.Ciphertext, Is.EqualTo(sealedBallot), "the box holds the very bytes the page sealed");

        Assert.That(Hpke.TryOpen(_box, SealedBallot.Info(evaluationId, keyGroupId), door, sealedBallot, out var plaintext), Is.True,
            "sealed to the box key, with the evaluation and key group as info and the door message as aad");
        Assert.That(SealedBallot.TryRead(plaintext, out var contents), Is.True, "the plaintext is the protocol's JSON");
        var ballotKey = BlindRsaPublicKey.ImportSpki(await Server.BallotKeyAsync(keyGroupId));
        Assert.That(BlindRsa.Verify(ballotKey, contents!.Message, contents.Signature), Is.True, "the ballot credential verifies under the group's ballot key");
        Assert.That(SealedBallot.BindsPhoneKey(contents.Message, contents.PhoneKey), Is.True, "the ballot credential binds the phone key");
        Assert.That(SealedBallot.VerifyAnswers(evaluationId, keyGroupId, contents.PhoneKey, contents.Answers, contents.AnswerSignature), Is.True,
            "the answers carry the phone key's signature");
        Assert.That(contents.Message.AsSpan(BlindRsa.PrefixLength).SequenceEqual(door.AsSpan(BlindRsa.PrefixLength)), Is.False);
        Assert.That(BallotJson.TryRead(contents.Answers, out var answers, out var error), Is.True, error);
        return BallotJson.Canonical(BallotValidator.Normalise(answers!));
    }

    [Test]
    public async Task QrLink_FullVote_StoresExactlyWhatWasClicked_AndShowsTheReceipt()
    {
        var phone = await NewPhoneAsync("qr");
        await phone.OpenLinkAsync(Use(_qrSlip));

        await phone.ShowsAsync("intro");
        Assert.That(phone.Page.Url, Is.EqualTo(Server.Origin + "/v"), "the token leaves the address bar at once");
        await Assertions.Expect(phone.Main).ToContainTextAsync("扫码评议");
        await Assertions.Expect(phone.Main).ToContainTextAsync("示例市卫生局");
        await Assertions.Expect(phone.Main).ToContainTextAsync("机关工作人员");
        await Assertions.Expect(phone.Main).ToContainTextAsync("本评议不记名");
        await phone.CheckedInAsync();
        await phone.SnapAsync("intro");

        await phone.StartAsync();
        await phone.ExpectStepAsync("局领导班子");
        await Assertions.Expect(phone.Main).ToContainTextAsync("第 1 / 5 步");
        await phone.ClickAsync("下一步");
        await Assertions.Expect(phone.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("还有 1 道必答题没有作答");
        await phone.ExpectStepAsync("局领导班子");
        await phone.SnapAsync("team-required-missing");

        await phone.ChooseAsync(TeamRating, "较好");
        await Assertions.Expect(phone.Page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await Assertions.Expect(phone.Page.Locator(".q.missing")).ToHaveCountAsync(0);
        await phone.TickAsync(Formalism, "文山会海、以会议落实会议");
        await phone.TickAsync(Formalism, "学风不正、学用脱节");
        await phone.TickAsync(Bureaucratism, NoneSeen);
        await phone.TickAsync(Hedonism, "精神懈怠、不思进取");
        await phone.TickAsync(Hedonism, NoneSeen);
        await Assertions.Expect(phone.Box(Hedonism, "精神懈怠、不思进取")).Not.ToBeCheckedAsync(new() { Timeout = 2000 });
        await phone.TickAsync(Extravagance, Other);
        await phone.SpecifyOtherAsync(Extravagance, "公车私用");
        await phone.WriteAsync(TargetOpinion, "多到基层听取意见");
        await Assertions.Expect(phone.Main).ToContainTextAsync("已写 8 / 300 字");
        await phone.SnapAsync("team-filled");
        await phone.ClickAsync("下一步");

        await phone.ExpectStepAsync("张三（局长）");
        await phone.ChooseAsync(MemberRating, "称职");
        foreach (var wind in new[] { Formalism, Bureaucratism, Hedonism, Extravagance })
            await phone.TickAsync(wind, NoneSeen);
        await phone.SnapAsync("chief-filled");
        await phone.ClickAsync("下一步");

        await phone.ExpectStepAsync("李四（副局长）");
        await Assertions.Expect(phone.Main).ToContainTextAsync("已于 2025 年 9 月调出");
        await phone.ChooseAsync(MemberRating, "不了解");
        await phone.TickAsync(Formalism, "调查研究走过场、搞形式");
        await phone.SnapAsync("deputy-filled");
        await phone.ClickAsync("下一步");

        await phone.ExpectStepAsync("总体评价和意见建议");
        await phone.ChooseAsync(Identity, Other);
        await phone.SpecifyOtherAsync(Identity, "退休干部");
        await phone.TickAsync(Concerns, "会风文风");
        await phone.TickAsync(Concerns, "服务态度");
        await Assertions.Expect(phone.Box(Concerns, "办事效率")).ToBeDisabledAsync();
        await Assertions.Expect(phone.Box(Concerns, Other)).ToBeDisabledAsync();
        await Assertions.Expect(phone.Question(Concerns)).ToContainTextAsync("已选 2 项");
        await phone.SnapAsync("once-at-most-two");
        await phone.UntickAsync(Concerns, "服务态度");
        await phone.TickAsync(Concerns, Other);
        await phone.SpecifyOtherAsync(Concerns, "会议太多");
        await phone.WriteAsync(CampaignOpinion, "希望常态化开展");
        await phone.SnapAsync("once-filled");
        await phone.ClickAsync("核对答卷");

        await phone.ShowsAsync("review");
        await Assertions.Expect(phone.Main).ToContainTextAsync("文山会海、以会议落实会议；学风不正、学用脱节");
        await Assertions.Expect(phone.Main).ToContainTextAsync("其他：公车私用");
        await Assertions.Expect(phone.Main).ToContainTextAsync("其他：退休干部");
        await phone.SnapAsync("review");
        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "修改：张三（局长）" }).ClickAsync();
        await phone.ExpectStepAsync("张三（局长）");
        await Assertions.Expect(phone.Question(MemberRating).GetByRole(AriaRole.Radio, new() { Name = "称职", Exact = true })).ToBeCheckedAsync();
        await phone.ChooseAsync(MemberRating, "优秀");
        await phone.SnapAsync("chief-changed");
        await phone.ClickAsync("返回核对");
        await phone.ShowsAsync("review");
        await Assertions.Expect(phone.Page.Locator("section.review").Nth(1)).ToContainTextAsync("优秀");

        await phone.ClickAsync("提交答卷");
        var receipt = await phone.ReceiptAsync();
        await Assertions.Expect(phone.Main).ToContainTextAsync("没有保存您的票签代码、手机信息、IP 地址或提交时间");
        await phone.SnapAsync("receipt");

        Assert.That(await Server.BallotsAsync(_qr), Has.Count.EqualTo(1), "exactly one ballot for the evaluation");
        Assert.That(await Server.ReceiptsAsync(_qr), Is.EqualTo(new[] { receipt.Replace("-", "") }), "and its receipt, apart from it");
        Assert.That(await StoredBallotAsync(_qr, receipt), Is.EqualTo(BallotJson.Canonical(new BallotAnswers
        {
            Once = new Dictionary<string, Answer>
            {
                ["identity"] = new() { Other = "退休干部" },
                ["concerns"] = new() { Choices = ["会风文风"], Other = "会议太多" },
                ["campaign-opinion"] = new() { Text = "希望常态化开展" },
            },
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [_qr.TeamId] = new Dictionary<string, Answer>
                {
                    ["team-overall"] = new() { Choice = "较好" },
                    ["wind-1"] = new() { Choices = ["文山会海、以会议落实会议", "学风不正、学用脱节"] },
                    ["wind-2"] = new() { Choices = [NoneSeen] },
                    ["wind-3"] = new() { Choices = [NoneSeen] },
                    ["wind-4"] = new() { Other = "公车私用" },
                    ["target-opinion"] = new() { Text = "多到基层听取意见" },
                },
                [_qr.ChiefId] = new Dictionary<string, Answer>
                {
                    ["member-overall"] = new() { Choice = "优秀" },
                    ["wind-1"] = new() { Choices = [NoneSeen] },
                    ["wind-2"] = new() { Choices = [NoneSeen] },
                    ["wind-3"] = new() { Choices = [NoneSeen] },
                    ["wind-4"] = new() { Choices = [NoneSeen] },
                },
                [_qr.DeputyId] = new Dictionary<string, Answer>
                {
                    ["member-overall"] = new() { Choice = "不了解" },
                    ["wind-1"] = new() { Choices = ["调查研究走过场、搞形式"] },
                },
            },
        })));

        // Only the receipt stays on the phone: no draft, no credential, no token.
        var stored = await phone.LocalStorageAsync();
        Assert.That(stored, Does.Contain(receipt));
        Assert.That(stored, Does.Not.Contain("退休干部").And.Not.Contain("signature").And.Not.Contain("secret").And.Not.Contain(_qrSlip));
        Assert.That(stored, Does.Not.Contain("phone").And.Not.Contain("\"d\"").And.Not.Contain("door").And.Not.Contain("sealed"),
            "the phone discards its secrets once the receipt is shown: no phone key, no credential, no ciphertext");
        Assert.That(await phone.Page.EvaluateAsync<int>("() => sessionStorage.length"), Is.Zero);

        // Opening the slip again shows the receipt, without asking the server anything.
        var requestsBefore = _requests.Count;
        await phone.OpenLinkAsync(_qrSlip);
        Assert.That(await phone.ReceiptAsync(), Is.EqualTo(receipt));
        await Assertions.Expect(phone.Heading).ToHaveTextAsync("这张票签的答卷已经提交");
        Assert.That(_requests.Skip(requestsBefore).Where(r => r.Url.Contains("/api/")), Is.Empty);
        await phone.SnapAsync("reopened");
    }

    [Test]
    public async Task TypedCode_LowerCaseWithSpaces_OpensTheSlip_AndVotes()
    {
        var token = SharedSlip();
        var phone = await NewPhoneAsync("typed");
        await phone.OpenAsync();
        await phone.ShowsAsync("code");
        await phone.SnapAsync("code-entry");

        await phone.TypeCodeAsync("0000 1111");
        await Assertions.Expect(phone.Page.Locator("#code-error")).ToContainTextAsync("“0”不会出现在票签代码中");
        await phone.SnapAsync("code-invalid-symbol");

        var unknown = new string(SlipToken.Generate().Reverse().ToArray());
        await phone.TypeCodeAsync(unknown);
        await phone.ShowsAsync("code");
        await Assertions.Expect(phone.Page.Locator("#code-error")).ToContainTextAsync("没有这个票签代码");
        await phone.SnapAsync("code-unknown");

        var typed = string.Join(' ', token.ToLowerInvariant().Chunk(5).Select(c => new string(c)));
        var input = phone.Page.GetByLabel("票签代码", new() { Exact = true });
        await input.FillAsync(typed);
        await Assertions.Expect(input).ToHaveValueAsync(SlipToken.Grouped(token));
        await Assertions.Expect(phone.Main).ToContainTextAsync("已输入 20 / 20 位");
        await phone.SnapAsync("code-typed");
        await phone.ClickAsync("开始");

        await phone.ShowsAsync("intro");
        await phone.SnapAsync("intro");
        await phone.StartAsync();
        await FillRequiredAsync(phone, "好", "称职", "基本称职");
        await phone.ShowsAsync("review");
        await phone.ClickAsync("提交答卷");
        var receipt = await phone.ReceiptAsync();
        await phone.SnapAsync("receipt");

        using var answers = JsonDocument.Parse(await StoredBallotAsync(_shared, receipt));
        Assert.That(answers.RootElement.GetProperty("targets").GetProperty(_shared.DeputyId.ToString()).GetProperty("member-overall").GetProperty("choice").GetString(),
            Is.EqualTo("基本称职"));
    }

    [Test]
    public async Task ReloadMidForm_KeepsTheAnswers_AndDoesNotCheckInAgain()
    {
        var token = SharedSlip();
        var phone = await NewPhoneAsync("reload");
        await phone.OpenLinkAsync(token);
        await phone.StartAsync();
        await phone.ChooseAsync(TeamRating, "一般");
        await phone.TickAsync(Formalism, "工作不抓落实、热衷于搞花架子");
        await phone.WriteAsync(TargetOpinion, "草稿中的意见");
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("张三（局长）");
        await phone.ChooseAsync(MemberRating, "基本称职");
        await phone.SnapAsync("before-reload");

        var draft = await phone.LocalStorageAsync();
        Assert.That(draft, Does.Contain("草稿中的意见"), "the draft is on the phone");
        Assert.That(draft, Does.Not.Contain(token), "under a hash of the token, never the token");

        await phone.Page.ReloadAsync();
        await phone.ExpectStepAsync("张三（局长）");
        Assert.That(phone.Page.Url, Does.Not.Contain(token));
        await Assertions.Expect(phone.Question(MemberRating).GetByRole(AriaRole.Radio, new() { Name = "基本称职", Exact = true })).ToBeCheckedAsync();
        await phone.SnapAsync("after-reload");

        await phone.ClickAsync("上一步");
        await phone.ExpectStepAsync("局领导班子");
        await Assertions.Expect(phone.Question(TeamRating).GetByRole(AriaRole.Radio, new() { Name = "一般", Exact = true })).ToBeCheckedAsync();
        await Assertions.Expect(phone.Box(Formalism, "工作不抓落实、热衷于搞花架子")).ToBeCheckedAsync();
        await Assertions.Expect(phone.TextBox(TargetOpinion)).ToHaveValueAsync("草稿中的意见");
        await phone.SnapAsync("earlier-step-after-reload");

        await phone.ClickAsync("下一步");
        await phone.ClickAsync("下一步");
        await phone.ChooseAsync(MemberRating, "称职");
        await phone.ClickAsync("下一步");
        await phone.ClickAsync("核对答卷");
        await phone.ClickAsync("提交答卷");
        await phone.ReceiptAsync();

        Assert.That(Api("checkin").Count(), Is.EqualTo(1), "checked in once, before the reload only");
        Assert.That(Api("slip").Count(), Is.EqualTo(1), "the reload needed nothing from the server");
    }

    [Test]
    public async Task OfflineAtSubmit_SaysItIsRetrying_ThenStoresExactlyOneBallotWhenBackOnline()
    {
        var phone = await NewPhoneAsync("offline");
        await phone.OpenLinkAsync(Use(_offlineSlip));
        await phone.StartAsync();
        await FillRequiredAsync(phone, "差", "不称职", "优秀");
        await phone.ShowsAsync("review");

        await phone.Page.Context.SetOfflineAsync(true);
        await phone.ClickAsync("提交答卷");
        var status = phone.Page.Locator("#status");
        await Assertions.Expect(status).ToContainTextAsync("网络中断，正在重试……");
        await phone.SnapAsync("offline-retrying");
        await Task.Delay(1500); // a retry or two while still offline
        Assert.That(await Server.BallotsAsync(_offline), Is.Empty);

        await phone.Page.Context.SetOfflineAsync(false);
        var receipt = await phone.ReceiptAsync();
        await Assertions.Expect(status).ToBeHiddenAsync();
        await phone.SnapAsync("receipt-after-reconnect");

        Assert.That(await Server.BallotsAsync(_offline), Has.Count.EqualTo(1));
        Assert.That(await Server.ReceiptsAsync(_offline), Is.EqualTo(new[] { receipt.Replace("-", "") }));
        await StoredBallotAsync(_offline, receipt);
    }

    [Test]
    public async Task LostCheckInAnswer_IsRetriedWithTheSameBlindedMessage_AndGetsTheCredential()
    {
        var phone = await NewPhoneAsync("lost-checkin");
        var answersLost = 0;
        await phone.Page.RouteAsync("**/api/v/checkin", async route =>
        {
            if (answersLost++ > 0)
            {
                await route.ContinueAsync();
                return;
            }
            await route.FetchAsync(); // the server burns the slip and signs ...
            await route.AbortAsync(); // ... and the answer never reaches the phone
        });
        var checkedInBefore = await Server.CheckedInSlipsAsync(_shared);

        await phone.OpenLinkAsync(SharedSlip());
        await phone.CheckedInAsync();
        await phone.SnapAsync("checked-in-after-retry");

        var attempts = Api("checkin").ToList();
        Assert.That(attempts, Has.Count.EqualTo(2));
        Assert.That(attempts[1].PostData, Is.EqualTo(attempts[0].PostData), "the retry resends the same blinded message");
        Assert.That(await Server.CheckedInSlipsAsync(_shared), Is.EqualTo(checkedInBefore + 1));
        await phone.StartAsync();
    }

    [Test]
    public async Task LostBallotAnswer_IsRetriedWithTheSameBytes_AndStoresOneBallot()
    {
        var phone = await NewPhoneAsync("lost-ballot");
        var answersLost = 0;
        await phone.Page.RouteAsync("**/api/v/ballot", async route =>
        {
            if (answersLost++ > 0)
            {
                await route.ContinueAsync();
                return;
            }
            await route.FetchAsync();
            await route.AbortAsync();
        });
        await phone.OpenLinkAsync(SharedSlip());
        await phone.StartAsync();
        await FillRequiredAsync(phone, "一般", "称职", "称职");
        await phone.ClickAsync("提交答卷");
        var receipt = await phone.ReceiptAsync();

        var attempts = Api("ballot").ToList();
        Assert.That(attempts, Has.Count.EqualTo(2));
        Assert.That(attempts[1].PostData, Is.EqualTo(attempts[0].PostData));
        await StoredBallotAsync(_shared, receipt);
    }

    /// <summary>The page computes the receipt from its own secret: a server that answers another one is caught, not believed.</summary>
    [Test]
    public async Task ReceiptFromTheServer_ThatIsNotTheSecretsReceipt_IsShownAsAnError()
    {
        var phone = await NewPhoneAsync("receipt-mismatch");
        await phone.Page.RouteAsync("**/api/v/ballot", async route =>
        {
            var response = await route.FetchAsync();
            await route.FulfillAsync(new() { Response = response, Body = """{"receipt":"22222-22222"}""" });
        });
        await phone.OpenLinkAsync(SharedSlip());
        await phone.StartAsync();
        await FillRequiredAsync(phone, "好", "称职", "称职");
        await phone.ClickAsync("提交答卷");

        await phone.ShowsAsync("problem");
        await Assertions.Expect(phone.Heading).ToHaveTextAsync("回执码不一致");
        await Assertions.Expect(phone.Main).ToContainTextAsync("请截屏本页并向工作人员说明");
        await Assertions.Expect(phone.Main).Not.ToContainTextAsync("22222-22222");
        await phone.SnapAsync("mismatch");
        var stored = await phone.LocalStorageAsync();
        Assert.That(stored, Does.Not.Contain("phone").And.Not.Contain("secret").And.Not.Contain("door"), "the secrets are dropped all the same");
    }

    [Test]
    public async Task ServerBusy_Is503_ThePageWaitsRetryAfter_ThenSubmits()
    {
        const string Busy = "服务器繁忙，您的答卷还没有保存。页面会自动重试，请不要关闭。";
        var phone = await NewPhoneAsync("busy");
        var attempts = new List<DateTime>();
        await phone.Page.RouteAsync("**/api/v/ballot", async route =>
        {
            attempts.Add(DateTime.UtcNow);
            if (attempts.Count > 1)
            {
                await route.ContinueAsync();
                return;
            }
            await route.FulfillAsync(new()
            {
                Status = 503, ContentType = "application/json", Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                Body = JsonSerializer.Serialize(new { error = Busy, code = "retry" }),
            });
        });
        await phone.OpenLinkAsync(SharedSlip());
        await phone.StartAsync();
        await FillRequiredAsync(phone, "好", "称职", "称职");
        await phone.ClickAsync("提交答卷");
        await Assertions.Expect(phone.Page.Locator("#status")).ToContainTextAsync(Busy);
        await phone.SnapAsync("busy-retrying");

        await phone.ReceiptAsync();
        Assert.That(attempts, Has.Count.EqualTo(2));
        Assert.That(attempts[1] - attempts[0], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.8)), "Retry-After: 2 is honoured");
    }

    [Test]
    public async Task TooManyWrongCodes_Is429_ThePageShowsWhyAndWhenToRetry_WithoutRetryingByItself()
    {
        const string TooMany = "没有这个票签代码。从您所在的网络输错票签代码的次数太多，请 2 秒后再试，并逐位核对票签上的代码；仍有问题请向工作人员询问。";
        var phone = await NewPhoneAsync("too-many");
        var attempts = 0;
        await phone.Page.RouteAsync("**/api/v/slip", async route =>
        {
            attempts++;
            await route.FulfillAsync(new()
            {
                Status = 429, ContentType = "application/json", Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                Body = JsonSerializer.Serialize(new { error = TooMany, code = "too-many" }),
            });
        });
        await phone.OpenAsync();
        await phone.ShowsAsync("code");

        var typed = SlipToken.Generate();
        await phone.TypeCodeAsync(typed);
        await phone.ShowsAsync("code");
        await Assertions.Expect(phone.Page.Locator("#code-error")).ToContainTextAsync(TooMany);
        await phone.SnapAsync("code-too-many");
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.That(attempts, Is.EqualTo(1), "a wrong code is not sent again by itself");
        Assert.That(await phone.Page.GetByLabel("票签代码", new() { Exact = true }).InputValueAsync(), Does.Contain(typed[..5]),
            "what was typed stays, to be corrected");
    }

    [Test]
    public async Task SecondPhone_WithASlipCheckedInOnTheFirst_IsToldItIsCheckedIn_AndToAskStaffForAReplacement()
    {
        var token = SharedSlip();
        var first = await NewPhoneAsync("first-phone");
        await first.OpenLinkAsync(token);
        await first.CheckedInAsync();
        await first.SnapAsync("checked-in");

        var second = await NewPhoneAsync("second-phone");
        await second.OpenLinkAsync(token);
        await second.ShowsAsync("problem");
        await Assertions.Expect(second.Main).ToContainTextAsync("已经签到过，不能再次签到");
        await Assertions.Expect(second.Main).ToContainTextAsync("请向工作人员说明，申请补发票签");
        await second.SnapAsync("used-elsewhere");
        Assert.That(await second.StoredItemsAsync(), Is.Zero, "the refused phone keeps nothing of the slip");

        // The first phone is unaffected.
        await first.StartAsync();
        await first.ExpectStepAsync("局领导班子");
    }

    /// <summary>
    /// One round trip to a usable screen: with the page's script held back, the page's first answer alone shows code entry,
    /// styled, to type into; nothing submits it meanwhile (the code reaches no URL). When the script arrives it takes the
    /// screen over with what was typed, the caret and the focus, and the code opens the slip.
    /// </summary>
    [Test]
    public async Task CodeEntry_IsTypableBeforeTheScriptArrives_AndTheScriptKeepsWhatWasTypedAndTheFocus()
    {
        var token = SharedSlip();
        var phone = await NewPhoneAsync("before-script");
        var script = new TaskCompletionSource();
        await phone.Page.RouteAsync("**/vote/vote.js", async route =>
        {
            await script.Task;
            await route.ContinueAsync();
        });
        await phone.Page.GotoAsync(Server.Origin + "/v", new() { WaitUntil = WaitUntilState.Commit });
        await phone.Page.Locator("main").WaitForAsync();
        await phone.SnapAsync("code-entry-before-script");
        var box = phone.Page.GetByLabel("票签代码", new() { Exact = true });
        await box.WaitForAsync(new() { Timeout = 5_000 });
        await Assertions.Expect(phone.Heading).ToHaveTextAsync("输入票签代码");
        Assert.That(await phone.Page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.bar')).backgroundColor"),
            Is.EqualTo("rgb(140, 28, 19)"), "styled by the page's own <style>");

        await box.ClickAsync();
        await box.PressSequentiallyAsync(token[..5].ToLowerInvariant() + " " + token[5..9]);
        await phone.ClickAsync("开始");
        await box.FocusAsync();
        await phone.Page.Keyboard.PressAsync("End");
        await phone.Page.Keyboard.TypeAsync(token[9..12]);
        await phone.Page.Keyboard.PressAsync("Enter");
        await phone.SnapAsync("code-typed-before-script");
        Assert.That(phone.Page.Url, Is.EqualTo(Server.Origin + "/v"), "nothing submitted the form before the script");
        Assert.That(await phone.Page.Locator("#code-count").TextContentAsync(), Is.Empty, "the script had not run");

        script.SetResult();
        await phone.Page.Locator("form.code-form button[type=submit]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var grouped = $"{token[..5]}-{token[5..10]}-{token[10..12]}";
        await Assertions.Expect(box).ToHaveValueAsync(grouped);
        Assert.That(await phone.Page.EvaluateAsync<string>("() => `${document.activeElement.id} ${document.activeElement.selectionStart}`"),
            Is.EqualTo($"code {grouped.Length}"), "the focus and the caret stay in the box");
        await Assertions.Expect(phone.Page.Locator("#code-count")).ToHaveTextAsync("已输入 12 / 20 位");
        await phone.SnapAsync("code-entry-after-script");

        await phone.Page.Keyboard.TypeAsync(token[12..]);
        await phone.Page.Keyboard.PressAsync("Enter");
        await phone.ShowsAsync("intro");
        await phone.CheckedInAsync();
        Assert.That(phone.Page.Url, Is.EqualTo(Server.Origin + "/v"));
    }

    [Test]
    public async Task Kiosk_AfterTheReceiptAndNextVoter_LeavesNothingInStorageOrOnThePage()
    {
        var token = SharedSlip();
        var kiosk = await NewPhoneAsync("kiosk");
        await kiosk.OpenAsync("/kiosk");
        await kiosk.ShowsAsync("code");
        await kiosk.SnapAsync("code-entry");
        await kiosk.TypeCodeAsync(token.ToLowerInvariant());
        await kiosk.StartAsync();
        await kiosk.WriteAsync(TargetOpinion, "现场填写的意见甲");
        await FillRequiredAsync(kiosk, "较好", "优秀", "称职", toReview: false);
        await kiosk.WriteAsync(CampaignOpinion, "现场填写的意见乙");
        await kiosk.ClickAsync("核对答卷");
        await kiosk.ShowsAsync("review");
        await kiosk.SnapAsync("review");
        await kiosk.ClickAsync("提交答卷");
        var receipt = await kiosk.ReceiptAsync();
        await Assertions.Expect(kiosk.Main).ToContainTextAsync("秒后自动返回");
        // Where to check the receipt later, as an address: a link would take the venue's tablet off its page.
        await Assertions.Expect(kiosk.Main).ToContainTextAsync(new Uri(Server.Origin).Authority + "/receipt");
        await Assertions.Expect(kiosk.Main.GetByRole(AriaRole.Link)).ToHaveCountAsync(0);
        await kiosk.SnapAsync("receipt");
        Assert.That(await kiosk.StoredItemsAsync(), Is.Zero, "a kiosk never writes to storage");

        await kiosk.ClickAsync("下一位");
        await kiosk.ShowsAsync("code");
        await kiosk.SnapAsync("next-voter");

        Assert.That(await kiosk.StoredItemsAsync(), Is.Zero);
        var html = await kiosk.Page.ContentAsync();
        foreach (var trace in new[] { "现场填写的意见", receipt, token, SlipToken.Grouped(token), "张三", "较好" })
            Assert.That(html, Does.Not.Contain(trace).IgnoreCase, $"“{trace}” is still in the page");
        Assert.That(await kiosk.Page.EvaluateAsync<bool>(
            "() => [...document.querySelectorAll('input, textarea')].every(e => !e.value && !e.checked)"), Is.True);
        await StoredBallotAsync(_shared, receipt);
    }

    [Test]
    public async Task Kiosk_LeftIdle_WarnsThenWipesTheVoter()
    {
        var kiosk = await NewPhoneAsync("kiosk-idle");
        await kiosk.Page.Clock.InstallAsync();
        await kiosk.OpenAsync("/kiosk");
        await kiosk.TypeCodeAsync(SharedSlip());
        await kiosk.StartAsync();
        await kiosk.ChooseAsync(TeamRating, "好");
        await kiosk.WriteAsync(TargetOpinion, "走开前写的意见");

        await kiosk.Page.Clock.FastForwardAsync("02:31");
        await Assertions.Expect(kiosk.Page.Locator("#status")).ToContainTextAsync("30 秒后将清除本页内容");
        await kiosk.SnapAsync("idle-warning");

        await kiosk.Page.Clock.FastForwardAsync("00:30");
        await kiosk.ShowsAsync("code");
        Assert.That(await kiosk.Page.ContentAsync(), Does.Not.Contain("走开前写的意见").And.Not.Contain("局领导班子"));
        await kiosk.SnapAsync("wiped");
    }

    [Test]
    public async Task Kiosk_Receipt_ReturnsToCodeEntryByItselfAfterTwentySeconds()
    {
        var kiosk = await NewPhoneAsync("kiosk-receipt");
        await kiosk.Page.Clock.InstallAsync();
        await kiosk.OpenAsync("/kiosk");
        await kiosk.TypeCodeAsync(SharedSlip());
        await kiosk.ShowsAsync("intro");
        await kiosk.ClickAsync("全部弃权");
        await kiosk.ClickAsync("确认弃权并提交");
        var receipt = await kiosk.ReceiptAsync();

        await kiosk.Page.Clock.RunForAsync("00:19");
        await Assertions.Expect(kiosk.Main).ToContainTextAsync("1 秒后自动返回");
        await kiosk.Page.Clock.RunForAsync("00:01");
        await kiosk.ShowsAsync("code");
        Assert.That(await kiosk.Page.ContentAsync(), Does.Not.Contain(receipt));
    }

    [Test]
    public async Task NotOpenYet_SaysSo_AndRefreshOpensTheSlipOnceVotingStarts()
    {
        var phone = await NewPhoneAsync("not-open");
        await phone.OpenLinkAsync(Use(_notOpenSlip));
        await phone.ShowsAsync("problem");
        await Assertions.Expect(phone.Main).ToContainTextAsync("投票还没有开始");
        await phone.SnapAsync("not-open");

        // A browser reload keeps the slip for this tab until check-in, so nobody has to rescan.
        await phone.Page.ReloadAsync();
        await phone.ShowsAsync("problem");
        await Assertions.Expect(phone.Button("刷新")).ToBeVisibleAsync();

        await VotingServer.OpenAsync(_organizer, _notOpen);
        await phone.ClickAsync("刷新");
        await phone.ShowsAsync("intro");
        await phone.CheckedInAsync();
        await phone.SnapAsync("opened");
        Assert.That(await phone.Page.EvaluateAsync<int>("() => sessionStorage.length"), Is.Zero, "the token is dropped once checked in");
        Assert.That(await phone.LocalStorageAsync(), Does.Not.Contain(_notOpenSlip));
    }

    [Test]
    public async Task AbstainFromTheIntroduction_StoresABlankBallot()
    {
        var phone = await NewPhoneAsync("abstain");
        await phone.OpenLinkAsync(SharedSlip());
        await phone.ShowsAsync("intro");
        await phone.ClickAsync("全部弃权");
        await phone.ShowsAsync("abstain");
        await phone.SnapAsync("confirm");
        await phone.ClickAsync("确认弃权并提交");
        var receipt = await phone.ReceiptAsync();
        await Assertions.Expect(phone.Main).ToContainTextAsync("已记为弃权");
        await phone.SnapAsync("receipt");

        Assert.That(await StoredBallotAsync(_shared, receipt), Is.EqualTo(BallotJson.Canonical(new BallotAnswers())));
    }

    [Test]
    public async Task ReceiptScreen_LinksToTheCheckPage_WhereTheShownReceiptChecksAsCounted()
    {
        var phone = await NewPhoneAsync("receipt-check");
        await phone.OpenLinkAsync(SharedSlip());
        await phone.ShowsAsync("intro");
        await phone.ClickAsync("全部弃权");
        await phone.ClickAsync("确认弃权并提交");
        var receipt = await phone.ReceiptAsync();
        var link = phone.Main.GetByRole(AriaRole.Link, new() { Name = "回执查询页面" });
        await Assertions.Expect(link).ToHaveAttributeAsync("href", "/receipt");

        await link.ClickAsync();
        await phone.Page.WaitForURLAsync(Server.Origin + "/receipt");
        await Assertions.Expect(phone.Page.Locator("h1")).ToHaveTextAsync("查询回执码");
        await phone.SnapAsync("check-page");

        // As a person might type it: lower case, no dash.
        var code = phone.Page.GetByLabel("回执码", new() { Exact = true });
        await code.FillAsync(receipt.Replace("-", "").ToLowerInvariant());
        await phone.ClickAsync("查询");
        await Assertions.Expect(phone.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("已计入");
        await Assertions.Expect(phone.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("这张回执码对应的答卷已计入");
        await phone.SnapAsync("counted");
        Assert.That(phone.Page.Url, Is.EqualTo(Server.Origin + "/receipt"), "the code went in the POST body, not the address");
        Assert.That(await phone.Page.ContentAsync(), Does.Not.Contain(_shared.Name).And.Not.Contain("机关工作人员").And.Not.Contain("弃权"));

        await code.FillAsync("ABCDE-FGHJK");
        await phone.ClickAsync("查询");
        await Assertions.Expect(phone.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("未找到");
        await phone.SnapAsync("not-found");

        await code.FillAsync("ABC-0");
        await phone.ClickAsync("查询");
        await Assertions.Expect(phone.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("10 位字母和数字");
        await phone.SnapAsync("malformed");
    }

    [Test]
    public async Task Page_AsksNoOtherHost_DropsTheTokenFromTheAddressBar_AndNeverSendsItWithTheBallot()
    {
        var token = SharedSlip();
        var phone = await NewPhoneAsync("requests");
        await phone.OpenLinkAsync(token);
        await phone.ShowsAsync("intro");

        Assert.That(phone.Page.Url, Is.EqualTo(Server.Origin + "/v"));
        Assert.That(await phone.Page.EvaluateAsync<string>("() => location.href + '|' + document.title"), Does.Not.Contain(token));
        Assert.That(await phone.Page.EvaluateAsync<bool>("() => window.isSecureContext"), Is.True, "127.0.0.1 is a secure context: WebCrypto works");

        await phone.StartAsync();
        await FillRequiredAsync(phone, "好", "优秀", "优秀");
        await phone.ClickAsync("提交答卷");
        await phone.ReceiptAsync();

        Assert.That(_requests.Select(r => r.Url), Has.All.StartsWith(Server.Origin + "/"));
        Assert.That(_requests.Select(r => new Uri(r.Url).AbsolutePath),
            Is.SupersetOf(new[] { "/v", "/vote/vote.js", "/js/blindrsa.js", "/js/hpke.js", "/api/v/slip", "/api/v/checkin", "/api/v/ballot" }));
        Assert.That(Api("slip").Single().PostData, Does.Contain(token), "the token travels in a POST body");
        Assert.That(Api("checkin").Single().PostData, Does.Contain(token).And.Contain("blindedDoor").And.Contain("blindedBallot"));
        var ballot = Api("ballot").Single();
        Assert.That(ballot.PostData, Does.Not.Contain(token), "the ballot request never sees the slip");
        Assert.That(ballot.PostData, Does.Not.Contain("优秀").And.Not.Contain("answers").And.Not.Contain("phoneKey"), "the answers travel sealed only");
        Assert.That(await ballot.HeaderValueAsync("referer"), Is.Null);
        Assert.That(await ballot.HeaderValueAsync("cookie"), Is.Null);
    }

    [Test]
    public async Task LargeText_DoubleFontSize_StillFitsThePhone()
    {
        var phone = await NewPhoneAsync("large-text");
        await phone.OpenLinkAsync(SharedSlip());
        await phone.ShowsAsync("intro");
        // What a phone's "largest text" setting does to rem-based pages: the root font size doubles.
        await phone.Page.EvaluateAsync("() => { document.documentElement.style.fontSize = '200%'; }");
        await phone.SnapAsync("intro");
        await phone.StartAsync();
        await phone.SnapAsync("team-step");
        await phone.ChooseAsync(TeamRating, "较好");
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("张三（局长）");
        await phone.SnapAsync("chief-step");
    }

    /// <summary>Only the required ratings, step by step, to the review (or to the last step, to write there first).</summary>
    /// <summary>
    /// Limits count characters as a person sees them, as the server does: 50 joined emoji, flags and CJK Extension B
    /// characters fill a 50-character 其他 box exactly (HTML's maxlength counts UTF-16 units and stopped them at 25), the count
    /// says 50, one more is shown as over the limit and keeps the voter on the step, and the ballot stores every character.
    /// </summary>
    [Test]
    public async Task EmojiAndExtensionB_CountAsOneCharacterEach_UpToTheLimit_AndAreStoredWhole()
    {
        const string Family = "👨‍👩‍👧";
        var other = string.Concat(Enumerable.Repeat(Family, 47)) + "🇨🇳好𠮷";
        var opinion = "很好👍" + string.Concat(Enumerable.Repeat("👍", 996)) + "𠮷";
        Assert.That(Evaluation.Core.Text.UserText.Length(other), Is.EqualTo(50));
        Assert.That(Evaluation.Core.Text.UserText.Length(opinion), Is.EqualTo(1000));
        var phone = await NewPhoneAsync("emoji");
        await phone.OpenLinkAsync(SharedSlip());
        await phone.StartAsync();
        await FillRequiredAsync(phone, "好", "称职", "称职", toReview: false);

        await phone.ChooseAsync(Identity, Other);
        var box = phone.Question(Identity).GetByRole(AriaRole.Textbox, new() { Name = "请注明" });
        await box.ClickAsync();
        await phone.Page.Keyboard.InsertTextAsync(other);
        await Assertions.Expect(box).ToHaveValueAsync(other);
        await Assertions.Expect(phone.Question(Identity)).ToContainTextAsync("50 / 50 字");

        await phone.Page.Keyboard.InsertTextAsync("👍");
        await Assertions.Expect(phone.Question(Identity)).ToContainTextAsync("51 / 50 字，超出 1 字，请删减。");
        await phone.SnapAsync("other-over-the-limit");
        await phone.ClickAsync("核对答卷");
        await phone.ExpectStepAsync("总体评价和意见建议");
        await Assertions.Expect(box).ToBeFocusedAsync();
        await phone.Page.Keyboard.PressAsync("Backspace");
        await Assertions.Expect(box).ToHaveValueAsync(other);
        await Assertions.Expect(phone.Question(Identity)).ToContainTextAsync("50 / 50 字");
        await Assertions.Expect(phone.Question(Identity)).Not.ToContainTextAsync("超出");

        await phone.TextBox(CampaignOpinion).ClickAsync();
        await phone.Page.Keyboard.InsertTextAsync(opinion);
        await Assertions.Expect(phone.TextBox(CampaignOpinion)).ToHaveValueAsync(opinion);
        await Assertions.Expect(phone.Main).ToContainTextAsync("已写 1000 / 1000 字");
        await phone.SnapAsync("opinion-at-the-limit");

        // Typed names and texts stand in isolates, so nothing in one can turn the page's words around it.
        await Assertions.Expect(phone.Page.Locator("legend bdi", new() { HasTextString = Identity })).ToHaveCountAsync(1);
        await Assertions.Expect(phone.Heading.Locator("bdi")).ToHaveTextAsync(new[] { "总体评价和意见建议" });

        await phone.ClickAsync("核对答卷");
        await phone.ShowsAsync("review");
        await Assertions.Expect(phone.Main).ToContainTextAsync("其他：" + other);
        await phone.ClickAsync("提交答卷");
        var receipt = await phone.ReceiptAsync();

        using var answers = JsonDocument.Parse(await StoredBallotAsync(_shared, receipt));
        var once = answers.RootElement.GetProperty("once");
        Assert.That(once.GetProperty("identity").GetProperty("other").GetString(), Is.EqualTo(other));
        Assert.That(once.GetProperty("campaign-opinion").GetProperty("text").GetString(), Is.EqualTo(opinion));
    }

    private static async Task FillRequiredAsync(PhoneVoter phone, string team, string chief, string deputy, bool toReview = true)
    {
        await phone.ExpectStepAsync("局领导班子");
        await phone.ChooseAsync(TeamRating, team);
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("张三（局长）");
        await phone.ChooseAsync(MemberRating, chief);
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("李四（副局长）");
        await phone.ChooseAsync(MemberRating, deputy);
        await phone.ClickAsync("下一步");
        await phone.ExpectStepAsync("总体评价和意见建议");
        if (toReview) await phone.ClickAsync("核对答卷");
    }

    /// <summary>Prints what the page weighs, raw and compressed, and holds it to the budget of 60 KB compressed.</summary>
    [Test]
    public async Task PageWeight_IsPrinted_AndWithinBudget()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Server.Origin) };
        long raw = 0, gzip = 0, brotli = 0;
        TestContext.Out.WriteLine($"{"file",-18}{"raw",10}{"gzip",10}{"brotli",10}");
        foreach (var path in PageFiles)
        {
            var bytes = await http.GetByteArrayAsync(path);
            var (g, b) = (Compressed(bytes, s => new GZipStream(s, CompressionLevel.SmallestSize)), Compressed(bytes, s => new BrotliStream(s, CompressionLevel.SmallestSize)));
            TestContext.Out.WriteLine($"{path,-18}{bytes.Length,10}{g,10}{b,10}");
            (raw, gzip, brotli) = (raw + bytes.Length, gzip + g, brotli + b);
        }
        TestContext.Out.WriteLine($"{"total",-18}{raw,10}{gzip,10}{brotli,10}");
        Assert.That(Math.Min(gzip, brotli), Is.LessThanOrEqualTo(60 * 1024), "page (with its styles) + vote.js + blindrsa.js + hpke.js ≤ 60 KB compressed");
        Assert.That(gzip, Is.LessThanOrEqualTo(60 * 1024), "within budget even for a browser that takes gzip only");
    }

    private static readonly string[] PageFiles = ["/v", "/vote/vote.js", "/js/blindrsa.js", "/js/hpke.js"];

    /// <summary>
    /// The page's files name no other host: no absolute URL in a src, href, import or fetch (comments aside), and the
    /// page's CSP allows its own origin only. The requests a real vote makes are held to the same in every test's TearDown.
    /// </summary>
    [Test]
    public async Task PageFiles_NameNoOtherHost_AndThePolicyAllowsOnlyTheOrigin()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Server.Origin) };
        foreach (var path in PageFiles)
        {
            var text = await http.GetStringAsync(path);
            var code = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^\s*(//|\*|/\*).*$", "");
            Assert.That(code, Does.Not.Match(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}"), $"{path} names another host");
        }
        using var page = await http.GetAsync("/v");
        var policy = string.Join(";", page.Headers.TryGetValues("Content-Security-Policy", out var values) ? values : []);
        Assert.That(policy, Does.Contain("default-src 'self'").Or.Contain("default-src 'none'"), policy);
        Assert.That(policy, Does.Not.Contain("http:").And.Not.Contain("https:").And.Not.Contain("*"), policy);
    }

    /// <summary>
    /// Under Chrome DevTools' "Slow 3G" conditions, with an empty cache: how long until the code-entry screen is on
    /// screen, and how long a QR link takes to the introduction and to the credential. Figures only, no timing
    /// assertions; explicit because it takes some 15 s. Run with --filter "FullyQualifiedName~FirstRenderOnSlow3G".
    /// </summary>
    [Test, Explicit("a measurement, printed, not a check; takes some 15 s")]
    public async Task FirstRenderOnSlow3G_IsPrinted()
    {
        // Chrome DevTools' "Slow 3G" preset: 400 ms × 5 latency, 500 kbit/s × 0.8 each way.
        var conditions = new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 2000, ["downloadThroughput"] = 500 * 1000 / 8 * 0.8, ["uploadThroughput"] = 500 * 1000 / 8 * 0.8,
        };
        TestContext.Out.WriteLine("Slow 3G: latency 2000 ms, download 50 000 B/s, upload 50 000 B/s, empty cache, HTTP/1.1, the page's files compressed (brotli or gzip) as the app serves them.");

        var phone = await NewPhoneAsync("slow3g-code");
        var cdp = await phone.Page.Context.NewCDPSessionAsync(phone.Page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", conditions);
        var clock = Stopwatch.StartNew();
        await phone.Page.GotoAsync(Server.Origin + "/v", new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
        await phone.Page.Locator("main[data-screen=code] #code").WaitForAsync(new() { Timeout = 60_000 });
        var wall = clock.ElapsedMilliseconds;
        await phone.SnapAsync("code-entry-first-paint");
        var timing = await phone.Page.EvaluateAsync<JsonElement>(
            """
            () => ({
              visible: Math.round(performance.now()),
              fcp: Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1),
              bytes: performance.getEntriesByType('navigation')[0].transferSize +
                     performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0),
            })
            """);
        TestContext.Out.WriteLine($"code entry visible: {timing.GetProperty("visible")} ms after navigation start " +
                                  $"(first contentful paint {timing.GetProperty("fcp")} ms; {wall} ms by the test's clock); " +
                                  $"{timing.GetProperty("bytes")} bytes transferred");
        // The page's script has taken the screen over: 开始 submits (index.html's button submits nothing before).
        await phone.Page.Locator("form.code-form button[type=submit]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        TestContext.Out.WriteLine($"code entry taken over by the script: {await phone.Page.EvaluateAsync<long>("() => Math.round(performance.now())")} ms after navigation start");
        await phone.SnapAsync("code-entry");

        var qr = await NewPhoneAsync("slow3g-link");
        var qrCdp = await qr.Page.Context.NewCDPSessionAsync(qr.Page);
        await qrCdp.SendAsync("Network.enable");
        await qrCdp.SendAsync("Network.emulateNetworkConditions", conditions);
        clock.Restart();
        await qr.Page.GotoAsync($"{Server.Origin}/v#{SharedSlip()}", new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
        await qr.Page.Locator("main[data-screen=intro]").WaitForAsync(new() { Timeout = 60_000 });
        var intro = clock.ElapsedMilliseconds;
        await qr.SnapAsync("intro");
        await qr.Page.Locator("#ready.ok").WaitForAsync(new() { Timeout = 60_000 });
        TestContext.Out.WriteLine($"QR link: introduction after {intro} ms, anonymous credential in hand after {clock.ElapsedMilliseconds} ms");
    }

    private static long Compressed(byte[] bytes, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output)) stream.Write(bytes);
        return output.ToArray().Length;
    }
}
