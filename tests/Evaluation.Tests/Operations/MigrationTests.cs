using Dapper;
using Evaluation.Web.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Evaluation.Tests.Operations;

public sealed class MigrationTests
{
    [Test]
    public async Task Migrate_FromSeveralReplicasAtOnce_AppliesEachScriptExactlyOnce()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Database.Migrate(connectionString, NullLogger.Instance))));

        await using var conn = new NpgsqlConnection(connectionString);
        var applied = (await conn.QueryAsync<string>("select scriptname from schemaversions")).ToList();
        var shipped = typeof(Database).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.")).ToList();
        Assert.That(applied, Is.EquivalentTo(shipped));
        Assert.That(shipped, Is.Not.Empty);
    }

    [Test]
    public async Task Migrate_Again_ChangesNothing()
    {
        var connectionString = await TestDatabase.CreateMigratedDatabaseAsync();

        Database.Migrate(connectionString, NullLogger.Instance);

        await using var conn = new NpgsqlConnection(connectionString);
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from schemaversions"),
            Is.EqualTo(typeof(Database).Assembly.GetManifestResourceNames().Count(n => n.StartsWith("Migrations."))));
    }

    [Test]
    public async Task Migration0005_MovesEveryReceiptToItsOwnTable_AndDropsTheBallotColumn()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        foreach (var name in Scripts().Where(n => string.CompareOrdinal(n, "Migrations.0005") < 0))
            await conn.ExecuteAsync(Script(name));
        var (unit, evaluation, category) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await conn.ExecuteAsync(
            """
            insert into unit (id, name) values (@unit, '甲单位');
            insert into evaluation (id, unit_id, name, round, questionnaire) values (@evaluation, @unit, '迁移前的评议', '动员大会后民主评议', '{}');
            insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@category, @evaluation, '机关工作人员', 2, 1);
            insert into ballot (id, evaluation_id, category_id, message, signature, answers, receipt)
            values (gen_random_uuid(), @evaluation, @category, '\x01', '\x02', '{}', 'AAAAABBBBB'),
                   (gen_random_uuid(), @evaluation, @category, '\x03', '\x04', '{}', 'CCCCCDDDDD');
            """, new { unit, evaluation, category });

        await conn.ExecuteAsync(Script(Scripts().Single(n => n.StartsWith("Migrations.0005_", StringComparison.Ordinal))));

        var moved = await conn.QueryAsync<(string Receipt, Guid EvaluationId)>("select receipt, evaluation_id from ballot_receipt");
        Assert.That(moved, Is.EquivalentTo(new[] { ("AAAAABBBBB", evaluation), ("CCCCCDDDDD", evaluation) }));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from ballot"), Is.EqualTo(2));
        Assert.That(await conn.ExecuteScalarAsync<long>(
            "select count(*) from information_schema.columns where table_name = 'ballot' and column_name = 'receipt'"), Is.Zero);
    }

    internal static IEnumerable<string> Scripts() =>
        typeof(Database).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    internal static string Script(string name)
    {
        using var reader = new StreamReader(typeof(Database).Assembly.GetManifestResourceStream(name)!);
        return reader.ReadToEnd();
    }
}
