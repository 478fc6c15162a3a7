using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.LoadBench;
using Evaluation.Tests.Core.Crypto;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Features.Voting;
using Evaluation.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// 开箱 at the size of a large meeting, end to end on a PostgreSQL cluster of its own (issue 13's figure: 10,000 ballots ×
/// 20 targets, decrypt, verify, count, write, under 10 s). The evaluation is opened as an organiser opens it (key cards,
/// 核对码 typed back), the ballots are what phones make with the evaluation's real keys, 结束投票 goes over HTTP, and then
/// <see cref="BoxOpening.UnsealWithCardsAsync(NpgsqlDataSource, Guid, IReadOnlyList{string?}, System.Security.Claims.ClaimsPrincipal, CancellationToken)"/>
/// with 2 of 3 cards is timed, followed by the first results page. A measurement, printed; the only checks are that
/// every ballot opened and was counted.
/// <para>
/// What is not the real thing, to keep the set-up to a minute: the 10,000 ballots are written to <c>sealed_ballot</c>,
/// <c>ballot_receipt</c> and <c>slip</c> by bulk SQL in shuffled batches of <see cref="BallotBox.MaxBatch"/>, as the
/// box's group commit writes them, instead of through 20,000 requests; and each burnt slip's stored door blind signature
/// is random bytes of a real one's length (nothing reads it after check-in; 开箱 never does). The ballot credentials
/// are blind-signed with the key group's real ballot key, unsealed from the database as check-in unseals it.
/// </para>
/// </summary>
[NonParallelizable]
public sealed class SealedBallotBoxOpeningBenchmark
{
    private const int Ballots = 10_000, Members = 20;
    private static readonly (string Name, int Expected)[] Categories = [("机关工作人员", 7_000), ("服务对象代表", 3_000)];

