using System.Globalization;
using System.Text;
using System.Xml;
using ClosedXML.Excel;
using DocumentFormat.OpenXml.Packaging;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Web.Infrastructure;
using Sdk = DocumentFormat.OpenXml.Spreadsheet;

namespace Evaluation.Web.Features.Reports;

/// <summary>
/// The 督导组's Excel download: the 测评结果汇总表, a sheet per target, the 四风 matrix, the opinions with their
/// consolidation, and the anonymous ballots. Everything is built from the tally, which has already removed every cell
/// smaller than k; this file only lays out what the tally gives and never recounts from ballots.
/// </summary>
public static class ExcelReport
{
    public const string SummarySheet = "汇总";
    public const string GeneralSheet = "问卷（整体）";
    public const string WindsSheet = "四风";
    public const string OpinionsSheet = "意见建议";
    public const string BallotsSheet = "原始票";

    private const string PercentFormat = "0.0%";
    private const string ScoreFormat = "0.0";
    private const string Dash = "—";
    private const string Whole = "整体";
    private const string OtherLabel = "其他（请注明）";

    public static byte[] Build(ResultsReport report)
    {
        var tally = report.Tally;
        var k = Math.Max(tally.Settings.SmallCell, TallySettings.MinimumSmallCell);
        var stream = new MemoryStream();
        var streamed = new Dictionary<string, List<StreamedRows>>();
        using (var workbook = new XLWorkbook())
        {
            var names = new HashSet<string>([SummarySheet, GeneralSheet, WindsSheet, OpinionsSheet, BallotsSheet], StringComparer.OrdinalIgnoreCase);
            Summary(workbook.AddWorksheet(SummarySheet), report, k);
            if (!tally.Suppressed)
            {
                foreach (var target in tally.Targets)
                    TargetSheet(workbook.AddWorksheet(UniqueSheetName(target.Target.Name, names)), report, target, k);
                if (tally.Targets.Count > 0 && tally.General.Count > 0)
                    GeneralItemsSheet(workbook.AddWorksheet(GeneralSheet), report, k);
                if (tally.Form.Questionnaire.Questions.Any(q => q.Kind == QuestionKind.Symptoms))
                    WindsMatrix(workbook.AddWorksheet(WindsSheet), tally, k);
                streamed[OpinionsSheet] = Opinions(workbook.AddWorksheet(OpinionsSheet), report);
            }
            streamed[BallotsSheet] = Ballots(workbook.AddWorksheet(BallotsSheet), tally, k);
            workbook.SaveAs(stream);
        }
        if (streamed.Values.Any(rows => rows.Count > 0))
            StreamRows(stream, streamed);
        return stream.ToArray();
    }

    // ---- 汇总 ----

    private static void Summary(IXLWorksheet ws, ResultsReport report, int k)
    {
        var s = new Sheet(ws);
        var e = report.Evaluation;
        var tally = report.Tally;
        var row = 1;
        s.Title(row++, $"{e.UnitName} {e.Name} 测评结果");
        foreach (var (label, value) in new[]
        {
            ("单位", e.UnitName),
            ("评议名称", e.Name),
            ("轮次", e.Round),
            ("结束时间", e.ClosedAt is { } closed ? $"{ChinaTime.Format(closed)}（北京时间）" : Dash),
            ("问卷哈希", e.FormHash ?? Dash),
            ("选票指纹", BallotSet.Grouped(tally.Fingerprint)),
            ("计票规则", report.SettingsNote),
        })
        {
            s.Label(row, 1, label);
            s.Text(row++, 2, value, measure: false);
        }

        row++;
        s.Subtitle(row++, "投票情况");
        var t = tally.Turnout;
        s.Header(row++, 1, "应到", "实到（签到）", "发出", "收回", "有效", "无效", "弃权");
        var turnout = new[] { t.Expected, t.CheckedIn, t.Issued, t.Received, t.Valid, t.Invalid, t.Abstained };
        for (var i = 0; i < turnout.Length; i++)
            s.Count(row, i + 1, turnout[i]);
        row += 2;

        if (tally.Suppressed)
        {
            s.Note(row, $"作答的有效票（不含弃权）不足 {k} 票：为保护匿名，本次不公布测评结果、意见建议和原始票。");
            s.FreezeRows(1);
            s.Finish(minimum: 12);
            return;
        }

        if (tally.Targets.Count > 0)
        {
            s.Subtitle(row++, "测评结果汇总表");
            row = ResultTables(s, row, tally, k);
            if (tally.General.Count > 0)
                s.Note(row++, $"不针对具体评议对象的题目见“{GeneralSheet}”表；各对象的全部题目见以其姓名命名的表。");
        }
        else
        {
            s.Subtitle(row++, "问卷结果");
            row = Items(s, row, tally.General, tally, k);
        }
        s.FreezeRows(1);
        s.Finish(minimum: 12);
    }

