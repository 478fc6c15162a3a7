using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Playwright;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The built web app on a real loopback socket, on a database of its own, for a browser to reach (Playwright's
/// Chromium cannot reach the in-memory TestServer). Run from the web project's folder, so it serves wwwroot from
/// the source tree. Rows are written straight to the database; opening an evaluation and issuing slips go through
/// the organiser's pages, as they would at a venue.
/// </summary>
public sealed partial class VotingServer : IAsyncDisposable
{
    public const string OrganizerPassword = "Organizer-Password-1";
    private const string OrganizerName = "organizer-browser";

    private readonly ServiceProcess _service;

    private VotingServer(ServiceProcess service, string connectionString)
    {
        _service = service;
        ConnectionString = connectionString;
    }

    /// <summary>http://127.0.0.1:port: a loopback origin, which Chromium treats as a secure context (WebCrypto).</summary>
    public string Origin => _service.Origin;
    public string ConnectionString { get; }
    public Guid Unit { get; } = Guid.NewGuid();

    public string Output => _service.Output;

    /// <summary>A client of its own (cookies included), as another phone or browser.</summary>
    public HttpClient Client() => _service.Client();

    /// <param name="connectionString">An empty database to use; by default, a new one on the run's server.</param>
    /// <param name="settings">More environment variables for the app.</param>
    public static async Task<VotingServer> StartAsync(string? connectionString = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        connectionString ??= await TestDatabase.CreateDatabaseAsync();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = connectionString,
            ["Bootstrap__AdminPassword"] = "Admin-Password-1",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>()) environment[name] = value;
        var server = new VotingServer(ServiceProcess.Start(environment), connectionString);
        await server._service.WaitUntilServingAsync();
        await server.SeedUnitAndOrganizerAsync();
        return server;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    private async Task SeedUnitAndOrganizerAsync()
    {
        await using var conn = await OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into unit (id, name) values (@Unit, '示例市卫生局');
            insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
            values (@Account, @OrganizerName, '组织者', 'organizer', @Hash, gen_random_uuid());
            insert into staff_unit (account_id, unit_id) values (@Account, @Unit);
            """, new { Unit, Account = Guid.NewGuid(), OrganizerName, Hash = Passwords.Hash(OrganizerPassword) });
    }

    /// <summary>A draft evaluation of <see cref="VotingForm"/>'s questionnaire and targets, with one respondent category.</summary>
    public async Task<VotingEvaluation> SeedDraftAsync(string name)
    {
        var evaluation = new VotingEvaluation(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), name);
        await using var conn = await OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire) values (@Id, @Unit, @Name, '动员大会后民主评议', @Questionnaire);
            insert into target (id, evaluation_id, kind, name, position) values (@TeamId, @Id, 'team', '局领导班子', 1);
            insert into target (id, evaluation_id, kind, name, title, position) values (@ChiefId, @Id, 'member', '张三', '局长', 2);
            insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
            values (@DeputyId, @Id, 'member', '李四', '副局长', date '2025-09-01', 3);
            insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@CategoryId, @Id, '机关工作人员', 50, 1);
            """,
            new
            {
                evaluation.Id, Unit, evaluation.Name, evaluation.TeamId, evaluation.ChiefId, evaluation.DeputyId, evaluation.CategoryId,
                Questionnaire = FormJson.Canonical(VotingForm.Questionnaire),
            });
        return evaluation;
    }

    /// <summary>Signs in as the organiser, as a browser would (antiforgery token from the form, then the cookie session).</summary>
    /// <summary>Signs a browser page in through the login form. Generous: on a busy machine hashing a password takes seconds.</summary>
    public async Task SignInAsync(IPage page, string user = "organizer-browser", string password = OrganizerPassword)
    {
        await page.GotoAsync($"{Origin}/login");
        await page.GetByLabel("用户名").FillAsync(user);
        await page.GetByLabel("密码").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        // Signed in once the redirect away from /login commits (it carries the cookie); every caller then opens the page it
        // tests, so waiting for the landing page's load event as well only adds a way to time out.
        await page.WaitForURLAsync(url => !url.Contains("/login"), new() { Timeout = 90_000, WaitUntil = WaitUntilState.Commit });
    }

    public async Task<StaffClient> SignInAsOrganizerAsync()
    {
        var organizer = new StaffClient(_service.Client());
        await organizer.LoginAsync(OrganizerName, OrganizerPassword);
        return organizer;
    }

    public static async Task OpenAsync(StaffClient organizer, VotingEvaluation evaluation)
    {
        using var response = await organizer.PostFormAsync($"/evaluations/{evaluation.Id}/open", []);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
    }

    /// <summary>Issues slips through the organiser's page (its HTML sheet, not the PDF) and reads the tokens from the slips' links.</summary>
    public static async Task<List<string>> IssueSlipsAsync(StaffClient organizer, VotingEvaluation evaluation, int count)
    {
        using var response = await organizer.PostFormAsync($"/evaluations/{evaluation.Id}/slips",
            [new("CategoryId", evaluation.CategoryId.ToString()), new("Count", count.ToString()), new("Format", "html")]);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var tokens = SlipLink().Matches(body).Select(m => m.Groups[1].Value).ToList();
        Assert.That(tokens, Has.Count.EqualTo(count));
        return tokens;
    }

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();

    /// <summary>The evaluation's ballots while voting is open: sealed, each under its door message.</summary>
    public async Task<List<(byte[] DoorMessage, Guid KeyGroupId, byte[] Ciphertext)>> BallotsAsync(VotingEvaluation evaluation)
    {
        await using var conn = await OpenAsync();
        return (await conn.QueryAsync<(byte[], Guid, byte[])>(
            "select door_message, key_group_id, ciphertext from sealed_ballot where evaluation_id = @Id", new { evaluation.Id })).ToList();
    }

    /// <summary>A key group's ballot key, SubjectPublicKeyInfo, as the slip's description gives it.</summary>
    public async Task<byte[]> BallotKeyAsync(Guid keyGroupId)
    {
        await using var conn = await OpenAsync();
        return await conn.QuerySingleAsync<byte[]>("select ballot_public_key from key_group where id = @keyGroupId", new { keyGroupId });
    }

    /// <summary>The evaluation's receipts, as stored: apart from the ballots, and leading to none of them.</summary>
    public async Task<List<string>> ReceiptsAsync(VotingEvaluation evaluation)
    {
        await using var conn = await OpenAsync();
        return (await conn.QueryAsync<string>("select receipt from ballot_receipt where evaluation_id = @Id", new { evaluation.Id })).ToList();
    }

    public async Task<long> CheckedInSlipsAsync(VotingEvaluation evaluation)
    {
        await using var conn = await OpenAsync();
        return await conn.ExecuteScalarAsync<long>(
            "select count(*) from slip where evaluation_id = @Id and blinded_hash is not null", new { evaluation.Id });
    }

    public ValueTask DisposeAsync() => _service.DisposeAsync();
}

