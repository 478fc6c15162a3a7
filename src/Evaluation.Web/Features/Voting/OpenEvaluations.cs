using System.Text.Json;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Microsoft.Extensions.Caching.Memory;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// What check-in and submit need of an evaluation that cannot change once voting opens — the frozen form and each
/// category's keys — read and parsed once per replica instead of once per request: importing a key costs more than the
/// rest of a submit, and the form is tens of KB. Whether voting is still open is never kept here: the slip is read on
/// every check-in, and the ballot box's insert checks the evaluation is open, so a ballot arriving after close is refused
/// whatever is held here. Entries leave memory after ten idle minutes, so an unsealed signing key stays in the process
/// little longer than its meeting.
/// </summary>
public sealed class OpenEvaluations : IDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    // Bounded so a flood of made-up ids cannot grow it: the callers add only what they found in the database.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>The form as the phone receives it, shared read-only: a parsed JsonDocument's elements are safe to read concurrently.</summary>
    public sealed record PhoneView(JsonElement Form, string PublicKey);

    public sealed record BallotRules(FrozenForm Form, BlindRsaPublicKey PublicKey);

    public Task<BlindRsaPrivateKey> SigningKeyAsync(Guid evaluationId, Guid categoryId, Func<Task<BlindRsaPrivateKey>> load) =>
        GetOrAddAsync(("signing", evaluationId, categoryId), load);

    public Task<PhoneView> PhoneViewAsync(Guid evaluationId, Guid categoryId, Func<Task<(string FrozenForm, byte[] PublicKey)>> load) =>
        GetOrAddAsync(("phone", evaluationId, categoryId), async () =>
        {
            var (frozenForm, publicKey) = await load();
            return new PhoneView(JsonDocument.Parse(frozenForm).RootElement, Convert.ToBase64String(publicKey));
        });

    public BallotRules? FindBallotRules(Guid evaluationId, Guid categoryId) =>
        _cache.TryGetValue(("rules", evaluationId, categoryId), out BallotRules? rules) ? rules : null;

    /// <summary>For an evaluation the caller has just seen open.</summary>
    public BallotRules AddBallotRules(Guid evaluationId, Guid categoryId, string frozenForm, byte[] publicKey) =>
        Add(("rules", evaluationId, categoryId), new BallotRules(FormJson.ReadFrozenForm(frozenForm), BlindRsaPublicKey.ImportSpki(publicKey)));

    private async Task<T> GetOrAddAsync<T>((string Kind, Guid Evaluation, Guid Category) key, Func<Task<T>> load) =>
        _cache.TryGetValue(key, out T? found) ? found! : Add(key, await load());

    // Two requests may both load on a miss; what they load is the same, and the last one stays.
    private T Add<T>((string Kind, Guid Evaluation, Guid Category) key, T value) =>
        _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Idle });

    public void Dispose() => _cache.Dispose();
}
