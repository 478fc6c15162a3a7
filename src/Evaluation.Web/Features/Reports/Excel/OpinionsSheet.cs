using ClosedXML.Excel;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>
/// 意见建议: the consolidated list, then every opinion verbatim (原汁原味) by target. They are the tally's opinions, the
/// same the results page and the PDF list: an item answered by fewer than k has none. The two lists can run to tens of
/// thousands of lines, so their rows are streamed in (<see cref="RowStream"/>).
/// </summary>
public static class OpinionsSheet
{
    public static List<StreamedRows> Write(IXLWorksheet ws, ResultsReport report)
    {
        var s = new SheetWriter(ws);
        var digest = report.Digest;
        var opinions = report.Tally.Opinions;
        var rows = new List<StreamedRows>();
        s.Title(1, L.OpinionsTitle);
        s.Note(2, L.OpinionsCount(digest));
        var row = 3;
        if (digest.TagCounts() is { Count: > 0 } tags)
            s.Note(row++, L.TagCounts(tags));
        row++;

        s.Subtitle(row++, L.DigestHeading);
        s.Header(row++, 1, L.DigestHeaders);
        rows.Add(new StreamedRows(row, digest.Items.Select((item, i) => new StreamedCell[]
        {
            new(1, Number: i + 1),
            new(2, item.Tags.Count == 0 ? "" : L.Listed(item.Tags), Wrap: true),
            new(3, item.Text, Wrap: true),
            new(4, Number: item.Originals.Count),
        })));
        row += digest.Items.Count + 1;

        s.Subtitle(row++, L.VerbatimHeading);
        s.Header(row++, 1, L.VerbatimHeaders);
        var entryOf = digest.Items.Where(i => i.Triaged)
            .SelectMany(i => i.Originals.Select(o => (o.Key, i.Text)))
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Text);
        var order = report.Tally.Targets.Select((t, i) => (t.Target.Id, i)).ToDictionary(p => p.Id, p => p.i);
        // OrderBy is stable, so within a target the tally's random order stands.
        rows.Add(new StreamedRows(row, opinions
            .OrderBy(o => o.Target is { } t ? order.GetValueOrDefault(t.Id) : int.MaxValue)
            .Select(o => new StreamedCell[]
            {
                new(1, o.Target?.Name ?? L.Whole),
                new(2, o.Question.Text, Wrap: true),
                new(3, o.Text, Wrap: true),
                new(4, o.IsOther ? L.Yes : L.No),
                new(5, entryOf.GetValueOrDefault(o.Key) ?? "", Wrap: true),
            })));
        if (opinions.Count == 0)
            s.Note(row, L.NoOpinions);

        s.Measure(1, L.Whole);
        foreach (var target in report.Tally.Targets)
            s.Measure(1, target.Target.Name);
        s.FreezeRows(2);
        s.Finish(minimum: 8, maximum: 30, fixedWidths: new() { [2] = 30, [3] = 60, [5] = 40 }, wrap: [2, 3, 5]);
        return rows;
    }
}
