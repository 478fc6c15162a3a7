using System.Globalization;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Evaluation.Core;
using Evaluation.Core.Audit;
using Evaluation.Core.Forms;
using Evaluation.Core.Reports;
using Evaluation.Core.Tallies;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Verifier;

/// <summary>
/// Holds an Excel report the 督导组 published against the tally recomputed from the bundle: the fingerprint, the turnout,
/// and every number of the 汇总 sheet, the targets' sheets, 问卷（整体） and 四风. A number the check cannot place is a
/// failure too, so a row or cell added to the report does not pass unread. 意见建议 and 原始票 are lists, not counts.
/// The sheet names, labels and headings are <see cref="WorkbookLayout"/>'s, the same the server writes the report with.
/// </summary>
public static partial class ExcelReportCheck
{
    private const string Name = "Excel 报告";
    private const double Tolerance = 1e-9;

    /// <param name="log">
    /// The bundle's action log. When given, the head the report printed (<see cref="WorkbookLayout.LogHeadLabel"/>) must be
    /// one of its entries: a log rewritten after the report was made does not pass, as with <c>--anchor</c>.
    /// </param>
    public static Check Compare(Tally tally, Stream xlsx, IReadOnlyList<ActionLogEntry>? log = null)
    {
        XLWorkbook workbook;
        try { workbook = new XLWorkbook(xlsx); }
        catch (Exception e) when (e is InvalidDataException or FileFormatException or DocumentFormat.OpenXml.Packaging.OpenXmlPackageException or ArgumentException)
        {
            return new Check(Name, false, "文件不是可读取的 Excel 报告（.xlsx）");
        }
        using (workbook)
        {
            var reader = new Reader(tally, log);
            if (!workbook.TryGetWorksheet(L.SummarySheet, out var summary))
                return new Check(Name, false, $"报告中没有“{L.SummarySheet}”表");
            reader.Summary(summary);
            foreach (var ws in workbook.Worksheets)
            {
                var title = ws.Cell(1, 1).GetString();
                if (ws.Name == L.GeneralSheet) reader.Sheet(ws, () => reader.Items(ws, 2, tally.General));
                else if (ws.Name == L.WindsSheet) reader.Sheet(ws, () => reader.Winds(ws));
                else if (title.StartsWith(L.TargetTitlePrefix, StringComparison.Ordinal)) reader.Sheet(ws, () => reader.TargetSheet(ws, title));
            }
            if (!tally.Suppressed && tally.Targets.Count > 0)
                foreach (var missing in tally.Targets.Where(t => !reader.SheetsSeen.Contains(t.Target.Id)))
                    reader.Problem($"缺少评议对象“{TallyFigures.TargetLabel(missing.Target)}”的分表");
            return reader.Problems.Count == 0
                ? new Check(Name, true, $"报告中的 {reader.Compared} 个数字和选票指纹与重算结果一致")
                : new Check(Name, false, $"{reader.Problems.Count} 处与重算结果不符：{string.Join("；", reader.Problems.Take(5))}{(reader.Problems.Count > 5 ? "……" : "")}");
        }
    }

    private sealed class Reader(Tally tally, IReadOnlyList<ActionLogEntry>? log)
    {
        private HashSet<(int, int)> _placed = [];

        public List<string> Problems { get; } = [];
        public HashSet<Guid> SheetsSeen { get; } = [];
        public int Compared { get; private set; }

        public void Problem(string text) => Problems.Add(text);

        /// <summary>Reads one sheet, then flags every number on it that no rule placed.</summary>
        public void Sheet(IXLWorksheet ws, Action read)
        {
            _placed = [];
            read();
            foreach (var cell in ws.CellsUsed().Where(c => c.DataType == XLDataType.Number && !_placed.Contains((c.Address.RowNumber, c.Address.ColumnNumber))))
                Problem($"“{ws.Name}”{cell.Address} 的数字 {Show(cell.GetDouble())} 无从核对");
        }

