using System.Diagnostics;
using System.Net;
using System.Text.Json.Serialization;
using Evaluation.Core.Ballots;

namespace Evaluation.LoadBench;

/// <param name="Ballots">The receipts given out; left out of the JSON, which is no place for them.</param>
public sealed record MeetingResult(
    int Phones, int Completed, IReadOnlyList<StepResult> Steps, IReadOnlyList<ErrorCount> Errors, double ArrivalLagP99Ms,
    int PhonesAtOnce, int MaxPhonesInFlight, double Seconds, CpuUse Cpu, [property: JsonIgnore] IReadOnlyList<Acknowledged> Ballots, int CheckIns)
{
    /// <summary>The worst p99 of the steps a person waits on.</summary>
    public double WorstP99Ms => Steps.Count == 0 ? 0 : Steps.Max(s => s.P99Ms);
}

/// <summary>
/// Phase 1, the meeting: each phone arrives at a random moment of the window, opens the page (the page and the files it
/// references, once), reads its slip, checks in, takes a while to fill the form, and submits.
/// </summary>
public static class MeetingPhase
{
    public const string Open = "打开页面";
    public const string Describe = "读取票签";
    public const string CheckIn = "签到";
    public const string Submit = "提交";

    public static async Task<MeetingResult> RunAsync(BenchTarget target, PreparedEvaluation evaluation, BenchOptions options, int seed,
        TextWriter log, CancellationToken ct)
    {
        var random = new Random(seed);
        var tokens = evaluation.Categories.SelectMany(c => c.Tokens).ToArray();
        random.Shuffle(tokens);
        var window = options.Window.TotalSeconds;
        var arrivals = tokens.Select(_ => TimeSpan.FromSeconds(random.NextDouble() * window)).Order().ToArray();

        var steps = new[] { new StepRecorder(Open), new StepRecorder(Describe), new StepRecorder(CheckIn), new StepRecorder(Submit) };
        var errors = new ErrorCounts();
        var phones = new PhoneSteps();
        var ballots = new List<Acknowledged>();
        var lags = new List<double>();
        int arrived = 0, inFlight = 0, maxInFlight = 0, completed = 0, checkIns = 0;
        using var gate = new SemaphoreSlim(options.PhonesAtOnce);
        var cpu = new CpuProbe(target.ServicePid, target.PostmasterPid);
        var before = cpu.Take();
        var clock = Stopwatch.StartNew();

        using var progress = new Timer(_ => log.WriteLine(
            $"  [{clock.Elapsed.TotalSeconds,5:0} s] 到场 {Volatile.Read(ref arrived)}/{tokens.Length}，在场 {Volatile.Read(ref inFlight)}，已提交 {Volatile.Read(ref completed)}"),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        var running = new List<Task>(tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
        {
            var wait = arrivals[i] - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            await gate.WaitAsync(ct);
            lags.Add((clock.Elapsed - arrivals[i]).TotalMilliseconds);
            Interlocked.Increment(ref arrived);
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            var token = tokens[i];
            var phoneRandom = new Random(HashCode.Combine(seed, i));
            running.Add(Task.Run(async () =>
            {
                try
                {
                    var outcome = await RunPhoneAsync(target.Url, token, options.MeanFill, phoneRandom, phones, steps, errors, () => Interlocked.Increment(ref checkIns), ct);
                    if (outcome is null) return;
                    lock (ballots) ballots.Add(outcome);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Counted and shown, so one odd answer does not abort the meeting; the checks at the end then fail.
                    errors.Add("手机", e.GetType().Name);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                    gate.Release();
                }
            }, ct));
        }
        await Task.WhenAll(running);
        var seconds = clock.Elapsed.TotalSeconds;
        var use = CpuProbe.Between(before, cpu.Take());

        var sortedLags = lags.Order().ToArray();
        return new MeetingResult(tokens.Length, completed, steps.Select(s => s.Result()).ToList(), errors.All(),
            StepRecorder.Percentile(sortedLags, 99), options.PhonesAtOnce, maxInFlight, seconds, use, ballots, checkIns);
    }

    /// <summary>One person with one phone; null when they did not end with the receipt they should.</summary>
    private static async Task<Acknowledged?> RunPhoneAsync(Uri baseUrl, string token, TimeSpan meanFill, Random random, PhoneSteps phones,
        StepRecorder[] steps, ErrorCounts errors, Action checkedIn, CancellationToken ct)
    {
        // A client of its own per phone, as every phone at a venue has its own connections: the service pays for each
        // phone's connection set-up and holds its idle keep-alive connection while the person fills the form, which a
        // shared pool of a few warm connections would hide. Up to six connections per host, as browsers open; the page's
        // files come in parallel like a browser fetches them. Closed when the person is done.
        using var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            MaxConnectionsPerServer = FileLimits.MaxConnectionsPerPhone,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        // The page's fetch has no time limit of its own; two minutes stands for a person who gives up and reloads. A short
        // limit would retry requests the service is still working on and turn an overload into a collapse.
        using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
        var api = new VotingApi(http, errors);
        var (open, describe, checkIn, submit) = (steps[0], steps[1], steps[2], steps[3]);

        var started = Stopwatch.GetTimestamp();
        if (await api.GetAsync(PhonePage.Path, open.Name, ct) is not { } page) return Failed(open);
        var files = await Task.WhenAll(PhonePage.FilesOf(page).Select(f => api.GetAsync(f, open.Name, ct)));
        if (files.Contains(null)) return Failed(open);
        open.Succeeded(started, Stopwatch.GetTimestamp());

        if (await api.PostAsync("/api/v/slip", PhoneSteps.DescribeBody(token), describe, ct) is not { } slipAnswer) return null;
        var slip = phones.ReadSlip(slipAnswer);

        // The page blinds while the person reads the introduction, then checks in at once.
        var pending = PhoneSteps.Blind(token, slip);
        if (await api.PostAsync("/api/v/checkin", PhoneSteps.CheckInBody(pending), checkIn, ct) is not { } checkInAnswer) return null;
        if (PhoneSteps.Finish(pending, checkInAnswer) is not { } credential)
        {
            errors.Add(checkIn.Name, "签名无效");
            return null;
        }
        checkedIn();

        var ballot = RandomBallot.Create(slip.Form, random);
        var answers = BallotJson.Canonical(ballot);
        // Uniform over a quarter to one and three quarters of the mean: people differ, nobody takes no time.
        if (meanFill > TimeSpan.Zero) await Task.Delay(meanFill * (0.25 + 1.5 * random.NextDouble()), ct);

        // Signed and sealed once, when the person presses submit; a retry resends these bytes.
        var body = PhoneSteps.BallotBody(credential, answers);
        if (await api.PostAsync("/api/v/ballot", body, submit, ct) is not { } ballotAnswer) return null;
        var acknowledged = PhoneSteps.Receipted(credential, ballotAnswer, BallotValidator.IsBlank(ballot));
        if (acknowledged is null) errors.Add(submit.Name, "回执不符");
        return acknowledged;
    }

    private static Acknowledged? Failed(StepRecorder step)
    {
        step.Failed();
        return null;
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