    /// <summary>One table per scale, since 好评率 and 称职率 have different grades; targets keep their order within it.</summary>
    private static int ResultTables(Sheet s, int row, Tally tally, int k)
    {
        var byScale = tally.Targets.GroupBy(t => t.Headline?.Scale).ToList();
        foreach (var group in byScale)
        {
            if (group.Key is not { } scale)
            {
                foreach (var target in group)
                {
                    s.Text(row, 1, target.Target.Name);
                    s.Text(row, 2, Post(target.Target));
                    s.Note(row++, "本对象没有评价等级题，各题结果见其分表。", column: 3);
                }
                row++;
                continue;
            }

            var items = group.Select(t => t.Headline!).ToList();
            var published = items.Where(i => !i.Suppressed).ToList();
            var rateName = Tally.PositiveName(scale);
            var hasUnknown = items.Any(i => i.Question.AllowUnknown);
            var hasScore = published.Any(i => i.Rates?.Score is not null);
            var hasWeighted = published.Any(i => i.Rates?.WeightedPositive is not null);
            var questions = string.Join("；", items.Select(i => i.Question.Text).Distinct());
            s.Subtitle(row++, $"{questions}（{scale.Name}）");

            var headers = new List<string> { "评议对象", "职务" };
            foreach (var grade in scale.Grades)
                headers.AddRange([$"{grade}（票）", $"{grade}（占比）"]);
            if (hasUnknown) headers.Add($"{Scale.Unknown}（票）");
            headers.AddRange(["D", rateName, "差评率"]);
            if (hasScore) headers.Add("得分");
            if (hasWeighted) headers.Add($"加权{rateName}");
            headers.AddRange(["排名", "预警"]);
            s.Header(row++, 1, [.. headers]);

            foreach (var target in group)
            {
                var item = target.Headline!;
                var c = 1;
                s.Text(row, c++, target.Target.Name);
                s.Text(row, c++, Post(target.Target));
                if (item.Suppressed)
                {
                    s.Note(row++, ReportFormat.SuppressedNote(k) + "。", column: c);
                    continue;
                }
                foreach (var option in item.Options)
                {
                    s.Count(row, c++, option.Count);
                    s.Percent(row, c++, option.Share);
                }
                if (hasUnknown) s.Count(row, c++, item.Unknown);
                s.Count(row, c++, item.Denominator);
                s.Percent(row, c++, item.Rates?.Positive);
                s.Percent(row, c++, item.Rates?.Negative);
                if (hasScore) s.Score(row, c++, item.Rates?.Score);
                if (hasWeighted) s.Percent(row, c++, item.Rates?.WeightedPositive);
                if (target.Rank is { } rank) s.Count(row, c, rank);
                c++;
                s.Text(row, c, string.Join("；", target.Warnings));
                row++;
            }
            row++;

            if (tally.Groups.Count == 0) continue;
            var broken = group.Where(t => t.Headline is { Suppressed: false, ByGroup.Count: > 0 }).ToList();
            s.Subtitle(row++, $"按评议人员类别（{rateName}）");
            if (broken.Count > 0)
            {
                row = GroupTable(s, row, scale, rateName, broken.Select(t => ((string?)t.Target.Name, t.Headline!.ByGroup)));
            }
            foreach (var target in group.Where(t => !broken.Contains(t)))
                s.Note(row++, $"{target.Target.Name}：有类别作答不足 {k} 票，不分类别列示。");
            row++;
        }
        if (tally.Groups.Count == 0)
            s.Note(row++, $"达到 {k} 票的评议人员类别不足两组，不分类别列示。");
        return row;
    }

    private static int GroupTable(Sheet s, int row, Scale scale, string rateName, IEnumerable<(string? Owner, IReadOnlyList<GroupRates> Groups)> rows)
    {
        var list = rows.ToList();
        var owned = list.Any(r => r.Owner is not null);
        var headers = new List<string>();
        if (owned) headers.Add("评议对象");
        headers.AddRange(["类别分组", "作答（票）", "D"]);
        foreach (var grade in scale.Grades)
            headers.AddRange([$"{grade}（票）", $"{grade}（占比）"]);
        headers.AddRange([rateName, "差评率"]);
        s.Header(row++, 1, [.. headers]);
        foreach (var (owner, groups) in list)
            foreach (var g in groups)
            {
                var c = 1;
                if (owned) s.Text(row, c++, owner ?? "");
                s.Text(row, c++, g.Group.Name);
                s.Count(row, c++, g.Answered);
                s.Count(row, c++, g.Denominator);
                foreach (var grade in g.Grades)
                {
                    s.Count(row, c++, grade.Count);
                    s.Percent(row, c++, grade.Share);
                }
                s.Percent(row, c++, g.Positive);
                s.Percent(row, c, g.Negative);
                row++;
            }
        return row;
    }

