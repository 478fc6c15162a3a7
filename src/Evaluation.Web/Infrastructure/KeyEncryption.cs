using Dapper;
using Evaluation.Core.Crypto;
using Npgsql;

namespace Evaluation.Web.Infrastructure;

/// <summary>A setting is missing or wrong; the message tells the operator which one and what to do, and the service does not start.</summary>
public sealed class SettingException(string message) : Exception(message);

/// <summary>
/// Where the key encryption key comes from, and the start-up checks that keep every replica on the same one.
/// </summary>
public static class KeyEncryption
{
    public const string Setting = "Signing:KeyEncryptionKey";
    public const string EnvironmentVariable = "Signing__KeyEncryptionKey";
    public const string LocalFileName = "key-encryption-key";

    private const string HowToMakeOne =
        "生成方法：openssl rand -base64 32（32 字节随机数的 base64）。所有副本必须使用同一个值；请与数据库备份分开保管，丢失后已开始投票的评议无法再签到。";

    /// <summary>
    /// The configured key; else, with the private local cluster (./run.sh), one generated on first start and kept beside
    /// its data folder (not inside it, so a copy of pgdata does not carry it); else, with a real database, none: refuse.
    /// </summary>
    public static async Task<KeyEncryptionKey> ResolveAsync(IConfiguration configuration, LocalPostgres? local)
    {
        if (configuration[Setting] is { Length: > 0 } configured)
            return KeyEncryptionKey.TryParse(configured, out var key) ? key!
                : throw new SettingException($"{Setting}（环境变量 {EnvironmentVariable}）不是 32 字节密钥的 base64。{HowToMakeOne}");
        if (local is null)
            throw new SettingException(
                $"已设置 ConnectionStrings__Evaluation，但没有设置 {Setting}（环境变量 {EnvironmentVariable}）：" +
                $"它加密数据库中的签名私钥和登录密钥，服务不能在没有它的情况下使用外部数据库。{HowToMakeOne}");
        return await LocalKeyAsync(Path.Combine(local.Root, LocalFileName));
    }

    private static async Task<KeyEncryptionKey> LocalKeyAsync(string file)
    {
        if (File.Exists(file))
            return KeyEncryptionKey.TryParse(await File.ReadAllTextAsync(file), out var kept) ? kept!
                : throw new SettingException($"{file} 中的密钥格式不正确（应为 32 字节的 base64）。请从备份恢复该文件，或设置 {EnvironmentVariable}。");
        var key = KeyEncryptionKey.Generate();
        // Created readable by this user only, before the key is written into it.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var stream = new FileStream(file, options))
        await using (var writer = new StreamWriter(stream))
            await writer.WriteLineAsync(key.ToBase64());
        return key;
    }

    /// <summary>
    /// Refuses to start when the database holds data sealed under another key (a replica given a different value, a
    /// lost or mistyped secret): every check-in and sign-in would fail later, less clearly. Then seals any signing key
    /// stored in the clear before migration 0006. Run while holding the migration lock, so replicas take turns.
    /// </summary>
    public static void CheckAndSealStoredKeys(NpgsqlDataSource db, KeyEncryptionKey key, ILogger logger)
    {
        using var conn = db.OpenConnection();
        var others = conn.Query<byte[]>(
            """
            select distinct substring(k from 2 for @IdLength)
            from (select ballot_private_key_sealed as k from key_group
                  union all select door_private_key_sealed from key_group
                  union all select private_key_sealed from ballot_box where private_key_sealed is not null
                  union all select xml_sealed from data_protection_key) sealed
            where get_byte(k, 0) = @FormatVersion
            """, new { KeyEncryptionKey.IdLength, FormatVersion = (int)KeyEncryptionKey.FormatVersion })
            .Where(id => !id.AsSpan().SequenceEqual(key.Id)).Select(Convert.ToHexStringLower).ToList();
        if (others.Count > 0)
            throw new SettingException(
                $"{Setting}（环境变量 {EnvironmentVariable}）与数据库中已加密数据所用的密钥不一致：配置的密钥编号为 {key.IdHex}，" +
                $"数据库中的为 {string.Join("、", others)}。请为所有副本设置加密这些数据时所用的同一个值（密钥编号只用于核对，不泄露密钥）。");

        // Keys of evaluations opened before 0006 sealing, carried into key groups by 0007: door and ballot key are one key.
        var plain = conn.Query<(Guid EvaluationId, Guid Id, byte[] BallotPrivateKeySealed)>(
            "select evaluation_id, id, ballot_private_key_sealed from key_group where get_byte(ballot_private_key_sealed, 0) <> @FormatVersion",
            new { FormatVersion = (int)KeyEncryptionKey.FormatVersion }).ToList();
        if (plain.Count == 0) return;
        using (var tx = conn.BeginTransaction())
        {
            foreach (var row in plain)
                conn.Execute(
                    """
                    update key_group set ballot_private_key_sealed = @Ballot, door_private_key_sealed = @Door
                    where id = @Id and ballot_private_key_sealed = @BallotPrivateKeySealed
                    """,
                    new
                    {
                        Ballot = SealedSigningKey.Seal(key, row.EvaluationId, row.Id, row.BallotPrivateKeySealed),
                        Door = SealedSigningKey.Seal(key, row.EvaluationId, row.Id, row.BallotPrivateKeySealed, door: true),
                        row.Id, row.BallotPrivateKeySealed,
                    },
                    tx);
            tx.Commit();
        }
        // The plain keys' old row versions would stay in the table's pages until reused; a full vacuum writes the (small)
        // table anew and removes the old file. (Earlier WAL and backups still hold them: that is what sealing stops from now on.)
        conn.Execute("vacuum full key_group");
        logger.LogInformation("Sealed {Count} signing key(s) stored before sealing", plain.Count);
    }
}
