using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Evaluation.Core.Forms;
using Evaluation.Core.Setup;
using Evaluation.Core.Text;

namespace Evaluation.Core.Imports;

public enum ImportKind { Team, Member, Category }

/// <summary>
/// One imported row as it will be written, or the reasons it cannot be. <see cref="Where"/> names it as the organiser
/// finds it in their table ("第 3 行", "“对象”表第 3 行"); <see cref="Note"/> says what happens to an existing row.
/// </summary>
public sealed record ImportRow(string Where, ImportKind? Kind, string Name, string? Title, DateOnly? TransferredOutOn, int? ExpectedCount)
{
    public List<string> Problems { get; } = [];
    public string? Note { get; set; }
    /// <summary>A category of that name is there already: the import sets its 应到 instead of adding it again.</summary>
    public bool UpdatesExisting { get; set; }
}

/// <summary>What an import would write: every row with its problems, problems of the table as a whole, and what was skipped.</summary>
public sealed record ImportPlan(IReadOnlyList<ImportRow> Rows, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes)
{
    public bool CanWrite => Problems.Count == 0 && Rows.Count > 0 && Rows.All(r => r.Problems.Count == 0);

    /// <summary>Every problem as one line that names its row, for a list above the table.</summary>
    public IEnumerable<string> AllProblems => Problems.Concat(Rows.SelectMany(r => r.Problems.Select(p => $"{r.Where}：{p}")));

    public IEnumerable<ImportRow> Targets => Rows.Where(r => r.Kind is ImportKind.Team or ImportKind.Member);
    public IEnumerable<ImportRow> Categories => Rows.Where(r => r.Kind == ImportKind.Category);
}

/// <summary>
/// Reads 评议对象 and 评议人员类别 from the tables an organiser has (the 组织部's Excel, a list typed in WPS) and checks
/// them with the same rules as the forms (<see cref="SetupRules"/>), against what the evaluation already holds.
/// <para>
/// A table is one or more blocks, each opening with a header row that names its columns in any order (姓名/名称, 职务,
/// 类型, 调出日期; 类别, 应到; 序号 and 备注 are passed over). A block of 类别 and 应到 lists categories; a block of 姓名
/// and 职务 lists targets, a name ending in 领导班子 being the 班子; a 类型 column (领导班子 / 班子成员 / 评议人员类别) says
/// it row by row, so one table can hold both, and a blank under it repeats the 类型 above, as a merged cell reads.
/// A workbook's sheet named 对象/评议对象 holds targets and one named 类别/参评人员 holds categories; rows above a sheet's
/// first header (a title line) are passed over.
/// </para>
/// </summary>
public static partial class SetupImport
{
    /// <summary>Rows of data at most in one import: a unit's 班子 and its categories are a few dozen.</summary>
    public const int MaxRows = 500;

    private enum Column { Kind, Name, Category, Title, TransferredOut, Expected, Ignored }

    private static readonly Dictionary<string, Column> Headers = new()
    {
        ["类型"] = Column.Kind, ["对象类型"] = Column.Kind, ["评议对象类型"] = Column.Kind,
        ["姓名"] = Column.Name, ["名称"] = Column.Name, ["名称或姓名"] = Column.Name, ["姓名或名称"] = Column.Name, ["评议对象"] = Column.Name,
        ["对象"] = Column.Name, ["对象名称"] = Column.Name, ["评议对象名称"] = Column.Name, ["干部姓名"] = Column.Name,
        ["类别"] = Column.Category, ["类别名称"] = Column.Category, ["人员类别"] = Column.Category, ["评议人员类别"] = Column.Category,
        ["参评人员"] = Column.Category, ["参评人员类别"] = Column.Category, ["评议人员"] = Column.Category, ["参评类别"] = Column.Category,
        ["职务"] = Column.Title, ["现任职务"] = Column.Title, ["现职务"] = Column.Title, ["职位"] = Column.Title, ["原职务"] = Column.Title,
        ["调出日期"] = Column.TransferredOut, ["调离日期"] = Column.TransferredOut, ["调出时间"] = Column.TransferredOut,
        ["调离时间"] = Column.TransferredOut, ["调出"] = Column.TransferredOut, ["调离"] = Column.TransferredOut,
        ["应到"] = Column.Expected, ["应到人数"] = Column.Expected, ["人数"] = Column.Expected, ["应参评人数"] = Column.Expected,
        ["序号"] = Column.Ignored, ["编号"] = Column.Ignored, ["备注"] = Column.Ignored,
    };