    // ---- per-item blocks: a target's sheet, the general sheet, and a plain survey's summary ----

    private static void TargetSheet(IXLWorksheet ws, ResultsReport report, TargetTally target, int k)
    {
        var s = new Sheet(ws);
        var t = target.Target;
        var row = 1;
        s.Title(row++, $"评议对象：{ReportFormat.TargetLabel(t)}");
        s.Note(row++, $"{report.Evaluation.UnitName} · {report.Evaluation.Name} · {report.Evaluation.Round}");
        if (t.TransferredOutOn is { } left)
            s.Note(row++, $"已于 {left:yyyy-MM-dd} 调出。");
        if (target.Rank is { } rank)
            s.Note(row++, $"排名：第 {rank} 名");
        if (target.Warnings.Count > 0)
            s.Note(row++, $"预警：{string.Join("；", target.Warnings)}");
        row++;
        Items(s, row, target.Items, report.Tally, k);
        s.FreezeRows(1);
        s.Finish(minimum: 10);
    }

    private static void GeneralItemsSheet(IXLWorksheet ws, ResultsReport report, int k)
    {
        var s = new Sheet(ws);
        s.Title(1, "不针对具体评议对象的题目");
        s.Note(2, $"{report.Evaluation.UnitName} · {report.Evaluation.Name} · {report.Evaluation.Round}");
        Items(s, 4, report.Tally.General, report.Tally, k);
        s.FreezeRows(1);
        s.Finish(minimum: 10);
    }

    private static int Items(Sheet s, int row, IReadOnlyList<ItemTally> items, Tally tally, int k)
    {
        for (var i = 0; i < items.Count; i++)
            row = Item(s, row, items[i], i + 1, tally, k) + 1;
        return row;
    }

    private static int Item(Sheet s, int row, ItemTally item, int number, Tally tally, int k)
    {
        var q = item.Question;
        s.Subtitle(row++, $"{number}. {q.Text}（{KindName(q)}）");
        if (item.Suppressed)
        {
            s.Note(row++, ReportFormat.SuppressedNote(k) + "。");
            return row;
        }

        switch (q.Kind)
        {
            case QuestionKind.Rating:
                var scale = item.Scale!;
                var rateName = Tally.PositiveName(scale);
                s.Header(row++, 1, "等级", "票数", "占比（占 D）");
                foreach (var option in item.Options)
                {
                    s.Text(row, 1, option.Option);
                    s.Count(row, 2, option.Count);
                    s.Percent(row++, 3, option.Share);
                }
                if (q.AllowUnknown)
                {
                    s.Text(row, 1, Scale.Unknown);
                    s.Count(row++, 2, item.Unknown);
                }
                s.Label(row, 1, "D（计算比率的分母）");
                s.Count(row++, 2, item.Denominator);
                s.Label(row, 1, rateName);
                s.Percent(row++, 2, item.Rates?.Positive);
                s.Label(row, 1, "差评率");
                s.Percent(row++, 2, item.Rates?.Negative);
                if (item.Rates?.Score is { } score)
                {
                    s.Label(row, 1, "得分");
                    s.Score(row++, 2, score);
                }
                if (item.Rates?.WeightedPositive is { } weighted)
                {
                    s.Label(row, 1, $"加权{rateName}");
                    s.Percent(row++, 2, weighted);
                }
                row = Participation(s, row, item);
                if (item.Rates is { Warnings.Count: > 0 } rates)
                {
                    s.Label(row, 1, "预警");
                    s.Text(row++, 2, string.Join("；", rates.Warnings), measure: false);
                }
                if (item.ByGroup.Count > 0)
                {
                    s.Label(row++, 1, "按评议人员类别");
                    row = GroupTable(s, row, scale, rateName, [(null, item.ByGroup)]);
                }
                else if (tally.Groups.Count > 0)
                    s.Note(row++, $"有类别作答不足 {k} 票，本题不分类别列示。");
                return row;

            case QuestionKind.Text:
                s.Label(row, 1, "作答（条）");
                s.Count(row++, 2, item.Answered);
                s.Label(row, 1, "未作答");
                s.Count(row++, 2, item.Unanswered);
                s.Note(row++, $"意见原文见“{OpinionsSheet}”表。");
                return row;

            default:
                s.Header(row++, 1, "选项", "票数", "占比（占作答人数）");
                foreach (var option in item.Options)
                {
                    s.Text(row, 1, option.Option);
                    s.Count(row, 2, option.Count);
                    s.Percent(row++, 3, option.Share);
                }
                if (q.AllowOther)
                {
                    s.Text(row, 1, OtherLabel);
                    s.Count(row, 2, item.Other);
                    s.Percent(row++, 3, item.Answered == 0 ? null : (decimal)item.Other / item.Answered);
                }
                row = Participation(s, row, item);
                if (q.Kind != QuestionKind.SingleChoice)
                    s.Note(row++, "可多选，各项占比之和可超过 100%。");
                if (q.AllowOther)
                    s.Note(row++, $"“其他”的说明原文见“{OpinionsSheet}”表。");
                return row;
        }
    }

