namespace Evaluation.Web.Infrastructure;

public static class PublicAddress
{
    /// <summary>
    /// The address voters type or scan: Site:PublicBaseUrl when set (behind a proxy or on a venue's own name), else the
    /// one this request came to.
    /// </summary>
    public static string PublicBaseUrl(this HttpRequest request, IConfiguration configuration) =>
        (configuration["Site:PublicBaseUrl"] is { Length: > 0 } configured ? configured : $"{request.Scheme}://{request.Host}").TrimEnd('/');
}
