namespace Evaluation.Web.Infrastructure;

public static class StaticAssets
{
    /// <summary>Reads and compresses wwwroot once, when the app is built (see <see cref="PrecompressedFiles"/>).</summary>
    public static IServiceCollection AddStaticAssetCompression(this IServiceCollection services) =>
        services.AddSingleton(provider => PrecompressedFiles.Load(provider.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider));

    /// <summary>The fixed files, from memory. The phone page itself is the Voting feature's (/, /v, /kiosk), with its own headers.</summary>
    public static void UseStaticAssets(this WebApplication app)
    {
        // Compressed now, at start-up, not under the first phones.
        var files = app.Services.GetRequiredService<PrecompressedFiles>();
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || PagePaths.Contains(request.Path.Value)
                || !files.TryFind(request.Path, out var file))
                return next(context);
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            // The attendee pages' own scripts, reached directly, keep the pages' rules.
            if (request.Path.StartsWithSegments("/vote") || request.Path.StartsWithSegments("/open"))
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'none'; connect-src 'self'; frame-ancestors 'none'";
            return PrecompressedFiles.ServeAsync(context, file, validators: true);
        });
    }

    /// <summary>
    /// The attendee pages are served at their own addresses only (/v, /o/…), never as files: there they would lack their
    /// policy, which allows their styles.
    /// </summary>
    private static readonly string[] PagePaths = ["/vote/index.html", "/open/index.html"];
}