    private static int Participation(Sheet s, int row, ItemTally item)
    {
        s.Label(row, 1, "作答人数");
        s.Count(row++, 2, item.Answered);
        s.Label(row, 1, "未作答");
        s.Count(row++, 2, item.Unanswered);
        if (item.Void > 0)
        {
            s.Label(row, 1, "本题无效（如超选）");
            s.Count(row++, 2, item.Void);
        }
        return row;
    }

    // ---- 四风 ----

    private static void WindsMatrix(IXLWorksheet ws, Tally tally, int k)
    {
        var s = new Sheet(ws);
        var questions = tally.Form.Questionnaire.Questions.Where(q => q.Kind == QuestionKind.Symptoms).ToList();
        var columns = tally.Targets
            .Where(t => questions.Any(t.Target.IsAskedAbout))
            .Select(t => (Name: t.Target.Name, Items: t.Items))
            .ToList();
        if (questions.Any(q => !q.IsPerTarget))
            columns.Add((Whole, tally.General));

        s.Title(1, "四风突出问题（票数）");
        s.Header(2, 1, ["问题 / 选项", .. columns.Select(c => c.Name), "合计"]);
        var row = 3;
        foreach (var q in questions)
        {
            s.Subtitle(row++, q.Text);
            var cells = columns.Select(c => c.Items.FirstOrDefault(i => i.Question.Id == q.Id)).ToList();
            if (cells.All(c => c is null or { Suppressed: true }))
            {
                s.Note(row++, $"各对象本题作答均不足 {k} 票，不公布。");
                row++;
                continue;
            }
            var labels = new List<(string Label, Func<ItemTally, int> Count)>();
            labels.AddRange(q.Options.Select((o, i) => (o, (Func<ItemTally, int>)(t => t.Options[i].Count))));
            if (q.NoneOption is not null)
                labels.Add((q.NoneOption, t => t.Options[q.Options.Count].Count));
            if (q.AllowOther)
                labels.Add((OtherLabel, t => t.Other));
            labels.Add(("作答人数", t => t.Answered));

            foreach (var (label, count) in labels)
            {
                s.Text(row, 1, label);
                int? total = null;
                for (var c = 0; c < cells.Count; c++)
                {
                    if (cells[c] is not { } item) continue;
                    if (item.Suppressed)
                    {
                        s.Text(row, c + 2, Dash);
                        continue;
                    }
                    var n = count(item);
                    s.Count(row, c + 2, n);
                    total = (total ?? 0) + n;
                }
                if (total is { } sum) s.Count(row, cells.Count + 2, sum);
                else s.Text(row, cells.Count + 2, Dash);
                row++;
            }
            row++;
        }
        s.Note(row++, $"“{Dash}”：该对象本题作答不足 {k} 票，不公布；合计只含已公布的数。空白：本题未对该对象提问。");
        s.Note(row, "可多选，同一张票可在多个选项中计数。");
        s.Freeze(2, 1);
        s.Finish(minimum: 8);
    }

    // ---- 意见建议 ----

    /// <summary>The two lists can run to tens of thousands of lines, so their rows are streamed in (see <see cref="StreamRows"/>).</summary>
    private static List<StreamedRows> Opinions(IXLWorksheet ws, ResultsReport report)
    {
        var s = new Sheet(ws);
        var digest = report.Digest;
        var opinions = report.Tally.Opinions;
        var rows = new List<StreamedRows>();
        s.Title(1, "意见建议");
        s.Note(2, $"原始意见 {digest.OriginalCount} 条，梳理为 {digest.ConsolidatedCount} 条");
        var row = 3;
        var tags = digest.TagCounts();
        if (tags.Count > 0)
            s.Note(row++, "按标签：" + string.Join("；", tags.Select(t => $"{t.Tag} {t.Lines} 条（原始 {t.Originals} 条）")));
        row++;

        s.Subtitle(row++, "梳理汇总");
        s.Header(row++, 1, "序号", "标签", "梳理条目", "原始意见（条）");
        rows.Add(new StreamedRows(row, digest.Items.Select((item, i) => new StreamedCell[]
        {
            new(1, Number: i + 1),
            new(2, string.Join("、", item.Tags), Wrap: true),
            new(3, item.Text, Wrap: true),
            new(4, Number: item.Originals.Count),
        })));
        row += digest.Items.Count + 1;

        s.Subtitle(row++, "意见原文（原汁原味，按评议对象分列，顺序随机）");
        s.Header(row++, 1, "评议对象", "题目", "意见原文", "是否“其他”说明", "梳理条目");
        var entryOf = digest.Items.Where(i => i.Triaged)
            .SelectMany(i => i.Originals.Select(o => (o.Key, i.Text)))
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Text);
        var order = report.Tally.Targets.Select((t, i) => (t.Target.Id, i)).ToDictionary(p => p.Id, p => p.i);
        // OrderBy is stable, so within a target the tally's random order stands.
        rows.Add(new StreamedRows(row, opinions
            .OrderBy(o => o.Target is { } t ? order.GetValueOrDefault(t.Id) : int.MaxValue)
            .Select(o => new StreamedCell[]
            {
                new(1, o.Target?.Name ?? Whole),
                new(2, o.Question.Text, Wrap: true),
                new(3, o.Text, Wrap: true),
                new(4, o.IsOther ? "是" : "否"),
                new(5, entryOf.GetValueOrDefault(o.Key) ?? "", Wrap: true),
            })));
        if (opinions.Count == 0)
            s.Note(row, "没有意见建议。");

