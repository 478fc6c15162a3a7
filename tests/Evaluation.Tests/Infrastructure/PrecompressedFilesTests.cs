using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;

namespace Evaluation.Tests.Infrastructure;

/// <summary>
/// The phone page and the fixed files under wwwroot, compressed once at start-up (PrecompressedFiles) and answered by
/// Accept-Encoding: every copy is the file on disk, with the headers each had before, and nothing is compressed per request.
/// </summary>
public sealed partial class PrecompressedFilesTests
{
    private static readonly string[] PageAddresses = ["/", "/v", "/kiosk"];
    private AppFactory _app = null!;
    private HttpClient _client = null!;
    private string _webRoot = "";

    [OneTimeSetUp]
    public async Task StartApp()
    {
        _app = new AppFactory(await TestDatabase.CreateDatabaseAsync());
        _client = _app.CreateClient();
        _webRoot = _app.Services.GetRequiredService<IWebHostEnvironment>().WebRootPath;
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// Each file's address, and where it is on disk: the page at its three addresses, every other file at its own. The open
    /// box's page has none without a published box (OpenBoxTests serve it at /o/…).
    /// </summary>
    private IEnumerable<(string Address, string Disk)> Files()
    {
        var page = Path.Combine(_webRoot, "vote", "index.html");
        var openBoxPage = Path.Combine(_webRoot, "open", "index.html");
        foreach (var address in PageAddresses) yield return (address, page);
        foreach (var file in Directory.EnumerateFiles(_webRoot, "*", SearchOption.AllDirectories).Where(f => f != page && f != openBoxPage))
            yield return ("/" + Path.GetRelativePath(_webRoot, file).Replace('\\', '/'), file);
    }

    private async Task<HttpResponseMessage> GetAsync(string address, string? acceptEncoding, HttpMethod? method = null, Action<HttpRequestMessage>? more = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, address);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        more?.Invoke(request);
        return await _client.SendAsync(request);
    }

