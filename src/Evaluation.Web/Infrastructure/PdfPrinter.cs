using System.Diagnostics;

namespace Evaluation.Web.Infrastructure;

public sealed class PdfUnavailableException(string message) : Exception(message);

/// <summary>
/// Prints an HTML page to PDF with headless Chromium: real CJK line breaking, font subsetting and CSS page
/// margin boxes for page numbers. Kept thin so a PDF library could replace it.
/// </summary>
public sealed class PdfPrinter(IConfiguration configuration)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public string? ChromiumPath =>
        configuration["Pdf:Chromium"] is { Length: > 0 } configured ? (File.Exists(configured) ? configured : null)
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>
    /// Put at the top of every printed page: no script runs and nothing is fetched, not even from the scratch folder, whatever
    /// the page holds. Views escape what users typed; this is what holds if one day one does not. Chromium's own switch for
    /// it (--blink-settings=scriptEnabled=false) makes headless printing produce no file at all.
    /// </summary>
    public const string NoScripts =
        """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">""";

    public async Task<byte[]> PrintAsync(string html, CancellationToken ct)
    {
        var head = html.IndexOf("<head>", StringComparison.OrdinalIgnoreCase);
        if (head < 0) throw new ArgumentException("A page to print needs a <head> for the content security policy.", nameof(html));
        html = html.Insert(head + "<head>".Length, NoScripts);
        var chromium = ChromiumPath ?? throw new PdfUnavailableException(
            "服务器上没有安装 Chromium，无法生成 PDF。请管理员安装：apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji fonts-hanazono（或设置 Pdf__Chromium）。");
        // The page can hold slip tokens: a private folder in memory where there is one, removed whatever happens.
        var scratch = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Directory.CreateDirectory(Path.Combine(scratch, $"evaluation-pdf-{Guid.NewGuid():N}"));
        try
        {
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var page = Path.Combine(dir.FullName, "page.html");
            var pdf = Path.Combine(dir.FullName, "page.pdf");
            await File.WriteAllTextAsync(page, html, ct);

            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-extensions", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                    $"--user-data-dir={Path.Combine(dir.FullName, "profile")}", $"--print-to-pdf={pdf}", new Uri(page).AbsoluteUri,
                },
            };
            // Chromium's sandbox refuses to start as root; containers run it unprivileged anyway.
            if (LocalPostgres.IsRoot || Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER") == "true")
                start.ArgumentList.Insert(0, "--no-sandbox");

            using var process = Process.Start(start) ?? throw new PdfUnavailableException("无法启动 Chromium，无法生成 PDF。");
            var drainOut = process.StandardOutput.ReadToEndAsync(ct);
            var drainErr = process.StandardError.ReadToEndAsync(ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new PdfUnavailableException("生成 PDF 超时，请稍后重试。");
            }
            await Task.WhenAll(drainOut, drainErr);
            if (process.ExitCode != 0 || !File.Exists(pdf))
                throw new PdfUnavailableException("Chromium 未能生成 PDF，请稍后重试；如果反复出现，请联系管理员。");
            return await File.ReadAllBytesAsync(pdf, ct);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
