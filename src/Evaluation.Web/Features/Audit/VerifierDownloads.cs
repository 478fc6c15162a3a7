using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Evaluation.Web.Features.Audit;

/// <summary>Where the published verifier lives (scripts/publish-verifier.sh writes it; the image puts it beside the app).</summary>
public sealed class VerifierDownloadOptions
{
    public const string Section = "Verifier";

    /// <summary>A folder holding evaluation-verify.exe and evaluation-verify; relative to the working directory.</summary>
    public string Directory { get; set; } = Path.Combine(AppContext.BaseDirectory, "verifier");
}

/// <param name="Id">The runtime identifier, which is also the download's address: /verifier/{Id}.</param>
/// <param name="HashCommand">How the auditor computes the file's SHA-256 on that system.</param>
public sealed record VerifierPlatform(string Id, string Name, string FileName, string HashCommand);

/// <summary>One published file: its size and SHA-256 as served.</summary>
public sealed record VerifierFile(VerifierPlatform Platform, string Path, long Size, string Sha256);

/// <summary>
/// The auditor's verifier as single self-contained programs, one per platform, with their SHA-256 for the 审计 section.
/// A hash is computed once per file version (size and write time), not per request: the files are 40 MB each.
/// </summary>
public sealed class VerifierDownloads(IOptions<VerifierDownloadOptions> options)
{
    public static readonly VerifierPlatform Windows = new("win-x64", "Windows（64 位）", "evaluation-verify.exe", "certutil -hashfile evaluation-verify.exe SHA256");
    public static readonly VerifierPlatform Linux = new("linux-x64", "Linux（x86-64）", "evaluation-verify", "sha256sum evaluation-verify");
    public static readonly IReadOnlyList<VerifierPlatform> Platforms = [Windows, Linux];

    private readonly ConcurrentDictionary<string, VerifierFile> _hashed = new();

    public string Directory => Path.GetFullPath(options.Value.Directory);

    /// <summary>The platform's file, or null when it has not been published into the folder.</summary>
    public VerifierFile? Find(VerifierPlatform platform)
    {
        var info = new FileInfo(Path.Combine(Directory, platform.FileName));
        if (!info.Exists) return null;
        var key = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        // A file replaced by a new publish gets a new key, so the page never shows the hash of bytes no longer served.
        return _hashed.GetOrAdd(key, _ =>
        {
            using var stream = info.OpenRead();
            return new VerifierFile(platform, info.FullName, info.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
        });
    }

    public static VerifierPlatform? Platform(string id) => Platforms.FirstOrDefault(p => p.Id == id);

    /// <summary>"42.6 MB（42,615,065 字节）": the exact count too, to hold against what the download folder shows.</summary>
    public static string Size(long bytes) =>
        string.Format(CultureInfo.InvariantCulture, "{0:0.0} MB（{1:N0} 字节）", bytes / 1_000_000.0, bytes);
}

public static class VerifierDownloadsRegistration
{
    public static IServiceCollection AddVerifierDownloads(this IServiceCollection services)
    {
        services.AddOptions<VerifierDownloadOptions>().BindConfiguration(VerifierDownloadOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Verifier:Directory 不能为空：请给出存放核对程序的文件夹。")
            .ValidateOnStart();
        services.AddSingleton<VerifierDownloads>();
        return services;
    }
}
