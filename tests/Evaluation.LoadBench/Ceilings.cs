using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Npgsql;

namespace Evaluation.LoadBench;

/// <param name="CpuMsPerSignature">CPU time of one signature in the one-core run: unlike the rates, barely moved by other work on the machine.</param>
public sealed record SigningCeiling(int Cores, double OneCorePerSecond, double AllCoresPerSecond, double CpuMsPerSignature);

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
    private static readonly string[] PhonePageFiles = ["wwwroot/vote/index.html", "wwwroot/vote/vote.css", "wwwroot/js/blindrsa.js", "wwwroot/js/hpke.js", "wwwroot/vote/vote.js"];

    /// <summary>BlindRsa.BlindSign with <paramref name="key"/> (2048 bits, as the service makes at opening); one core, then all in parallel.</summary>
    public static SigningCeiling MeasureSigning(BlindRsaPrivateKey key, TimeSpan each)
    {
        var blinded = Enumerable.Range(0, 64)
            .Select(_ => BlindRsa.Blind(key.PublicKey, BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32))).BlindedMessage).ToArray();
        for (var i = 0; i < 20; i++) BlindRsa.BlindSign(key, blinded[i % blinded.Length]);
        var one = Measure(1, each, i => BlindRsa.BlindSign(key, blinded[i % blinded.Length]));
        var all = Measure(Environment.ProcessorCount, each, i => BlindRsa.BlindSign(key, blinded[i % blinded.Length]));
        return new SigningCeiling(Environment.ProcessorCount, one.PerSecond, all.PerSecond, one.CpuMsPerOperation);
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
    /// What the service computes per request besides signing, each step timed alone on one core: where a check-in's and
    /// a ballot's CPU goes (CheckIn.cs imports the private key and signs twice, door and ballot; Submit.cs checks the door
    /// credential and the secret and derives the receipt; reading the answers against the form waits for 开箱).
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

        // The service compresses the phone page and its files on every request (StaticAssets.cs: Brotli, CompressionLevel.Optimal).
        var page = PhonePageFiles.Select(f => File.ReadAllBytes(Path.Combine(BenchTarget.RepositoryRoot(), "src", "Evaluation.Web", f))).ToList();

        return
        [
            new($"Brotli 压缩页面及 {page.Count - 1} 个文件", "打开页面", Micro(_ =>
            {
                foreach (var file in page)
                {
                    using var brotli = new BrotliStream(Stream.Null, CompressionLevel.Optimal);
                    brotli.Write(file);
                }
            })),
            new("私钥导入（ImportPkcs8）", "签到", Micro(_ => BlindRsaPrivateKey.ImportPkcs8(pkcs8))),
            new("盲签名 ×2（门凭证、选票凭证）", "签到", Micro(_ =>
            {
                BlindRsa.BlindSign(key, blinding.BlindedMessage);
                BlindRsa.BlindSign(key, blinding.BlindedMessage);
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
