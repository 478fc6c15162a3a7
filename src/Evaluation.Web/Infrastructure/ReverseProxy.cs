using Microsoft.AspNetCore.HttpOverrides;

namespace Evaluation.Web.Infrastructure;

/// <summary>
/// Behind a TLS-terminating proxy (the Kubernetes ingress, or nginx on the host) a request arrives as plain HTTP from
/// the proxy's address. X-Forwarded-Proto restores "https", which marks the staff, antiforgery and TempData cookies
/// Secure and puts https into slip links; X-Forwarded-For restores the client's address. Both are believed only from
/// the networks listed in <c>Proxy:KnownNetworks</c>, or, when it is not set, from loopback: from anyone else they would be
/// a client's lie.
/// </summary>
public static class ReverseProxy
{
    public const string KnownNetworksSetting = "Proxy:KnownNetworks";

    public static IServiceCollection AddReverseProxySupport(this IServiceCollection services, IConfiguration configuration)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var text in (configuration[KnownNetworksSetting] ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
            networks.Add(System.Net.IPNetwork.TryParse(text, out var network) ? network
                : throw new SettingException($"{KnownNetworksSetting}（环境变量 Proxy__KnownNetworks）中的“{text}”不是网段，应写成 10.0.0.0/8 这样的形式，多个用逗号分隔。"));

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ForwardLimit stays 1: one proxy (the ingress controller) stands between the client and the app, and only the
            // entry it appended is its own word; entries further left came from the client.
            // Set, the listed networks replace loopback rather than join it: behind docker compose's Caddy only Caddy's own
            // address speaks for clients, and a container's loopback is nobody's proxy.
            if (networks.Count == 0) return;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            foreach (var network in networks) options.KnownIPNetworks.Add(network);
        });

        return services;
    }
}
