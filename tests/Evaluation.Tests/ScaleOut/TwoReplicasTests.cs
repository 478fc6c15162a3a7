using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.ScaleOut;

/// <summary>
/// Two instances of the built service started at the same moment on one empty database, as two replicas behind a load
/// balancer. They share nothing else: each has a home folder of its own, so no key ring on disk could be shared, and
/// one browser (one cookie jar) or one phone talks to either.
/// </summary>
public sealed partial class TwoReplicasTests
{
    private const string Password = "Replica-Password-1";

    private string _connectionString = null!;
    private string _homes = null!;
    private ServiceProcess _a = null!;
    private ServiceProcess _b = null!;
    private StaffClient _organizerOnA = null!;
    private StaffClient _organizerOnB = null!;
    private readonly Guid _unit = Guid.NewGuid();

    [OneTimeSetUp]
    public async Task StartTwoReplicasAtOnce()
    {
        _connectionString = await TestDatabase.CreateDatabaseAsync();
        _homes = Path.Combine(Path.GetTempPath(), $"evaluation-replicas-{Guid.NewGuid():N}");
        _a = StartReplica("a");
        _b = StartReplica("b");
        await Task.WhenAll(_a.WaitUntilServingAsync(), _b.WaitUntilServingAsync());

        await using (var conn = await OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into unit (id, name) values (@_unit, '甲单位');
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
                values (@Account, 'organizer-a', '组织者', 'organizer', @Hash, gen_random_uuid());
                insert into staff_unit (account_id, unit_id) values (@Account, @_unit);
                """, new { _unit, Account = Guid.NewGuid(), Hash = Passwords.Hash(Password) });

        // One browser: the same cookie jar whichever replica the load balancer picks.
        var browser = new CookieContainer();
        _organizerOnA = new StaffClient(_a.Client(browser));
        _organizerOnB = new StaffClient(_b.Client(browser));
        await _organizerOnA.LoginAsync("organizer-a", Password);
    }

    private ServiceProcess StartReplica(string name)
    {
        var home = Directory.CreateDirectory(Path.Combine(_homes, name)).FullName;
        return ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = _connectionString,
            ["Bootstrap__AdminPassword"] = "Admin-Password-1",
            // The ingress's pod network, as deploy/k8s sets it, and loopback, where this test's "ingress" (its client) stands:
            // set, the list replaces the loopback default.
            ["Proxy__KnownNetworks"] = "10.0.0.0/8, fd00::/8, 127.0.0.0/8",
            ["HOME"] = home,
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _organizerOnA.Dispose();
        _organizerOnB.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        if (Directory.Exists(_homes)) Directory.Delete(_homes, recursive: true);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        return conn;
    }

    [Test]
    public async Task StartingTogether_OnAnEmptyDatabase_MigratesOnce_MakesOneAdminAndOneSignInKey()
    {
        await using var conn = await OpenAsync();
        var applied = (await conn.QueryAsync<string>("select scriptname from schemaversions")).ToList();
        Assert.That(applied, Is.EquivalentTo(typeof(Database).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations."))));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from staff_account where role = 'admin'"), Is.EqualTo(1));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from data_protection_key"), Is.EqualTo(1),
            "the first key is made under the migration lock, so the second replica finds it");
        Assert.That(_a.Output + _b.Output, Does.Not.Contain("Exception"));
    }

    [Test]
    public async Task SignInOnOneReplica_IsHonouredByTheOther_AndAFormFromOnePostsToTheOther()
    {
        var evaluation = await SeedDraftAsync("跨副本的评议", ("机关工作人员", 10));

        using var list = await _organizerOnB.GetAsync("/evaluations");
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK), "B reads the sign-in cookie A issued");
        Assert.That(await StaffClient.BodyAsync(list), Does.Contain("跨副本的评议"));

        using var renamed = await PostAcrossAsync(_organizerOnA, _organizerOnB, $"/evaluations/{evaluation.Id}/details",
            ("Name", "跨副本改名的评议"), ("Round", "动员大会后民主评议"));
        Assert.That(renamed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(renamed));
        await using var conn = await OpenAsync();
        Assert.That(await conn.ExecuteScalarAsync<string>("select name from evaluation where id = @Id", new { evaluation.Id }),
            Is.EqualTo("跨副本改名的评议"));
    }

    [Test]
    public async Task PhonesCheckingInOnOneReplicaAndSubmittingOnTheOther_AreEachCountedOnce_AndTheResultsAddUp()
    {
        var evaluation = await SeedDraftAsync("两个副本上的投票", ("机关工作人员", 30), ("离退休老党员", 20));
        using (var open = await PostAcrossAsync(_organizerOnB, _organizerOnA, $"/evaluations/{evaluation.Id}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var tokens = (await IssueSlipsAsync(_organizerOnA, evaluation.Id, evaluation.Categories[0], 24))
            .Concat(await IssueSlipsAsync(_organizerOnB, evaluation.Id, evaluation.Categories[1], 16)).ToList();
        Assert.That(tokens, Has.Count.EqualTo(40));

        var receipts = await Task.WhenAll(tokens.Select(async (token, i) =>
        {
            var (checkInAt, submitAt) = i % 2 == 0 ? (_a, _b) : (_b, _a);
            using var checkIn = new VotingClient(checkInAt.Client());
            using var submit = new VotingClient(submitAt.Client());
            var credential = await checkIn.CheckInAsync(token);
            var answers = evaluation.Answers(teamGrade: Grades[i % 4], memberGrade: i % 5 == 0 ? "不称职" : "称职");
            using var response = await submit.SubmitAsync(credential, answers);
            var body = await VotingClient.JsonAsync(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
            Assert.That(body.GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));

            if (i == 0)
            {
                // The phone lost the answer and retries; the load balancer sends the retry to the replica that checked it in.
                using var retry = await checkIn.SubmitAsync(credential, answers);
                Assert.That((await VotingClient.JsonAsync(retry)).GetProperty("receipt").GetString(), Is.EqualTo(credential.ExpectedReceipt));
            }
            return credential.ExpectedReceipt.Replace("-", "");
        }));

        await using (var conn = await OpenAsync())
        {
            // Voting is open: the ballots are sealed in the box until 结束投票 (server custody opens it at once).
            Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from sealed_ballot where evaluation_id = @Id", new { evaluation.Id }), Is.EqualTo(40));
            Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from slip where evaluation_id = @Id and blinded_hash is not null", new { evaluation.Id }), Is.EqualTo(40));
            var stored = await conn.QueryAsync<string>("select receipt from ballot_receipt where evaluation_id = @Id", new { evaluation.Id });
            Assert.That(stored, Is.EquivalentTo(receipts));
        }

        using (var close = await PostAcrossAsync(_organizerOnA, _organizerOnB, $"/evaluations/{evaluation.Id}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        using var results = await _organizerOnA.GetAsync($"/evaluations/{evaluation.Id}/results");
        var page = await StaffClient.BodyAsync(results);
        Assert.That(results.StatusCode, Is.EqualTo(HttpStatusCode.OK), page);
        // 应到 50, 实到 40, 发出 40, 收回 40, 有效 40, 无效 0, 弃权 0.
        Assert.That(page, Does.Contain("<td>50</td><td>40</td><td>40</td><td>40</td><td>40</td><td>0</td><td>0</td>"));
        Assert.That(page, Does.Contain("<strong>50.0%</strong>"), "班子 好评率: 好 10 + 较好 10 of 40");
        Assert.That(page, Does.Contain("<strong>80.0%</strong>"), "称职率: 32 称职 of 40");
    }

    [Test]
    public async Task SigningKeysAndSignInKeys_AtRest_AreSealedUnderTheConfiguredKey()
    {
        var evaluation = await SeedDraftAsync("密钥加密的评议", ("机关工作人员", 10));
        using (var open = await PostAcrossAsync(_organizerOnA, _organizerOnA, $"/evaluations/{evaluation.Id}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        await using var conn = await OpenAsync();
        var row = await conn.QuerySingleAsync<(Guid Id, byte[] PublicKey, byte[] PrivateKeySealed)>(
            "select id, ballot_public_key, ballot_private_key_sealed from key_group where evaluation_id = @Id", new { evaluation.Id });
        Assert.That(row.PrivateKeySealed[0], Is.EqualTo(KeyEncryptionKey.FormatVersion), "not a DER structure (0x30)");
        Assert.That(() => BlindRsaPrivateKey.ImportPkcs8(row.PrivateKeySealed), Throws.Exception, "what is stored is no PKCS#8");
        KeyEncryptionKey.TryParse(AppFactory.KeyEncryptionKey, out var key);
        var unsealed = SealedSigningKey.Unseal(key!, evaluation.Id, row.Id, row.PrivateKeySealed);
        Assert.That(unsealed.PublicKey.ExportSpki(), Is.EqualTo(row.PublicKey));

        foreach (var xml in await conn.QueryAsync<byte[]>("select xml_sealed from data_protection_key"))
        {
            Assert.That(xml[0], Is.EqualTo(KeyEncryptionKey.FormatVersion));
            Assert.That(System.Text.Encoding.UTF8.GetString(xml), Does.Not.Contain("masterKey").And.Not.Contain("<key"));
        }
    }

    [Test]
    public async Task AThirdReplicaGivenAnotherKey_RefusesToStart_AndSaysWhichSettingToFix()
    {
        var other = KeyEncryptionKey.Generate();
        await using var third = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = _connectionString,
            ["Signing__KeyEncryptionKey"] = other.ToBase64(),
        });

        Assert.That(await third.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(1), third.Output);
        KeyEncryptionKey.TryParse(AppFactory.KeyEncryptionKey, out var configured);
        Assert.That(third.Output, Does.Contain("Signing:KeyEncryptionKey").And.Contain("Signing__KeyEncryptionKey")
            .And.Contain(other.IdHex).And.Contain(configured!.IdHex));
        Assert.That(third.Output, Does.Not.Contain("Unhandled exception").And.Not.Contain(other.ToBase64()));
    }

    [Test]
    public async Task BehindTheIngress_ForwardedHttps_MarksCookiesSecure()
    {
        using var direct = await _a.Client().GetAsync("/login");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var proxied = await _a.Client().SendAsync(request);

        Assert.That(SetCookie(direct, "eval.csrf"), Does.Not.Contain("secure"), "plain HTTP on loopback, as in development");
        Assert.That(SetCookie(proxied, "eval.csrf"), Does.Contain("secure"), "the ingress terminated TLS");
    }

    private static string SetCookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Single(v => v.StartsWith(name + "=")).ToLowerInvariant() : "";

    private static readonly string[] Grades = ["好", "较好", "一般", "差"];

    private sealed record Draft(Guid Id, Guid TeamId, Guid MemberId, Guid[] Categories)
    {
        public object Answers(string teamGrade, string memberGrade) =>
            new SeededEvaluation(Id, TeamId, MemberId, Categories[0], "").CompleteAnswers(teamGrade, memberGrade);
    }

    private async Task<Draft> SeedDraftAsync(string name, params (string Name, int Expected)[] categories)
    {
        var draft = new Draft(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), categories.Select(_ => Guid.NewGuid()).ToArray());
        await using var conn = await OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire) values (@Id, @_unit, @name, '动员大会后民主评议', @Questionnaire);
            insert into target (id, evaluation_id, kind, name, position) values (@TeamId, @Id, 'team', '领导班子', 1);
            insert into target (id, evaluation_id, kind, name, title, position) values (@MemberId, @Id, 'member', '张三', '局长', 2);
            """,
            new { draft.Id, _unit, name, draft.TeamId, draft.MemberId, Questionnaire = FormJson.Canonical(FormTemplates.MobilisationEvaluation.Questionnaire) });
        await conn.ExecuteAsync(
            "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@Id, @EvaluationId, @Name, @Expected, @Position)",
            categories.Select((c, i) => new { Id = draft.Categories[i], EvaluationId = draft.Id, c.Name, c.Expected, Position = i + 1 }));
        return draft;
    }

    /// <summary>A form rendered by one replica (its antiforgery token) posted to another.</summary>
    private static async Task<HttpResponseMessage> PostAcrossAsync(StaffClient renderedBy, StaffClient postedTo, string url, params (string Key, string Value)[] fields)
    {
        var token = await renderedBy.AntiforgeryTokenAsync();
        return await postedTo.Http.PostAsync(url, new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).Append(new(StaffClient.TokenField, token))));
    }

    private static async Task<List<string>> IssueSlipsAsync(StaffClient organizer, Guid evaluation, Guid category, int count)
    {
        using var response = await organizer.PostFormAsync($"/evaluations/{evaluation}/slips",
            [new("CategoryId", category.ToString()), new("Count", count.ToString()), new("Format", "html")]);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return SlipLink().Matches(body).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();
}
