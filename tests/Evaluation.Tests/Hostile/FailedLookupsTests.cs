using System.Net;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>The failed-lookup budget on its own, on a clock the test moves.</summary>
public sealed class FailedLookupsTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(8));
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new();
    private static readonly IPAddress Venue = IPAddress.Parse("203.0.113.10");

    private int FailuresAllowed(FailedLookups failures, LookupKind kind, IPAddress address)
    {
        var allowed = 0;
        while (failures.TryFail(kind, address, out _)) allowed++;
        return allowed;
    }

    [Test]
    public void Budget_AllowsTheBurst_ThenOneFailureEveryTwoSeconds()
    {
        var failures = new FailedLookups(_clock);

        Assert.That(FailuresAllowed(failures, LookupKind.Slip, Venue), Is.EqualTo(FailedLookups.Burst));
        Assert.That(failures.TryFail(LookupKind.Slip, Venue, out var retryAfter), Is.False);
        Assert.That(retryAfter, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(FailedLookups.RefillEvery));
        Assert.That(FailedLookups.RetryAfterSeconds(retryAfter), Is.EqualTo("2"));

        _clock.Now += FailedLookups.RefillEvery;
        Assert.That(FailuresAllowed(failures, LookupKind.Slip, Venue), Is.EqualTo(1));

        _clock.Now += FailedLookups.RefillEvery * FailedLookups.Burst;
        Assert.That(FailuresAllowed(failures, LookupKind.Slip, Venue), Is.EqualTo(FailedLookups.Burst), "refilled, and no more than the burst");
    }

    [Test]
    public void Budget_IsPerAddressAndPerKind()
    {
        var failures = new FailedLookups(_clock);
        FailuresAllowed(failures, LookupKind.Slip, Venue);

        Assert.That(failures.TryFail(LookupKind.Receipt, Venue, out _), Is.True, "receipts have a budget of their own");
        Assert.That(failures.TryFail(LookupKind.Slip, IPAddress.Parse("203.0.113.11"), out _), Is.True, "another address");
        Assert.That(failures.TryFail(LookupKind.Slip, IPAddress.Parse("::ffff:203.0.113.10"), out _), Is.False, "the same IPv4 address, mapped");
    }

    [Test]
    public void Budget_OfAnIPv6Client_CoversItsWhole64()
    {
        var failures = new FailedLookups(_clock);
        FailuresAllowed(failures, LookupKind.Receipt, IPAddress.Parse("2001:db8:1:2::1"));

        Assert.That(failures.TryFail(LookupKind.Receipt, IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"), out _), Is.False, "same /64");
        Assert.That(failures.TryFail(LookupKind.Receipt, IPAddress.Parse("2001:db8:1:3::1"), out _), Is.True, "next /64");
    }

    [Test]
    public void Memory_IsBounded_RefilledAddressesAreDropped()
    {
        var failures = new FailedLookups(_clock);
        for (var i = 0; i < FailedLookups.MaxAddresses; i++)
            failures.TryFail(LookupKind.Slip, new IPAddress(BitConverter.GetBytes(0x0A000000 + i)), out _);
        Assert.That(failures.TrackedAddresses, Is.EqualTo(FailedLookups.MaxAddresses));

        // Full: a newcomer goes untracked rather than growing the table, and is not refused for it.
        Assert.That(failures.TryFail(LookupKind.Slip, Venue, out _), Is.True);
        Assert.That(failures.TrackedAddresses, Is.EqualTo(FailedLookups.MaxAddresses));

        // Once their buckets have refilled they are no different from unknown addresses, and make room.
        _clock.Now += FailedLookups.RefillEvery * FailedLookups.Burst;
        Assert.That(failures.TryFail(LookupKind.Slip, Venue, out _), Is.True);
        Assert.That(failures.TrackedAddresses, Is.EqualTo(1));
    }
}
