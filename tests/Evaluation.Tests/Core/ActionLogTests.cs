using Evaluation.Core;

namespace Evaluation.Tests.Core;

public sealed class ActionLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(8));

    /// <summary>A chain as the writer builds it: seq from 1, each entry hashing the one before.</summary>
    private static List<ActionLogEntry> Chain(params (string Actor, string Action, string Detail)[] actions)
    {
        var entries = new List<ActionLogEntry>();
        var prev = ActionLog.GenesisHash;
        foreach (var (actor, action, detail) in actions)
        {
            var seq = entries.Count + 1L;
            var at = Start.AddMinutes(seq);
            var hash = ActionLog.HashOf(seq, at, actor, action, detail, prev);
            entries.Add(new ActionLogEntry(seq, at, actor, action, detail, prev, hash));
            prev = hash;
        }
        return entries;
    }

    private static List<ActionLogEntry> ThreeEntries() => Chain(
        ("系统", "创建账号", "首次启动，创建管理员账号 admin"),
        ("admin", "创建单位", "创建单位 某某局"),
        ("admin", "创建账号", "创建组织者账号 zhang"));

    [Test]
    public void FirstBrokenLink_WholeChain_IsNull()
    {
        Assert.That(ActionLog.FirstBrokenLink(ThreeEntries()), Is.Null);
    }

    [Test]
    public void FirstBrokenLink_EmptyLog_IsNull()
    {
        Assert.That(ActionLog.FirstBrokenLink([]), Is.Null);
    }

    [Test]
    public void FirstBrokenLink_DetailEditedInPlace_PointsAtEditedEntry()
    {
        var log = ThreeEntries();
        log[1] = log[1] with { Detail = "创建单位 另一个局" };

        Assert.That(ActionLog.FirstBrokenLink(log), Is.EqualTo(2));
    }

    [Test]
    public void FirstBrokenLink_DetailEditedAndRehashed_PointsAtNextEntry()
    {
        var log = ThreeEntries();
        var forged = log[1] with { Detail = "创建单位 另一个局" };
        log[1] = forged with { Hash = ActionLog.HashOf(forged.Seq, forged.At, forged.Actor, forged.Action, forged.Detail, forged.PrevHash) };

        Assert.That(ActionLog.FirstBrokenLink(log), Is.EqualTo(3));
    }

    [Test]
    public void FirstBrokenLink_EntryRemoved_PointsAtEntryAfterTheGap()
    {
        var log = ThreeEntries();
        log.RemoveAt(1);

        Assert.That(ActionLog.FirstBrokenLink(log), Is.EqualTo(3));
    }

    [Test]
    public void FirstBrokenLink_LastEntryRemoved_CannotBeSeen()
    {
        // Truncation leaves a shorter whole chain: only the count kept elsewhere can reveal it.
        var log = ThreeEntries();
        log.RemoveAt(2);

        Assert.That(ActionLog.FirstBrokenLink(log), Is.Null);
    }

    [Test]
    public void FirstBrokenLink_PrevHashChanged_PointsAtThatEntry()
    {
        var log = ThreeEntries();
        log[2] = log[2] with { PrevHash = log[0].Hash };

        Assert.That(ActionLog.FirstBrokenLink(log), Is.EqualTo(3));
    }

    [Test]
    public void FirstBrokenLink_FirstEntryNotOnGenesis_PointsAtFirstEntry()
    {
        var log = Chain(("admin", "创建单位", "创建单位 某某局"));
        var e = log[0];
        var notGenesis = new string('1', 64);
        log[0] = e with { PrevHash = notGenesis, Hash = ActionLog.HashOf(e.Seq, e.At, e.Actor, e.Action, e.Detail, notGenesis) };

        Assert.That(ActionLog.FirstBrokenLink(log), Is.EqualTo(1));
    }

    [Test]
    public void FirstBrokenLink_EntriesSwapped_PointsAtFirstOutOfPlace()
    {
        var log = ThreeEntries();
        (log[1], log[2]) = (log[2], log[1]);

        Assert.That(ActionLog.FirstBrokenLink(log), Is.EqualTo(3));
    }

    [Test]
    public void HashOf_SameInstantInAnotherOffset_IsSame()
    {
        var beijing = new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(8));
        var utc = beijing.ToUniversalTime();

        Assert.That(ActionLog.HashOf(1, beijing, "admin", "登录", "", ActionLog.GenesisHash),
            Is.EqualTo(ActionLog.HashOf(1, utc, "admin", "登录", "", ActionLog.GenesisHash)));
    }

    [Test]
    public void HashOf_TimeBelowAMicrosecond_IsIgnored()
    {
        // PostgreSQL keeps microseconds; a hash over finer ticks could not be recomputed from the stored row.
        var stored = Start.AddTicks(1234560);
        var inMemory = stored.AddTicks(7);

        Assert.That(ActionLog.HashOf(1, inMemory, "admin", "登录", "", ActionLog.GenesisHash),
            Is.EqualTo(ActionLog.HashOf(1, stored, "admin", "登录", "", ActionLog.GenesisHash)));
    }

    [Test]
    public void HashOf_AnyFieldChanged_ChangesHash()
    {
        var baseline = ActionLog.HashOf(2, Start, "admin", "创建单位", "某某局", ActionLog.GenesisHash);
        string[] changed =
        [
            ActionLog.HashOf(3, Start, "admin", "创建单位", "某某局", ActionLog.GenesisHash),
            ActionLog.HashOf(2, Start.AddMicroseconds(1), "admin", "创建单位", "某某局", ActionLog.GenesisHash),
            ActionLog.HashOf(2, Start, "zhang", "创建单位", "某某局", ActionLog.GenesisHash),
            ActionLog.HashOf(2, Start, "admin", "删除单位", "某某局", ActionLog.GenesisHash),
            ActionLog.HashOf(2, Start, "admin", "创建单位", "某某局 ", ActionLog.GenesisHash),
            ActionLog.HashOf(2, Start, "admin", "创建单位", "某某局", new string('f', 64)),
        ];

        Assert.That(changed, Has.None.EqualTo(baseline));
        Assert.That(changed, Is.Unique);
    }

    [Test]
    public void HashOf_IsLowerCaseSha256Hex()
    {
        Assert.That(ActionLog.HashOf(1, Start, "admin", "登录", "", ActionLog.GenesisHash), Does.Match("^[0-9a-f]{64}$"));
    }
}
