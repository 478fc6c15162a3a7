using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Microsoft.Extensions.Caching.Memory;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// What check-in and submit need of an evaluation that cannot change once voting opens — the frozen form and each
/// category's keys — parsed once per replica instead of once per request: importing a key costs more than the rest of a
/// submit. Whether voting is still open is never cached: the slip is read on every check-in, and the ballot box's insert
/// checks the evaluation is open, so a ballot arriving after close is refused whatever is held here. Entries leave memory
/// after ten idle minutes, so an unsealed signing key stays in the process little longer than its meeting.
/// </summary>
public sealed class OpenEvaluations : IDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    // Bounded so a flood of made-up evaluation ids cannot grow it: only rows found in the database are ever added.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public sealed record BallotRules(FrozenForm Form, BlindRsaPublicKey PublicKey);

    public BlindRsaPrivateKey SigningKey(Guid evaluationId, Guid categoryId, Func<BlindRsaPrivateKey> unseal) =>
        GetOrAdd(("signing", evaluationId, categoryId), unseal);

    /// <summary>The form as the phone receives it, shared read-only: a parsed JsonDocument's elements are safe to read concurrently.</summary>
    public JsonElement PhoneForm(Guid evaluationId, string frozenForm) =>
        GetOrAdd(("phone-form", evaluationId, Guid.Empty), () => JsonDocument.Parse(frozenForm).RootElement);

    public BallotRules? FindBallotRules(Guid evaluationId, Guid categoryId) =>
        _cache.TryGetValue(("rules", evaluationId, categoryId), out BallotRules? rules) ? rules : null;

    public BallotRules AddBallotRules(Guid evaluationId, Guid categoryId, string frozenForm, byte[] publicKey) =>
        GetOrAdd(("rules", evaluationId, categoryId),
            () => new BallotRules(FormJson.ReadFrozenForm(frozenForm), BlindRsaPublicKey.ImportSpki(publicKey)));

    private T GetOrAdd<T>((string Kind, Guid Evaluation, Guid Category) key, Func<T> create)
    {
        if (_cache.TryGetValue(key, out T? found)) return found!;
        // Two requests may both create it on a miss; both results are equal, and the last one stays.
        var value = create();
        _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Idle });
        return value;
    }

    public void Dispose() => _cache.Dispose();
}
