using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Evaluation.Tests.Infrastructure;

/// <summary>The whole app in memory, against the database it is given (one per fixture, from <see cref="TestDatabase"/>).</summary>
public sealed class AppFactory(string connectionString, Action<IWebHostBuilder>? configure = null) : WebApplicationFactory<Program>
{
    /// <summary>The first administrator's password, so tests can sign in as <c>admin</c>.</summary>
    public const string AdminPassword = "Admin-Pass-2026!";

    /// <summary>
    /// The key encryption key every test app is given (with a connection string and no key the service refuses to
    /// start). One value for the whole run, as for the replicas of one deployment. Generated for the tests; seals nothing real.
    /// </summary>
    public const string KeyEncryptionKey = "TxSu2jxq/SKz2e0YJoV+mLG4d4nCKsly9r7shlx2AHU=";

    public string ConnectionString => connectionString;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Program.cs reads the connection string before Build(); UseSetting values reach it because the
        // factory hands them to the entry point as command-line arguments. AppFactoryTests checks this.
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Evaluation", connectionString);
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Signing:KeyEncryptionKey", KeyEncryptionKey);
        builder.UseSetting("Logging:Json", "false");
        configure?.Invoke(builder);
    }

    /// <summary>A browser-like client: keeps cookies, does not follow redirects so tests can see where they point.</summary>
    public StaffClient CreateStaffClient() => new(CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
        // https, so that cookies marked Secure are sent back as a browser would.
        BaseAddress = new Uri("https://localhost"),
    }));
}
