namespace Evaluation.Web.Features.Audit;

/// <summary>
/// The command lines the 审计 section prints, with the files' real names as the browser saves them, quoted for the shell
/// they are pasted into: the program as shipped, never dotnet run (an auditor has no source and no SDK).
/// </summary>
public static class VerifierCommandLine
{
    /// <summary>What the auditor types in place of the hash they noted at the meeting; the verifier refuses it as it stands.</summary>
    public const string AnchorPlaceholder = "会上记下的结束投票日志哈希";

    /// <summary>For cmd, where ".\" runs the file in the current folder (as in PowerShell).</summary>
    public static IReadOnlyList<string> Windows(string bundle, string report) =>
        [$@".\{VerifierDownloads.Windows.FileName}", Quoted(bundle), "--report", Quoted(report), "--anchor", Quoted(AnchorPlaceholder)];

    public static IReadOnlyList<string> Linux(string bundle, string report) =>
        [$"./{VerifierDownloads.Linux.FileName}", ShellQuoted(bundle), "--report", ShellQuoted(report), "--anchor", ShellQuoted(AnchorPlaceholder)];

    // Download names never hold a double quote (DownloadNames.Safe makes it '_').
    private static string Quoted(string argument) => $"\"{argument}\"";

    // Single quotes keep $, `, \ and ! literal in a POSIX shell; a single quote itself is closed, escaped and reopened.
    private static string ShellQuoted(string argument) => "'" + argument.Replace("'", @"'\''", StringComparison.Ordinal) + "'";
}
