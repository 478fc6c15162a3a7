using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Demo;

/// <summary>
/// <c>--demo</c>: a complete draft evaluation shaped like the seed campaign (a 卫生局 班子 of five, one transferred out
/// eight months ago, the seed's respondent categories), two closed rounds with ballots (<see cref="DemoResults"/>: sealed, then opened with two of three key cards), plus one
/// account per staff role to look at them with.
/// </summary>
public static class DemoEvaluation
{
    public const string UnitName = "示例市卫生局";
    public const string EvaluationName = "2026年局领导班子和班子成员民主评议";
    public const string CampaignName = "党的群众路线教育实践活动";

    private static readonly (string UserName, string DisplayName, string Role)[] Accounts =
    [
        ("demo-organizer", "局教育实践活动办公室", Roles.Organizer),
        ("demo-supervisor", "第一督导组", Roles.Supervisor),
        ("demo-auditor", "局纪委", Roles.Auditor),
    ];

    private static readonly (string Name, string Title, int TransferredMonthsAgo)[] Members =
    [
        ("王建国", "党委书记、局长", 0),
        ("李秀英", "党委副书记", 0),
        ("张卫东", "副局长", 0),
        ("刘志明", "纪委书记", 0),
        ("陈晓红", "原副局长（已调市医保局）", 8),
    ];

    private static readonly (string Name, int Expected)[] Categories =
        [("机关工作人员", 86), ("直属单位领导班子成员", 54), ("离退休老党员", 23), ("服务对象代表", 30)];

    public static Task SeedAsync(WebApplication app) => SeedAsync(app.Services);

    /// <param name="services">The app's services: its database and the key that seals the signing keys.</param>
    public static async Task SeedAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (await conn.ExecuteScalarAsync<bool>("select exists (select 1 from unit where name = @UnitName)", new { UnitName }, tx))
        {
            Console.WriteLine($"演示数据已存在（{UnitName}），未重复创建。");
            return;
        }

        var unitId = Guid.NewGuid();
        await conn.ExecuteAsync("insert into unit (id, name) values (@unitId, @UnitName)", new { unitId, UnitName }, tx);

        var passwords = new List<(string UserName, string Role, string Password)>();
        foreach (var (userName, displayName, role) in Accounts)
        {
            if (await conn.ExecuteScalarAsync<bool>("select exists (select 1 from staff_account where user_name = @userName)", new { userName }, tx))
                continue;
            var id = Guid.NewGuid();
            var password = Passwords.Generate();
            await conn.ExecuteAsync(
                """
                insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp, must_change_password)
                values (@id, @userName, @displayName, @role, @Hash, @Stamp, true);
                insert into staff_unit (account_id, unit_id) values (@id, @unitId);
                """, new { id, userName, displayName, role, unitId, Hash = Passwords.Hash(password), Stamp = Guid.NewGuid() }, tx);
            passwords.Add((userName, role, password));
        }

        var evaluationId = Guid.NewGuid();
        await conn.ExecuteAsync(
            "insert into evaluation (id, unit_id, name, round, questionnaire) values (@evaluationId, @unitId, @EvaluationName, @Round, @Questionnaire)",
            new { evaluationId, unitId, EvaluationName, Round = "动员大会后民主评议", Questionnaire = FormJson.Canonical(FormTemplates.MobilisationEvaluation.Questionnaire) }, tx);

        var today = ChinaTime.Today;
        var targets = Members
            .Select((m, i) => new
            {
                Id = Guid.NewGuid(), evaluationId, Kind = "member", m.Name, m.Title, Position = i + 2,
                TransferredOutOn = m.TransferredMonthsAgo > 0 ? today.AddMonths(-m.TransferredMonthsAgo) : (DateOnly?)null,
            })
            .Prepend(new { Id = Guid.NewGuid(), evaluationId, Kind = "team", Name = $"{UnitName}领导班子", Title = (string)null!, Position = 1, TransferredOutOn = (DateOnly?)null });
        await conn.ExecuteAsync(
            """
            insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
            values (@Id, @evaluationId, @Kind, @Name, @Title, @TransferredOutOn, @Position)
            """, targets, tx);
        await conn.ExecuteAsync(
            "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@Id, @evaluationId, @Name, @Expected, @Position)",
            Categories.Select((c, i) => new { Id = Guid.NewGuid(), evaluationId, c.Name, c.Expected, Position = i + 1 }), tx);

        await ActionLogWriter.AppendAsync(tx, "系统", "创建演示数据", $"{UnitName}《{EvaluationName}》，编号 {evaluationId}", evaluationId: evaluationId);
        var rounds = await DemoResults.SeedAsync(conn, tx, services.GetRequiredService<KeyEncryptionKey>(), unitId, UnitName,
            Members.Select(m => (m.Name, m.Title, m.TransferredMonthsAgo > 0 ? today.AddMonths(-m.TransferredMonthsAgo) : (DateOnly?)null)).ToList());
        // One campaign over the draft and both closed rounds, run by the demo unit, so the roll-up shows them grouped as a 督导组
        // would look at them and the campaign board has a unit to list.
        var campaignId = await conn.ExecuteScalarAsync<Guid>(
            """
            insert into campaign (id, name, unit_id) values (gen_random_uuid(), @CampaignName, @unitId)
            on conflict (name) do update set name = excluded.name, unit_id = coalesce(campaign.unit_id, excluded.unit_id) returning id
            """, new { CampaignName, unitId }, tx);
        await conn.ExecuteAsync("update evaluation set campaign_id = @campaignId where unit_id = @unitId", new { campaignId, unitId }, tx);
        await tx.CommitAsync();
        // 开箱 runs in transactions of its own, on rounds already sealed and committed, as the 监票人 would open them.
        foreach (var round in rounds)
            await DemoResults.OpenAsync(db, round);

        Console.WriteLine();
        Console.WriteLine($"已创建演示评议：{UnitName}《{EvaluationName}》（草稿，可直接开始投票），以及两轮已结束的示例评议（可查看结果、下载 PDF 和 Excel）。");
        Console.WriteLine($"示例评议的投票箱由监票人{string.Join("、", DemoResults.Tellers)}各持一张开箱密钥卡（3 张中任意 2 张可开箱），已用其中 2 张开箱。");
        Console.WriteLine("演示账号（密码只显示这一次，首次登录后须改为自己的密码）：");
        foreach (var (userName, role, password) in passwords)
            Console.WriteLine($"  {Roles.NameOf(role),-4} {userName,-16} 密码 {password}");
        Console.WriteLine();
    }
}
