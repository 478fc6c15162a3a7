using Dapper;
using Npgsql;

namespace Evaluation.Tests.Infrastructure;

public sealed class TestDatabaseTests
{
    private static async Task<bool> HasStaffAccountTableAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        return await conn.ExecuteScalarAsync<bool>("select to_regclass('public.staff_account') is not null");
    }

    [Test]
    public async Task CreateDatabaseAsync_EachCall_GivesAnotherEmptyDatabase()
    {
        var first = await TestDatabase.CreateDatabaseAsync();
        var second = await TestDatabase.CreateDatabaseAsync();

        Assert.That(new NpgsqlConnectionStringBuilder(first).Database, Is.Not.EqualTo(new NpgsqlConnectionStringBuilder(second).Database));
        Assert.That(await HasStaffAccountTableAsync(first), Is.False);
    }

    [Test]
    public async Task CreateMigratedDatabaseAsync_AppliesTheSchema()
    {
        var migrated = await TestDatabase.CreateMigratedDatabaseAsync();

        Assert.That(await HasStaffAccountTableAsync(migrated), Is.True);
    }
}
