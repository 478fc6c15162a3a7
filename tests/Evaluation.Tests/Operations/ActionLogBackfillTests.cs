using Dapper;
using Evaluation.Core;
using Npgsql;

namespace Evaluation.Tests.Operations;

/// <summary>
/// Migration 0013 gives existing log entries the evaluation they concern only where the entry says so unambiguously, and
/// leaves the chain as it was.
/// </summary>
public sealed class ActionLogBackfillTests
{
    [Test]
    public async Task Migration0013_SetsTheEvaluationOnlyWhereUnambiguous_AndKeepsTheChain()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        foreach (var name in MigrationTests.Scripts().Where(n => string.CompareOrdinal(n, "Migrations.0013") < 0))
            await conn.ExecuteAsync(MigrationTests.Script(name));

        var unit = Guid.NewGuid();
        var (unique, round1, round2, renamed, copy, purged) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await conn.ExecuteAsync(
            """
            insert into unit (id, name) values (@unit, '甲单位');
            insert into evaluation (id, unit_id, name, round, questionnaire) values
                (@unique, @unit, '唯一评议', '动员大会后', '{}'),
                (@round1, @unit, '同名评议', '动员大会后', '{}'),
                (@round2, @unit, '同名评议', '总结大会后', '{}'),
                (@renamed, @unit, '新名称', '动员大会后', '{}'),
                (@copy, @unit, '复制的评议', '总结大会后', '{}');
            """, new { unit, unique, round1, round2, renamed, copy });

        (string Action, string Detail, Guid? Expected)[] entries =
        [
            ("创建评议", $"甲单位《唯一评议》（动员大会后），模板：空白，编号 {unique}", unique),
            ("添加评议对象", "《唯一评议》：班子成员 张三（局长）", unique),
            ("添加评议对象", "《同名评议》：班子成员 李四（副局长）", null),                        // two rounds bear the name
            ("修改评议", $"《旧名称》改为《新名称》（动员大会后），编号 {renamed}", renamed),
            ("发放票签", "《旧名称》：机关工作人员 10 张", renamed),                                 // the old name, known from the rename
            ("创建评议", $"甲单位《复制的评议》（总结大会后），从《唯一评议》复制评议对象 1 个，复制自编号 {unique}，编号 {copy}", copy),
            ("创建评议", $"《演练：唯一评议》，演练自编号 {unique}，编号 {purged}", purged),
            ("清除演练", $"《演练：唯一评议》，编号 {purged}，演练自编号 {unique}：票签 0 张，签到 0 人，选票 0 张", purged),
            ("结束投票", $"《假名》，编号 {round1}》，编号 {round2}，计票规则：…", null),             // a name quoting another id
            ("添加评议对象", $"《无此评议》：编号 {unique}", null),                                  // an id in a detail that never carries one
            ("梳理意见", $"《同名评议》（编号 {round2}）：新建梳理条目 x", round2),
            ("创建账号", "账号 someone", null),
        ];
        var prev = ActionLog.GenesisHash;
        var at = DateTimeOffset.UtcNow.AddTicks(-(DateTimeOffset.UtcNow.Ticks % 10));
        for (var i = 0; i < entries.Length; i++)
        {
            var hash = ActionLog.HashOf(i + 1, at, "测试", entries[i].Action, entries[i].Detail, prev);
            await conn.ExecuteAsync(
                "insert into staff_action (seq, at, actor, action, detail, prev_hash, hash) values (@seq, @at, '测试', @Action, @Detail, @prev, @hash)",
                new { seq = i + 1, at, entries[i].Action, entries[i].Detail, prev, hash });
            prev = hash;
        }
        var before = (await conn.QueryAsync<string>("select hash from staff_action order by seq")).ToList();

        await conn.ExecuteAsync(MigrationTests.Script(MigrationTests.Scripts().Single(n => n.StartsWith("Migrations.0013_", StringComparison.Ordinal))));

        var after = (await conn.QueryAsync<(long Seq, Guid? EvaluationId, string Hash)>("select seq, evaluation_id, hash from staff_action order by seq")).ToList();
        Assert.That(after.Select(a => a.EvaluationId), Is.EqualTo(entries.Select(e => e.Expected)));
        Assert.That(after.Select(a => a.Hash), Is.EqualTo(before));
        await Assert.ThrowsAsync<PostgresException>(async () => await conn.ExecuteAsync("update staff_action set evaluation_id = null where seq = 1"),
            "the append-only trigger is on again");
    }
}
