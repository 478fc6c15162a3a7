using System.Text.RegularExpressions;

namespace Evaluation.LoadBench;

/// <summary>
/// What a browser fetches after <c>/v</c>, read from the page itself: its stylesheets, module preloads and scripts on this
/// host. Read rather than listed, so the benchmark loads what a browser loads when the page changes (critical CSS inlined,
/// a file added or renamed).
/// </summary>
public static partial class PhonePage
{
    public const string Path = "/v";

    public static IReadOnlyList<string> FilesOf(string html)
    {
        var files = new List<string>();
        foreach (Match tag in Tag().Matches(html))
        {
            var attributes = new Dictionary<string, string>();
            foreach (Match attribute in Attribute().Matches(tag.Value))
                attributes.TryAdd(attribute.Groups["name"].Value.ToLowerInvariant(), attribute.Groups["value"].Value);
            var url = tag.Groups["tag"].Value.ToLowerInvariant() switch
            {
                "link" when attributes.GetValueOrDefault("rel")?.ToLowerInvariant() is "stylesheet" or "modulepreload" or "preload" =>
                    attributes.GetValueOrDefault("href"),
                "script" => attributes.GetValueOrDefault("src"),
                _ => null,
            };
            // Only files of this host: the page asks no other (PhoneVotingTests), and a data: URL is no request.
            if (url is not null && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !files.Contains(url))
                files.Add(url);
        }
        return files;
    }

    [GeneratedRegex(@"<(?<tag>link|script)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\b(?<name>[a-zA-Z-]+)\s*=\s*""(?<value>[^""]*)""")]
    private static partial Regex Attribute();
}