        public void Summary(IXLWorksheet ws) => Sheet(ws, () =>
        {
            var last = LastRow(ws);
            for (var r = 1; r <= last; r++)
            {
                var a = Text(ws, r, 1);
                var b = Text(ws, r, 2);
                if (a == L.FingerprintLabel)
                {
                    var printed = b.Replace(" ", "", StringComparison.Ordinal);
                    if (printed != tally.Fingerprint)
                        Problem($"选票指纹：报告为 {b}，重算为 {BallotSet.Grouped(tally.Fingerprint)}");
                }
                else if (a == L.LogHeadLabel && log is not null && b != L.Dash)
                {
                    if (L.ReadLogHead(b) is not { } head)
                        Problem($"{L.LogHeadLabel}：报告中的“{b}”不是操作记录的序号和哈希");
                    else if (!log.Any(entry => entry.Seq == head.Seq && entry.Hash == head.Hash))
                        Problem($"{L.LogHeadLabel}：报告打印的{head}不在审计包的操作记录中，记录可能在报告之后被改写");
                }
                else if (a == L.TurnoutHeaders[0])
                {
                    var expected = L.TurnoutValues(tally.Turnout);
                    for (var c = 0; c < expected.Length; c++)
                        Number(ws, r + 1, c + 1, expected[c], $"投票情况 · {Text(ws, r, c + 1)}");
                }
                else if (a == L.TargetColumn && b == L.PostColumn) r = ResultsTable(ws, r);
                else if (a == L.TargetColumn && b == L.GroupColumn) r = GroupTable(ws, r, owner: true, null);
                else if (a == L.SurveyHeading && tally.Targets.Count == 0) r = Items(ws, r + 1, tally.General);
            }
        });

        public void TargetSheet(IXLWorksheet ws, string title)
        {
            var target = tally.Targets.FirstOrDefault(t => SameWords(L.TargetTitle(t.Target), title) && !SheetsSeen.Contains(t.Target.Id));
            if (target is null)
            {
                Problem($"表“{ws.Name}”的评议对象“{title[L.TargetTitlePrefix.Length..]}”在重算结果中没有");
                return;
            }
            var label = TallyFigures.TargetLabel(target.Target);
            SheetsSeen.Add(target.Target.Id);
            var last = LastRow(ws);
            for (var r = 2; r <= last; r++)
            {
                if (Text(ws, r, 1) is var note && note.StartsWith(L.RatersNotePrefix, StringComparison.Ordinal) && note != L.RatersNote(target))
                    Problem($"{label} · 评议人员：报告为“{note}”，重算为“{L.RatersNote(target) ?? "全部类别"}”");
                if (RankNote().Match(Text(ws, r, 1)) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) != target.Rank)
                    Problem($"{label} · 排名：报告为第 {m.Groups[1].Value} 名，重算为{(target.Rank is { } rank ? $"第 {rank} 名" : "不排名")}");
            }
            Items(ws, 2, target.Items);
        }

        /// <summary>The 汇总表 of one scale: a row per target with its headline item.</summary>
        private int ResultsTable(IXLWorksheet ws, int header)
        {
            var headers = Headers(ws, header);
            var used = new HashSet<Guid>();
            var r = header + 1;
            for (; Text(ws, r, 1) is { Length: > 0 } name; r++)
            {
                var target = tally.Targets.FirstOrDefault(t => t.Target.Name == name && !used.Contains(t.Target.Id));
                if (target is null)
                {
                    Problem($"汇总表中的“{name}”在重算结果中没有");
                    continue;
                }
                used.Add(target.Target.Id);
                var item = target.Headline;
                for (var c = 3; c <= headers.Count; c++)
                {
                    var h = headers[c - 1];
                    var where = $"汇总表 {name} · {h}";
                    if (h == L.WarningColumn)
                    {
                        if (Text(ws, r, c) != string.Join(L.WarningSeparator, target.Warnings))
                            Problem($"{where}：报告为“{Text(ws, r, c)}”，重算为“{string.Join(L.WarningSeparator, target.Warnings)}”");
                    }
                    else if (h == L.RankColumn) Number(ws, r, c, target.Rank, where);
                    else if (item is null || item.Suppressed) Number(ws, r, c, null, where);
                    else if (RatingValue(item, h) is (true, var value)) Number(ws, r, c, value, where);
                    else Problem($"汇总表的列“{h}”无从核对");
                }
            }
            return r;
        }

        /// <summary>A per-category table: in the 汇总 (a row per target and group) or under one item.</summary>
        private int GroupTable(IXLWorksheet ws, int header, bool owner, ItemTally? item)
        {
            var headers = Headers(ws, header);
            var first = owner ? 2 : 1;
            var r = header + 1;
            for (; Text(ws, r, first) is { Length: > 0 } groupName; r++)
            {
                var ownerName = owner ? Text(ws, r, 1) : null;
                var rowItem = owner ? tally.Targets.FirstOrDefault(t => t.Target.Name == ownerName)?.Headline : item;
                var group = rowItem?.ByGroup.FirstOrDefault(g => g.Group.Name == groupName);
                var where = $"{(ownerName is null ? "" : ownerName + " · ")}{groupName}";
                if (group is null)
                {
                    Problem($"{where}：重算结果没有这一类别分组的数字");
                    continue;
                }
                var rates = rowItem!.Rates;
                for (var c = first + 1; c <= headers.Count; c++)
                {
                    var h = headers[c - 1];
                    (bool Known, decimal? Value) value = h switch
                    {
                        L.GroupAnsweredColumn => (true, group.Answered),
                        L.DenominatorColumn => (true, group.Denominator),
                        L.NegativeRate => (true, group.Negative),
                        _ when h == rates?.PositiveName => (true, group.Positive),
                        _ => GradeValue(group.Grades, h),
                    };
                    if (value.Known) Number(ws, r, c, value.Value, $"{where} · {h}");
                    else Problem($"类别分组表的列“{h}”无从核对");
                }
            }
            return r;
        }

