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
    }
}
