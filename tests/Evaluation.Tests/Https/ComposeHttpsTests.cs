using System.Net;
using Evaluation.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Evaluation.Tests.Https;

/// <summary>
/// docker-compose.yml read as YAML (no Docker engine here to run it): its proxy runs the Caddyfile that HttpsEndToEndTests
/// runs, is the only way in, and is the only address the app believes forwarded headers from.
/// </summary>
public sealed class ComposeHttpsTests
{
    private static readonly YamlMappingNode Services = Load();

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repository.Root, "docker-compose.yml"))) stream.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Setting(string service, string name) => ((YamlScalarNode)((YamlMappingNode)Service(service)["environment"])[name]).Value!;

    private static List<string> Strings(YamlNode node) => ((YamlSequenceNode)node).Select(n => ((YamlScalarNode)n).Value!).ToList();

    [Test]
    public void Https_ComposeProxy_RunsTheTestedCaddyfile_AndIsTheOnlyWayIn()
    {
        var proxy = Service("proxy");
        Assert.That(Strings(proxy["volumes"]), Does.Contain("./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"));
        Assert.That(Strings(proxy["ports"]), Does.Contain("80:80").And.Contain("443:443"));
        Assert.That(Setting("proxy", "DOMAIN"), Does.StartWith("${DOMAIN:?"));
        foreach (var name in new[] { "app", "db" })
        {
            Assert.That(Service(name).Children.ContainsKey("ports"), Is.False, $"{name} publishes no port");
            Assert.That(Strings(Service(name)["networks"]), Is.EqualTo(new[] { "internal" }), $"{name} is on the internal network only");
        }
    }

    [Test]
    public void Https_ComposeApp_BelievesForwardedHeadersFromTheProxyAlone_AndPutsHttpsDomainOnSlips()
    {
        var internalNetwork = (YamlMappingNode)((YamlMappingNode)Service("proxy")["networks"])["internal"];
        var proxyAddress = ((YamlScalarNode)internalNetwork["ipv4_address"]).Value!;

        Assert.That(Setting("app", "Proxy__KnownNetworks"), Is.EqualTo($"{proxyAddress}/32"));
        Assert.That(IPAddress.TryParse(proxyAddress, out _), Is.True);
        Assert.That(Setting("app", "Site__PublicBaseUrl"), Does.StartWith("https://${DOMAIN:?"));
    }
}
