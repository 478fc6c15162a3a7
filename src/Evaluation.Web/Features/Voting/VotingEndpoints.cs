using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.Voting;

/// <summary>The attendee's API: no sign-in, no cookies, nothing cached, tokens only in request bodies.</summary>
public static class VotingEndpoints
{
    /// <summary>A slip or check-in body is a 20-symbol code and two blinded messages of at most 4096 bits each in base64: under 2 KB.</summary>
    public const long MaxCheckInBodyBytes = 16 << 10;

    /// <summary>
    /// A ballot is a few KB. It grows only with typed text: the default forms with 30 targets, every opinion box filled to
    /// its limit (300 characters per target, two of 1,000), come to about 35 KB of UTF-8, some 50 KB once sealed (the
    /// credentials and signatures, HPKE's 81 bytes, base64 twice over: the answers inside the plaintext, the plaintext in
    /// the request). Custom forms may allow longer
    /// answers, and refusing a real ballot at a meeting is the worst outcome here, so this leaves room: still a quarter of
    /// the general limit, for the endpoint that 2,000 phones call at once.
    /// </summary>
    public const long MaxBallotBodyBytes = 256 << 10;

    public static void MapVoting(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v").AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        }).AcceptsJsonOnly();
        // Each documented for clients of others' making (VotingApiDocument, /openapi/v1.json).
        api.MapPost("/slip", CheckIn.DescribeAsync).LimitBodyTo(MaxCheckInBodyBytes).DocumentSlip();
        api.MapPost("/checkin", CheckIn.CheckInAsync).LimitBodyTo(MaxCheckInBodyBytes).DocumentCheckIn();
        api.MapPost("/ballot", Submit.SubmitAsync).LimitBodyTo(MaxBallotBodyBytes).DocumentBallot();

        // The phone page; the slip token travels after '#', which browsers never send. / is the same page, the bare
        // address an attendee types from the slip; /v stays for the QR links already printed. /kiosk is the same page
        // for a shared venue tablet, which forgets each voter once their ballot is in.
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/", getOrHead, PhonePage).AllowAnonymous();
        app.MapMethods("/v", getOrHead, PhonePage).AllowAnonymous();
        app.MapMethods("/kiosk", getOrHead, PhonePage).AllowAnonymous();
    }

    /// <summary>
    /// Also the staff's preview (PreviewController): the very page, which then reads its form from the draft. The code-entry
    /// screen and all the page's styles are in it, so this one answer paints a screen to type into, scripts or not; it is
    /// a fixed file, precompressed (PrecompressedFiles), with nothing in it a request chose.
    /// </summary>
    public static Task PhonePage(HttpContext http) => PrecompressedFiles.ServeAttendeePageAsync(http, "vote/index.html");
}