    [TestCase("br", "br")]
    [TestCase("gzip, deflate, br, zstd", "br")]
    [TestCase("gzip", "gzip")]
    [TestCase("br;q=0, gzip", "gzip")]
    [TestCase("br;q=0, *", "gzip")]
    [TestCase("deflate", null)]
    [TestCase("identity", null)]
    [TestCase("*;q=0", null)]
    [TestCase(null, null)]
    [TestCase(";q=, br;q=x,,", null)]
    public async Task EveryFile_InTheEncodingAsked_DecodesToTheFileOnDisk(string? acceptEncoding, string? expected)
    {
        var files = Files().ToList();
        Assert.That(files.Select(f => f.Address), Has.Member("/vote/vote.js").And.Member("/css/site.css").And.Member("/js/blindrsa.js"));
        foreach (var (address, disk) in files)
        {
            using var response = await GetAsync(address, acceptEncoding);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), address);
            Assert.That(response.Content.Headers.ContentEncoding, expected is null ? Is.Empty : Is.EqualTo(new[] { expected }), address);
            Assert.That(response.Headers.Vary, Has.Member("Accept-Encoding"), address);
            Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(body.Length), $"{address}: the length of what is sent");
            Assert.That(Decoded(body, expected), Is.EqualTo(await File.ReadAllBytesAsync(disk)), $"{address} in {expected ?? "identity"}");
        }
    }

    /// <summary>
    /// Compressed once, at start-up, at the best settings: the copy sent is byte for byte what Brotli at quality 11 and gzip
    /// at level 9 make of the file, the same in every answer, with its length known before the first byte (a response
    /// compressed as it is written has none), and the app has no per-request compression to do it otherwise.
    /// </summary>
    [Test]
    public async Task CompressedCopies_AreMadeOnceAtTheBestSettings_NotPerRequest()
    {
        Assert.That(_app.Services.GetService<IResponseCompressionProvider>(), Is.Null, "no response compression middleware");
        foreach (var (address, disk) in Files())
        {
            var file = await File.ReadAllBytesAsync(disk);
            foreach (var (coding, best) in new[] { ("br", Compressed(file, s => new BrotliStream(s, CompressionLevel.SmallestSize))),
                                                   ("gzip", Compressed(file, s => new GZipStream(s, CompressionLevel.SmallestSize))) })
            {
                using var first = await GetAsync(address, coding);
                using var second = await GetAsync(address, coding);
                var sent = await first.Content.ReadAsByteArrayAsync();
                Assert.That(first.Content.Headers.ContentLength, Is.EqualTo(sent.Length), $"{address} {coding}");
                Assert.That(sent, Is.EqualTo(best), $"{address}: {coding} at its best setting");
                Assert.That(await second.Content.ReadAsByteArrayAsync(), Is.EqualTo(sent), $"{address}: the same bytes every time");
            }
        }
    }

    [Test]
    public async Task Page_InEveryEncoding_KeepsItsHeaders_AndAllowsExactlyItsOwnStyles()
    {
        var html = await File.ReadAllTextAsync(Path.Combine(_webRoot, "vote", "index.html"));
        var style = StyleElement().Match(Regex.Replace(html, "<!--.*?-->", "", RegexOptions.Singleline));
        Assert.That(style.Success, Is.True, "the page's styles are inline");
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style.Groups[1].Value)));
        foreach (var address in PageAddresses)
        foreach (var coding in new[] { "br", "gzip", "identity" })
        {
            using var response = await GetAsync(address, coding);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.That(policy, Does.Contain($"style-src 'sha256-{hash}';").And.Contain("script-src 'self';").And.Contain("default-src 'self'"), policy);
            Assert.That(policy, Does.Not.Contain("unsafe"), policy);
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, address);
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
            Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        }
        foreach (var file in new[] { "/vote/index.html", "/open/index.html" })
        {
            using var direct = await GetAsync(file, "br");
            Assert.That(direct.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{file} is served at its addresses only, with its policy");
        }
    }

    [Test]
    public async Task Head_AnswersTheHeadersOfGet_WithoutTheBody()
    {
        foreach (var address in new[] { "/v", "/kiosk", "/", "/vote/vote.js", "/css/site.css" })
        {
            using var get = await GetAsync(address, "br");
            using var head = await GetAsync(address, "br", HttpMethod.Head);
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK), address);
            Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty, address);
            Assert.That(head.Content.Headers.ContentLength, Is.EqualTo(get.Content.Headers.ContentLength), address);
            Assert.That(head.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "br" }), address);
            Assert.That(Policies(head), Is.EqualTo(Policies(get)), address);
        }
    }

    /// <summary>As before: the staff pages' files and the page's script are revalidated by ETag or date; each copy has its own ETag.</summary>
    [Test]
    public async Task StaticFiles_AnswerNotModified_ToTheETagOfTheCopyAsked()
    {
        foreach (var address in new[] { "/vote/vote.js", "/css/site.css", "/js/board.js" })
        {
            using var brotli = await GetAsync(address, "br");
            using var gzip = await GetAsync(address, "gzip");
            var (brotliTag, gzipTag) = (brotli.Headers.ETag!, gzip.Headers.ETag!);
            Assert.That(brotliTag, Is.Not.EqualTo(gzipTag), "one ETag per copy");
            Assert.That(brotli.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
            Assert.That(brotli.Headers.CacheControl?.NoStore ?? false, Is.False, "a static file may be cached");

            using var again = await GetAsync(address, "br", more: r => r.Headers.IfNoneMatch.Add(brotliTag));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), address);
            Assert.That(await again.Content.ReadAsByteArrayAsync(), Is.Empty);
            using var otherCopy = await GetAsync(address, "gzip", more: r => r.Headers.IfNoneMatch.Add(brotliTag));
            Assert.That(otherCopy.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{address}: the gzip copy is not the one the client holds");
            using var byDate = await GetAsync(address, "br", more: r => r.Headers.IfModifiedSince = brotli.Content.Headers.LastModified);
            Assert.That(byDate.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), address);
        }
        using var script = await GetAsync("/vote/vote.js", "br");
        Assert.That(string.Join(";", script.Headers.GetValues("Content-Security-Policy")), Does.Contain("default-src 'self'"));
    }

    /// <summary>The headers that say what may be done with an answer.</summary>
    private static string Policies(HttpResponseMessage response) =>
        string.Join(" | ", new[] { "Content-Security-Policy", "Cache-Control", "X-Content-Type-Options", "Referrer-Policy", "Vary", "ETag" }
            .Select(name => response.Headers.TryGetValues(name, out var values) ? $"{name}: {string.Join(",", values)}" : ""));

    private static byte[] Decoded(byte[] body, string? coding)
    {
        if (coding is null) return body;
        using var input = new MemoryStream(body);
        using Stream decoder = coding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Compressed(byte[] bytes, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output)) stream.Write(bytes);
        return output.ToArray();
    }

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();
}
