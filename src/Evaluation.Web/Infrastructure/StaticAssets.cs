using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Evaluation.Web.Infrastructure;

public static class StaticAssets
{
    public static IServiceCollection AddStaticAssetCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return services;
    }

    /// <summary>
    /// Compresses only the fixed files of the pages (a third of the bytes on a crowded venue network), never a page
    /// that mixes a secret with something an attacker can put in, so compression cannot leak it (BREACH).
    /// </summary>
    public static void UseStaticAssets(this WebApplication app)
    {
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/vote") || context.Request.Path.StartsWithSegments("/js")
                       || context.Request.Path.StartsWithSegments("/css") || context.Request.Path == "/v" || context.Request.Path == "/kiosk",
            branch => branch.UseResponseCompression());
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file =>
            {
                var headers = file.Context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                // The phone page's own files, reached directly, keep the page's rules.
                if (file.Context.Request.Path.StartsWithSegments("/vote"))
                    headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            },
        });
    }
}