public sealed record VotingEvaluation(Guid Id, Guid TeamId, Guid ChiefId, Guid DeputyId, Guid CategoryId, string Name);

/// <summary>
/// The form the browser tests vote on: the mobilisation template (班子 and member ratings, 四风 symptom lists with
/// 未发现 and 其他, per-target and once text), plus a once single choice with 其他 and a once multiple choice capped at
/// two selections, so every kind of question the page draws is exercised.
/// </summary>
public static class VotingForm
{
    public const string TeamRating = "对领导班子作风方面情况的总体评价";
    public const string MemberRating = "对该同志作风方面情况的总体评价";
    public const string Formalism = "在形式主义方面存在的突出问题";
    public const string Bureaucratism = "在官僚主义方面存在的突出问题";
    public const string Hedonism = "在享乐主义方面存在的突出问题";
    public const string Extravagance = "在奢靡之风方面存在的突出问题";
    public const string TargetOpinion = "对其改进作风的具体意见";
    public const string CampaignOpinion = "对搞好教育实践活动的意见建议"; // the template's last question, kept last
    public const string Identity = "您的身份";
    public const string Concerns = "最需要改进的方面（最多选 2 项）";

    public static readonly Questionnaire Questionnaire = FormTemplates.MobilisationEvaluation.Questionnaire with
    {
        Questions =
        [
            .. FormTemplates.MobilisationEvaluation.Questionnaire.Questions.SkipLast(1),
            new Question { Id = "identity", Kind = QuestionKind.SingleChoice, Text = Identity,
                Options = ["在职干部职工", "中层干部", "服务对象"], AllowOther = true, MaxLength = 50 },
            new Question { Id = "concerns", Kind = QuestionKind.MultipleChoice, Text = Concerns, MaxSelections = 2,
                Options = ["会风文风", "服务态度", "办事效率", "公务接待"], AllowOther = true, MaxLength = 50 },
            FormTemplates.MobilisationEvaluation.Questionnaire.Questions[^1],
        ],
    };
}
