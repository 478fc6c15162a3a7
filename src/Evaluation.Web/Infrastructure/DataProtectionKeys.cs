using System.Text;
using System.Xml.Linq;
using Dapper;
using Evaluation.Core.Crypto;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Evaluation.Web.Infrastructure;

/// <summary>
/// ASP.NET's data-protection key ring (it signs staff cookies, antiforgery tokens and TempData) in PostgreSQL, so a
/// cookie issued by one replica is read by all, and survives a restart. Each key's XML is sealed under the key
/// encryption key before it leaves the process.
/// </summary>
public sealed class DataProtectionKeys(NpgsqlDataSource db, KeyEncryptionKey keyEncryptionKey) : IXmlRepository
{
    /// <summary>One name for every replica and version: the framework isolates key rings by it.</summary>
    public const string ApplicationName = "evaluation";

    private const string Purpose = "data-protection";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var conn = db.OpenConnection();
        return conn.Query<(string Name, byte[] XmlSealed)>("select name, xml_sealed from data_protection_key")
            .Select(row => XElement.Parse(Encoding.UTF8.GetString(keyEncryptionKey.Unseal(Purpose, row.XmlSealed, Encoding.UTF8.GetBytes(row.Name)))))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var xmlSealed = keyEncryptionKey.Seal(Purpose, Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting)), Encoding.UTF8.GetBytes(friendlyName));
        using var conn = db.OpenConnection();
        // Names carry a fresh Guid; a key, once written, is never rewritten.
        conn.Execute("insert into data_protection_key (name, xml_sealed) values (@friendlyName, @xmlSealed) on conflict (name) do nothing",
            new { friendlyName, xmlSealed });
    }

    /// <summary>
    /// Makes sure the ring has a key in force. Called at start-up under the migration lock: replicas starting together on
    /// an empty database would otherwise each make a first key of their own and, until their rings refresh (a day),
    /// refuse each other's cookies. A key in force that is about to expire is left to the framework, which makes its
    /// successor to take effect only at that expiry, days later, when every replica has read it.
    /// </summary>
    public static void EnsureCurrentKey(IServiceProvider services)
    {
        var keys = services.GetRequiredService<IKeyManager>();
        var now = DateTimeOffset.UtcNow;
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
            keys.CreateNewKey(activationDate: now, expirationDate: now.AddDays(90));
    }
}

public static class SharedDataProtection
{
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services)
    {
        services.AddSingleton<DataProtectionKeys>();
        services.AddDataProtection().SetApplicationName(DataProtectionKeys.ApplicationName);
        services.AddOptions<KeyManagementOptions>()
            .Configure<DataProtectionKeys>((options, repository) => options.XmlRepository = repository);
        // The key manager warns that a key "may be persisted unencrypted" whenever no XML encryptor is set; the repository
        // above seals the whole XML itself, so that warning would send an operator after a problem that is not there.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));
        return services;
    }
}
