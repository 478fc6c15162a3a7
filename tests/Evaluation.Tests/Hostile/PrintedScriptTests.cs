using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// The PDF printer is the one place where a browser renders what users typed on the server. Views escape it; this checks
/// that even markup that got through unescaped could run no script and fetch nothing while Chromium prints.
/// </summary>
public sealed class PrintedScriptTests
{
    [Test]
    public async Task Print_PageWithScriptAndHandlers_RunsNone()
    {
        var printer = new PdfPrinter(new ConfigurationBuilder().Build());
        if (printer.ChromiumPath is null) Assert.Ignore("no Chromium on this machine");
        const string html =
            """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>
            <p id="p">原样文字</p>
            <script>document.getElementById('p').textContent = 'SCRIPT RAN';</script>
            <img src="x" onerror="document.body.append('HANDLER RAN')">
            <svg onload="document.body.append('SVG RAN')"></svg>
            <iframe srcdoc="<script>document.write('FRAME RAN')</script>"></iframe>
            </body></html>
            """;

        var text = await PdfTools.TextAsync(await printer.PrintAsync(html, CancellationToken.None));

        Assert.That(text, Does.Contain("原样文字"));
        Assert.That(text, Does.Not.Contain("RAN"));
    }

    [Test]
    public void Print_PageWithoutAHead_IsRefused_RatherThanPrintedWithoutThePolicy()
    {
        var printer = new PdfPrinter(new ConfigurationBuilder().Build());

        Assert.ThrowsAsync<ArgumentException>(() => printer.PrintAsync("<p>no head</p>", CancellationToken.None));
    }
}
