namespace Evaluation.Web.Infrastructure;

public static class RequestLimits
{
    /// <summary>Nothing a person types here comes near this; a questionnaire JSON is a few tens of KB.</summary>
    public const long MaxBodyBytes = 1 << 20;

    public static void LimitRequestBodies(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);

    /// <summary>
    /// Refuses a declared oversized body before anything reads it. Kestrel's own limit still stops chunked bodies,
    /// but it surfaces mid-read, inside antiforgery or model binding, where it cannot become a clear answer.
    /// </summary>
    public static void UseRequestBodyLimit(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync($"提交的内容太大（超过 {MaxBodyBytes >> 20} MB），请缩短后重试。");
                return;
            }
            await next();
        });
}
