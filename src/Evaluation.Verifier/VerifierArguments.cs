using Evaluation.Core.Audit;

namespace Evaluation.Verifier;

public sealed record VerifierOptions(string Bundle, string? Report, IReadOnlyList<string> Anchors);

public static class VerifierArguments
{
    /// <summary>
    /// The program as shipped (scripts/publish-verifier.sh; downloaded from the evaluation page's 审计 section): one file,
    /// evaluation-verify.exe on Windows and evaluation-verify on Linux; from the source, through dotnet run.
    /// </summary>
    public const string Usage =
        """
        用法：evaluation-verify <审计包.json> [--report <测评结果.xlsx>] [--anchor <操作日志哈希>]…
          Windows（命令提示符）：.\evaluation-verify.exe <审计包.json> --report <测评结果.xlsx> --anchor "<哈希>"
          Linux：./evaluation-verify <审计包.json> --report <测评结果.xlsx> --anchor '<哈希>'
          从源代码运行：dotnet run --project src/Evaluation.Verifier -- <审计包.json> …
          --report  同时核对测评结果 Excel 报告（先下载报告，再下载审计包，包内的操作日志才含报告所印的记录）
          --anchor  会上记下的操作日志哈希（64 位十六进制，可带空格）；可以给多个
        每项核对一行；全部通过时退出状态为 0，有一项未通过为 1，文件无法读取或参数有误为 2。
        """;

    /// <summary>False with no error when help was asked for (--help, -h, /?): print <see cref="Usage"/> and stop.</summary>
    public static bool TryParse(string[] args, out VerifierOptions? options, out string? error)
    {
        string? bundle = null, report = null;
        var anchors = new List<string>();
        options = null;
        error = null;
        if (args.Any(a => a is "--help" or "-h" or "/?")) return false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--report")
            {
                if (i + 1 >= args.Length || report is not null)
                {
                    error = "--report 后面需要一个 Excel 报告文件（.xlsx），且只能给一个。";
                    return false;
                }
                report = args[++i];
            }
            else if (args[i] == "--anchor")
            {
                // A hash copied off the page is grouped "1a2b3c4d 5e6f…": quoted it is one argument, unquoted eight.
                var copied = "";
                while (i + 1 < args.Length && BundleVerifier.ReadAnchor(copied) is null && IsHex(args[i + 1]))
                    copied += args[++i];
                if (BundleVerifier.ReadAnchor(copied) is not { } anchor)
                {
                    error = "--anchor 后面需要操作日志中某一条记录的哈希（64 位十六进制，可以带空格分组，如评议页面上所印）；可以给多个 --anchor。";
                    return false;
                }
                anchors.Add(anchor);
            }
            else if (args[i].StartsWith('-'))
            {
                error = $"不认识的选项 {args[i]}。";
                return false;
            }
            else if (bundle is null) bundle = args[i];
            else
            {
                error = "只能核对一个审计包。";
                return false;
            }
        }
        if (bundle is null) error = "请给出审计包文件（从评议页面“下载审计包”得到的 .json）。";
        else options = new VerifierOptions(bundle, report, anchors);
        return error is null;
    }

    private static bool IsHex(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiHexDigit(c) || char.IsWhiteSpace(c));
}
