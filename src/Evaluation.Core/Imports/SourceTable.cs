using System.Text;

namespace Evaluation.Core.Imports;

/// <summary>One row of a table as read, with its row number as the organiser sees it (the line of the paste, the sheet's row).</summary>
public sealed record SourceRow(int Number, IReadOnlyList<string> Cells);

/// <summary>A pasted table, or one sheet of a workbook (<see cref="Name"/> is the sheet's name).</summary>
public sealed record SourceSheet(string? Name, IReadOnlyList<SourceRow> Rows);

/// <summary>
/// A table pasted into the import page: cells separated by tabs (as Excel and WPS copy them), else by commas (ASCII or
/// full-width), else by runs of two or more spaces (a table typed by hand or copied from a document).
/// </summary>
public static class PastedTable
{
    /// <summary>A few hundred rows of names are a few tens of kilobytes; anything larger was not meant for this box.</summary>
    public const int MaxChars = 200_000;

    public static SourceSheet Read(string text)
    {
        // A BOM leads text saved by Notepad and some exports; it is no part of the first cell.
        var lines = text.TrimStart('\uFEFF').Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var separator = lines.Any(l => l.Contains('\t')) ? Separator.Tab
            : lines.Any(l => l.Contains(',') || l.Contains('，')) ? Separator.Comma
            : Separator.Spaces;
        return new SourceSheet(null, lines.Select((line, i) => new SourceRow(i + 1, Split(line, separator))).ToList());
    }

    private enum Separator { Tab, Comma, Spaces }

    private static List<string> Split(string line, Separator separator)
    {
        if (separator == Separator.Spaces)
        {
            // Two or more spaces (ASCII or the ideographic U+3000) part cells; one is part of the cell: "王　芳" is padded to
            // line up with three-character names in many a 组织部 list.
            var cells = new List<string>();
            var cell = new StringBuilder();
            for (var i = 0; i < line.Length; i++)
            {
                if (IsSpace(line[i]) && i + 1 < line.Length && IsSpace(line[i + 1]))
                {
                    while (i + 1 < line.Length && IsSpace(line[i + 1])) i++;
                    cells.Add(cell.ToString().Trim());
                    cell.Clear();
                }
                else cell.Append(line[i]);
            }
            cells.Add(cell.ToString().Trim());
            return cells;
        }
        return SplitQuoted(line, separator == Separator.Tab ? c => c == '\t' : c => c is ',' or '，');
    }

    private static bool IsSpace(char c) => c is ' ' or '\u3000';

    /// <summary>Cells split at <paramref name="isSeparator"/>, where a cell in double quotes may hold separators and "" stands for one quote (as Excel copies and CSV writes them).</summary>
    private static List<string> SplitQuoted(string line, Func<char, bool> isSeparator)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && cell.ToString().Trim().Length == 0) { cell.Clear(); quoted = true; }
            else if (isSeparator(c)) { cells.Add(cell.ToString().Trim()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString().Trim());
        return cells;
    }
}
