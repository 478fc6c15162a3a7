using System.Diagnostics;
using System.Security.Cryptography;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using System.Text.Json;
using Evaluation.Web.Features.Voting;
using Npgsql;

namespace Evaluation.LoadBench;

/// <param name="CpuMsPerSignature">CPU time of one signature in the one-core run: unlike the rates, barely moved by other work on the machine.</param>
public sealed record SigningRate(double OneCorePerSecond, double AllCoresPerSecond, double CpuMsPerSignature);

/// <param name="BlindSign">What the service's own signing code (BlindRsa.BlindSign) reaches.</param>
/// <param name="OpenSsl">
/// The hardware's ceiling: the platform's RSA (OpenSSL on Linux) signing PKCS#1 SHA-256 with the same key, the private-key
/// operation <c>openssl speed rsa2048</c> measures. A blind signature is that operation plus RFC 9474's check of the result.
/// </param>
public sealed record SigningCeiling(int Cores, SigningRate BlindSign, SigningRate OpenSsl);

/// <param name="PostgresCpuMsPerCommit">PostgreSQL's CPU time per commit of the run, when its processes can be seen.</param>
public sealed record CommitCeiling(double PerSecond, long Commits, string SynchronousCommit, double? PostgresCpuMsPerCommit);

/// <summary>CPU time of one server-side step, in microseconds on one core.</summary>
public sealed record CostItem(string Step, string Request, double Microseconds);

