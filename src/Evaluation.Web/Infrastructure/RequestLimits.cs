using System.Buffers;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Evaluation.Web.Infrastructure;

public static class RequestLimits
{
    /// <summary>Nothing a person types here comes near this; a questionnaire JSON is a few tens of KB.</summary>
    public const long MaxBodyBytes = 1 << 20;

    public static void LimitRequestBodies(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);

    /// <summary>A smaller limit for one endpoint or group, read by <see cref="UseRequestBodyLimit"/>.</summary>
    public static TBuilder LimitBodyTo<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>
    /// Refuses a declared oversized body before anything reads it. Kestrel's own limit still stops chunked bodies,
    /// but it surfaces mid-read, inside antiforgery or model binding, where it cannot become a clear answer; and a minimal
    /// API endpoint takes a failed read for a dropped connection and answers an empty 200. So where an endpoint sets a
    /// smaller limit of its own (the voting API: small bodies, many phones), a body without a declared length is read here
    /// in full, up to that limit, before the endpoint sees it.
    /// </summary>
    public static void UseRequestBodyLimit(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? MaxBodyBytes;
            if (request.ContentLength > limit)
            {
                await TooLargeAsync(context, limit);
                return;
            }
            if (request.ContentLength is null && limit < MaxBodyBytes && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                var buffered = await ReadUpToAsync(request.Body, limit, context.RequestAborted);
                if (buffered is null)
                {
                    await TooLargeAsync(context, limit);
                    return;
                }
                request.Body = buffered;
                request.ContentLength = buffered.Length;
            }
            await next();
        });

    /// <summary>Marks endpoints whose body is read as JSON: <see cref="UseJsonOnlyBodies"/> lets only <c>application/json</c> through.</summary>
    public static TBuilder AcceptsJsonOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new JsonOnly());

    /// <summary>
    /// The framework reads any <c>+json</c> type (<c>application/problem+json</c>, <c>application/merge-patch+json</c>…) as
    /// JSON; the voting API takes <c>application/json</c> alone, as its README says and as the phone page sends it. Anything
    /// else is refused with a bare 415 before the body is read, so this goes after the status code pages, which answer it
    /// with the API's JSON sentence.
    /// </summary>
    public static void UseJsonOnlyBodies(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<JsonOnly>() is not null && !IsPlainJson(context.Request.ContentType))
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                return;
            }
            await next();
        });

    /// <summary>
    /// <c>application/json</c>, with no parameter but a UTF-8 charset (JSON is UTF-8: RFC 8259 §8.1), unquoted: the
    /// framework's reader takes a quoted charset for an unknown encoding and fails with a 500.
    /// </summary>
    private static bool IsPlainJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && type.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)
                                    && p.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The whole body, or null once it runs past <paramref name="limit"/>.</summary>
    private static async Task<MemoryStream?> ReadUpToAsync(Stream body, long limit, CancellationToken ct)
    {
        var buffered = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffered.Length + read > limit) return null;
                buffered.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        buffered.Position = 0;
        return buffered;
    }

    private static async Task TooLargeAsync(HttpContext context, long limit)
    {
        var size = limit >= 1 << 20 ? $"{limit >> 20} MB" : $"{limit >> 10} KB";
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.Path.StartsWithSegments("/api"))
            // The phone page shows `error` as it is; a ballot grows only with what was typed into its opinion boxes.
            await context.Response.WriteAsJsonAsync(new
            {
                error = $"提交的内容太大（超过 {size}），没有保存。如果填写了很长的意见，请缩短后重新提交；如果仍然不行，请向工作人员说明。",
                code = "too-large",
            });
        else
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"提交的内容太大（超过 {size}），没有保存。请缩短后重试。");
        }
    }

    private sealed record JsonOnly;

    private sealed record BodyLimit(long Bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => Bytes;
    }
}
