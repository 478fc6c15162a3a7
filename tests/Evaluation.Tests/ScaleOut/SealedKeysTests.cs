using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Infrastructure;
using Evaluation.Tests.Operations;
using Evaluation.Web.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Evaluation.Tests.ScaleOut;

/// <summary>Signing keys at rest: sealed from migration 0006 on, the key taken from configuration, and a missing or wrong one said plainly.</summary>
public sealed class SealedKeysTests
{
    [Test]
    public async Task Migrations0006And0007_ThenStartUp_SealKeysStoredInTheClear_AsTheKeyGroupsDoorAndBallotKeys_AndTheDatabaseRefusesNewPlainKeys()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        foreach (var name in MigrationTests.Scripts().Where(n => string.CompareOrdinal(n, "Migrations.0006") < 0))
            await conn.ExecuteAsync(MigrationTests.Script(name));
        var (unit, evaluation, category) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var signingKey = BlindRsaPrivateKey.Generate();
        await conn.ExecuteAsync(
            """
            insert into unit (id, name) values (@unit, '甲单位');
            insert into evaluation (id, unit_id, name, round, questionnaire, status, frozen_form, form_hash)
            values (@evaluation, @unit, '迁移前开始的评议', '动员大会后民主评议', '{}', 'open', '{}', 'hash');
            insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@category, @evaluation, '机关工作人员', 2, 1);
            insert into signing_key (evaluation_id, category_id, public_key, private_key) values (@evaluation, @category, @PublicKey, @Pkcs8);
            """, new { unit, evaluation, category, PublicKey = signingKey.PublicKey.ExportSpki(), Pkcs8 = signingKey.ExportPkcs8() });

        foreach (var name in MigrationTests.Scripts().Where(n => string.CompareOrdinal(n, "Migrations.0006") >= 0))
            await conn.ExecuteAsync(MigrationTests.Script(name));
        var key = KeyEncryptionKey.Generate();
        await using var db = NpgsqlDataSource.Create(connectionString);
        KeyEncryption.CheckAndSealStoredKeys(db, key, NullLogger.Instance);
        const string SelectKeys = "select ballot_private_key_sealed, door_private_key_sealed from key_group where evaluation_id = @evaluation";
        var sealedOnce = await conn.QuerySingleAsync<(byte[] Ballot, byte[] Door)>(SelectKeys, new { evaluation });
        KeyEncryption.CheckAndSealStoredKeys(db, key, NullLogger.Instance);

        // 0007 made the category's key its key group's (same id), as both its ballot key and its door key.
        Assert.That(SealedSigningKey.Unseal(key, evaluation, category, sealedOnce.Ballot).ExportPkcs8(), Is.EqualTo(signingKey.ExportPkcs8()));
        Assert.That(SealedSigningKey.Unseal(key, evaluation, category, sealedOnce.Door, door: true).ExportPkcs8(), Is.EqualTo(signingKey.ExportPkcs8()));
        Assert.That(() => SealedSigningKey.Unseal(key, evaluation, category, sealedOnce.Door), Throws.InstanceOf<SealedDataException>(),
            "a door key does not open as a ballot key");
        Assert.That(await conn.QuerySingleAsync<(byte[], byte[])>(SelectKeys, new { evaluation }), Is.EqualTo(sealedOnce),
            "a second replica's start-up seals nothing twice");
        var plainInsert = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
            """
            insert into key_group (id, evaluation_id, name, position, door_public_key, door_private_key_sealed, ballot_public_key, ballot_private_key_sealed)
            values (@other, @evaluation, '离退休老党员', 2, '\x00', @Pkcs8, '\x00', @Pkcs8)
            """, new { evaluation, other = Guid.NewGuid(), Pkcs8 = signingKey.ExportPkcs8() }));
        Assert.That(plainInsert!.SqlState, Is.EqualTo(PostgresErrorCodes.CheckViolation));

        var another = KeyEncryptionKey.Generate();
        Assert.That(() => KeyEncryption.CheckAndSealStoredKeys(db, another, NullLogger.Instance),
            Throws.TypeOf<SettingException>().With.Message.Contains(key.IdHex).And.Message.Contains(another.IdHex).And.Message.Contains("Signing__KeyEncryptionKey"));
    }

    [TestCase(null, "没有设置 Signing:KeyEncryptionKey")]
    [TestCase("c2hvcnQ=", "不是 32 字节密钥的 base64")]
    public async Task Start_WithADatabaseButNoUsableKey_ExitsWithOneMessageSayingWhichSettingToProvide(string? key, string says)
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Evaluation"] = "Host=127.0.0.1;Port=1;Database=never-reached",
            ["Signing__KeyEncryptionKey"] = key,
        });

        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(1), service.Output);
        Assert.That(service.Output, Does.Contain(says).And.Contain("Signing__KeyEncryptionKey").And.Contain("openssl rand -base64 32"));
        Assert.That(service.Output, Does.Not.Contain("Unhandled exception"));
    }

    [Test]
    public void MigrationsConnectionString_DefaultsToTheMainOne_AndTakesItsOwnSetting()
    {
        var main = "Host=evaluation-db-pooler-rw;Database=evaluation";
        var none = new ConfigurationBuilder().Build();
        var direct = new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:Migrations"] = "Host=evaluation-db-rw;Database=evaluation" }).Build();

        Assert.That(Database.MigrationsConnectionString(none, main), Is.EqualTo(main));
        Assert.That(Database.MigrationsConnectionString(direct, main), Is.EqualTo("Host=evaluation-db-rw;Database=evaluation"));
    }
}
