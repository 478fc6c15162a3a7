using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Accounts;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Evaluation.Tests.Features;

/// <summary>
/// One app on its own database, with two units and one account per role in each, all with a known password.
/// Rows are written straight to the database: tests exercise the page under test, not the set-up pages.
/// </summary>
public sealed class StaffWorld : IAsyncDisposable
{
    public const string Password = "Test-Password-1";

    public required AppFactory App { get; init; }
    public required string ConnectionString { get; init; }
    public Guid UnitA { get; } = Guid.NewGuid();
    public Guid UnitB { get; } = Guid.NewGuid();
    public Dictionary<string, Guid> Accounts { get; } = [];

    /// <param name="connectionString">An empty database to use; by default, a new one on the run's server.</param>
    /// <param name="appConnectionString">
    /// What the app is given to reach the world's database, e.g. through a pooler; migrations and the test's own
    /// queries go straight to the database.
    /// </param>
    public static async Task<StaffWorld> StartAsync(Action<IWebHostBuilder>? configure = null, string? connectionString = null,
        Func<string, string>? appConnectionString = null)
    {
        connectionString ??= await TestDatabase.CreateDatabaseAsync();
        var app = new AppFactory(appConnectionString?.Invoke(connectionString) ?? connectionString, web =>
        {
            web.UseSetting("ConnectionStrings:Migrations", connectionString);
            configure?.Invoke(web);
        });
        app.StartServer();
        var world = new StaffWorld { App = app, ConnectionString = connectionString };
        await using var conn = await world.OpenAsync();
        await conn.ExecuteAsync("insert into unit (id, name) values (@UnitA, '甲单位'), (@UnitB, '乙单位')", new { world.UnitA, world.UnitB });
        foreach (var (userName, role, unit) in new[]
                 {
                     ("admin2", "admin", (Guid?)null),
                     ("organizer-a", "organizer", world.UnitA), ("supervisor-a", "supervisor", world.UnitA), ("auditor-a", "auditor", world.UnitA),
                     ("organizer-b", "organizer", world.UnitB), ("supervisor-b", "supervisor", world.UnitB), ("auditor-b", "auditor", world.UnitB),
                 })
            world.Accounts[userName] = await world.AddAccountAsync(userName, role, unit);
        return world;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async Task<Guid> AddAccountAsync(string userName, string role, Guid? unit)
    {
        var id = Guid.NewGuid();
        await using var conn = await OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp)
            values (@id, @userName, @userName, @role, @Hash, gen_random_uuid());
            insert into staff_unit (account_id, unit_id) select @id, @unit where @unit is not null;
            """, new { id, userName, role, unit, Hash = Passwords.Hash(Password) });
        return id;
    }

    public async Task<StaffClient> SignInAsync(string userName)
    {
        var client = App.CreateStaffClient();
        await client.LoginAsync(userName, Password);
        return client;
    }

    /// <summary>A draft evaluation in <paramref name="unit"/> with the mobilisation template, a 班子, one member and one category.</summary>
    public Task<SeededEvaluation> SeedDraftAsync(Guid unit, int expectedCount = 0) => SeedDraftAsync(ConnectionString, unit, expectedCount);

    /// <summary>The same, in any database with the schema: for an app that runs as a process of its own.</summary>
    public static async Task<SeededEvaluation> SeedDraftAsync(string connectionString, Guid unit, int expectedCount = 0)
    {
        var seeded = new SeededEvaluation(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(),
            FormTemplates.MobilisationEvaluation.Questionnaire.Questions[0].Id);
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire) values (@Id, @unit, '测试评议', '动员大会后民主评议', @Questionnaire);
            insert into target (id, evaluation_id, kind, name, position) values (@TeamId, @Id, 'team', '领导班子', 1);
            insert into target (id, evaluation_id, kind, name, title, position) values (@MemberId, @Id, 'member', '张三', '局长', 2);
            insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@CategoryId, @Id, '机关工作人员', @expectedCount, 1);
            """,
            new
            {
                seeded.Id, unit, seeded.TeamId, seeded.MemberId, seeded.CategoryId, expectedCount,
                Questionnaire = FormJson.Canonical(FormTemplates.MobilisationEvaluation.Questionnaire),
            });
        return seeded;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await OpenAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException($"no value: {sql}");
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}

public sealed record SeededEvaluation(Guid Id, Guid TeamId, Guid MemberId, Guid CategoryId, string QuestionId)
{
    /// <summary>Answers to every required item of the mobilisation form, an opinion and two 四风 items.</summary>
    public object CompleteAnswers(string teamGrade = "较好", string memberGrade = "称职", string opinion = "希望多听基层意见。") => new
    {
        once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = opinion } },
        targets = new Dictionary<string, object>
        {
            [TeamId.ToString()] = new Dictionary<string, object>
            {
                ["team-overall"] = new { choice = teamGrade },
                ["wind-1"] = new { choices = new[] { "文山会海、以会议落实会议" } },
                ["wind-2"] = new { choices = new[] { "未发现" } },
            },
            [MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = memberGrade } },
        },
    };

    public string Url => $"/evaluations/{Id}";
}
