using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Accounts;

/// <summary>The first start creates one 管理员 whose password is generated and shown once: there is no default password to forget to change.</summary>
public static class InitialAdmin
{
    public const string UserName = "admin";

    public static async Task EnsureAsync(WebApplication app)
    {
        var db = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("lock table staff_account in share row exclusive mode", transaction: tx);
        if (await conn.ExecuteScalarAsync<bool>("select exists (select 1 from staff_account where role = 'admin')", transaction: tx))
            return;

        var configured = app.Configuration["Bootstrap:AdminPassword"];
        if (configured is not null && Passwords.Problem(configured) is { } problem)
            throw new InvalidOperationException($"Bootstrap:AdminPassword 不符合要求：{problem}");
        var password = configured ?? Passwords.Generate();
        await conn.ExecuteAsync(
            """
            insert into staff_account (id, user_name, display_name, role, password_hash, security_stamp, must_change_password)
            values (@Id, @UserName, '系统管理员', 'admin', @Hash, @Stamp, @MustChange)
            """,
            // A printed password may stay in a terminal's scrollback or the service journal; one the operator configured
            // (Bootstrap:AdminPassword) is theirs already.
            new { Id = Guid.NewGuid(), UserName, Hash = Passwords.Hash(password), Stamp = Guid.NewGuid(), MustChange = configured is null }, tx);
        await ActionLogWriter.AppendAsync(tx, "系统", "创建账号", $"首次启动，创建管理员账号 {UserName}");
        await tx.CommitAsync();

        if (configured is null)
        {
            // Straight to the console, never through the logger: a log collector must not keep a credential.
            Console.WriteLine();
            Console.WriteLine("==================================================================");
            Console.WriteLine($"  已创建管理员账号：{UserName}");
            Console.WriteLine($"  初始密码（只显示这一次，请登录后立即修改）：{password}");
            Console.WriteLine("==================================================================");
            Console.WriteLine();
        }
    }
}