        s.Measure(1, Whole);
        foreach (var target in report.Tally.Targets)
            s.Measure(1, target.Target.Name);
        s.FreezeRows(2);
        s.Finish(minimum: 8, maximum: 30, fixedWidths: new() { [2] = 30, [3] = 60, [5] = 40 }, wrap: [2, 3, 5]);
        return rows;
    }

    // ---- 原始票 ----

    private sealed record BallotColumn(Target? Target, Question Question);

    /// <summary>The header of the 原始票 sheet; its rows, one per valid ballot in the tally's shuffled order, are streamed in.</summary>
    private static List<StreamedRows> Ballots(IXLWorksheet ws, Tally tally, int k)
    {
        var s = new Sheet(ws);
        if (tally.Suppressed)
        {
            s.Note(1, $"作答的有效票（不含弃权）不足 {k} 票：为保护匿名，不列出原始票。");
            s.Finish(minimum: 10);
            return [];
        }

        var questions = tally.Form.Questionnaire.Questions;
        var columns = tally.Targets
            .SelectMany(t => questions.Where(t.Target.IsAskedAbout).Select(q => new BallotColumn(t.Target, q)))
            .Concat(questions.Where(q => !q.IsPerTarget).Select(q => new BallotColumn(null, q)))
            .ToList();
        // No category column: a row per voter beside its category would let anyone recount a cell the tally kept back.
        s.Header(1, 1, ["", .. columns.Select(c => c.Target?.Name ?? Whole)]);
        s.Header(2, 1, ["是否弃权", .. columns.Select(c => c.Question.Text)]);
        var widths = new Dictionary<int, double> { [1] = 10 };
        for (var i = 0; i < columns.Count; i++)
            widths[i + 2] = columns[i].Question.Kind switch
            {
                QuestionKind.Rating => 12,
                QuestionKind.SingleChoice => 16,
                QuestionKind.Text => 40,
                _ => 30,
            };
        if (tally.Turnout.Valid == 0)
            s.Note(3, "没有有效票。");
        s.Freeze(2, 1);
        s.Finish(minimum: 10, maximum: 30, fixedWidths: widths, wrap: [], wrapHeaderRow: 2);

        return [new StreamedRows(3, tally.Ballots.Select(ballot => BallotRow(ballot, columns)))];
    }

    private static IEnumerable<StreamedCell> BallotRow(AnonymousBallot ballot, List<BallotColumn> columns)
    {
        yield return new StreamedCell(1, ballot.Abstained ? "是" : "否");
        for (var c = 0; c < columns.Count; c++)
        {
            var (target, question) = (columns[c].Target, columns[c].Question);
            var section = target is null ? ballot.Answers.Once : ballot.Answers.Targets.GetValueOrDefault(target.Id);
            if (section?.GetValueOrDefault(question.Id) is { } answer)
                yield return new StreamedCell(c + 2, AnswerText(answer));
        }
    }

    // ---- rows streamed into the saved file ----

    /// <summary>A cell written straight into the file: text (inline, never a formula) or, when <paramref name="Text"/> is null, a number.</summary>
    private readonly record struct StreamedCell(int Column, string? Text = null, int Number = 0, bool Wrap = false);

    /// <summary>Consecutive rows from <paramref name="FirstRow"/>, in rows the ClosedXML sheet left empty.</summary>
    private sealed record StreamedRows(int FirstRow, IEnumerable<IEnumerable<StreamedCell>> Rows);

    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>
    /// Writes the long lists into the workbook ClosedXML saved, merged by row number with the rows it wrote: ClosedXML
    /// needs some 10 s and 1 GB for the 原始票 of 10,000 ballots × 20 targets, a plain XmlWriter a fraction of that.
    /// Every value from a voter is inline text, escaped for Excel and XML; what Excel would read as a formula on
    /// editing gets the quote prefix.
    /// </summary>
    private static void StreamRows(MemoryStream stream, Dictionary<string, List<StreamedRows>> streamed)
    {
        using var document = SpreadsheetDocument.Open(stream, true);
        var book = document.WorkbookPart!;
        var styles = new StreamStyles(book);
        foreach (var (name, blocks) in streamed.Where(p => p.Value.Count > 0))
        {
            var sheet = book.Workbook.Sheets!.Elements<Sdk.Sheet>().Single(x => x.Name == name);
            var old = (WorksheetPart)book.GetPartById(sheet.Id!);
            var part = book.AddNewPart<WorksheetPart>();
            // Rows are made as they are written, so a long list never sits in memory whole.
            using var pending = blocks.OrderBy(b => b.FirstRow)
                .SelectMany(b => b.Rows.Select((cells, i) => (Row: b.FirstRow + i, Cells: cells))).GetEnumerator();
            var more = pending.MoveNext();
            void WriteUpTo(XmlWriter output, int before)
            {
                for (; more && pending.Current.Row < before; more = pending.MoveNext())
                    WriteRow(output, pending.Current.Row, pending.Current.Cells, styles);
            }

            using (var input = XmlReader.Create(old.GetStream(FileMode.Open, FileAccess.Read), new XmlReaderSettings { CloseInput = true }))
            using (var output = XmlWriter.Create(part.GetStream(FileMode.Create, FileAccess.Write), new XmlWriterSettings
            {
                Encoding = new UTF8Encoding(false), CloseOutput = true,
                // ForExcel has already turned every character XML cannot carry into Excel's escape.
                CheckCharacters = false,
            }))
            {
                input.MoveToContent();
                output.WriteStartElement(input.Prefix, input.LocalName, input.NamespaceURI);
                output.WriteAttributes(input, true);
                input.Read();
                while (!input.EOF)
                {
                    if (input.NodeType == XmlNodeType.EndElement)
                    {
                        input.Read();
                        continue;
                    }
                    if (input.NodeType != XmlNodeType.Element)
                    {
                        input.Read();
                        continue;
                    }
                    if (input is { LocalName: "dimension", NamespaceURI: Main })
                    {
                        // The used range changes; Excel does without it.
                        input.Skip();
                        continue;
                    }
                    if (input is not { LocalName: "sheetData", NamespaceURI: Main })
                    {
                        output.WriteNode(input, true);
                        continue;
                    }
                    output.WriteStartElement(input.Prefix, input.LocalName, input.NamespaceURI);
                    output.WriteAttributes(input, true);
                    if (input.IsEmptyElement)
                        input.Read();
                    else
                    {
                        input.Read();
                        while (input is not { NodeType: XmlNodeType.EndElement, LocalName: "sheetData" })
                        {
                            if (input is { NodeType: XmlNodeType.Element, LocalName: "row" })
                            {
                                WriteUpTo(output, int.Parse(input.GetAttribute("r")!, CultureInfo.InvariantCulture));
                                output.WriteNode(input, true);
                            }
                            else
                                input.Read();
                        }
                        input.Read();
                    }
                    WriteUpTo(output, int.MaxValue);
                    output.WriteEndElement();
                }
                output.WriteEndElement();
            }
            sheet.Id = book.GetIdOfPart(part);
            book.DeletePart(old);
        }
    }

    private static void WriteRow(XmlWriter output, int row, IEnumerable<StreamedCell> cells, StreamStyles styles)
    {
        var r = row.ToString(CultureInfo.InvariantCulture);
        output.WriteStartElement("row", Main);
        output.WriteAttributeString("r", r);
        foreach (var cell in cells)
        {
            if (cell.Text is "") continue;
            output.WriteStartElement("c", Main);
            output.WriteStartAttribute("r");
            output.WriteString(ColumnLetters(cell.Column));
            output.WriteString(r);
            output.WriteEndAttribute();
            if (cell.Text is not { } text)
            {
                output.WriteElementString("v", Main, cell.Number.ToString(CultureInfo.InvariantCulture));
                output.WriteEndElement();
                continue;
            }
            if (styles.For(LooksLikeFormula(text), cell.Wrap) is { } style)
                output.WriteAttributeString("s", style.ToString(CultureInfo.InvariantCulture));
            output.WriteAttributeString("t", "inlineStr");
            output.WriteStartElement("is", Main);
            output.WriteStartElement("t", Main);
            var escaped = ForExcel(text);
            // Without it, XML readers may drop leading and trailing spaces.
            if (char.IsWhiteSpace(escaped[0]) || char.IsWhiteSpace(escaped[^1]))
                output.WriteAttributeString("xml", "space", null, "preserve");
            output.WriteString(escaped);
            output.WriteEndElement();
            output.WriteEndElement();
            output.WriteEndElement();
        }
        output.WriteEndElement();
    }

    /// <summary>The cell formats the streamed cells need, added to the workbook ClosedXML wrote.</summary>
    private sealed class StreamStyles
    {
        private readonly uint _quoted, _wrapped, _wrappedQuoted;

        public StreamStyles(WorkbookPart book)
        {
            var styles = book.WorkbookStylesPart!.Stylesheet!;
            var formats = styles.CellFormats ??= new Sdk.CellFormats(new Sdk.CellFormat());
            uint Add(bool quote, bool wrap)
            {
                var format = new Sdk.CellFormat { NumberFormatId = 49, ApplyNumberFormat = true };
                if (quote) format.QuotePrefix = true;
                if (wrap)
                {
                    format.ApplyAlignment = true;
                    format.Append(new Sdk.Alignment { WrapText = true, Vertical = Sdk.VerticalAlignmentValues.Top });
                }
                formats.Append(format);
                return (uint)formats.ChildElements.Count - 1;
            }
            _quoted = Add(quote: true, wrap: false);
            _wrapped = Add(quote: false, wrap: true);
            _wrappedQuoted = Add(quote: true, wrap: true);
            formats.Count = (uint)formats.ChildElements.Count;
            styles.Save();
        }

        public uint? For(bool quote, bool wrap) => (quote, wrap) switch
        {
            (true, true) => _wrappedQuoted,
            (true, false) => _quoted,
            (false, true) => _wrapped,
            _ => null,
        };
    }

    /// <summary>What a voter gave for one question, as one cell: the grade or choice, the choices, 其他 with its text, or the text.</summary>
    private static string AnswerText(Answer answer)
    {
        // Most cells hold one grade or one text: no list to build for them.
        if (answer is { HasChoices: false, HasOther: false })
        {
            if (answer is { HasChoice: true, HasText: false }) return answer.Choice!;
            if (answer is { HasChoice: false, HasText: true }) return answer.Text!;
        }
        return Joined(answer);
    }

    private static string Joined(Answer answer)
    {
        var parts = new List<string>();
        if (answer.HasChoice) parts.Add(answer.Choice!);
        if (answer.HasChoices) parts.AddRange(answer.Choices!);
        if (answer.HasOther) parts.Add($"其他：{answer.Other}");
        if (answer.HasText) parts.Add(answer.Text!);
        return string.Join("、", parts);
    }

    /// <summary>
    /// Excel reads <c>_xHHHH_</c> in a string as an escaped character, so a literal one keeps its underscore escaped;
    /// and XML 1.0 cannot carry most control characters, which Excel takes in that escaped form.
    /// </summary>
    private static string ForExcel(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? replacement = null;
            if (c == '_' && IsEscapeAt(text, i)) replacement = "_x005F_";
            else if (c < 0x20 && c is not '\t' and not '\n' and not '\r' || c is '\uFFFE' or '\uFFFF')
                replacement = $"_x{(int)c:X4}_";
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[++i]);
                continue;
            }
            else if (char.IsSurrogate(c)) replacement = "\uFFFD";

            if (replacement is null)
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            sb.Append(replacement);
        }
        return sb?.ToString() ?? text;
    }

    private static bool IsEscapeAt(string text, int i) =>
        i + 6 < text.Length && text[i + 1] == 'x' && text[i + 6] == '_' && !text.AsSpan(i + 2, 4).ContainsAnyExcept("0123456789ABCDEFabcdef");

    private static readonly string[] Letters = Enumerable.Range(0, 703).Select(SpellColumn).ToArray();

    private static string ColumnLetters(int column) => column < Letters.Length ? Letters[column] : SpellColumn(column);

    private static string SpellColumn(int column)
    {
        var letters = "";
        for (; column > 0; column = (column - 1) / 26)
            letters = (char)('A' + (column - 1) % 26) + letters;
        return letters;
    }

    // ---- small shared pieces ----

    private static string Post(Target t) =>
        (t.Title ?? "") + (t.TransferredOutOn is { } left ? $"（{left:yyyy-MM-dd} 调出）" : "");

    private static string KindName(Question q) => q.Kind switch
    {
        QuestionKind.Rating => Scale.Find(q.Scale)?.Name ?? "评价等级",
        QuestionKind.Symptoms => "四风问题，可多选",
        QuestionKind.SingleChoice => "单选",
        QuestionKind.MultipleChoice => q.MaxSelections is { } max ? $"多选，最多 {max} 项" : "多选",
        _ => "文字意见",
    };

    /// <summary>Text Excel would turn into a formula if someone typed it in: =, +, - and @ start one, and so can a tab or CR before them.</summary>
    private static bool LooksLikeFormula(string text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    /// <summary>
    /// Sheet names are at most 31 characters, without <c>[]:*?/\</c>, not starting or ending with an apostrophe, and unique
    /// regardless of case; "History" is reserved by Excel.
    /// </summary>
    private static string UniqueSheetName(string wanted, HashSet<string> taken)
    {
        var clean = new string(wanted.Select(c => "[]:*?/\\".Contains(c) || char.IsControl(c) ? '_' : c).ToArray()).Trim().Trim('\'');
        if (clean.Length == 0) clean = "评议对象";
        for (var n = 1; ; n++)
        {
            var suffix = n == 1 ? "" : $"({n})";
            var stem = clean.Length + suffix.Length <= 31 ? clean : clean[..(31 - suffix.Length)];
            if (stem.Length > 0 && char.IsHighSurrogate(stem[^1])) stem = stem[..^1];
            var name = stem.TrimEnd('\'') + suffix;
            if (name.Length > 0 && !name.Equals("History", StringComparison.OrdinalIgnoreCase) && taken.Add(name))
                return name;
        }
    }

    /// <summary>
    /// A worksheet being filled: every string goes in as text (never a formula, never parsed as a number or date), and
    /// column widths are estimated from what was written, since ClosedXML's AdjustToContents needs libgdiplus.
    /// </summary>
    private sealed class Sheet(IXLWorksheet ws)
    {
        private readonly Dictionary<int, double> _widths = [];
        private readonly HashSet<int> _headerRows = [];

        public IXLCell Text(int row, int column, string value, bool measure = true)
        {
            var cell = ws.Cell(row, column);
            cell.SetValue<string>(value);
            if (LooksLikeFormula(value)) cell.Style.IncludeQuotePrefix = true;
            if (measure) Measure(column, value);
            return cell;
        }

        public void Count(int row, int column, int n)
        {
            ws.Cell(row, column).SetValue(n);
            Measure(column, n.ToString(CultureInfo.InvariantCulture));
        }

        public void Percent(int row, int column, decimal? share) => Number(row, column, share, PercentFormat, "100.0%");

        public void Score(int row, int column, decimal? score) => Number(row, column, score, ScoreFormat, "100.0");

        private void Number(int row, int column, decimal? value, string format, string widest)
        {
            if (value is not { } v)
            {
                Text(row, column, Dash);
                return;
            }
            var cell = ws.Cell(row, column);
            cell.SetValue((double)v);
            cell.Style.NumberFormat.Format = format;
            Measure(column, widest);
        }

        public void Label(int row, int column, string text) => Text(row, column, text).Style.Font.Bold = true;

        public void Header(int row, int column, params string[] labels)
        {
            for (var i = 0; i < labels.Length; i++)
            {
                var cell = Text(row, column + i, labels[i]);
                cell.Style.Font.Bold = true;
                cell.Style.Fill.BackgroundColor = XLColor.FromHtml("#E7ECF3");
                cell.Style.Border.BottomBorder = XLBorderStyleValues.Thin;
            }
            _headerRows.Add(row);
        }

        public void Title(int row, string text)
        {
            var cell = Text(row, 1, text, measure: false);
            cell.Style.Font.Bold = true;
            cell.Style.Font.FontSize = 14;
        }

        public void Subtitle(int row, string text) => Text(row, 1, text, measure: false).Style.Font.Bold = true;

        /// <summary>A line of explanation: left to run across the empty cells beside it rather than widen its column.</summary>
        public void Note(int row, string text, int column = 1) => Text(row, column, text, measure: false).Style.Font.FontColor = XLColor.FromHtml("#555555");

        public void Measure(int column, string text)
        {
            var width = 0;
            var line = 0;
            foreach (var c in text)
            {
                if (c == '\n') { line = 0; continue; }
                line += c >= '\u2E80' ? 2 : 1;
                width = Math.Max(width, line);
            }
            if (width > _widths.GetValueOrDefault(column)) _widths[column] = width;
        }

        public void FreezeRows(int rows) => ws.SheetView.FreezeRows(rows);

        public void Freeze(int rows, int columns) => ws.SheetView.Freeze(rows, columns);

        /// <summary>Sets every column's width: given ones as given, the others from their widest entry within bounds.</summary>
        public void Finish(double minimum, double maximum = 50, Dictionary<int, double>? fixedWidths = null, int[]? wrap = null, int? wrapHeaderRow = null)
        {
            var last = ws.LastColumnUsed()?.ColumnNumber() ?? 1;
            for (var column = 1; column <= last; column++)
            {
                ws.Column(column).Width = fixedWidths is not null && fixedWidths.TryGetValue(column, out var given) ? given
                    : Math.Clamp(_widths.GetValueOrDefault(column) + 2, minimum, maximum);
            }
            foreach (var column in wrap ?? [])
                ws.Column(column).Style.Alignment.WrapText = true;
            // Long texts in the other columns are cut at the column's edge or run over; headers wrap so none is cut.
            foreach (var row in wrapHeaderRow is { } h ? [h] : _headerRows)
                ws.Row(row).Style.Alignment.WrapText = true;
        }
    }
}
