using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Features.Demo;
using Evaluation.Web.Features.Operations;
using Evaluation.Web.Features.Voting;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.Extensions.WebEncoders;
using Npgsql;
using System.Text.Encodings.Web;
using System.Text.Unicode;

var demo = args.Contains("--demo");
var builder = WebApplication.CreateBuilder(args.Where(a => a != "--demo").ToArray());
builder.AddStructuredLogging();
builder.LimitRequestBodies();

LocalPostgres? localPostgres;
string connectionString;
try
{
    (connectionString, localPostgres) = await Database.ResolveAsync(builder.Configuration);
}
catch (LocalPostgresException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

await using (localPostgres)
{
    builder.Services.AddDatabase(connectionString);
    builder.Services.AddStaffAuthentication();
    builder.Services.AddSingleton<BallotBox>();
    builder.Services.AddSingleton(new FailedLookups(TimeProvider.System));
    builder.Services.AddSingleton<PdfPrinter>();
    builder.Services.AddStaticAssetCompression();
    builder.Services.AddScoped<ViewRenderer>();
    builder.Services.AddHostedService(services => services.GetRequiredService<BallotBox>());
    builder.Services.AddControllersWithViews(mvc =>
    {
        mvc.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
        mvc.Filters.Add(new AntiforgeryFailureAsRefusal());
    });
    builder.Services.Configure<RazorViewEngineOptions>(razor => razor.ViewLocationExpanders.Add(new FeatureFolders()));
    builder.Services.AddAntiforgery(antiforgery => antiforgery.Cookie.Name = "eval.csrf");
    // Chinese text as it is, not as &#x…; entities: readable source, and a third of the bytes on a venue's network.
    builder.Services.Configure<WebEncoderOptions>(encoders => encoders.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

    var app = builder.Build();
    Database.Migrate(connectionString, app.Logger);
    await InitialAdmin.EnsureAsync(app);
    if (demo) await DemoEvaluation.SeedAsync(app);

    app.UsePagePolicy();
    app.UseRequestBodyLimit();
    app.UseStatusCodePagesWithReExecute("/error/{0}");
    app.UseExceptionHandler(new ExceptionHandlerOptions
    {
        ExceptionHandlingPath = "/error/exception",
        // An oversized or malformed body is the client's mistake: say so (413/400), not 500.
        StatusCodeSelector = e => e switch
        {
            BadHttpRequestException bad => bad.StatusCode,
            // The database is away or saturated: a passing condition the client should retry, not a server bug.
            NpgsqlException or TimeoutException => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status500InternalServerError,
        },
    });
    app.UseStaticAssets();
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapOperations();
    app.MapVoting();
    app.MapControllers();

    await app.RunAsync();
}
return 0;

public partial class Program;
