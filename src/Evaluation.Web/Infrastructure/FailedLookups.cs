using System.Net;

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
/// Kept in memory, per replica (<see cref="AddressBudget"/>): behind a load balancer spreading requests over N replicas the
/// budget is up to N times as large, which is acceptable for what it is for. At most <see cref="MaxAddresses"/> addresses
/// are tracked per kind.
/// </summary>
public sealed class FailedLookups(TimeProvider time)
{
    public const int Burst = 300;
    public static readonly TimeSpan RefillEvery = TimeSpan.FromSeconds(2);
    public const int MaxAddresses = 100_000;

    private readonly AddressBudget _slips = new(time, Burst, RefillEvery, MaxAddresses);
    private readonly AddressBudget _receipts = new(time, Burst, RefillEvery, MaxAddresses);

    /// <summary>
    /// Records a failed lookup from <paramref name="address"/>: true when it was within budget (answer "not found"), false
    /// when the budget is spent (answer 429, retry after <paramref name="retryAfter"/>).
    /// </summary>
    public bool TryFail(LookupKind kind, IPAddress? address, out TimeSpan retryAfter) =>
        (kind == LookupKind.Slip ? _slips : _receipts).TrySpend(address, out retryAfter);

    /// <inheritdoc cref="AddressBudget.RetryAfterSeconds"/>
    public static string RetryAfterSeconds(TimeSpan retryAfter) => AddressBudget.RetryAfterSeconds(retryAfter);

    internal int TrackedAddresses => _slips.TrackedAddresses + _receipts.TrackedAddresses;
}
