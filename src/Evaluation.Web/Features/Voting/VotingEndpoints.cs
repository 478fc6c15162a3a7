namespace Evaluation.Web.Features.Voting;

/// <summary>The attendee's API: no sign-in, no cookies, nothing cached, tokens only in request bodies.</summary>
public static class VotingEndpoints
{
    public static void MapVoting(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v").AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });
        api.MapPost("/slip", CheckIn.DescribeAsync);
        api.MapPost("/checkin", CheckIn.CheckInAsync);
        api.MapPost("/ballot", Submit.SubmitAsync);

        // The phone page; the slip token travels after '#', which browsers never send. /kiosk is the same page
        // for a shared venue tablet, which forgets each voter once their ballot is in.
        app.MapGet("/v", (IWebHostEnvironment env, HttpContext http) => PhonePage(env, http)).AllowAnonymous();
        app.MapGet("/kiosk", (IWebHostEnvironment env, HttpContext http) => PhonePage(env, http)).AllowAnonymous();
    }

    private static IResult PhonePage(IWebHostEnvironment env, HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        // Nothing from another host, ever: the page cannot leak a token or an answer to a third party.
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
                                        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        return Results.File(env.WebRootFileProvider.GetFileInfo("vote/index.html").PhysicalPath!, "text/html; charset=utf-8");
    }
}
