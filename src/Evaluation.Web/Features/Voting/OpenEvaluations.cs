using System.Text.Json;
using Evaluation.Core.Crypto;
using Microsoft.Extensions.Caching.Memory;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// What check-in and submit need of an evaluation that cannot change once voting opens — the frozen form and each key
/// group's keys — read and parsed once per replica instead of once per request: importing a key costs more than the
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
    public sealed record PhoneView(JsonElement Form, string DoorKey, string BallotKey, string BoxKey);

    public sealed record SigningKeys(BlindRsaPrivateKey Door, BlindRsaPrivateKey Ballot);

    public Task<SigningKeys> SigningKeysAsync(Guid evaluationId, Guid keyGroupId, Func<Task<SigningKeys>> load) =>
        GetOrAddAsync(("signing", evaluationId, keyGroupId), load);

    public Task<PhoneView> PhoneViewAsync(Guid evaluationId, Guid keyGroupId,
        Func<Task<(string FrozenForm, byte[] DoorKey, byte[] BallotKey, byte[] BoxKey)>> load) =>
        GetOrAddAsync(("phone", evaluationId, keyGroupId), async () =>
        {
            var (frozenForm, doorKey, ballotKey, boxKey) = await load();
            return new PhoneView(JsonDocument.Parse(frozenForm).RootElement, Convert.ToBase64String(doorKey), Convert.ToBase64String(ballotKey),
                Convert.ToBase64String(boxKey));
        });

    /// <summary>The door key a ballot's door credential must verify under, for a group the caller has just seen open.</summary>
    public BlindRsaPublicKey? FindDoorKey(Guid evaluationId, Guid keyGroupId) =>
        _cache.TryGetValue(("door", evaluationId, keyGroupId), out BlindRsaPublicKey? key) ? key : null;

    public BlindRsaPublicKey AddDoorKey(Guid evaluationId, Guid keyGroupId, byte[] spki) =>
        Add(("door", evaluationId, keyGroupId), BlindRsaPublicKey.ImportSpki(spki));

    private async Task<T> GetOrAddAsync<T>((string Kind, Guid Evaluation, Guid Group) key, Func<Task<T>> load) =>
        _cache.TryGetValue(key, out T? found) ? found! : Add(key, await load());

    // Two requests may both load on a miss; what they load is the same, and the last one stays.
    private T Add<T>((string Kind, Guid Evaluation, Guid Group) key, T value) =>
        _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Idle });

    public void Dispose() => _cache.Dispose();
}
