using System.Text;
using Evaluation.Core.Audit;

namespace Evaluation.Verifier;

/// <summary>
/// evaluation-verify <审计包.json> [--report <测评结果.xlsx>] [--anchor <操作日志哈希>]… (<see cref="VerifierArguments.Usage"/>)
/// One line per check; exit status 0 only when every check passed, 1 when one failed, 2 when the files could not be read.
/// </summary>
public static class VerifierCommand
{
    public static int Main(string[] args)
    {
        Console.OutputEncoding = Encoding.UTF8;

        if (!VerifierArguments.TryParse(args, out var options, out var usageError))
        {
            if (usageError is null)
            {
                Console.WriteLine(VerifierArguments.Usage);
                return 0;
            }
            Console.Error.WriteLine(usageError);
            Console.Error.WriteLine(VerifierArguments.Usage);
            return 2;
        }
        var (bundlePath, reportPath, anchors) = options!;

        AuditBundle? bundle;
        try
        {
            using var file = File.OpenRead(bundlePath);
            if (!AuditBundle.TryRead(file, out bundle, out var readError))
            {
                Console.Error.WriteLine($"{bundlePath}：{readError}");
                return 2;
            }
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"无法打开审计包 {bundlePath}：{e.Message}");
            return 2;
        }

        var verification = BundleVerifier.Verify(bundle!, anchors);
        var checks = verification.Checks.ToList();
        if (reportPath is not null)
        {
            try
            {
                using var report = File.OpenRead(reportPath);
                checks.Add(verification.Recomputed is { } tally
                    ? ExcelReportCheck.Compare(tally, report, bundle!.ActionLog)
                    : new Check("Excel 报告", false, "审计包的问卷无法读取，无法与报告核对"));
            }
            catch (IOException e)
            {
                checks.Add(new Check("Excel 报告", false, $"无法打开 {reportPath}：{e.Message}"));
            }
        }

        foreach (var check in checks)
            Console.WriteLine(check);
        var failed = checks.Count(c => !c.Passed);
        Console.WriteLine(failed == 0 ? $"全部 {checks.Count} 项核对通过。" : $"{failed} 项核对未通过（共 {checks.Count} 项）。");
        return failed == 0 ? 0 : 1;
    }
}
