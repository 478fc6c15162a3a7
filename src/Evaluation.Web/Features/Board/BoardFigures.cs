using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.Board;

/// <summary>One line of the board: 应到, 已签到, 已提交, and what the hall reads off them.</summary>
public sealed record BoardLine(string Name, int Expected, int CheckedIn, int Ballots)
{
    public int Waiting => Math.Max(0, CheckedIn - Ballots);
    public int? CheckedInPercent => Percent(CheckedIn);
    public int? BallotsPercent => Percent(Ballots);

    // Rounded down: the hall sees 100% only once everyone expected is in.
    private int? Percent(int n) => Expected > 0 ? (int)(100L * n / Expected) : null;
}

/// <summary>
/// What the projector board shows and board.json returns: turnout exactly as <see cref="TurnoutTable"/> lets staff see
/// it, and nothing else — no result, score, count of an answer or opinion of any kind, since the hall sees it. A category
/// whose figures the table hides (fewer than k ballots behind them) has no line of its own: it is named in
/// <see cref="OnlyInTotal"/>, or sits inside the merged line as the tally merges it.
/// </summary>
public sealed record BoardFigures(string Status, string StatusName, bool Rehearsal, BoardLine Total, IReadOnlyList<BoardLine> Categories,
    IReadOnlyList<string> OnlyInTotal, int SmallCell, string UpdatedAt)
{
    public bool VotingOpen => Status == EvaluationStatus.Open;

    public static BoardFigures Of(string status, bool rehearsal, TurnoutTable turnout, DateTimeOffset now)
    {
        var shown = turnout.Categories
            .Where(c => c is { CheckedIn: not null, Ballots: not null })
            .Select(c => new BoardLine(c.Name, c.Expected, c.CheckedIn!.Value, c.Ballots!.Value))
            .ToList();
        if (turnout.Merged is { } merged)
            shown.Add(new BoardLine(merged.Name, merged.Expected, merged.CheckedIn, merged.Ballots));
        var inMerged = turnout.Merged?.Members ?? [];
        var onlyInTotal = turnout.Categories.Where(c => c.Ballots is null && !inMerged.Contains(c.Name)).Select(c => c.Name).ToList();
        var total = turnout.Total;
        return new BoardFigures(status, EvaluationStatus.NameOf(status), rehearsal,
            new BoardLine(total.Name, total.Expected, total.CheckedIn ?? 0, total.Ballots ?? 0), shown, onlyInTotal, turnout.SmallCell,
            ChinaTime.Format(now));
    }
}