    [Test, Explicit("a measurement, printed, not a check; the set-up blind-signs 10,000 credentials, about a minute on 2 cores")]
    public async Task Unseal_TenThousandBallotsOfTwentyOneTargets_WithKeyCards_PrintsTheTime()
    {
        var root = Path.Combine("/tmp", $"evaluation-unseal-bench-{Guid.NewGuid():N}");
        await using var cluster = await LocalPostgres.StartAsync(root, LocalPostgres.FreeLoopbackPort());
        var postmaster = int.Parse(File.ReadLines(Path.Combine(root, "pgdata", "postmaster.pid")).First());
        var probe = new CpuProbe(servicePid: null, postmasterPid: postmaster);
        try
        {
            await using var world = await StaffWorld.StartAsync(connectionString: cluster.ConnectionString);
            using var organizer = await world.SignInAsync("organizer-a");
            var setup = Stopwatch.StartNew();
            var evaluationId = await SeedDraftAsync(world);

            // 开始投票 with key cards, as the organiser does it: cards made, every 核对码 typed back.
            BoxKeys.PrintedCards printed;
            await using (var conn = await world.OpenAsync())
            await using (var tx = await conn.BeginTransactionAsync())
            {
                printed = await BoxKeys.MakeCardsAsync(conn, tx, evaluationId, ["张监票", "李监票", "王监票"], 2);
                await tx.CommitAsync();
            }
            using (var open = await organizer.PostFormAsync($"/evaluations/{evaluationId}/open",
                       [new("custody", "cards"), .. printed.Cards.Select(c => new KeyValuePair<string, string>("checkCodes", c.CheckCode))]))
                Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

            var sealedBytes = await FillTheBoxAsync(world, evaluationId);
            var setupTime = setup.Elapsed;

            using (var close = await organizer.PostFormAsync($"/evaluations/{evaluationId}/close", []))
                Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
            Assert.That(await world.ScalarAsync<string>("select status from evaluation where id = @evaluationId", new { evaluationId }), Is.EqualTo("sealed"));
            await using (var conn = await world.OpenAsync())
            await using (var checkpoint = new NpgsqlCommand("checkpoint", conn))
                await checkpoint.ExecuteNonQueryAsync();   // so the timed 开箱 does not pay for the set-up's dirty pages

            var db = world.App.Services.GetRequiredService<NpgsqlDataSource>();
            var opener = await TimeBoxOpenerAloneAsync(world, evaluationId, printed);

            var load = LoadAverage();
            var before = probe.Take();
            var wall = Stopwatch.StartNew();
            var result = await BoxOpening.UnsealWithCardsAsync(db, evaluationId, [printed.Cards[0].Code, null, printed.Cards[2].Code],
                "基准测试", CancellationToken.None);
            wall.Stop();
            var cpu = CpuProbe.Between(before, probe.Take());
            Assert.That(result.Opened, Is.True, string.Join("；", result.Errors));
            Assert.That(result.OpenedCount, Is.EqualTo(Ballots));
            Assert.That(result.Rejected, Is.Empty);

            // The first results page after 开箱 (cold: nothing of this evaluation counted before), then again, then the tally alone.
            var firstPage = Stopwatch.StartNew();
            using (var page = await organizer.GetAsync($"/evaluations/{evaluationId}/results"))
            {
                firstPage.Stop();
                Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(page));
            }
            var secondPage = Stopwatch.StartNew();
            using (var page = await organizer.GetAsync($"/evaluations/{evaluationId}/results"))
                Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            secondPage.Stop();
            var tallyTime = Stopwatch.StartNew();
            Evaluation.Core.Tallies.Tally tally;
            await using (var conn = await world.OpenAsync())
                tally = await EvaluationResults.CountAsync(conn, evaluationId, CancellationToken.None);
            tallyTime.Stop();
            Assert.That(tally.Turnout.Received, Is.EqualTo(Ballots));
            Assert.That(tally.Turnout.Invalid, Is.Zero);

            TestContext.Out.WriteLine(
                $"""
                开箱 基准：{Ballots} 张密封答卷 × {Members + 1} 个评议对象（{Members} 名班子成员 + 领导班子），{Categories.Length} 个密钥组，密文平均 {sealedBytes / Ballots} 字节
                  准备（开始投票、盲签名、封装、写入）{setupTime.TotalSeconds:F0} s
                  BoxOpener.Open 单独（同一批密文，内存中）：{opener.Wall.TotalSeconds:F2} s 墙钟，{opener.Cpu.TotalSeconds:F2} s CPU（本进程），负载 {opener.Load}
                  开箱 UnsealWithCardsAsync（读取、解密、验证、写入、删除、vacuum）：{wall.Elapsed.TotalSeconds:F2} s 墙钟；CPU：本进程 {cpu.BenchSeconds:F2} s，PostgreSQL {cpu.PostgresSeconds:F2} s；整机 {cpu.Machine:F0} % 忙；开始时负载 {load}
                  其中 BoxOpener.Open 以外（数据库读写与 vacuum）约 {(wall.Elapsed - opener.Wall).TotalSeconds:F2} s
                  开箱后第一次打开结果页 {firstPage.Elapsed.TotalSeconds:F2} s，第二次 {secondPage.Elapsed.TotalSeconds:F2} s；单独计票（EvaluationResults.CountAsync）{tallyTime.Elapsed.TotalSeconds:F2} s
                  负载（结束时）{LoadAverage()}
                """);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await cluster.DisposeAsync();
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The mobilisation form with the 班子 and <see cref="Members"/> members, and two respondent categories.</summary>
    private static async Task<Guid> SeedDraftAsync(StaffWorld world)
    {
        var id = Guid.NewGuid();
        await using var conn = await world.OpenAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire) values (@id, @Unit, '开箱基准评议', '动员大会后民主评议', @Questionnaire);
            insert into target (id, evaluation_id, kind, name, position) values (gen_random_uuid(), @id, 'team', '领导班子', 1);
            insert into target (id, evaluation_id, kind, name, title, position)
            select gen_random_uuid(), @id, 'member', '成员' || n, '副局长', n + 1 from generate_series(1, @Members) n;
            insert into respondent_category (id, evaluation_id, name, expected_count, position)
            select gen_random_uuid(), @id, c.name, c.expected, c.n from unnest(@Names, @Expected) with ordinality as c(name, expected, n);
            """,
            new
            {
                id, Unit = world.UnitA, Members,
                Questionnaire = FormJson.Canonical(FormTemplates.MobilisationEvaluation.Questionnaire),
                Names = Categories.Select(c => c.Name).ToArray(), Expected = Categories.Select(c => c.Expected).ToArray(),
            });
        return id;
    }

    private sealed record Made(Guid CategoryId, Guid KeyGroupId, byte[] DoorMessage, byte[] Ciphertext, string Receipt,
        byte[] BlindedHash, byte[] BallotBlindSignature);

    /// <summary>
    /// What 10,000 phones would have left in the box: each a fresh secret and phone key, the ballot credential blind-signed
    /// under its group's real ballot key, random but valid answers (LoadBench's), signed and sealed to the box key with
    /// the door message as aad; written with their receipts and burnt slips in shuffled batches. Returns the ciphertexts' total size.
    /// </summary>
    private static async Task<long> FillTheBoxAsync(StaffWorld world, Guid evaluationId)
    {
        var kek = world.App.Services.GetRequiredService<KeyEncryptionKey>();
        byte[] boxKey;
        string frozen;
        List<(Guid CategoryId, Guid GroupId, BlindRsaPrivateKey BallotKey)> categories;
        await using (var conn = await world.OpenAsync())
        {
            boxKey = await conn.QuerySingleAsync<byte[]>("select public_key from ballot_box where evaluation_id = @evaluationId", new { evaluationId });
            frozen = await conn.QuerySingleAsync<string>("select frozen_form from evaluation where id = @evaluationId", new { evaluationId });
            categories = (await conn.QueryAsync<(Guid CategoryId, Guid GroupId, byte[] Sealed)>(
                    """
                    select c.id, g.id, g.ballot_private_key_sealed from respondent_category c join key_group g on g.id = c.key_group_id
                    where c.evaluation_id = @evaluationId order by c.position
                    """, new { evaluationId }))
                .Select(c => (c.CategoryId, c.GroupId, SealedSigningKey.Unseal(kek, evaluationId, c.GroupId, c.Sealed))).ToList();
        }
        Assert.That(categories, Has.Count.EqualTo(Categories.Length));
        var form = FormJson.ReadFrozenForm(frozen);
        Assert.That(form.Targets, Has.Count.EqualTo(Members + 1));

        var made = new Made[Ballots];
        Parallel.For(0, Ballots, () => new Random(Random.Shared.Next()), (i, _, random) =>
        {
            var (categoryId, groupId, ballotKey) = i < Categories[0].Expected ? categories[0] : categories[1];
            using var phone = new TestPhone();
            var secret = Receipt.NewSecret();
            var door = BlindRsa.Prepare(Receipt.MessageFor(secret));
            var message = BlindRsa.Prepare(SealedBallot.MessageFor(phone.PhoneKey));
            var blinded = BlindRsa.Blind(ballotKey.PublicKey, message);
            var blindSignature = BlindRsa.BlindSign(ballotKey, blinded.BlindedMessage);
            var signature = BlindRsa.Finalize(ballotKey.PublicKey, message, blindSignature, blinded.Inverse);
            var answers = BallotJson.Canonical(RandomBallot.Create(form, random));
            var contents = new SealedBallot.Contents(message, signature, phone.PhoneKey, answers, phone.SignAnswers(evaluationId, groupId, answers));
            var blindedDoor = RandomNumberGenerator.GetBytes(blinded.BlindedMessage.Length);
            made[i] = new Made(categoryId, groupId, door, SealedBallot.Seal(boxKey, evaluationId, groupId, door, contents), Receipt.FromSecret(secret),
                SHA256.HashData([.. blindedDoor, .. blinded.BlindedMessage]), blindSignature);
            return random;
        }, _ => { });

        RandomNumberGenerator.Shuffle(made.AsSpan());
        await using (var conn = await world.OpenAsync())
            foreach (var batch in made.Chunk(BallotBox.MaxBatch))
            {
                await using var tx = await conn.BeginTransactionAsync();
                var slips = batch.ToArray();
                RandomNumberGenerator.Shuffle(slips.AsSpan());
                await conn.ExecuteAsync(
                    """
                    insert into slip (token_hash, evaluation_id, category_id, blinded_hash, blind_signature, ballot_blind_signature)
                    select t, @evaluationId, c, h, d, b from unnest(@Tokens, @Categories, @Hashes, @DoorSignatures, @BallotSignatures) as s(t, c, h, d, b)
                    """,
                    new
                    {
                        evaluationId, Tokens = slips.Select(_ => RandomNumberGenerator.GetBytes(32)).ToArray(),
                        Categories = slips.Select(s => s.CategoryId).ToArray(), Hashes = slips.Select(s => s.BlindedHash).ToArray(),
                        DoorSignatures = slips.Select(s => RandomNumberGenerator.GetBytes(s.BallotBlindSignature.Length)).ToArray(),
                        BallotSignatures = slips.Select(s => s.BallotBlindSignature).ToArray(),
                    }, tx);
                await tx.CommitAsync();
            }
        await using (var conn = await world.OpenAsync())
            foreach (var batch in made.Chunk(BallotBox.MaxBatch))
            {
                await using var tx = await conn.BeginTransactionAsync();
                await conn.ExecuteAsync(
                    """
                    insert into sealed_ballot (door_message, evaluation_id, key_group_id, ciphertext)
                    select d, @evaluationId, g, c from unnest(@Doors, @Groups, @Ciphertexts) as b(d, g, c)
                    """,
                    new
                    {
                        evaluationId, Doors = batch.Select(b => b.DoorMessage).ToArray(), Groups = batch.Select(b => b.KeyGroupId).ToArray(),
                        Ciphertexts = batch.Select(b => b.Ciphertext).ToArray(),
                    }, tx);
                var receipts = batch.Select(b => b.Receipt).Distinct().ToArray();
                RandomNumberGenerator.Shuffle(receipts.AsSpan());
                await conn.ExecuteAsync(
                    "insert into ballot_receipt (receipt, evaluation_id) select r, @evaluationId from unnest(@receipts) r on conflict do nothing",
                    new { evaluationId, receipts }, tx);
                await tx.CommitAsync();
            }
        return made.Sum(m => (long)m.Ciphertext.Length);
    }

    /// <summary>
    /// BoxOpener.Open alone on the same rows, read and keyed as BoxOpening does: what of 开箱 is the crypto, the rest being
    /// the database. Also warms the JIT and the idle RSA verifiers for the timed run, as a running service would have them.
    /// </summary>
    private static async Task<(TimeSpan Wall, TimeSpan Cpu, string Load)> TimeBoxOpenerAloneAsync(StaffWorld world, Guid evaluationId,
        BoxKeys.PrintedCards printed)
    {
        List<BoxOpener.SealedRow> rows;
        Dictionary<Guid, BlindRsaPublicKey> keys;
        await using (var conn = await world.OpenAsync())
        {
            rows = (await conn.QueryAsync<(byte[] DoorMessage, Guid KeyGroupId, byte[] Ciphertext)>(
                    "select door_message, key_group_id, ciphertext from sealed_ballot where evaluation_id = @evaluationId", new { evaluationId }))
                .Select(r => new BoxOpener.SealedRow(r.DoorMessage, r.KeyGroupId, r.Ciphertext)).ToList();
            keys = (await conn.QueryAsync<(Guid Id, byte[] Key)>("select id, ballot_public_key from key_group where evaluation_id = @evaluationId", new { evaluationId }))
                .ToDictionary(g => g.Id, g => BlindRsaPublicKey.ImportSpki(g.Key));
        }
        var cards = new[] { printed.Cards[0], printed.Cards[2] }.Select(c => KeyCards.TryRead(c.Code, out var card, out _) ? card! : throw new AssertionException(c.Code)).ToList();
        using var key = KeyCards.Combine(cards);
        BoxOpener.Open(key, evaluationId, keys, rows[..200]);
        var load = LoadAverage();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var outcome = BoxOpener.Open(key, evaluationId, keys, rows);
        wall.Stop();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Assert.That(outcome.Opened, Has.Count.EqualTo(Ballots));
        return (wall.Elapsed, cpuUsed, load);
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
}
