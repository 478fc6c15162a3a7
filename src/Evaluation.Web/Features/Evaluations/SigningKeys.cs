using Dapper;
using Evaluation.Core.Crypto;
using Npgsql;

namespace Evaluation.Web.Features.Evaluations;

/// <summary>
/// One key per evaluation and category, made when voting opens, so a ballot's signature proves its category and nothing
/// else. Only the public half is stored in the clear; the private half is sealed under the key encryption key, bound to
/// its row.
/// </summary>
public static class SigningKeys
{
    public static async Task<BlindRsaPrivateKey> CreateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey,
        Guid evaluationId, Guid categoryId)
    {
        var key = BlindRsaPrivateKey.Generate();
        await conn.ExecuteAsync(
            """
            insert into signing_key (evaluation_id, category_id, public_key, private_key_sealed)
            values (@evaluationId, @categoryId, @PublicKey, @PrivateKeySealed)
            """,
            new
            {
                evaluationId, categoryId, PublicKey = key.PublicKey.ExportSpki(),
                PrivateKeySealed = SealedSigningKey.Seal(keyEncryptionKey, evaluationId, categoryId, key),
            }, tx);
        return key;
    }
}
