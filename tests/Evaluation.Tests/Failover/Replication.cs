using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Tests.Faults;

namespace Evaluation.Tests.Failover;

/// <summary>What the failover tests read off a server directly: burnt slips, and commits waiting for the standby.</summary>
public static class Replication
{
    /// <summary>
    /// Every phone that was answered at check-in finds its slip burnt there, by its own blinded pair, holding the very
    /// signatures it was given: a slip answered but not burnt could be checked in again by another phone.
    /// </summary>
    public static async Task AssertAnsweredCheckInsAreBurntAsync(string connectionString, IEnumerable<Phone> phones, string where)
    {
        await using var conn = await ReplicatedCluster.OpenAsync(connectionString);
        var answered = phones.Where(p => p.BlindSignature is not null).ToList();
        var slips = (await conn.QueryAsync<(byte[] TokenHash, byte[]? BlindedHash, byte[]? Door, byte[]? Ballot)>(
                "select token_hash, blinded_hash, blind_signature, ballot_blind_signature from slip where token_hash = any(@Hashes)",
                new { Hashes = answered.Select(p => SlipToken.Hash(p.Token)).ToArray() }))
            .ToDictionary(s => Convert.ToBase64String(s.TokenHash));
        Assert.Multiple(() =>
        {
            foreach (var phone in answered)
            {
                var slip = slips.GetValueOrDefault(Convert.ToBase64String(SlipToken.Hash(phone.Token)));
                Assert.That(slip.BlindedHash, Is.EqualTo(SHA256.HashData(phone.BlindedMessage)), $"{where}: an answered check-in's slip is burnt by it");
                Assert.That(slip.Door is null || slip.Ballot is null ? null : (byte[])[.. slip.Door, .. slip.Ballot], Is.EqualTo(phone.BlindSignature),
                    $"{where}: the burnt slip holds the signatures the phone was given");
            }
        });
    }

    public static async Task<int> BurntSlipsAsync(string connectionString, Guid evaluationId)
    {
        await using var conn = await ReplicatedCluster.OpenAsync(connectionString);
        return await conn.ExecuteScalarAsync<int>("select count(*) from slip where evaluation_id = @evaluationId and blinded_hash is not null",
            new { evaluationId });
    }

    /// <summary>The primary's sessions whose commit waits for the synchronous standby.</summary>
    public static async Task<int[]> WaitingForStandbyAsync(string connectionString)
    {
        await using var conn = await ReplicatedCluster.OpenAsync(connectionString);
        return (await conn.QueryAsync<int>("select pid from pg_stat_activity where wait_event = 'SyncRep'")).ToArray();
    }
}
