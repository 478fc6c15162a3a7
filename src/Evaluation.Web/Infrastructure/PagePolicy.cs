using System.Security.Cryptography;
using System.Text;

namespace Evaluation.Web.Infrastructure;

/// <summary>
/// A content security policy for every HTML page that does not set its own (the phone page and the receipt check do).
/// Views escape what users typed; this is what holds if one day one does not. The staff pages need no script but two
/// fixed handlers, so exactly those two may run ('unsafe-hashes' with their hashes), and nothing else: no script
/// element, no other handler, no javascript: link. Views use these constants, so a page and its policy cannot drift apart.
/// </summary>
public static class PagePolicy
{
    /// <summary>A form that asks first; the question is read from data-confirm, so no typed name is ever part of the script.</summary>
    public const string Confirm = "return confirm(this.dataset.confirm)";

    public const string Back = "history.back(); return false;";

    public static readonly string ContentSecurityPolicy =
        $"default-src 'self'; script-src 'unsafe-hashes' {Hash(Confirm)} {Hash(Back)}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void UsePagePolicy(this WebApplication app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (headers.ContentSecurityPolicy.Count == 0 && context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    headers.XContentTypeOptions = "nosniff";
                }
                return Task.CompletedTask;
            });
            return next();
        });

    private static string Hash(string script) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}'";
}
