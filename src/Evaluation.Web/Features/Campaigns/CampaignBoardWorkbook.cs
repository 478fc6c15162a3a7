using ClosedXML.Excel;
using Evaluation.Web.Features.Reports.Excel;
using Evaluation.Web.Features.Rollup;
using Evaluation.Web.Infrastructure;

namespace Evaluation.Web.Features.Campaigns;

/// <summary>
/// The campaign board as one sheet: a row per unit and round (and per evaluation where a unit has two in a round), so it
/// sorts and filters as a list does, units indented as in the tree; below it each round's totals.
/// </summary>
public static class CampaignBoardWorkbook
{
    public const string SheetName = "活动看板";

    public static readonly string[] Headers =
        ["单位", "轮次", "评议", "状态", "应到", "收回", "收回率", RollupWorkbook.LowMark, "班子评价", "评价率", "作答（D）", "差评率", "预警"];

    public static readonly string[] TotalHeaders = ["轮次", "评议状态", "未创建（单位）", "应到", "收回", "收回率"];

    public static byte[] Build(CampaignBoard board, DateTimeOffset madeAt)
    {
        using var workbook = new XLWorkbook();
        var ws = workbook.AddWorksheet(SheetName);
        var s = new SheetWriter(ws);
        var row = 1;
        s.Title(row++, $"活动看板 · {board.Campaign.Name}");
        s.Note(row++, $"牵头单位：{board.Campaign.UnitName}。生成时间：{ChinaTime.Format(madeAt)}");
        s.Note(row++, board.Explanation);
        row++;
        var headerRow = row;
        s.Header(row++, 1, Headers);
        foreach (var unit in board.Rows)
        {
            for (var i = 0; i < board.Rounds.Count; i++)
            {
                var entries = unit.Cells[i];
                if (entries.Count == 0)
                {
                    UnitAndRound(s, row, unit, board.Rounds[i]);
                    s.Text(row++, 4, CampaignBoard.Missing);
                }
                foreach (var entry in entries)
                {
                    UnitAndRound(s, row, unit, board.Rounds[i]);
                    Entry(s, ws, row++, entry);
                }
            }
        }
        row++;
        s.Subtitle(row++, "各轮次合计");
        s.Header(row++, 1, TotalHeaders);
        foreach (var total in board.Totals)
        {
            s.Text(row, 1, total.Round);
            s.Text(row, 2, string.Join("、", total.States.Select(t => $"{t.State} {t.Count}")));
            s.Count(row, 3, total.Missing);
            s.Count(row, 4, total.Expected);
            s.Count(row, 5, total.Received);
            s.Percent(row++, 6, total.TurnoutRate);
        }
        s.FreezeRows(headerRow);
        s.Finish(minimum: 8, maximum: 40);
        using var stream = new MemoryStream();
        workbook.SaveAs(stream);
        return stream.ToArray();
    }

    private static void UnitAndRound(SheetWriter s, int row, BoardRow unit, string round)
    {
        // Indented by the cell's own setting, so the name stays the name when sorted, filtered or copied.
        s.Text(row, 1, unit.Unit.Name).Style.Alignment.Indent = unit.Depth;
        s.Measure(1, new string('　', unit.Depth * 2) + unit.Unit.Name);
        s.Text(row, 2, round);
    }

    private static void Entry(SheetWriter s, IXLWorksheet ws, int row, BoardEntry entry)
    {
        s.Text(row, 3, entry.Name);
        s.Text(row, 4, entry.StateName);
        RollupWorkbook.Turnout(s, row, 5, entry.Expected, entry.Voting ? entry.Received : null, entry.Low);
        if (entry.Results is { } results) RollupWorkbook.Headline(s, row, 9, results);
        if (entry.Low) RollupWorkbook.MarkLow(ws, row, Headers.Length);
    }
}
