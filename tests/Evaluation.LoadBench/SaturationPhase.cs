using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Evaluation.Core.Ballots;

namespace Evaluation.LoadBench;

/// <param name="Acknowledged">The receipts given out; left out of the JSON, which is no place for them.</param>
public sealed record SaturationResult(
    int Slips, int Concurrency, StepResult CheckIns, CpuUse CheckInCpu, StepResult Ballots, CpuUse BallotCpu,
    IReadOnlyList<ErrorCount> Errors, [property: JsonIgnore] IReadOnlyList<Acknowledged> Acknowledged);

/// <param name="Votes">Each phone's whole vote, from sending its check-in to holding its receipt: its rate is complete votes per second.</param>
/// <param name="Cpu">Over the burst; the benchmark's share includes the phones' own work (unblinding, signing and sealing).</param>
/// <param name="Acknowledged">The receipts given out; left out of the JSON.</param>
public sealed record CompleteVotesResult(
    int Slips, int Concurrency, StepResult CheckIns, StepResult Ballots, StepResult Votes, CpuUse Cpu, IReadOnlyList<ErrorCount> Errors,
    [property: JsonIgnore] IReadOnlyList<Acknowledged> Acknowledged);

/// <summary>
/// Phase 2, the ceiling of the service itself, over one pool of warm connections as many as requests in flight: this phase
/// asks what the service can do, not what connection set-up costs (phase 1 has a client per phone for that). First fresh
/// slips all checked in as fast as the service answers, then all their ballots as fast as it answers, with the phones'
/// own work (blinding, unblinding, filling) done before and between the two bursts, so they measure the service alone.
/// Then complete votes: other fresh slips, each phone checking in, unblinding and sealing, and submitting at once.
/// </summary>
public static class SaturationPhase
{
    public const string CheckIn = "签到（饱和）";
    public const string Submit = "提交（饱和）";
    public const string VoteCheckIn = "签到（完整投票）";
    public const string VoteSubmit = "提交（完整投票）";
    public const string Vote = "完整投票";

    /// <param name="beforeCheckIns">Runs just before the check-in burst, <paramref name="beforeBallots"/> just before the ballot
    /// burst: where a ceiling measured under the same conditions belongs on a machine that other work shares.</param>
    public static async Task<SaturationResult> RunAsync(BenchTarget target, PreparedEvaluation evaluation, BenchOptions options, int seed,
        Func<Task> beforeCheckIns, Func<Task> beforeBallots, TextWriter log, CancellationToken ct)
    {
        var concurrency = options.SaturationConcurrency;
        using var phones = await BurstPhones.BlindAllAsync(target, evaluation, concurrency, seed, ct);
        var (api, errors, random, pending, checkInBodies) = (phones.Api, phones.Api.Errors, phones.Random, phones.Pending, phones.CheckInBodies);

        await beforeCheckIns();
        log.WriteLine($"  {pending.Count} 次签到，并发 {concurrency}……");
        var checkIns = new StepRecorder(CheckIn);
        var answers = new JsonElement?[pending.Count];
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

    /// <summary>
    /// Complete votes as fast as the service answers: each phone checks in, unblinds both signatures, signs and seals the
    /// answers its person filled in beforehand (a vote at saturation has nobody waiting between the two requests), and
    /// submits. The phones' unblinding and sealing run inside the burst, on this program's CPU.
    /// </summary>
    public static async Task<CompleteVotesResult> CompleteVotesAsync(BenchTarget target, PreparedEvaluation evaluation, BenchOptions options,
        int seed, TextWriter log, CancellationToken ct)
    {
        var concurrency = options.SaturationConcurrency;
        using var phones = await BurstPhones.BlindAllAsync(target, evaluation, concurrency, seed, ct);
        var (api, errors, random, pending, checkInBodies) = (phones.Api, phones.Api.Errors, phones.Random, phones.Pending, phones.CheckInBodies);
        var ballotsMade = pending.Select(p => RandomBallot.Create(p.Slip.Form, random)).ToArray();
        var answersJson = ballotsMade.Select(BallotJson.Canonical).ToArray();

        log.WriteLine($"  {pending.Count} 次完整投票（签到、去盲、封装、提交），并发 {concurrency}……");
        var (checkIns, ballots, votes) = (new StepRecorder(VoteCheckIn), new StepRecorder(VoteSubmit), new StepRecorder(Vote));
        var acknowledged = new Acknowledged?[pending.Count];
        var cpu = await BurstAsync(target, concurrency, pending.Count, async (i, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            acknowledged[i] = await VoteAsync(i, token);
            if (acknowledged[i] is null) votes.Failed();
            else votes.Succeeded(started, Stopwatch.GetTimestamp());
        }, ct);

        async Task<Acknowledged?> VoteAsync(int i, CancellationToken token)
        {
            if (await api.PostAsync("/api/v/checkin", checkInBodies[i], checkIns, token) is not { } checkedIn) return null;
            if (PhoneSteps.Finish(pending[i], checkedIn) is not { } credential)
            {
                errors.Add(VoteCheckIn, "签名无效");
                return null;
            }
            var body = PhoneSteps.BallotBody(credential, answersJson[i]);
            if (await api.PostAsync("/api/v/ballot", body, ballots, token) is not { } answer) return null;
            var receipted = PhoneSteps.Receipted(credential, answer, BallotValidator.IsBlank(ballotsMade[i]));
            if (receipted is null) errors.Add(VoteSubmit, "回执不符");
            return receipted;
        }

        return new CompleteVotesResult(pending.Count, concurrency, checkIns.Result(), ballots.Result(), votes.Result(), cpu, errors.All(),
            acknowledged.OfType<Acknowledged>().ToList());
    }

    /// <summary>
    /// A burst's phones: every slip of the evaluation blinded, in random order, as the page blinds while its person reads
    /// the introduction; one pool of warm connections for all of them.
    /// </summary>
    private sealed class BurstPhones(HttpClient http, VotingApi api, Random random, List<PendingCheckIn> pending) : IDisposable
    {
        public VotingApi Api => api;
        public Random Random => random;
        public List<PendingCheckIn> Pending => pending;
        public byte[][] CheckInBodies { get; } = pending.Select(PhoneSteps.CheckInBody).ToArray();

        public static async Task<BurstPhones> BlindAllAsync(BenchTarget target, PreparedEvaluation evaluation, int concurrency, int seed,
            CancellationToken ct)
        {
            var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = concurrency }, disposeHandler: true)
            {
                BaseAddress = target.Url,
                Timeout = TimeSpan.FromSeconds(60),
            };
            try
            {
                var api = new VotingApi(http, new ErrorCounts());
                var random = new Random(seed);
                var slips = new PhoneSteps();
                // Every slip of a category is described alike: one description per category gives the key and the form.
                var describe = new StepRecorder("读取票签（饱和准备）");
                var pending = new List<PendingCheckIn>();
                foreach (var category in evaluation.Categories)
                {
                    var answer = await api.PostAsync("/api/v/slip", PhoneSteps.DescribeBody(category.Tokens[0]), describe, ct)
                                 ?? throw new BenchEnvironmentException("饱和阶段读取票签失败：" +
                                                                        string.Join("，", api.Errors.All().Select(e => $"{e.Status}×{e.Count}")));
                    var slip = slips.ReadSlip(answer);
                    pending.AddRange(category.Tokens.Select(t => PhoneSteps.Blind(t, slip)));
                }
                random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending));
                return new BurstPhones(http, api, random, pending);
            }
            catch
            {
                http.Dispose();
                throw;
            }
        }

        public void Dispose() => http.Dispose();
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
