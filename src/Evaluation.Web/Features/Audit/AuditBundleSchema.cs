namespace Evaluation.Web.Features.Audit;

/// <summary>
/// The JSON Schema of the audit bundle (docs/audit-bundle.schema.json), for those who write a verifier of their own. The
/// file is carried inside the app, as the migrations are, so the address always serves the schema of the bundles this
/// very build writes.
/// </summary>
public static class AuditBundleSchema
{
    public const string Path = "/schemas/audit-bundle.json";

    private static readonly Lazy<byte[]> File = new(() =>
    {
        using var resource = typeof(AuditBundleSchema).Assembly.GetManifestResourceStream("Schemas.audit-bundle.schema.json")
                             ?? throw new InvalidOperationException("The audit bundle's schema is not embedded in the app.");
        using var bytes = new MemoryStream();
        resource.CopyTo(bytes);
        return bytes.ToArray();
    });

    public static void MapAuditBundleSchema(this IEndpointRouteBuilder app) =>
        app.MapGet(Path, () => Results.Bytes(File.Value, "application/schema+json")).AllowAnonymous().ExcludeFromDescription();
}
