using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Tests.Infrastructure;
using Evaluation.Verifier;
using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Features.Audit;
using Evaluation.Web.Features.Demo;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features.Audit;

/// <summary>
/// The 审计 follows the evaluation page's own instructions on the demo's first closed round, with nothing but a 审计
/// account: downloads the Excel report and then the audit bundle, downloads the verifier as shipped
/// (scripts/publish-verifier.sh, published once per run), checks its SHA-256 against the page, and runs the page's Linux
/// command line as its own process with no .NET anywhere in reach (no dotnet on PATH, no DOTNET_ROOT and, as root, no
/// libicu either). It must print what the in-process command prints.
/// </summary>
public sealed partial class VerifierDownloadTests
{
    private const string Round = "2026年第一季度民主评议（示例）";

    private StaffWorld _world = null!;
    private StaffClient _auditor = null!;
    private StaffClient _otherUnitsAuditor = null!;
    private Guid _evaluation;
    private string _page = null!;
    private string _work = null!;
    private (string Bundle, string Report) _saved;
    private Dictionary<string, byte[]> _programs = null!;

    [OneTimeSetUp]
    public async Task DownloadAsTheAuditor()
    {
        var published = await PublishedVerifier.DirectoryAsync();
        _world = await StaffWorld.StartAsync(web => web.UseSetting("Verifier:Directory", published));
        await DemoEvaluation.SeedAsync(_world.App.Services);
        await using (var conn = await _world.OpenAsync())
        {
            await conn.ExecuteAsync("update staff_account set password_hash = @Hash, must_change_password = false where user_name like 'demo-%'",
                new { Hash = Passwords.Hash(StaffWorld.Password) });
            _evaluation = await conn.QuerySingleAsync<Guid>("select id from evaluation where name = @Round and status = 'closed'", new { Round });
        }
        _auditor = await _world.SignInAsync("demo-auditor");
        _otherUnitsAuditor = await _world.SignInAsync("auditor-a");

        // In the page's order: the report first, then the bundle, whose log then holds the head the report printed.
        _work = Directory.CreateTempSubdirectory("verifier-download-").FullName;
        _saved.Report = await SaveAsync($"/evaluations/{_evaluation}/results.xlsx");
        _saved.Bundle = await SaveAsync($"/evaluations/{_evaluation}/audit-bundle");
        _page = WebUtility.HtmlDecode(await PageAsync(_auditor, $"/evaluations/{_evaluation}"));
        _programs = [];
        foreach (var platform in VerifierDownloads.Platforms)
        {
            using var response = await _auditor.GetAsync($"/verifier/{platform.Id}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), platform.Id);
            Assert.That(response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName,
                Is.EqualTo(platform.FileName), "saved under the program's real name");
            _programs[platform.Id] = await response.Content.ReadAsByteArrayAsync();
        }
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _auditor?.Dispose();
        _otherUnitsAuditor?.Dispose();
        if (_work is not null) Directory.Delete(_work, recursive: true);
        if (_world is not null) await _world.DisposeAsync();
    }

    /// <summary>Saves a download under the name the server gives it, as a browser does; returns that name.</summary>
    private async Task<string> SaveAsync(string url)
    {
        using var response = await _auditor.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{url}: {Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(2000, bytes.Length)))}");
        var name = response.Content.Headers.ContentDisposition!.FileNameStar!;
        await File.WriteAllBytesAsync(Path.Combine(_work, name), bytes);
        return name;
    }

    private static async Task<string> PageAsync(StaffClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return body;
    }

    private async Task<List<(string Actor, string Detail)>> ExportsAsync()
    {
        await using var conn = await _world.OpenAsync();
        return (await conn.QueryAsync<(string, string)>("select actor, detail from staff_action where action = '导出结果' order by seq")).ToList();
    }

    [Test]
    public async Task Auditor_DownloadsTheUnitsPdfAndExcel_AndOpensTheResults_EachExportLoggedAsTheirs()
    {
        var before = (await ExportsAsync()).Count;
        using var pdf = await _auditor.GetAsync($"/evaluations/{_evaluation}/results.pdf");
        var pdfBytes = await pdf.Content.ReadAsByteArrayAsync();
        using var excel = await _auditor.GetAsync($"/evaluations/{_evaluation}/results.xlsx");
        var results = await PageAsync(_auditor, $"/evaluations/{_evaluation}/results");
        var exports = (await ExportsAsync()).Skip(before).ToList();

        Assert.That(pdf.StatusCode, Is.EqualTo(HttpStatusCode.OK), Encoding.UTF8.GetString(pdfBytes.AsSpan(0, Math.Min(2000, pdfBytes.Length))));
        Assert.That(Encoding.ASCII.GetString(pdfBytes, 0, 5), Is.EqualTo("%PDF-"));
        Assert.That(await PdfTools.TextAsync(pdfBytes), Does.Contain("测评结果"));
        Assert.That(excel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var workbook = new XLWorkbook(await excel.Content.ReadAsStreamAsync()))
            Assert.That(workbook.Worksheets.Select(w => w.Name), Does.Contain("汇总"));
        Assert.That(exports.Select(e => (e.Actor.Contains("demo-auditor") && e.Actor.Contains("审计"), e.Detail.Contains($"《{Round}》PDF") || e.Detail.Contains($"《{Round}》Excel"))),
            Is.EqualTo(new[] { (true, true), (true, true) }), string.Join("\n", exports));
        Assert.That(results, Does.Contain("results.xlsx").And.Not.Contain($"/evaluations/{_evaluation}/opinions").And.Not.Contain($"/evaluations/{_evaluation}/compare"),
            "the results page offers the 审计 only what they may open");
    }

    [TestCase("results.pdf")]
    [TestCase("results.xlsx")]
    [TestCase("results")]
    public async Task AnotherUnitsAuditor_Gets404_AndNothingIsLogged(string path)
    {
        var before = (await ExportsAsync()).Count;
        using var response = await _otherUnitsAuditor.GetAsync($"/evaluations/{_evaluation}/{path}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await ExportsAsync()).Count, Is.EqualTo(before));
    }

    [Test]
    public void AuditSection_ShowsEachPlatformsSizeAndSha256_OfTheBytesServed_AndHowToCheckThem()
    {
        foreach (var platform in VerifierDownloads.Platforms)
        {
            var block = Regex.Match(_page, $"""<div class="verifier-file" id="verifier-{platform.Id}">(.*?)</div>""", RegexOptions.Singleline);
            Assert.That(block.Success, Is.True, platform.Id);
            var bytes = _programs[platform.Id];
            var shown = Regex.Match(block.Value, """<dd class="hash sha256">([0-9a-f]{64})</dd>""").Groups[1].Value;
            var size = Regex.Match(block.Value, """data-bytes="(\d+)">([^<]+)</dd>""");

            Assert.That(shown, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bytes))), $"{platform.Id}: the page's SHA-256 is the download's");
            Assert.That(long.Parse(size.Groups[1].Value), Is.EqualTo(bytes.Length));
            Assert.That(size.Groups[2].Value, Does.Contain($"{bytes.Length.ToString("N0", CultureInfo.InvariantCulture)} 字节"));
            Assert.That(Untagged(block.Value), Does.Contain(platform.HashCommand));
        }
        Assert.That(Untagged(_page), Does.Contain("certutil -hashfile evaluation-verify.exe SHA256").And.Contain("sha256sum evaluation-verify"));
        Assert.That(_page, Does.Not.Contain("dotnet run").And.Not.Contain("核对程序还没有"));
    }

    [Test]
    public void AuditSection_CommandLines_RunTheShippedProgram_OnTheFilesAsTheBrowserSavedThem()
    {
        var windows = CommandOnPage("windows");
        var linux = CommandOnPage("linux");

        Assert.That(windows, Is.EqualTo($".\\evaluation-verify.exe \"{_saved.Bundle}\" --report \"{_saved.Report}\" --anchor \"{VerifierCommandLine.AnchorPlaceholder}\""));
        Assert.That(linux, Is.EqualTo($"chmod +x evaluation-verify\n./evaluation-verify '{_saved.Bundle}' --report '{_saved.Report}' --anchor '{VerifierCommandLine.AnchorPlaceholder}'"));
    }

    [Test]
    public void WindowsDownload_IsAPe32PlusX8664ConsoleProgram()
    {
        var exe = _programs[VerifierDownloads.Windows.Id];
        var pe = BinaryPrimitives.ReadInt32LittleEndian(exe.AsSpan(0x3C));
        var optional = pe + 24;

        Assert.That(Encoding.ASCII.GetString(exe, 0, 2), Is.EqualTo("MZ"));
        Assert.That(exe.AsSpan(pe, 4).ToArray(), Is.EqualTo("PE\0\0"u8.ToArray()));
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(exe.AsSpan(pe + 4)), Is.EqualTo(0x8664), "machine: x86-64");
        var characteristics = BinaryPrimitives.ReadUInt16LittleEndian(exe.AsSpan(pe + 22));
        Assert.That((characteristics & 0x0002, characteristics & 0x2000), Is.EqualTo((0x0002, 0)), "an executable image, not a DLL");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(exe.AsSpan(optional)), Is.EqualTo(0x20B), "PE32+");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(exe.AsSpan(optional + 68)), Is.EqualTo(3), "subsystem: Windows console");
        Assert.That(exe.Length, Is.GreaterThan(20_000_000), "self-contained: the runtime is inside");
    }

    [Test]
    public async Task LinuxDownload_RunAloneWithThePagesCommand_ChecksTheBundleAndExcel_AsTheInProcessCommandDoes()
    {
        var anchor = Regex.Match(_page, """<span id="log-closed">.*?<span class="hash grouped">([0-9a-f ]+)</span>""", RegexOptions.Singleline).Groups[1].Value;
        Assert.That(anchor.Replace(" ", ""), Has.Length.EqualTo(64), "the closing entry's hash as the page prints it");
        var command = CommandOnPage("linux").Replace(VerifierCommandLine.AnchorPlaceholder, anchor);

        var (exit, output, errors) = await RunAloneAsync(command);
        var (inProcessExit, inProcess) = InProcess(_saved.Bundle, "--report", _saved.Report, "--anchor", anchor);

        Assert.That(exit, Is.Zero, output + errors);
        Assert.That(output, Is.EqualTo(inProcess), "the shipped program prints the in-process command's report, line for line");
        Assert.That(inProcessExit, Is.Zero);
        Assert.That(output, Does.Contain("[通过] 锚点").And.Contain("[通过] Excel 报告：报告中的").And.Match(@"全部 \d+ 项核对通过。\n$"));
        Assert.That(output, Does.Not.Contain("[失败]"));
    }

    [Test]
    public async Task LinuxDownload_RunAlone_ExitsNonZeroOnABundleWithADroppedBallot()
    {
        var bundle = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_work, _saved.Bundle)))!;
        var ballots = bundle["groups"]![0]!["ballots"]!.AsArray();
        ballots.RemoveAt(ballots.Count - 1);
        await File.WriteAllTextAsync(Path.Combine(_work, "tampered.json"), bundle.ToJsonString());

        var (exit, output, errors) = await RunAloneAsync("chmod +x evaluation-verify\n./evaluation-verify tampered.json");
        var (inProcessExit, inProcess) = InProcess("tampered.json");

        Assert.That(exit, Is.EqualTo(1), output + errors);
        Assert.That(output, Does.Contain("[失败] 指纹").And.Contain("项核对未通过"));
        Assert.That((output, exit), Is.EqualTo((inProcess, inProcessExit)));
    }

    [Test]
    public async Task LinuxDownload_RunAlone_WithoutArguments_NamesItselfAsShipped()
    {
        var (exit, output, errors) = await RunAloneAsync("chmod +x evaluation-verify\n./evaluation-verify");

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(errors, Does.Contain("用法：evaluation-verify <审计包.json>").And.Contain(".\\evaluation-verify.exe").And.Contain("./evaluation-verify"));
        Assert.That(output, Is.Empty);
    }

    /// <summary>A command line of the page's last step, as the auditor copies it (the text of the pre, tags removed).</summary>
    private string CommandOnPage(string platform) =>
        Untagged(Regex.Match(_page, $"""<pre class="command" id="command-{platform}">(.*?)</pre>""", RegexOptions.Singleline).Groups[1].Value).Replace("\r\n", "\n");

    private static string Untagged(string html) => Regex.Replace(html, "<[^>]+>", "");

    /// <summary>
    /// The downloaded Linux program, saved in the download folder and run by the command line given, in its own process:
    /// an empty environment but for a PATH that holds chmod alone (no dotnet; DOTNET_ROOT unset), and, where the test may
    /// make a mount namespace (as root), with every libicu hidden, as on a box without it.
    /// </summary>
    private async Task<(int Exit, string Output, string Errors)> RunAloneAsync(string commandLine)
    {
        var program = Path.Combine(_work, VerifierDownloads.Linux.FileName);
        await File.WriteAllBytesAsync(program, _programs[VerifierDownloads.Linux.Id]);
        var bin = Directory.CreateDirectory(Path.Combine(_work, ".bin")).FullName;
        if (!File.Exists(Path.Combine(bin, "chmod"))) File.CreateSymbolicLink(Path.Combine(bin, "chmod"), "/usr/bin/chmod");

        const string hideIcu = """for f in /usr/lib/*/libicu*.so* /usr/lib/libicu*.so* /lib/*/libicu*.so*; do [ -f "$f" ] && /usr/bin/mount --bind /dev/null "$f"; done; exec /bin/sh -c "$1" """;
        var start = HiddenIcuAvailable.Value
            ? new ProcessStartInfo("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", hideIcu, "sh", commandLine])
            : new ProcessStartInfo("/bin/sh", ["-c", commandLine]);
        start.WorkingDirectory = _work;
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.StandardOutputEncoding = start.StandardErrorEncoding = Encoding.UTF8;
        start.Environment.Clear();
        start.Environment["PATH"] = bin;
        start.Environment["HOME"] = _work;
        TestContext.Out.WriteLine(HiddenIcuAvailable.Value ? "run with libicu hidden (mount namespace)" : "run with libicu present (no mount namespace here)");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await output).Replace("\r\n", "\n"), await errors);
    }

    /// <summary>Whether this machine lets the test run a program in a mount namespace of its own (root, util-linux).</summary>
    private static readonly Lazy<bool> HiddenIcuAvailable = new(() =>
    {
        if (!File.Exists("/usr/bin/unshare") || !File.Exists("/usr/bin/mount")) return false;
        using var probe = Process.Start(new ProcessStartInfo("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/true"])
        {
            RedirectStandardError = true,
        })!;
        probe.WaitForExit();
        return probe.ExitCode == 0;
    });

    /// <summary>The verifier command inside the test process (with ICU, as the server has it), on the same files.</summary>
    private (int Exit, string Output) InProcess(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var console = Console.Out;
        var directory = Environment.CurrentDirectory;
        Console.SetOut(output);
        Environment.CurrentDirectory = _work;
        try
        {
            var exit = VerifierCommand.Main(args);
            return (exit, output.ToString());
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = directory;
        }
    }
}
