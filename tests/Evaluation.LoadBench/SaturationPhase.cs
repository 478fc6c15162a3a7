using System.Text.Json.Serialization;
using Evaluation.Core.Ballots;

namespace Evaluation.LoadBench;

/// <param name="Acknowledged">The receipts given out; left out of the JSON, which is no place for them.</param>
public sealed record SaturationResult(
    int Slips, int Concurrency, StepResult CheckIns, CpuUse CheckInCpu, StepResult Ballots, CpuUse BallotCpu,
    IReadOnlyList<ErrorCount> Errors, [property: JsonIgnore] IReadOnlyList<Acknowledged> Acknowledged);

/// <summary>
/// Phase 2, the ceiling of the service itself: fresh slips all checked in as fast as the service answers, then all
/// their ballots submitted as fast as it answers. The phones' own work (blinding, unblinding, filling) is done before
/// and between the two bursts, so the bursts measure the service and not this program.
/// </summary>
public static class SaturationPhase
{
    public const string CheckIn = "签到（饱和）";
    public const string Submit = "提交（饱和）";

    /// <param name="beforeCheckIns">Runs just before the check-in burst, <paramref name="beforeBallots"/> just before the ballot
    /// burst: where a ceiling measured under the same conditions belongs on a machine that other work shares.</param>
    public static async Task<SaturationResult> RunAsync(BenchTarget target, PreparedEvaluation evaluation, BenchOptions options, int seed,
        Func<Task> beforeCheckIns, Func<Task> beforeBallots, TextWriter log, CancellationToken ct)
    {
        var concurrency = options.SaturationConcurrency;
        // One pool of warm connections, as many as requests in flight: this phase asks what the service can do, not
        // what connection set-up costs (phase 1 has a client per phone for that).
        using var handler = new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = concurrency };
        using var http = new HttpClient(handler) { BaseAddress = target.Url, Timeout = TimeSpan.FromSeconds(60) };
        var errors = new ErrorCounts();
        var api = new VotingApi(http, errors);
        var phones = new PhoneSteps();
        var random = new Random(seed);

        // Every slip of a category is described alike: one description per category gives the key and the form.
        var describe = new StepRecorder("读取票签（饱和准备）");
        var pending = new List<PendingCheckIn>();
        foreach (var category in evaluation.Categories)
        {
            var answer = await api.PostAsync("/api/v/slip", PhoneSteps.DescribeBody(category.Tokens[0]), describe, ct)
                         ?? throw new BenchEnvironmentException($"饱和阶段读取票签失败：{string.Join("，", errors.All().Select(e => $"{e.Status}×{e.Count}"))}");
            var slip = phones.ReadSlip(answer);
            pending.AddRange(category.Tokens.Select(t => PhoneSteps.Blind(t, slip)));
        }
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending));
        var checkInBodies = pending.Select(PhoneSteps.CheckInBody).ToArray();

        await beforeCheckIns();
        log.WriteLine($"  {pending.Count} 次签到，并发 {concurrency}……");
        var checkIns = new StepRecorder(CheckIn);
        var answers = new System.Text.Json.JsonElement?[pending.Count];
        var checkInCpu = await BurstAsync(target, concurrency, pending.Count,
            async (i, token) => answers[i] = await api.PostAsync("/api/v/checkin", checkInBodies[i], checkIns, token), ct);

        var credentials = new List<Credential>();
        for (var i = 0; i < pending.Count; i++)
        {
            if (answers[i] is not { } answer) continue;
            if (PhoneSteps.Finish(pending[i], answer) is { } credential) credentials.Add(credential);
            else errors.Add(CheckIn, "签名无效");
        }
        // Signed and sealed here, before the burst: the phones' work, not the service's.
        var ballotsMade = credentials.Select(c => RandomBallot.Create(c.Slip.Form, random)).ToArray();
        var ballotBodies = credentials.Select((c, i) => PhoneSteps.BallotBody(c, BallotJson.Canonical(ballotsMade[i]))).ToArray();

        await beforeBallots();
        log.WriteLine($"  {credentials.Count} 张选票提交，并发 {concurrency}……");
        var ballots = new StepRecorder(Submit);
        var acknowledged = new Acknowledged?[credentials.Count];
        var ballotCpu = await BurstAsync(target, concurrency, credentials.Count, async (i, token) =>
        {
            if (await api.PostAsync("/api/v/ballot", ballotBodies[i], ballots, token) is not { } answer) return;
            acknowledged[i] = PhoneSteps.Receipted(credentials[i], answer, BallotValidator.IsBlank(ballotsMade[i]));
            if (acknowledged[i] is null) errors.Add(Submit, "回执不符");
        }, ct);

        return new SaturationResult(pending.Count, concurrency, checkIns.Result(), checkInCpu, ballots.Result(), ballotCpu,
            errors.All(), acknowledged.OfType<Acknowledged>().ToList());
    }

    /// <summary>Runs <paramref name="count"/> requests with at most <paramref name="concurrency"/> in flight; the CPU use meanwhile.</summary>
    private static async Task<CpuUse> BurstAsync(BenchTarget target, int concurrency, int count, Func<int, CancellationToken, Task> request,
        CancellationToken ct)
    {
        var cpu = new CpuProbe(target.ServicePid, target.PostmasterPid);
        var before = cpu.Take();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (i, token) => await request(i, token));
        return CpuProbe.Between(before, cpu.Take());
    }
}