    private static readonly Dictionary<string, ImportKind> KindWords = new()
    {
        ["领导班子"] = ImportKind.Team, ["班子"] = ImportKind.Team,
        ["班子成员"] = ImportKind.Member, ["成员"] = ImportKind.Member, ["领导干部"] = ImportKind.Member, ["党员领导干部"] = ImportKind.Member,
        ["调出干部"] = ImportKind.Member,
        ["类别"] = ImportKind.Category, ["评议人员类别"] = ImportKind.Category, ["参评人员类别"] = ImportKind.Category,
        ["人员类别"] = ImportKind.Category, ["参评人员"] = ImportKind.Category, ["评议人员"] = ImportKind.Category,
    };

    private static readonly string[] TargetSheets = ["对象", "评议对象", "评议对象名单"];
    private static readonly string[] CategorySheets = ["类别", "参评人员", "评议人员", "评议人员类别", "参评人员类别"];

    public const string HeaderHelp = "请在第一行写明各列的名称，如“姓名　职务　类型”或“类别　应到”。";

    /// <param name="existingTargets">The evaluation's targets now.</param>
    /// <param name="existingCategories">The evaluation's categories now (name, 应到): a category of the same name gets the imported 应到.</param>
    /// <param name="today">Today in China, for the rule on transfer dates.</param>
    public static ImportPlan Plan(IReadOnlyList<SourceSheet> sheets, IReadOnlyList<Target> existingTargets,
        IReadOnlyList<(string Name, int ExpectedCount)> existingCategories, DateOnly today)
    {
        var rows = new List<ImportRow>();
        var problems = new List<string>();
        var notes = new List<string>();
        foreach (var sheet in sheets)
            ReadSheet(sheet, sheets.Count > 1 || sheet.Name is not null, rows, problems, notes);
        if (rows.Count > MaxRows)
            return new ImportPlan([], [$"一次最多导入 {MaxRows} 行，这里有 {rows.Count} 行。请分几次导入。"], notes);
        if (rows.Count == 0 && problems.Count == 0)
            problems.Add("没有读到评议对象或类别。" + HeaderHelp);

        Check(rows, existingTargets, existingCategories, today);
        return new ImportPlan(rows, problems, notes);
    }

    private sealed record Block(Dictionary<Column, int> Columns, ImportKind? DefaultKind);

    private static void ReadSheet(SourceSheet sheet, bool isWorkbook, List<ImportRow> rows, List<string> problems, List<string> notes)
    {
        var sheetLabel = sheet.Name is null ? "" : $"“{UserText.Excerpt(sheet.Name, 20)}”表";
        var sheetKind = SheetKind(sheet.Name);
        Block? block = null;
        string? kindAbove = null;
        var passedOver = new List<int>();
        foreach (var row in sheet.Rows)
        {
            if (row.Cells.All(string.IsNullOrWhiteSpace))
            {
                kindAbove = null;
                continue;
            }
            if (Header(row) is { } columns)
            {
                block = new Block(columns, sheetKind);
                kindAbove = null;
                foreach (var (cell, i) in row.Cells.Select((c, i) => (c, i)))
                    if (!string.IsNullOrWhiteSpace(cell) && !columns.ContainsValue(i) && !Headers.ContainsKey(HeaderWord(cell)))
                        notes.Add($"{sheetLabel}第 {row.Number} 行：不认识的列“{UserText.Excerpt(cell.Trim(), 20)}”，未导入。");
                continue;
            }
            if (block is null)
            {
                passedOver.Add(row.Number);
                continue;
            }
            rows.Add(ReadRow(row, block, $"{sheetLabel}第 {row.Number} 行", ref kindAbove));
        }
        if (block is null)
        {
            if (isWorkbook && sheet.Name is not null)
                notes.Add($"{sheetLabel}没有表头（姓名、职务或类别、应到等），未导入。");
            else if (passedOver.Count > 0)
                problems.Add($"第 {passedOver[0]} 行：没有找到表头。{HeaderHelp}");
        }
        else if (passedOver.Count > 0)
            notes.Add($"{sheetLabel}第 {Ranges(passedOver)} 行在表头之前（标题等），未导入。");
    }

