using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;

namespace Evaluation.Web.Infrastructure;

/// <summary>One fixed file, as read at start-up, with its Brotli and gzip copies where they are smaller.</summary>
public sealed partial record FixedFile(string ContentType, DateTimeOffset LastModified, byte[] Identity, byte[]? Brotli, byte[]? Gzip, string Hash)
{
    /// <summary>
    /// The CSP sources that allow this page's own &lt;style&gt; elements and nothing else, hashed from the bytes served, so
    /// the page and its policy cannot drift apart; "'none'" when it has none.
    /// </summary>
    public string InlineStyleSources { get; } = StyleSources(ContentType, Identity);

    private static string StyleSources(string contentType, byte[] identity)
    {
        if (!contentType.StartsWith("text/html", StringComparison.Ordinal)) return "'none'";
        var hashes = StyleElement().Matches(Comment().Replace(Encoding.UTF8.GetString(identity), ""))
            .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'")
            .ToList();
        return hashes.Count == 0 ? "'none'" : string.Join(' ', hashes);
    }

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    [GeneratedRegex("<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comment();
}

/// <summary>
/// The fixed files under wwwroot (the phone page, its script, the staff pages' styles and scripts), compressed once at
/// start-up, Brotli at its best quality and gzip, and answered by Accept-Encoding from memory: a crowd of phones opening
/// the page costs no compression at all. Only these fixed files are ever compressed, never a response that mixes a secret
/// with text an attacker can choose, which compression would leak (BREACH).
/// </summary>
public sealed class PrecompressedFiles
{
    private readonly FrozenDictionary<string, FixedFile> _files;

    private PrecompressedFiles(FrozenDictionary<string, FixedFile> files) => _files = files;

    /// <summary>Every file under the web root, keyed by its URL path ("/css/site.css").</summary>
    public static PrecompressedFiles Load(IFileProvider webRoot)
    {
        var paths = new List<string>();
        Collect(webRoot, "", paths);
        var types = new FileExtensionContentTypeProvider();
        // The pages are written in UTF-8, and say so before their first byte is read.
        types.Mappings[".html"] = "text/html; charset=utf-8";
        var files = new FixedFile[paths.Count];
        // Brotli's best quality is slow (a few MB/s): both cores, once.
        Parallel.For(0, paths.Count, i =>
        {
            var info = webRoot.GetFileInfo(paths[i]);
            using var stream = info.CreateReadStream();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var digest = SHA256.HashData(bytes);
            var (brotli, gzip) = CompressedByContent.GetOrAdd(Convert.ToHexStringLower(digest), _ =>
                (Smaller(bytes, s => new BrotliStream(s, CompressionLevel.SmallestSize)),
                 Smaller(bytes, s => new GZipStream(s, CompressionLevel.SmallestSize))));
            files[i] = new FixedFile(
                types.TryGetContentType(paths[i], out var type) ? type : "application/octet-stream",
                info.LastModified,
                bytes,
                brotli,
                gzip,
                Convert.ToHexStringLower(digest.AsSpan(0, 12)));
        });
        return new PrecompressedFiles(paths.Select((p, i) => (p, i)).ToFrozenDictionary(x => "/" + x.p, x => files[x.i], StringComparer.Ordinal));
    }

    // By content, for the process: a replica starts once, but the test suite starts the app some hundred times in one
    // process, and Brotli's best quality costs a quarter of a second of CPU for wwwroot each time.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (byte[]? Brotli, byte[]? Gzip)> CompressedByContent = new();

    private static void Collect(IFileProvider root, string folder, List<string> paths)
    {
        foreach (var entry in root.GetDirectoryContents(folder))
        {
            var path = folder.Length == 0 ? entry.Name : $"{folder}/{entry.Name}";
            if (entry.IsDirectory) Collect(root, path, paths);
            else paths.Add(path);
        }
    }

    /// <summary>The compressed copy, or null where compressing gains nothing (an image, say).</summary>
    private static byte[]? Smaller(byte[] bytes, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output)) stream.Write(bytes);
        var compressed = output.ToArray();
        return compressed.Length < bytes.Length ? compressed : null;
    }

    public bool TryFind(PathString path, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out FixedFile file) =>
        _files.TryGetValue(path.Value ?? "", out file);

    /// <summary>The file at a path under wwwroot ("vote/index.html"); it was there at start-up or the app would not serve.</summary>
    public FixedFile this[string path] => _files["/" + path];

    /// <summary>
    /// A page attendees open without signing in (the phone page, the open box's page): never cached, no referrer, and nothing
    /// from another host, ever, so the page cannot leak a token or an answer to a third party. Its styles are its own
    /// &lt;style&gt;, allowed by hash; no other style and no inline script may run.
    /// </summary>
    public static Task ServeAttendeePageAsync(HttpContext http, string path)
    {
        var page = http.RequestServices.GetRequiredService<PrecompressedFiles>()[path];
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers.ContentSecurityPolicy = $"default-src 'self'; script-src 'self'; style-src {page.InlineStyleSources}; img-src 'self' data:; " +
                                        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        return ServeAsync(http, page, validators: false);
    }

    /// <summary>
    /// Answers with the copy the client takes (br, then gzip, then the file itself), its length, and Vary. With
    /// <paramref name="validators"/>, ETag (one per copy) and Last-Modified, and 304 to a client that has it already.
    /// </summary>
    public static Task ServeAsync(HttpContext http, FixedFile file, bool validators)
    {
        var request = http.Request;
        var response = http.Response;
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        var (body, encoding) = file.Brotli is { } br && Accepts(accepted, "br") ? (br, "br")
            : file.Gzip is { } gzip && Accepts(accepted, "gzip") ? (gzip, "gzip")
            : (file.Identity, null);
        var headers = response.Headers;
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.ContentType = file.ContentType;
        if (encoding is not null) headers.ContentEncoding = encoding;
        if (validators)
        {
            var etag = new EntityTagHeaderValue($"\"{file.Hash}{(encoding is null ? "" : "-" + encoding)}\"");
            var typed = response.GetTypedHeaders();
            typed.ETag = etag;
            typed.LastModified = file.LastModified;
            if (IsFresh(request.GetTypedHeaders(), etag, file.LastModified))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                headers.ContentEncoding = default;
                return Task.CompletedTask;
            }
        }
        headers.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>RFC 9110 §12.5.3: a coding named with q=0 is refused even where "*" would take it.</summary>
    private static bool Accepts(IList<StringWithQualityHeaderValue> accepted, string coding)
    {
        var named = accepted.FirstOrDefault(a => string.Equals(a.Value.Value, coding, StringComparison.OrdinalIgnoreCase))
                    ?? accepted.FirstOrDefault(a => a.Value.Value == "*");
        return named is not null && named.Quality is not 0;
    }

    private static bool IsFresh(RequestHeaders request, EntityTagHeaderValue etag, DateTimeOffset lastModified)
    {
        if (request.IfNoneMatch is { Count: > 0 } tags) return tags.Any(t => t.Compare(etag, useStrongComparison: false) || t.Equals(EntityTagHeaderValue.Any));
        // HTTP dates have whole seconds.
        return request.IfModifiedSince is { } since && lastModified.AddTicks(-(lastModified.Ticks % TimeSpan.TicksPerSecond)) <= since;
    }
}
