using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Evaluation.Tests.Infrastructure;

/// <summary>
/// The in-memory test host has no client address; this gives each request the one named in <see cref="Header"/>, so tests
/// can play a venue's NAT address, a guesser and a bystander on one app.
/// </summary>
public sealed class TestClientAddress : IStartupFilter
{
    public const string Header = "X-Test-Client-Address";

    public static void AddTo(IWebHostBuilder builder) =>
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientAddress>());

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (context.Request.Headers[Header] is [{ } address]) context.Connection.RemoteIpAddress = IPAddress.Parse(address);
            await nextMiddleware(context);
        });
        next(app);
    };

    /// <summary>A client that always comes from <paramref name="address"/>.</summary>
    public static HttpClient From(HttpClient client, string address)
    {
        client.DefaultRequestHeaders.Add(Header, address);
        return client;
    }
}
