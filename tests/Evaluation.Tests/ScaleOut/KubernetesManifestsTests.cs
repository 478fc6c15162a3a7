using Evaluation.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Evaluation.Tests.ScaleOut;

/// <summary>
/// deploy/k8s read as YAML (no cluster here to apply them to): the shape the scale-out needs, and the PostgreSQL settings
/// that keep ballots anonymous and durable.
/// </summary>
public sealed class KubernetesManifestsTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "k8s");

    private sealed record Manifest(string File, string Kind, string Name, YamlMappingNode Root);

    private static readonly Lazy<List<Manifest>> All = new(() =>
        Directory.GetFiles(Folder, "*.yaml").Order(StringComparer.Ordinal).SelectMany(file =>
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file)) stream.Load(reader);
            return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).Select(root => new Manifest(
                Path.GetFileName(file), Text(root, "kind"), root.Children.ContainsKey("metadata") ? Text(root, "metadata", "name") : "", root));
        }).ToList());

    private static Manifest One(string kind) => All.Value.Single(m => m.Kind == kind);

    [Test]
    public void Kustomization_AppliesEveryManifest_ButTheSecretTemplate_InOneNamespace()
    {
        var kustomization = One("Kustomization");
        var resources = Sequence(kustomization.Root, "resources").Select(n => ((YamlScalarNode)n).Value!).ToList();

        Assert.That(resources, Is.EquivalentTo(All.Value.Select(m => m.File).Distinct()
            .Where(f => f is not "kustomization.yaml" and not "secrets.example.yaml")));
        Assert.That(Text(kustomization.Root, "namespace"), Is.EqualTo("evaluation"));
        foreach (var manifest in All.Value.Where(m => m.Kind is not ("Kustomization" or "Namespace")))
            Assert.That(Text(manifest.Root, "metadata", "namespace"), Is.EqualTo("evaluation"), $"{manifest.Kind} {manifest.Name}");
    }

    [Test]
    public void Deployment_RunsAtLeastThreeProbedNonRootReplicas_SpreadAndDrainedGracefully()
    {
        var deployment = One("Deployment").Root;
        var pod = Map(deployment, "spec", "template", "spec");
        var container = (YamlMappingNode)Sequence(pod, "containers")[0];

        Assert.That(int.Parse(Text(deployment, "spec", "replicas")), Is.GreaterThanOrEqualTo(3));
        Assert.That(Text(container, "readinessProbe", "httpGet", "path"), Is.EqualTo("/readyz"));
        Assert.That(Text(container, "livenessProbe", "httpGet", "path"), Is.EqualTo("/healthz"));
        Assert.That(Text(container, "startupProbe", "httpGet", "path"), Is.EqualTo("/healthz"));
        Assert.That(Map(container, "resources", "requests").Children.Keys.Select(k => k.ToString()), Is.SupersetOf(new[] { "cpu", "memory" }));
        Assert.That(Text(container, "resources", "limits", "memory"), Is.Not.Empty);
        Assert.That(Text(pod, "securityContext", "runAsNonRoot"), Is.EqualTo("true"));
        Assert.That(Text(container, "securityContext", "allowPrivilegeEscalation"), Is.EqualTo("false"));
        Assert.That(Text(container, "securityContext", "readOnlyRootFilesystem"), Is.EqualTo("true"));
        Assert.That(Sequence(pod, "topologySpreadConstraints").Select(c => Text((YamlMappingNode)c, "topologyKey")),
            Does.Contain("kubernetes.io/hostname"));
        Assert.That(Map(container, "lifecycle", "preStop").Children, Is.Not.Empty);
        Assert.That(int.Parse(Text(pod, "terminationGracePeriodSeconds")), Is.GreaterThanOrEqualTo(45),
            "preStop, then up to 30 s for requests and the ballot box to drain");
        Assert.That(Text(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable"), Is.EqualTo("0"));
    }

    [Test]
    public void Deployment_TakesTheKeyFromASecret_GoesThroughThePooler_AndMigratesStraightToThePrimary()
    {
        var container = (YamlMappingNode)Sequence(Map(One("Deployment").Root, "spec", "template", "spec"), "containers")[0];
        var env = Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Text(e, "name"));

        Assert.That(Text(env["Signing__KeyEncryptionKey"], "valueFrom", "secretKeyRef", "name"), Is.EqualTo("evaluation-app"));
        Assert.That(env["Signing__KeyEncryptionKey"].Children.ContainsKey("value"), Is.False, "never a literal key");
        var main = Text(env["ConnectionStrings__Evaluation"], "value");
        var migrations = Text(env["ConnectionStrings__Migrations"], "value");
        Assert.That(main, Does.Contain($"Host={One("Pooler").Name};").And.Contain("No Reset On Close=true").And.Contain("Max Auto Prepare=0"));
        Assert.That(migrations, Does.Contain($"Host={One("Cluster").Name}-rw;"));
        Assert.That(main + migrations, Does.Not.Contain("Include Error Detail"));
        Assert.That(env.Keys, Does.Contain("Proxy__KnownNetworks"));
    }

    [Test]
    public void DisruptionBudget_Service_AndIngress_CoverTheDeploymentWithTls()
    {
        var labels = Map(One("Deployment").Root, "spec", "template", "metadata", "labels");
        var budget = One("PodDisruptionBudget").Root;
        Assert.That(Map(budget, "spec", "selector", "matchLabels").Children.All(l => labels.Children.Contains(l)), Is.True);
        Assert.That(Map(One("Service").Root, "spec", "selector").Children.All(l => labels.Children.Contains(l)), Is.True);

        var ingress = One("Ingress").Root;
        var tls = (YamlMappingNode)Sequence(ingress, "spec", "tls")[0];
        Assert.That(Sequence(tls, "hosts"), Is.Not.Empty);
        Assert.That(Text(tls, "secretName"), Is.Not.Empty);
        var annotations = Map(ingress, "metadata", "annotations").Children.ToDictionary(a => a.Key.ToString(), a => a.Value.ToString());
        Assert.That(annotations.Keys, Does.Contain("cert-manager.io/cluster-issuer"));
        Assert.That(annotations["nginx.ingress.kubernetes.io/proxy-body-size"], Is.EqualTo("1m"));
        Assert.That(annotations.Keys, Does.Contain("nginx.ingress.kubernetes.io/proxy-read-timeout"));
        Assert.That(annotations["nginx.ingress.kubernetes.io/enable-access-log"], Is.EqualTo("false"));
        var backend = Map((YamlMappingNode)Sequence((YamlMappingNode)Sequence(ingress, "spec", "rules")[0], "http", "paths")[0], "backend", "service");
        Assert.That(Text(backend, "name"), Is.EqualTo(One("Service").Name));
    }

    [Test]
    public void PostgresCluster_HasThreeInstances_LogsNoStatementOrClient_DatesNoCommit_AndCommitsSynchronouslyToAStandby()
    {
        var cluster = One("Cluster").Root;
        var parameters = Map(cluster, "spec", "postgresql", "parameters").Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString());

        Assert.That(int.Parse(Text(cluster, "spec", "instances")), Is.EqualTo(3));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("log_statement", "none")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("log_min_duration_statement", "-1")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("log_parameter_max_length", "0")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("log_parameter_max_length_on_error", "0")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("log_connections", "off")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("log_disconnections", "off")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("track_commit_timestamp", "off")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("synchronous_commit", "on")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("fsync", "on")));
        Assert.That(parameters, Does.Contain(new KeyValuePair<string, string>("full_page_writes", "on")));
        Assert.That(parameters.Keys, Does.Not.Contain("synchronous_standby_names"), "the operator owns it; the synchronous stanza sets it");
        Assert.That(int.Parse(Text(cluster, "spec", "postgresql", "synchronous", "number")), Is.GreaterThanOrEqualTo(1));
        Assert.That(Text(cluster, "spec", "postgresql", "synchronous", "dataDurability"), Is.EqualTo("required"));
    }

    [Test]
    public void Pooler_IsPgBouncerInTransactionMode_InFrontOfTheClustersPrimary_LoggingNoConnections()
    {
        var pooler = One("Pooler").Root;

        Assert.That(Text(pooler, "spec", "pgbouncer", "poolMode"), Is.EqualTo("transaction"));
        Assert.That(Text(pooler, "spec", "type"), Is.EqualTo("rw"));
        Assert.That(Text(pooler, "spec", "cluster", "name"), Is.EqualTo(One("Cluster").Name));
        Assert.That(Text(pooler, "spec", "pgbouncer", "parameters", "log_connections"), Is.EqualTo("0"));
        Assert.That(Text(pooler, "spec", "pgbouncer", "parameters", "log_disconnections"), Is.EqualTo("0"));
    }

    [Test]
    public void SecretTemplate_HoldsPlaceholdersOnly()
    {
        var secret = One("Secret");
        Assert.That(secret.File, Is.EqualTo("secrets.example.yaml"));
        foreach (var (key, value) in Map(secret.Root, "stringData").Children)
            Assert.That(value.ToString(), Does.StartWith("REPLACE"), key.ToString());
    }

    private static YamlNode Node(YamlMappingNode root, params string[] path)
    {
        YamlNode node = root;
        foreach (var step in path)
        {
            Assert.That(node is YamlMappingNode m && m.Children.ContainsKey(step), Is.True, $"missing {string.Join('.', path)}");
            node = ((YamlMappingNode)node)[step];
        }
        return node;
    }

    private static string Text(YamlMappingNode root, params string[] path) => ((YamlScalarNode)Node(root, path)).Value ?? "";
    private static YamlMappingNode Map(YamlMappingNode root, params string[] path) => (YamlMappingNode)Node(root, path);
    private static IList<YamlNode> Sequence(YamlMappingNode root, params string[] path) => ((YamlSequenceNode)Node(root, path)).Children;
}
