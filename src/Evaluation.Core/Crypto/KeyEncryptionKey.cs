using System.Security.Cryptography;
using System.Text;

namespace Evaluation.Core.Crypto;

/// <summary>Sealed bytes that will not open: another key sealed them, they were altered, or they belong to other data.</summary>
public sealed class SealedDataException(string message) : CryptographicException(message);

/// <summary>
/// The key, from configuration, that seals the secrets the service keeps in its database (the blind-signing keys and
/// ASP.NET's data-protection keys), so a copy of the database alone (a backup, a replica, a DBA's dump) signs nothing
/// and forges no staff cookie. AES-256-GCM under a subkey per purpose (HKDF-SHA256), with associated data naming what
/// the sealed bytes belong to, so a sealed value moved to another row does not open there.
/// </summary>
/// <remarks>
/// Sealed format: version (1) ‖ key id (8) ‖ nonce (12) ‖ ciphertext ‖ tag (16). The key id, derived from the key
/// and telling nothing about it, lets start-up say "configured with another key" rather than "data corrupt".
/// </remarks>
public sealed class KeyEncryptionKey
{
    public const int Length = 32;
    public const byte FormatVersion = 1;
    public const int IdLength = 8;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 1 + IdLength + NonceLength;

    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key)
    {
        _key = key;
        Id = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, IdLength, info: Encoding.ASCII.GetBytes("evaluation/key-id"));
    }

    /// <summary>Identifies the key in sealed bytes and in messages; derived one-way, so it can be shown.</summary>
    public byte[] Id { get; }

    public string IdHex => Convert.ToHexStringLower(Id);

    public static KeyEncryptionKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Reads base64 of exactly 32 bytes (as <c>openssl rand -base64 32</c> prints); white space around it is ignored.</summary>
    public static bool TryParse(string? base64, out KeyEncryptionKey? key)
    {
        key = null;
        var buffer = new byte[Length + 3];
        if (base64 is null || !Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != Length)
            return false;
        key = new KeyEncryptionKey(buffer[..Length]);
        return true;
    }

    /// <summary>The key itself, for the one place that keeps a generated key in a private file. Never for a log.</summary>
    public string ToBase64() => Convert.ToBase64String(_key);

    // Whatever prints this object (a log line, a debugger, an exception message) shows no key material.
    public override string ToString() => $"{nameof(KeyEncryptionKey)} {IdHex}";

    public byte[] Seal(string purpose, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var sealedBytes = new byte[HeaderLength + plaintext.Length + TagLength];
        var output = sealedBytes.AsSpan();
        output[0] = FormatVersion;
        Id.CopyTo(output[1..]);
        var nonce = output.Slice(1 + IdLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Subkey(purpose), TagLength);
        aes.Encrypt(nonce, plaintext, output.Slice(HeaderLength, plaintext.Length), output[^TagLength..],
            AssociatedData(output[..(1 + IdLength)], associatedData));
        return sealedBytes;
    }

    /// <exception cref="SealedDataException">Not sealed data, sealed under another key, altered, or bound to other data.</exception>
    public byte[] Unseal(string purpose, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        if (!IsSealed(sealedBytes))
            throw new SealedDataException("The bytes are not sealed data of a format this version knows.");
        if (!sealedBytes.Slice(1, IdLength).SequenceEqual(Id))
            throw new SealedDataException(
                $"Sealed under key {Convert.ToHexStringLower(sealedBytes.Slice(1, IdLength))}, not under the configured key {IdHex}.");
        var plaintext = new byte[sealedBytes.Length - HeaderLength - TagLength];
        using var aes = new AesGcm(Subkey(purpose), TagLength);
        try
        {
            aes.Decrypt(sealedBytes.Slice(1 + IdLength, NonceLength), sealedBytes.Slice(HeaderLength, plaintext.Length),
                sealedBytes[^TagLength..], plaintext, AssociatedData(sealedBytes[..(1 + IdLength)], associatedData));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SealedDataException("Sealed data was altered, or belongs to other data than it was sealed for.");
        }
        return plaintext;
    }

    /// <summary>Whether <paramref name="data"/> has the sealed format's shape (a DER structure starts with 0x30, never 0x01).</summary>
    public static bool IsSealed(ReadOnlySpan<byte> data) => data.Length >= HeaderLength + TagLength && data[0] == FormatVersion;

    private byte[] Subkey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, Length, info: Encoding.UTF8.GetBytes("evaluation/seal/" + purpose));

    // The header is authenticated too: version and key id cannot be swapped without the tag failing.
    private static byte[] AssociatedData(ReadOnlySpan<byte> header, ReadOnlySpan<byte> boundTo) => [.. header, .. boundTo];
}

/// <summary>
/// A key group's blind-signing key at rest: its PKCS#8, sealed and bound to its evaluation, its key group and its role.
/// The ballot key keeps the binding of the per-category keys before key groups (a migrated group has its category's id),
/// the door key's binding is marked apart, so a door key moved into the ballot key's column does not open.
/// </summary>
public static class SealedSigningKey
{
    private const string Purpose = "signing-key";

    public static byte[] Seal(KeyEncryptionKey keyEncryptionKey, Guid evaluationId, Guid keyGroupId, BlindRsaPrivateKey key, bool door = false) =>
        Seal(keyEncryptionKey, evaluationId, keyGroupId, key.ExportPkcs8(), door);

    /// <summary>Seals a PKCS#8 as it is, for keys that were stored before sealing.</summary>
    public static byte[] Seal(KeyEncryptionKey keyEncryptionKey, Guid evaluationId, Guid keyGroupId, byte[] pkcs8, bool door = false) =>
        keyEncryptionKey.Seal(Purpose, pkcs8, Binding(evaluationId, keyGroupId, door));

    /// <exception cref="SealedDataException">Sealed under another key, altered, or sealed for another evaluation, group or role.</exception>
    public static BlindRsaPrivateKey Unseal(KeyEncryptionKey keyEncryptionKey, Guid evaluationId, Guid keyGroupId, byte[] sealedKey, bool door = false) =>
        BlindRsaPrivateKey.ImportPkcs8(keyEncryptionKey.Unseal(Purpose, sealedKey, Binding(evaluationId, keyGroupId, door)));

    private static byte[] Binding(Guid evaluationId, Guid keyGroupId, bool door)
    {
        var binding = new byte[door ? 33 : 32];
        evaluationId.TryWriteBytes(binding.AsSpan(0, 16), bigEndian: true, out _);
        keyGroupId.TryWriteBytes(binding.AsSpan(16, 16), bigEndian: true, out _);
        if (door) binding[32] = (byte)'D';
        return binding;
    }
}

/// <summary>
/// The ballot box's private scalar in 服务器保管 mode only, sealed and bound to its evaluation. In key-card mode it is never
/// stored anywhere: it exists in memory only while the cards are made and while the box is opened.
/// </summary>
public static class SealedBoxKey
{
    private const string Purpose = "box-key";

    public static byte[] Seal(KeyEncryptionKey keyEncryptionKey, Guid evaluationId, ReadOnlySpan<byte> scalar) =>
        keyEncryptionKey.Seal(Purpose, scalar, evaluationId.ToByteArray(bigEndian: true));

    /// <summary>The scalar; the caller zeroes it.</summary>
    /// <exception cref="SealedDataException">Sealed under another key, altered, or sealed for another evaluation.</exception>
    public static byte[] Unseal(KeyEncryptionKey keyEncryptionKey, Guid evaluationId, byte[] sealedKey) =>
        keyEncryptionKey.Unseal(Purpose, sealedKey, evaluationId.ToByteArray(bigEndian: true));
}