/// <summary>
/// What the two bottlenecks allow at best, measured in the same run: RSA blind signing in this process (the
/// service's check-in cannot beat it), and one-at-a-time single-row commits on the same PostgreSQL (what ballots
/// would reach without group commit).
/// </summary>
public static class Ceilings
{
    /// <summary>
    /// BlindRsa.BlindSign with <paramref name="key"/> (2048 bits, as the service makes at opening), then the platform's RSA
    /// signing with the same key; each on one core, then on all in parallel.
    /// </summary>
    public static SigningCeiling MeasureSigning(BlindRsaPrivateKey key, TimeSpan each)
    {
        var blinded = Enumerable.Range(0, 64)
            .Select(_ => BlindRsa.Blind(key.PublicKey, BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32))).BlindedMessage).ToArray();
        var blindSign = Rate(each, i => BlindRsa.BlindSign(key, blinded[i % blinded.Length]));

        var pkcs8 = key.ExportPkcs8();
        var hashes = Enumerable.Range(0, 64).Select(_ => SHA256.HashData(RandomNumberGenerator.GetBytes(32))).ToArray();
        // One RSA object per thread, as the service would keep one per worker: an instance is not documented as thread-safe.
        using var perThread = new ThreadLocal<RSA>(() =>
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return rsa;
        }, trackAllValues: true);
        try
        {
            var openSsl = Rate(each, i => perThread.Value!.SignHash(hashes[i % hashes.Length], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            return new SigningCeiling(Environment.ProcessorCount, blindSign, openSsl);
        }
        finally
        {
            foreach (var rsa in perThread.Values) rsa.Dispose();
        }
    }

    private static SigningRate Rate(TimeSpan each, Action<int> sign)
    {
        for (var i = 0; i < 20; i++) sign(i);
        var one = Measure(1, each, sign);
        var all = Measure(Environment.ProcessorCount, each, sign);
        return new SigningRate(one.PerSecond, all.PerSecond, one.CpuMsPerOperation);
    }

    /// <summary>
    /// Sequential autocommit inserts of one ballot-sized row each, on one connection, into a scratch table of a scratch
    /// schema dropped afterwards; the session keeps the server's synchronous_commit, so each commit waits for its WAL flush.
    /// </summary>
    public static async Task<CommitCeiling> MeasureCommitsAsync(string connectionString, int? postmasterPid, TimeSpan time, string sampleAnswers,
        CancellationToken ct)
    {
        // Built from random hex, never from input; unique so that two runs on one server do not meet.
        var schema = $"loadbench_scratch_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync(ct);
        string synchronousCommit;
        await using (var show = new NpgsqlCommand("show synchronous_commit", conn))
            synchronousCommit = (string)(await show.ExecuteScalarAsync(ct))!;
        await using (var create = new NpgsqlCommand(
                         $"""
                          create schema {schema};
                          create table {schema}.commit_probe (
                              id uuid primary key, evaluation_id uuid not null, message bytea not null, signature bytea not null, answers text not null)
                          """, conn))
            await create.ExecuteNonQueryAsync(ct);
        try
        {
            await using var insert = new NpgsqlCommand(
                $"insert into {schema}.commit_probe (id, evaluation_id, message, signature, answers) values ($1, $2, $3, $4, $5)", conn);
            var evaluation = Guid.NewGuid();
            var signature = RandomNumberGenerator.GetBytes(256);
            insert.Parameters.Add(new NpgsqlParameter<Guid>());
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = evaluation });
            insert.Parameters.Add(new NpgsqlParameter<byte[]>());
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = signature });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sampleAnswers });
            // Prepared: the best a single row can do, so the ratio to group commit is not flattered.
            await insert.PrepareAsync(ct);

            async Task InsertOneAsync()
            {
                ((NpgsqlParameter<Guid>)insert.Parameters[0]).TypedValue = Guid.NewGuid();
                ((NpgsqlParameter<byte[]>)insert.Parameters[2]).TypedValue = RandomNumberGenerator.GetBytes(Receipt.PreparedMessageLength);
                await insert.ExecuteNonQueryAsync(ct);
            }

            for (var i = 0; i < 20; i++) await InsertOneAsync();
            long commits = 0;
            var probe = new CpuProbe(null, postmasterPid);
            var before = probe.Take();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < time)
            {
                await InsertOneAsync();
                commits++;
            }
            var rate = commits / clock.Elapsed.TotalSeconds;
            var postgres = CpuProbe.Between(before, probe.Take()).PostgresSeconds;
            return new CommitCeiling(rate, commits, synchronousCommit, postgres is { } p ? 1000 * p / commits : null);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"drop schema {schema} cascade", conn);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// What the service computes per request, each step timed alone on one core: where a check-in's and a ballot's CPU goes
    /// (CheckIn.cs reads the JSON, signs twice, door and ballot, and writes the answer; the raw OpenSSL operation beside the
    /// two signatures is what they would cost at the hardware's speed; Submit.cs checks the door credential and the secret
    /// and derives the receipt; reading the answers against the form waits for 开箱). The phone page is served
    /// precompressed, so opening it has no step of its own here.
    /// </summary>
    public static IReadOnlyList<CostItem> MeasureServerSteps(BlindRsaPrivateKey key, string frozenFormJson, string answersJson, TimeSpan each)
    {
        var pkcs8 = key.ExportPkcs8();
        var spki = key.PublicKey.ExportSpki();
        var secret = Receipt.NewSecret();
        var message = BlindRsa.Prepare(Receipt.MessageFor(secret));
        var blinding = BlindRsa.Blind(key.PublicKey, message);
        var signature = BlindRsa.Finalize(key.PublicKey, message, BlindRsa.BlindSign(key, blinding.BlindedMessage), blinding.Inverse);
        var form = FormJson.ReadFrozenForm(frozenFormJson);

        // CPU time rather than wall time: another program on the machine then stretches neither.
        double Micro(Action<int> step)
        {
            for (var i = 0; i < 10; i++) step(i);
            return 1000 * Measure(1, each, step).CpuMsPerOperation;
        }

        // The same request body a phone sends: the token and two blinded messages of a modulus each.
        var checkInBody = PhoneSteps.CheckInBody(SlipToken.Generate(), blinding.BlindedMessage, blinding.BlindedMessage);
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        var digest = SHA256.HashData(message);

        return
        [
            new("私钥导入（ImportPkcs8，开始投票后每副本一次）", "签到", Micro(_ => BlindRsaPrivateKey.ImportPkcs8(pkcs8))),
            new("盲签名 ×2（BlindRsa.BlindSign：门凭证、选票凭证）", "签到", Micro(_ =>
            {
                BlindRsa.BlindSign(key, blinding.BlindedMessage);
                BlindRsa.BlindSign(key, blinding.BlindedMessage);
            })),
            new("OpenSSL 私钥运算 ×2（RSA.SignHash，同一密钥：盲签名的下限）", "签到", Micro(_ =>
            {
                rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            })),
            new("JSON 与 Base64（读请求、摘要、写应答）", "签到", Micro(_ =>
            {
                var request = JsonSerializer.Deserialize<CheckInRequest>(checkInBody, JsonSerializerOptions.Web)!;
                var door = Convert.FromBase64String(request.BlindedDoor!);
                var ballot = Convert.FromBase64String(request.BlindedBallot!);
                SHA256.HashData([.. door, .. ballot]);
                JsonSerializer.SerializeToUtf8Bytes(new CheckInResponse(Convert.ToBase64String(door), Convert.ToBase64String(ballot)), JsonSerializerOptions.Web);
            })),
            new("公钥导入（ImportSpki）", "提交", Micro(_ => BlindRsaPublicKey.ImportSpki(spki))),
            new("门凭证验证（Verify）", "提交", Micro(_ => BlindRsa.Verify(key.PublicKey, message, signature))),
            new("秘密与回执（IsMessageOf、FromSecret）", "提交", Micro(_ =>
            {
                Receipt.IsMessageOf(message, secret);
                Receipt.FromSecret(secret);
            })),
            new("问卷解析（ReadFrozenForm）", "开箱", Micro(_ => FormJson.ReadFrozenForm(frozenFormJson))),
            new("答卷读取、校验、规范化", "开箱", Micro(i =>
            {
                BallotJson.TryRead(answersJson, out var answers, out _);
                BallotValidator.Validate(form.Questionnaire, form.Targets, answers!);
                BallotJson.Canonical(BallotValidator.Normalise(answers!));
            })),
        ];
    }

    /// <summary>
    /// Operations per second of <paramref name="operation"/> on <paramref name="threads"/> dedicated threads for
    /// <paramref name="time"/>, and the process's CPU time per operation meanwhile (the rest of it is idle then).
    /// </summary>
    private static (double PerSecond, double CpuMsPerOperation) Measure(int threads, TimeSpan time, Action<int> operation)
    {
        var counts = new long[threads];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(time.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var n = 0L;
            while (Stopwatch.GetTimestamp() < end) operation((int)n++);
            counts[t] = n;
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var operations = Math.Max(1, counts.Sum());
        return (operations / Stopwatch.GetElapsedTime(started).TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / operations);
    }
}
