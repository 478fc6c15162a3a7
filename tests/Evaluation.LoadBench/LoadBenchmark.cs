using System.Diagnostics;
using System.Text.Json;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;

namespace Evaluation.LoadBench;

/// <summary>
/// One run: the service (started here or given), set-up through the staff pages, the ceilings, the meeting, saturation
/// and complete votes, the checks, and the report. Progress and the report go to <c>output</c>; nothing printed carries a slip
/// token, a signature, a receipt or an answer.
/// </summary>
public static class LoadBenchmark
{
    public const string Command = "dotnet run -c Release --project tests/Evaluation.LoadBench --";

    public static async Task<BenchReport> RunAsync(BenchOptions options, IReadOnlyList<string> arguments, TextWriter output, CancellationToken ct)
    {
        var log = TextWriter.Synchronized(output);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.MaxDuration);
        ct = limit.Token;
        var seed = options.Seed ?? Random.Shared.Next();
        var startedAt = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        void Say(string line) => log.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0} s] {line}");

        await using var target = await BenchTarget.StartAsync(options, log, ct);
        Say($"服务就绪：{target.Url}");
        var pageFiles = await PhonePageFilesAsync(target, ct);
        FileLimits.Check(options.PhonesAtOnce, FileLimits.ConnectionsPerPhone(pageFiles.Count), target.ServicePid);
        Say($"手机页面 {PhonePage.Path} 引用 {pageFiles.Count} 个文件：{string.Join("、", pageFiles)}；同时在场上限 {options.PhonesAtOnce} 部");

        var setupStarted = clock.Elapsed;
        var evaluations = await MeetingSetup.PrepareAsync(target,
            [("会场", options.Phones), ("饱和", options.SaturationPhones), ("完整投票", options.SaturationPhones)], log, ct);
        var (meetingEvaluation, saturationEvaluation, votesEvaluation) = (evaluations[0], evaluations[1], evaluations[2]);
        var setupSeconds = (clock.Elapsed - setupStarted).TotalSeconds;
        Say($"三次评议已开始投票（准备用时 {setupSeconds:0} s）。");

        // The same kind of key the service generates when voting opens.
        var key = BlindRsaPrivateKey.Generate();
        var (formJson, sampleAnswers) = await SampleFormAsync(target, saturationEvaluation, seed, ct);
        Say("服务器各步骤的单核 CPU 成本……");
        var each = TimeSpan.FromSeconds(Math.Max(0.2, options.SignTime.TotalSeconds / 4));
        var costs = await Task.Run(() => Ceilings.MeasureServerSteps(key, formJson, sampleAnswers, each), ct);

        Say($"第一阶段：会场，{options.Phones} 部手机，{options.Window.TotalSeconds:0.#} s 内到场……");
        var meeting = await MeetingPhase.RunAsync(target, meetingEvaluation, options, seed, log, ct);

        // Each ceiling is measured right before the burst it is held against, with the service idle: on a machine that
        // other work shares, minutes apart can mean twice the CPU.
        SigningCeiling? signing = null;
        CommitCeiling? commit = null;
        Say($"第二阶段：饱和，{options.SaturationPhones} 张新票签……");
        var saturation = await SaturationPhase.RunAsync(target, saturationEvaluation, options, seed + 1,
            async () =>
            {
                Say($"上限：BlindRsa.BlindSign 与 OpenSSL 私钥运算（各单核 {options.SignTime.TotalSeconds:0.#} s、全部核 {options.SignTime.TotalSeconds:0.#} s）……");
                signing = await Task.Run(() => Ceilings.MeasureSigning(key, options.SignTime), ct);
            },
            async () =>
            {
                if (target.ConnectionString is not { } connectionString) return;
                Say($"上限：单行插入提交（{options.CommitTime.TotalSeconds:0.#} s）……");
                commit = await Ceilings.MeasureCommitsAsync(connectionString, target.PostmasterPid, options.CommitTime, sampleAnswers, ct);
            },
            log, ct);
        var sign = signing ?? throw new InvalidOperationException("the signing ceiling was not measured");
        Say($"第二阶段：完整投票，另 {options.SaturationPhones} 张新票签……");
        var votes = await SaturationPhase.CompleteVotesAsync(target, votesEvaluation, options, seed + 2, log, ct);
        Say("核对……");
        var checks = await Verification.RunAsync(target, options, meetingEvaluation, meeting, saturationEvaluation, saturation,
            votesEvaluation, votes, ct);

        var report = new BenchReport(target.Description, startedAt, Environment.ProcessorCount,
            new BenchSettings(options.Phones, options.Window.TotalSeconds, options.PhonesAtOnce, options.Fill.TotalSeconds, options.TimeScale,
                options.SaturationPhones, options.SaturationConcurrency, options.SignTime.TotalSeconds, options.CommitTime.TotalSeconds, seed,
                CommandLine(arguments)),
            pageFiles, setupSeconds, sign, commit, costs, meeting, saturation, votes, BenchReport.Judge(sign, commit, meeting, saturation, votes),
            BenchReport.Estimate(sign, commit, saturation, votes), checks,
            clock.Elapsed.TotalSeconds);
        report.WriteText(log);
        if (options.JsonPath is { } path)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, BenchReport.Json), ct);
            log.WriteLine($"JSON：{Path.GetFullPath(path)}");
        }
        return report;
    }

    /// <summary>The files a browser loads after the phone page, read from the page as the service serves it now.</summary>
    private static async Task<IReadOnlyList<string>> PhonePageFilesAsync(BenchTarget target, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.All }) { BaseAddress = target.Url };
        return PhonePage.FilesOf(await http.GetStringAsync(PhonePage.Path, ct));
    }

    /// <summary>The frozen form as phones receive it, and a ballot for it, for the per-step CPU costs and the commit ceiling's rows.</summary>
    private static async Task<(string FormJson, string Answers)> SampleFormAsync(BenchTarget target, PreparedEvaluation evaluation, int seed,
        CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = target.Url };
        var errors = new ErrorCounts();
        var answer = await new VotingApi(http, errors).PostAsync("/api/v/slip", PhoneSteps.DescribeBody(evaluation.Categories[0].Tokens[0]),
                         new StepRecorder("读取票签（准备）"), ct)
                     ?? throw new BenchEnvironmentException($"读取票签失败：{string.Join("，", errors.All().Select(e => $"{e.Status}×{e.Count}"))}");
        var slip = new PhoneSteps().ReadSlip(answer);
        var random = new Random(seed);
        // A ballot with answers in it: the blank one in a hundred would make the rows and the costs too cheap.
        BallotAnswers ballot;
        do ballot = RandomBallot.Create(slip.Form, random);
        while (BallotValidator.IsBlank(ballot));
        return (slip.FormJson, BallotJson.Canonical(ballot));
    }

    /// <summary>The command that repeats this run, with any credential left out.</summary>
    private static string CommandLine(IReadOnlyList<string> arguments)
    {
        var shown = new List<string>();
        for (var i = 0; i < arguments.Count; i++)
        {
            shown.Add(arguments[i]);
            if (arguments[i] is "--admin-password" or "--connection" && i + 1 < arguments.Count)
            {
                shown.Add("…");
                i++;
            }
        }
        return string.Join(' ', shown.Prepend(Command));
    }
}
