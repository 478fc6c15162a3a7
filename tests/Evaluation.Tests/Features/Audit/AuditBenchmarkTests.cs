using System.Diagnostics;
using System.Security.Cryptography;
using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Features.Reports;
using Evaluation.Verifier;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;

namespace Evaluation.Tests.Features.Audit;

/// <summary>
/// The audit bundle at meeting scale, in process: 10,000 really signed ballots × 20 targets, each with its phone key and answer signature. Prints the time to build and
/// write the bundle, its size, and the verifier's time with and without the Excel report; asserts only that it passes.
/// <c>dotnet test tests/Evaluation.Tests -c Release --filter "Name~Audit_10000BallotsBy20Targets" --logger "console;verbosity=detailed"</c>
/// </summary>
[Explicit("benchmark: prints timings")]
public sealed class AuditBenchmarkTests
{
    private const int Ballots = 10_000;

    [Test]
    public void Audit_10000BallotsBy20Targets()
    {
        var random = new Random(20);
        var form = ClosedEvaluations.Form(FormTemplates.MobilisationEvaluation.Questionnaire, [.. Enumerable.Range(1, 19).Select(i => $"成员{i:00}")]);
        var frozen = FormJson.FrozenForm(form.Questionnaire, form.Targets);
        var formHash = FormJson.Sha256Hex(frozen);
        // Key groups as opening forms them: 服务对象 (3 expected) shares its group with 离退休.
        (string Name, int Voters, string[] Categories)[] sizes =
            [("机关工作人员", 4000, ["机关工作人员"]), ("直属单位", 3000, ["直属单位"]), ("离退休、服务对象", 3000, ["离退休", "服务对象"])];

        // RFC 9474's signature is a plain RSASSA-PSS (SHA-384, 48-byte salt) signature over the prepared message, so the
        // platform's RSA makes valid ones quickly; the server's own blind signing is what issue 6 measures.
        var keys = sizes.Select(_ => (Door: RSA.Create(2048), Ballot: RSA.Create(2048))).ToList();
        var groups = sizes.Select((s, i) => new BundleKeyGroup(new TallyCategory(Guid.NewGuid(), s.Name, s.Voters, s.Voters + 10, 2, s.Voters),
            s.Categories, keys[i].Door.ExportSubjectPublicKeyInfo(), keys[i].Ballot.ExportSubjectPublicKeyInfo())).ToList();
        var id = Guid.NewGuid();
        var answers = Enumerable.Range(0, Ballots).Select(_ => BallotJson.Canonical(ReportBenchmarkTests.RandomBallot(form, random))).ToList();
        var owners = sizes.SelectMany((s, i) => Enumerable.Repeat(i, s.Voters)).ToArray();
        var ballots = new TallyBallot[Ballots];
        Parallel.For(0, Ballots, i =>
        {
            using var phone = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var q = phone.ExportParameters(false).Q;
            byte[] pk = [0x04, .. q.X!, .. q.Y!];
            var group = groups[owners[i]].Counts.Id;
            var message = BlindRsa.Prepare(SealedBallot.MessageFor(pk));
            var signature = keys[owners[i]].Ballot.SignData(message, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
            var tau = phone.SignData(SealedBallot.SignedBytes(id, group, answers[i]), HashAlgorithmName.SHA256);
            ballots[i] = new TallyBallot(group, message, signature, answers[i], pk, tau);
        });
        var rejected = new Dictionary<string, int>();
        using var boxKey = BoxPrivateKey.Generate();
        var box = new BoxCommitment(BoxCommitment.CardsCustody, boxKey.PublicKey, 2,
            KeyCards.Split(boxKey, 2, 3).Select((c, i) => ($"监票人{i + 1}", KeyCards.CardPublicKey(c))).ToList());
        var tally = Tally.Count(form, groups.Select(g => g.Counts).ToList(), ballots, TallySettings.Default, rejected);
        var log = Evaluation.Tests.Core.Audit.TestLog.Chain(
            (BundleVerifier.OpenAction, BundleVerifier.OpenDetail("基准评议", id, formHash, groups.SelectMany(g => new[] { g.DoorKey, g.BallotKey }), box)),
            (BundleVerifier.CloseAction, BundleVerifier.CloseDetail("基准评议", id, TallySettings.Default.Describe(_ => ""))),
            (BundleVerifier.UnsealAction, BundleVerifier.UnsealDetail("基准评议", id, Ballots, Ballots, rejected)),
            (BundleVerifier.ExportAction, BundleVerifier.ExportDetail("基准评议", id, Ballots, tally.Fingerprint)));

        var clock = Stopwatch.StartNew();
        var bundle = AuditBundleBuilder.Build(new BundleEvaluation(id, "甲单位", "基准评议", "动员大会后", null, null), frozen, formHash,
            TallySettings.Default, groups, box, ballots, rejected, tally, log);
        var file = new MemoryStream();
        bundle.WriteTo(file);
        var build = clock.Elapsed;

        clock.Restart();
        file.Position = 0;
        Assert.That(AuditBundle.TryRead(file, out var read, out var error), Is.True, error);
        var verification = BundleVerifier.Verify(read!);
        var verify = clock.Elapsed;
        Assert.That(verification.Passed, Is.True, string.Join("\n", verification.Checks));

        var header = new EvaluationHeader(id, Guid.NewGuid(), "甲单位", "基准评议", "动员大会后", EvaluationStatus.Closed, FormJson.Canonical(form.Questionnaire),
            formHash, DateTime.UtcNow, DateTime.UtcNow, DateTime.UtcNow);
        var report = ExcelReport.Build(new ResultsReport(header, tally, OpinionDigest.Build(tally.Opinions, [])));
        clock.Restart();
        var excel = ExcelReportCheck.Compare(verification.Recomputed!, new MemoryStream(report));
        var excelCheck = clock.Elapsed;
        Assert.That(excel.Passed, Is.True, excel.Detail);

        TestContext.Out.WriteLine($"{Ballots} ballots × {form.Targets.Count} targets, {Environment.ProcessorCount} cores; groups: {string.Join("、", bundle.Groups.Select(g => $"{g.Name} {g.Ballots.Count}"))}");
        TestContext.Out.WriteLine($"bundle build + write (in process)   {build.TotalMilliseconds,8:0} ms   {file.Length / 1024 / 1024.0,6:0.0} MiB");
        TestContext.Out.WriteLine($"verifier: read + all checks         {verify.TotalMilliseconds,8:0} ms   ({verification.Checks.Count} checks)");
        TestContext.Out.WriteLine($"verifier: Excel report check        {excelCheck.TotalMilliseconds,8:0} ms   ({excel.Detail})");
    }
}