    private static ImportKind? SheetKind(string? name)
    {
        var word = name is null ? "" : HeaderWord(name);
        return TargetSheets.Contains(word) ? ImportKind.Member : CategorySheets.Contains(word) ? ImportKind.Category : null;
    }

    /// <summary>The row's columns if it is a header: two known column names, or one alone on its row.</summary>
    private static Dictionary<Column, int>? Header(SourceRow row)
    {
        var filled = row.Cells.Count(c => !string.IsNullOrWhiteSpace(c));
        var columns = new Dictionary<Column, int>();
        var known = 0;
        for (var i = 0; i < row.Cells.Count; i++)
            if (Headers.TryGetValue(HeaderWord(row.Cells[i]), out var column))
            {
                known++;
                if (column != Column.Ignored) columns.TryAdd(column, i);
            }
        if (known < 2 && !(known == 1 && filled == 1)) return null;
        return columns.ContainsKey(Column.Name) || columns.ContainsKey(Column.Category) ? columns : null;
    }

    /// <summary>A header cell as compared: width folded, spaces and a trailing note in brackets or a * dropped ("应到人数（人）" is 应到人数).</summary>
    private static string HeaderWord(string cell)
    {
        var word = string.Concat(Fold(cell).Where(c => !char.IsWhiteSpace(c))).TrimEnd('*', ':');
        var bracket = word.IndexOf('(');
        return bracket > 0 ? word[..bracket] : word;
    }

    /// <summary>Full-width letters, digits and brackets as their ASCII forms (NFKC): "２０" is 20, "（" is "(".</summary>
    private static string Fold(string text) => text.Normalize(NormalizationForm.FormKC);

    private static ImportRow ReadRow(SourceRow row, Block block, string where, ref string? kindAbove)
    {
        string Cell(Column column) =>
            block.Columns.TryGetValue(column, out var i) && i < row.Cells.Count ? row.Cells[i].Trim() : "";

        var kindText = Cell(Column.Kind);
        // A merged 类型 cell reads as the value on its first row and blanks below it. Never a 领导班子 one: there is one
        // 班子, and the rows under it are its members.
        if (kindText.Length == 0 && block.Columns.ContainsKey(Column.Kind))
            kindText = kindAbove is { } above && !(KindWords.TryGetValue(HeaderWord(above), out var k0) && k0 == ImportKind.Team) ? above : "";
        else kindAbove = kindText;

        var nameCell = Cell(Column.Name);
        var categoryCell = Cell(Column.Category);
        var title = Cell(Column.Title);
        var outText = Cell(Column.TransferredOut);
        var expectedText = Cell(Column.Expected);
        var problems = new List<string>();

        ImportKind? kind;
        if (kindText.Length > 0)
        {
            kind = KindWords.TryGetValue(HeaderWord(kindText), out var k) ? k : null;
            if (kind is null)
                problems.Add($"类型“{UserText.Excerpt(kindText, 20)}”无法识别，请填写“领导班子”“班子成员”或“评议人员类别”。");
        }
        else if (block.DefaultKind == ImportKind.Category || (block.Columns.ContainsKey(Column.Category) && nameCell.Length == 0)
                 || (expectedText.Length > 0 && title.Length == 0 && outText.Length == 0))
            kind = ImportKind.Category;
        else kind = ImportKind.Member;

        var name = kind == ImportKind.Category
            ? (categoryCell.Length > 0 ? categoryCell : nameCell)
            : (nameCell.Length > 0 ? nameCell : categoryCell);
        if (kind == ImportKind.Member && kindText.Length == 0 && IsTeamName(name)) kind = ImportKind.Team;

        int? expected = null;
        DateOnly? transferredOut = null;
        if (kind == ImportKind.Category)
        {
            if (title.Length > 0 || outText.Length > 0)
                problems.Add("评议人员类别不填职务和调出日期；如果这是评议对象，请把类型填为“班子成员”。");
            if (expectedText.Length == 0) problems.Add("请填写应到人数。");
            else if (Count(expectedText) is { } n) expected = n;
            else problems.Add($"应到“{UserText.Excerpt(expectedText, 20)}”不是整数。{SetupRules.ExpectedCountProblem}");
        }
        else if (kind is not null)
        {
            if (expectedText.Length > 0)
                problems.Add("评议对象不填应到人数；如果这是评议人员类别，请把类型填为“评议人员类别”。");
            if (outText.Length > 0)
            {
                if (kind == ImportKind.Team) problems.Add("领导班子不填调出日期。");
                else if (Date(outText) is { } d) transferredOut = d;
                else problems.Add($"调出日期“{UserText.Excerpt(outText, 20)}”无法识别，请写成 2025-03-01 或 2025年3月1日。");
            }
        }
        var imported = new ImportRow(where, kind, name, title.Length == 0 ? null : title, transferredOut, expected);
        imported.Problems.AddRange(problems);
        return imported;
    }

