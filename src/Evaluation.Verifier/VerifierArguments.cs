namespace Evaluation.Verifier;

public static class VerifierArguments
{
    public static bool TryParse(string[] args, out string? bundle, out string? report, out string? error)
    {
        bundle = null;
        report = null;
        error = null;
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
        return error is null;
    }
}