        /// <summary>Item blocks "n. 题目（题型）" in form order, each with its counts and rates.</summary>
        public int Items(IXLWorksheet ws, int from, IReadOnlyList<ItemTally> items)
        {
            var last = LastRow(ws);
            var r = from;
            ItemTally? item = null;
            var numbersInItem = 0;
            var mode = "";
            void CloseItem()
            {
                if (item is { Suppressed: false } && numbersInItem == 0)
                    Problem($"{TallyFigures.TargetLabel(item.Target)} · {item.Question.Text}：报告未公布数字，重算应公布");
            }
            for (; r <= last; r++)
            {
                var a = Text(ws, r, 1);
                if (ItemHeading().Match(a) is { Success: true } heading)
                {
                    CloseItem();
                    var n = int.Parse(heading.Groups[1].Value, CultureInfo.InvariantCulture);
                    item = n >= 1 && n <= items.Count ? items[n - 1] : null;
                    if (item is null || !SameWords(a, L.ItemHeading(n, item.Question)))
                    {
                        Problem($"“{ws.Name}”第 {r} 行的题目“{a}”与问卷第 {n} 题不符");
                        item = null;
                    }
                    numbersInItem = 0;
                    mode = "";
                    continue;
                }
                if (item is null || a.Length == 0) continue;
                if (a is L.GradeHeader or L.OptionHeader)
                {
                    mode = a;
                    continue;
                }
                if (a == L.GroupColumn)
                {
                    var end = GroupTable(ws, r, owner: false, item);
                    numbersInItem += end - r - 1;
                    r = end - 1;
                    mode = "";
                    continue;
                }
                var before = Compared;
                ItemRow(ws, r, a, item, mode);
                numbersInItem += Compared - before;
            }
            CloseItem();
            return r;
        }

        private void ItemRow(IXLWorksheet ws, int r, string label, ItemTally item, string mode)
        {
            var where = $"{TallyFigures.TargetLabel(item.Target)} · {item.Question.Text} · {label}";
            var published = !item.Suppressed;
            if (mode != "" && IsOptionName(item, label))
            {
                var option = item.Options.FirstOrDefault(o => o.Option == label);
                Number(ws, r, 2, option?.Count, where + "（票）");
                Number(ws, r, 3, option?.Share, where + "（占比）");
                return;
            }
            decimal? Maybe(decimal? v) => published ? v : null;
            var rateName = item.Rates?.PositiveName;
            (bool, decimal?) value = label switch
            {
                Scale.Unknown when mode == L.GradeHeader => (true, Maybe(item.Unknown)),
                L.OtherLabel => (true, Maybe(item.Other)),
                L.DenominatorLabel => (true, Maybe(item.Denominator)),
                L.NegativeRate => (true, Maybe(item.Rates?.Negative)),
                L.ScoreColumn => (true, Maybe(item.Rates?.Score)),
                L.AnsweredLabel or L.TextsLabel => (true, Maybe(item.Answered)),
                L.UnansweredLabel => (true, Maybe(item.Unanswered)),
                L.VoidLabel => (true, Maybe(item.Void)),
                _ when label == rateName => (true, Maybe(item.Rates?.Positive)),
                _ when rateName is not null && label == L.Weighted(rateName) => (true, Maybe(item.Rates?.WeightedPositive)),
                _ => (false, null),
            };
            if (!value.Item1) return;
            Number(ws, r, 2, value.Item2, where);
            if (label == L.OtherLabel)
                Number(ws, r, 3, published && item.Answered > 0 ? (decimal)item.Other / item.Answered : null, where + "（占比）");
        }

        /// <summary>A row of the item's table: a grade or an option; a suppressed item has no counts for it.</summary>
        private static bool IsOptionName(ItemTally item, string label) =>
            item.Question.Options.Contains(label) || item.Question.NoneOption == label || item.Scale?.Grades.Contains(label) == true;