    private static bool IsTeamName(string name) => name == "班子" || name.EndsWith("领导班子", StringComparison.Ordinal);

    /// <summary>应到 as typed: full-width digits, "45人", "1,200" are numbers; "45.5" and "四十五" are not.</summary>
    private static int? Count(string text)
    {
        var folded = Fold(text).Trim();
        if (folded.EndsWith('人')) folded = folded[..^1].TrimEnd();
        if (ThousandsSeparated().IsMatch(folded)) folded = folded.Replace(",", "");
        return int.TryParse(folded, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>A date as organisers write one: 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日; a month alone (2025.3, 2025年3月) is its first day.</summary>
    private static DateOnly? Date(string text)
    {
        var m = DatePattern().Match(Fold(text).Trim());
        if (!m.Success) return null;
        var year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var day = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 1;
        return month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && year >= 1900
            ? new DateOnly(year, month, day) : null;
    }

    [GeneratedRegex(@"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月)?$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^\d{1,3}(,\d{3})+$")]
    private static partial Regex ThousandsSeparated();

    /// <summary>The shared rules on each row, then duplicates within the import and against the evaluation's rows.</summary>
    private static void Check(List<ImportRow> rows, IReadOnlyList<Target> existingTargets,
        IReadOnlyList<(string Name, int ExpectedCount)> existingCategories, DateOnly today)
    {
        var seenTargets = new List<(ImportRow Row, Target Target)>();
        var seenCategories = new Dictionary<string, ImportRow>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.Problems.Count == 0))
        {
            if (row.Kind == ImportKind.Category)
            {
                row.Problems.AddRange(SetupRules.CategoryProblems(row.Name, row.ExpectedCount, []));
                if (row.Problems.Count > 0) continue;
                if (seenCategories.TryGetValue(row.Name, out var first))
                    row.Problems.Add($"类别“{UserText.Excerpt(row.Name, 20)}”与{first.Where}重复。");
                else
                {
                    seenCategories[row.Name] = row;
                    var existing = existingCategories.FirstOrDefault(c => c.Name == row.Name);
                    if (existing.Name is not null)
                    {
                        row.UpdatesExisting = true;
                        row.Note = existing.ExpectedCount == row.ExpectedCount
                            ? "已有此类别，应到不变"
                            : $"已有此类别，应到 {existing.ExpectedCount} 人改为 {row.ExpectedCount} 人";
                    }
                }
                continue;
            }

            var kind = row.Kind == ImportKind.Team ? TargetKind.Team : TargetKind.Member;
            var entry = new TargetEntry(kind, row.Name, row.Title, row.TransferredOutOn);
            var twin = seenTargets.FirstOrDefault(s => s.Target.Kind == kind && (kind == TargetKind.Team || (s.Target.Name == row.Name && s.Target.Title == row.Title)));
            if (twin.Row is not null)
            {
                row.Problems.Add(kind == TargetKind.Team ? $"{SetupRules.OneTeamProblem}（{twin.Row.Where}已是领导班子）" : $"与{twin.Row.Where}重复。");
                continue;
            }
            row.Problems.AddRange(SetupRules.TargetProblems(entry, existingTargets, today));
            if (row.Problems.Count == 0)
                seenTargets.Add((row, new Target { Id = Guid.Empty, Kind = kind, Name = row.Name, Title = row.Title }));
        }
    }

    /// <summary>Row numbers as ranges: 1、3–5.</summary>
    private static string Ranges(List<int> numbers)
    {
        var parts = new List<string>();
        for (var i = 0; i < numbers.Count; i++)
        {
            var start = numbers[i];
            while (i + 1 < numbers.Count && numbers[i + 1] == numbers[i] + 1) i++;
            parts.Add(start == numbers[i] ? $"{start}" : $"{start}–{numbers[i]}");
        }
        return string.Join("、", parts);
    }
}
