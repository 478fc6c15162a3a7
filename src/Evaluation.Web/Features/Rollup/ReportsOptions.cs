namespace Evaluation.Web.Features.Rollup;

/// <summary>
/// <c>Reports:LowTurnoutPercent</c>: a roll-up row whose 收回 is below this share of its 应到 is flagged, and so are its rates
/// (好评率 100% from 10 ballots of 193 says little about the 193). 80 by default: the share the 干部选拔任用 rules require of a
/// 民主推荐 meeting's attendance (参加人数不少于应参加人数的 80%), the bar 督导组 already hold a meeting to. Validated at start-up.
/// </summary>
public sealed class ReportsOptions
{
    public const string Section = "Reports";
    public const string Problem = "设置 Reports__LowTurnoutPercent（收回率预警线）须为 1 到 100 之间的整数，默认 80。";

    public int LowTurnoutPercent { get; set; } = 80;

    public bool IsValid => LowTurnoutPercent is >= 1 and <= 100;

    /// <summary>收回 below the line, counted in integers so 80% of 193 is never rounded either way. No 应到, no line.</summary>
    public bool IsLow(int received, int expected) => expected > 0 && received * 100L < (long)LowTurnoutPercent * expected;

    public string Statement => $"收回率低于 {LowTurnoutPercent}%";
}
