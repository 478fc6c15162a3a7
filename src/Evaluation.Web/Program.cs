using Evaluation.Web.Features.Accounts;
using Evaluation.Web.Features.Audit;
using Evaluation.Web.Features.Demo;
using Evaluation.Web.Features.OpenBox;
using Evaluation.Web.Features.Operations;
using Evaluation.Web.Features.Rollup;
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

try
{
    var (connectionString, localPostgres) = await Database.ResolveAsync(builder.Configuration);
    await using (localPostgres)
    {
        var keyEncryptionKey = await KeyEncryption.ResolveAsync(builder.Configuration, localPostgres);
        builder.Services.AddDatabase(connectionString);
        builder.Services.AddSingleton(keyEncryptionKey);
        builder.Services.AddSharedDataProtection();
        builder.Services.AddReverseProxySupport(builder.Configuration);
        builder.Services.AddStaffAuthentication();
        builder.Services.AddSingleton<BallotBox>();
        builder.Services.AddSingleton<SlipBurner>();
        builder.Services.AddSingleton<OpenEvaluations>();
        builder.Services.AddSingleton(new FailedLookups(TimeProvider.System));
        builder.Services.AddSingleton<OpenBoxWriter>();
        builder.Services.AddSingleton(new OpenBoxThrottle(TimeProvider.System));
        builder.Services.AddSingleton<PdfPrinter>();
        builder.Services.AddOptions<ReportsOptions>().BindConfiguration(ReportsOptions.Section)
            .Validate(o => o.IsValid, ReportsOptions.Problem).ValidateOnStart();
        builder.Services.AddVerifierDownloads();
        builder.Services.AddStaticAssetCompression();
        builder.Services.AddScoped<ViewRenderer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BallotBox>());
        builder.Services.AddHostedService(services => services.GetRequiredService<SlipBurner>());
        builder.Services.AddHostedService(services => services.GetRequiredService<OpenBoxWriter>());
        builder.Services.AddVotingApiDocument();
        builder.Services.AddControllersWithViews(mvc =>
        {
            mvc.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
            mvc.Filters.Add(new AntiforgeryFailureAsRefusal());
        });
        builder.Services.Configure<RazorViewEngineOptions>(razor => razor.ViewLocationExpanders.Add(new FeatureFolders()));
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "eval.csrf";
            // Secure when the request came over HTTPS, also through the ingress (ReverseProxy); by default it never is.
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // Chinese text as it is, not as &#x…; entities: readable source, and a third of the bytes on a venue's network.
        builder.Services.Configure<WebEncoderOptions>(encoders => encoders.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        await using var app = builder.Build();
        // Settings first, before anything is migrated or seeded: a wrong one stops the start with its sentence, not a stack trace.
        _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ReportsOptions>>().Value;
        // Replicas starting together take turns: migrations, then the checks and keys they must all agree on.
        Database.Migrate(Database.MigrationsConnectionString(builder.Configuration, connectionString), app.Logger, whileLocked: () =>
        {
            KeyEncryption.CheckAndSealStoredKeys(app.Services.GetRequiredService<NpgsqlDataSource>(), keyEncryptionKey, app.Logger);
            DataProtectionKeys.EnsureCurrentKey(app.Services);
        });
        await InitialAdmin.EnsureAsync(app);
        if (demo) await DemoEvaluation.SeedAsync(app);

        app.UseForwardedHeaders();
        app.UsePagePolicy();
        app.UseRequestBodyLimit();
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/error/exception",
            // The failed request's services may hold a faulted result (a sign-in check that met a database outage, say);
            // the error page starts from fresh ones.
            CreateScopeForErrors = true,
            // A database outage meets every request, each with a stack trace of dozens of lines: enough to stall the console
            // logger under a burst. The error page logs one line per request for those instead.
            SuppressDiagnosticsCallback = context => DatabaseFaults.IsCondition(DatabaseFaults.Classify(context.Exception)),
            // An oversized or malformed body is the client's mistake: say so (413/400), not 500.
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                // The database is away or saturated: a passing condition the client should retry, not a server bug.
                NpgsqlException or TimeoutException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseJsonOnlyBodies();
        app.UseStaticAssets();
        app.UseAuthentication();
        app.UsePasswordChangeRequired();
        app.UseAuthorization();

        app.MapOperations();
        app.MapVoting();
        app.MapOpenBox();
        app.MapVotingApiDocument();
        app.MapAuditBundleSchema();
        app.MapControllers();

        await app.RunAsync();
    }
}
// A missing program or a missing or wrong setting: one message saying what to install or set, not a stack trace.
catch (Exception e) when (e is LocalPostgresException or SettingException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
return 0;

public partial class Program;
