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
}
