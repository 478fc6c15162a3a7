using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Evaluation.Web.Infrastructure;

/// <summary>
/// A token bucket per client address: <paramref name="burst"/> at once, then one more every <paramref name="refillEvery"/>.
/// What is spent from it, and what its numbers are, is the owner's to say (<see cref="FailedLookups"/>, the open box's
/// throttle); this is only the arithmetic and the memory.
///
/// Kept in memory, per replica: behind a load balancer spreading requests over N replicas the budget is up to N times as
/// large. Memory is bounded: at most <paramref name="maxAddresses"/> addresses are tracked; a full bucket is the same as
/// none, so refilled ones are dropped when room is needed.
/// </summary>
public sealed class AddressBudget(TimeProvider time, int burst, TimeSpan refillEvery, int maxAddresses)
{
    private readonly TimeSpan _refilled = refillEvery * burst;

    private sealed class Bucket
    {
        public double Tokens;
        public DateTimeOffset Updated;
    }

    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private readonly Lock _lock = new();
    private DateTimeOffset _swept;

    /// <summary>
    /// Spends one token of <paramref name="address"/>'s bucket: true when there was one, false when the bucket is empty
    /// (retry after <paramref name="retryAfter"/>, when the next one is due).
    /// </summary>
    public bool TrySpend(IPAddress? address, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        var key = Client(address);
        lock (_lock)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= maxAddresses || now - _swept > _refilled) Sweep(now);
                // Still full after dropping every refilled bucket: more addresses at once than a per-address budget can answer,
                // so the newcomer goes untracked rather than memory growing without bound.
                if (_buckets.Count >= maxAddresses)
                {
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                bucket = new Bucket { Tokens = burst, Updated = now };
                _buckets[key] = bucket;
            }

            bucket.Tokens = Math.Min(burst, bucket.Tokens + (now - bucket.Updated) / refillEvery);
            bucket.Updated = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = refillEvery * (1 - bucket.Tokens);
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
            if (bucket.Tokens + (now - bucket.Updated) / refillEvery >= burst)
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
