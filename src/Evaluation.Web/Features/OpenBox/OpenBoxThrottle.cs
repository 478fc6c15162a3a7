using System.Net;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.OpenBox;

/// <summary>
/// How fast one client address may put answers into open boxes: a token bucket (<see cref="AddressBudget"/>) of
/// <see cref="Burst"/> submissions that refills one every <see cref="RefillEvery"/>. Every submission spends one, before
/// its body is read, whatever becomes of it; past the budget it is answered 429 with Retry-After, and the phone page keeps
/// what was typed and sends it again by itself then.
///
/// The box has no slip to tell one person from a script, and a venue puts everyone behind one NAT address, so the budget
/// cannot be "one per address"; it is sized so that a room gets through and a flood does not. Numbers: at a 座谈会 or
/// meeting of 200 where the QR is shown and everyone answers within the same minute (typing takes each person a minute or
/// more, so that is already a crowd), 100 go in at once and the next 60 as the bucket refills within that minute; the last
/// 40 are told to wait a second or two and are in some 40 seconds later, without anyone doing anything. A script from one
/// address is held to one submission a second after its first 100 (3,600 an hour instead of whatever it could send),
/// and the organiser can pause the box. Someone flooding from the venue's own address shares its budget, so the people
/// there are slowed with it, never refused for good: each of their pages keeps retrying until a token is free.
///
/// Per replica and in memory, like <see cref="FailedLookups"/>: N replicas allow up to N times as much.
/// </summary>
public sealed class OpenBoxThrottle(TimeProvider time)
{
    public const int Burst = 100;
    public static readonly TimeSpan RefillEvery = TimeSpan.FromSeconds(1);
    public const int MaxAddresses = 100_000;

    private readonly AddressBudget _budget = new(time, Burst, RefillEvery, MaxAddresses);

    public bool TrySubmit(IPAddress? address, out TimeSpan retryAfter) => _budget.TrySpend(address, out retryAfter);
}