        /// <summary>四风: a column per target asked (and 整体), a block per symptoms question; 合计 adds the published cells.</summary>
        public void Winds(IXLWorksheet ws)
        {
            var headers = Headers(ws, 2);
            var columns = headers.Skip(1).Take(headers.Count - 2).ToList();
            var last = LastRow(ws);
            Question? question = null;
            for (var r = 3; r <= last; r++)
            {
                var a = Text(ws, r, 1);
                if (tally.Form.Questionnaire.Questions.FirstOrDefault(q => q.Kind == QuestionKind.Symptoms && q.Text == a) is { } q)
                {
                    question = q;
                    continue;
                }
                if (question is null || a.Length == 0) continue;
                int total = 0;
                var any = false;
                for (var c = 0; c < columns.Count; c++)
                {
                    var items = columns[c] == L.Whole ? tally.General : tally.Targets.FirstOrDefault(t => t.Target.Name == columns[c])?.Items;
                    var item = items?.FirstOrDefault(i => i.Question.Id == question.Id);
                    if (item is null) continue;
                    int? count = item.Suppressed ? null : a == L.AnsweredLabel ? item.Answered : a == L.OtherLabel ? item.Other
                        : item.Options.FirstOrDefault(o => o.Option == a)?.Count;
                    Number(ws, r, c + 2, count, $"四风 · {question.Text} · {a} · {columns[c]}");
                    if (count is { } n) { total += n; any = true; }
                }
                Number(ws, r, columns.Count + 2, any ? total : null, $"四风 · {question.Text} · {a} · {L.TotalColumn}");
            }
        }

        private static (bool Known, decimal? Value) RatingValue(ItemTally item, string header)
        {
            var rates = item.Rates;
            if (header == L.DenominatorColumn) return (true, item.Denominator);
            if (header == L.NegativeRate) return (true, rates?.Negative);
            if (header == L.ScoreColumn) return (true, rates?.Score);
            if (header == L.Votes(Scale.Unknown)) return (true, item.Unknown);
            if (rates is not null && header == rates.PositiveName) return (true, rates.Positive);
            if (rates is not null && header == L.Weighted(rates.PositiveName)) return (true, rates.WeightedPositive);
            return GradeValue(item.Options, header);
        }

        /// <summary>"好（票）" is the grade's count, "好（占比）" its share.</summary>
        private static (bool Known, decimal? Value) GradeValue(IReadOnlyList<OptionCount> grades, string header)
        {
            foreach (var g in grades)
            {
                if (header == L.Votes(g.Option)) return (true, g.Count);
                if (header == L.Share(g.Option)) return (true, g.Share);
            }
            return (false, null);
        }

        /// <summary>Compares one cell: a number where the tally has one, and no number ("—" or blank) where it has none.</summary>
        private void Number(IXLWorksheet ws, int row, int column, decimal? expected, string where)
        {
            var cell = ws.Cell(row, column);
            _placed.Add((row, column));
            var isNumber = cell.DataType == XLDataType.Number;
            if (expected is null)
            {
                if (isNumber) Problem($"{where}：报告为 {Show(cell.GetDouble())}，重算不公布这个数");
                return;
            }
            Compared++;
            if (!isNumber) Problem($"{where}：报告为“{cell.GetString()}”，重算为 {Show((double)expected.Value)}");
            else if (Math.Abs(cell.GetDouble() - (double)expected.Value) > Tolerance)
                Problem($"{where}：报告为 {Show(cell.GetDouble())}，重算为 {Show((double)expected.Value)}");
        }

        private static List<string> Headers(IXLWorksheet ws, int row)
        {
            var headers = new List<string>();
            for (var c = 1; Text(ws, row, c) is { Length: > 0 } h; c++) headers.Add(h);
            return headers;
        }

        private static string Text(IXLWorksheet ws, int row, int column) => ws.Cell(row, column).GetString().Trim();

        private static int LastRow(IXLWorksheet ws) => ws.LastRowUsed()?.RowNumber() ?? 0;
    }

    /// <summary>
    /// Equal but for the isolate marks (U+2068, U+2069) around names and questions: reports made before the layout
    /// isolated them still read. The marks only fence text off; they change no word.
    /// </summary>
    private static bool SameWords(string a, string b) => Unmarked(a) == Unmarked(b);

    private static string Unmarked(string text) => text.Replace("\u2068", "", StringComparison.Ordinal).Replace("\u2069", "", StringComparison.Ordinal);

    private static string Show(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(\d+)\. (.+)$")]
    private static partial Regex ItemHeading();

    // The layout's rank note, "排名：第 3 名".
    [GeneratedRegex("^" + L.RankNotePrefix + @"(\d+)" + L.RankNoteSuffix + "$")]
    private static partial Regex RankNote();
}
