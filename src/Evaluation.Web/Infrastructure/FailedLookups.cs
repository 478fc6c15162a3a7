using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Evaluation.Web.Infrastructure;

public enum LookupKind { Slip, Receipt }

/// <summary>
/// A budget of failed code lookups (an unknown slip code, an unknown or malformed receipt code) per client address: a token
/// bucket of <see cref="Burst"/> failures that refills one every <see cref="RefillEvery"/>. Over budget, a miss is answered
/// 429 with Retry-After instead of "not found".
///
/// Only failures are counted, and only failures are throttled: a code that exists is always looked up and answered. A venue
/// puts 2,000 phones behind one NAT address, so a budget on all lookups would stop the meeting, and a guesser on the same
/// Wi-Fi would stop it too if being over budget refused valid codes. Refusing them would lose votes that cannot be cast
/// again; answering them tells a guesser no more than a 404 would. What keeps the codes secret is their size: a slip code
/// is 20 symbols of 31 (about 99 bits), so with 2,000 live slips a guess hits once in some 10^26 tries; a receipt is
/// 10 symbols (about 49.5 bits) and, found, says only 已计入. The budget is for people and for the logs: someone who keeps
/// mistyping is told to stop and check the slip or ask staff, and a scanner meets a wall of 429s.
///
/// Numbers: at a meeting of 2,000 where, say, 5 % type a code by hand wrongly, twice each, one address sees some 200
/// failures within a quarter of an hour (the phone page checks length and alphabet first, so only well-formed wrong codes
/// arrive); receipt checks after the meeting are similar. 300 at once, then one every 2 seconds (300 in 10 minutes,
/// 9,000 an hour) keeps that within budget with room to spare, and a scanner to one guess every 2 seconds after its first 300.
///
/// Kept in memory, per replica: behind a load balancer spreading requests over N replicas the budget is up to N times as
/// large, which is acceptable for what it is for. Memory is bounded: at most <see cref="MaxAddresses"/> addresses are
/// tracked; a full bucket is the same as none, so refilled ones are dropped when room is needed.
/// </summary>
public sealed class FailedLookups(TimeProvider time)
{
    public const int Burst = 300;
    public static readonly TimeSpan RefillEvery = TimeSpan.FromSeconds(2);
    public const int MaxAddresses = 100_000;

    private static readonly TimeSpan Refilled = RefillEvery * Burst;

    private sealed class Bucket
    {
        public double Tokens = Burst;
        public DateTimeOffset Updated;
    }

    private readonly Dictionary<(LookupKind, IPAddress), Bucket> _buckets = [];
    private readonly Lock _lock = new();
    private DateTimeOffset _swept;

    /// <summary>
    /// Records a failed lookup from <paramref name="address"/>: true when it was within budget (answer "not found"), false
    /// when the budget is spent (answer 429, retry after <paramref name="retryAfter"/>).
    /// </summary>
    public bool TryFail(LookupKind kind, IPAddress? address, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        var key = (kind, Client(address));
        lock (_lock)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= MaxAddresses || now - _swept > Refilled) Sweep(now);
                // Still full after dropping every refilled bucket: over 100,000 addresses failing at once is beyond what a
                // per-address budget can answer, so the newcomer goes untracked rather than memory growing without bound.
                if (_buckets.Count >= MaxAddresses)
                {
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                bucket = new Bucket { Updated = now };
                _buckets[key] = bucket;
            }

            bucket.Tokens = Math.Min(Burst, bucket.Tokens + (now - bucket.Updated) / RefillEvery);
            bucket.Updated = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = RefillEvery * (1 - bucket.Tokens);
            return false;
        }
    }

    /// <summary>Whole seconds for a Retry-After header, at least one.</summary>
    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    internal int TrackedAddresses
    {
        get
        {
            lock (_lock) return _buckets.Count;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        _swept = now;
        foreach (var (key, bucket) in _buckets)
            if (bucket.Tokens + (now - bucket.Updated) / RefillEvery >= Burst)
                _buckets.Remove(key);
    }

    /// <summary>
    /// One IPv4 address, or an IPv6 /64: a single host is usually given a whole /64 and could change addresses within it
    /// at will. No address at all (a test host, a Unix socket) is one shared client.
    /// </summary>
    internal static IPAddress Client(IPAddress? address)
    {
        if (address is null) return IPAddress.None;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }
}
