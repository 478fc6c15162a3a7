using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Evaluation.Tests.Infrastructure;

/// <summary>Reads PDFs back the way a person would check them: their text (poppler's pdftotext) and their page count.</summary>
public static partial class PdfTools
{
    public static async Task<string> TextAsync(string path) => await RunAsync("pdftotext", "-layout", path, "-");

    public static async Task<string> TextAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"read-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try { return await TextAsync(path); }
        finally { File.Delete(path); }
    }

    public static async Task<int> PagesAsync(string path) =>
        int.Parse(PagesLine().Match(await RunAsync("pdfinfo", path)).Groups[1].Value);

    public static async Task<string> FontsAsync(string path) => await RunAsync("pdffonts", path);

    /// <summary>
    /// The names of the fonts a PDF embeds, from their font descriptors. Chromium embeds CFF and colour bitmap fonts (Noto CJK,
    /// Noto Color Emoji) as Type 3, which pdffonts lists as "[none]"; their descriptors still name them.
    /// </summary>
    public static async Task<IReadOnlySet<string>> EmbeddedFontsAsync(string path) =>
        FontName().Matches(System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(path))).Select(m => m.Groups[1].Value).ToHashSet();

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"{program} failed");
        return output;
    }

    [GeneratedRegex(@"/FontName\s*/(?:[A-Z]{6}\+)?([^\s/\[\]<>()]+)")]
    private static partial Regex FontName();

    [GeneratedRegex(@"Pages:\s+(\d+)")]
    private static partial Regex PagesLine();
}
