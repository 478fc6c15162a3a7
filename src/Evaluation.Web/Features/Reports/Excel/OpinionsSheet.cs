using ClosedXML.Excel;
using Evaluation.Core.Tallies;
using L = Evaluation.Core.Reports.WorkbookLayout;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>
/// 意见建议: the consolidated list, then every opinion verbatim (原汁原味) by target. They are the tally's opinions, the
/// same the results page and the PDF list: an item answered by fewer than k has none. The two lists can run to tens of
/// thousands of lines, so their rows are streamed in (<see cref="RowStream"/>). An evaluation with an open 征求意见箱 has
/// its texts in the consolidated list too (counted apart in a column of their own), then listed verbatim in a block of
/// their own and followed by its choices' mentions, each block headed with where they came from: none of it is a vote.
/// </summary>
public static class OpinionsSheet
{
    public static List<StreamedRows> Write(IXLWorksheet ws, ResultsReport report)
    {
        var s = new SheetWriter(ws);
        var digest = report.Digest;
        var tally = report.Tally;
        var openBox = report.OpenBox;
        var rows = new List<StreamedRows>();
        s.Title(1, L.OpinionsTitle);
        s.Note(2, L.OpinionsCount(digest));
        var row = 3;
        if (openBox is not null)
            s.Note(row++, L.OpenBoxNote(openBox.Submissions));
        if (digest.TagCounts() is { Count: > 0 } tags)
            s.Note(row++, L.TagCounts(tags));
        row++;

        s.Subtitle(row++, L.DigestHeading);
        s.Header(row++, 1, openBox is null ? L.DigestHeaders : [.. L.DigestHeaders, L.DigestOpenBoxHeader]);
        rows.Add(new StreamedRows(row, digest.Items.Select((item, i) => (StreamedCell[])
        [
            new(1, Number: i + 1),
            new(2, item.Tags.Count == 0 ? "" : L.Listed(item.Tags), Wrap: true),
            new(3, item.Text, Wrap: true),
            new(4, Number: item.Originals.Count),
            .. openBox is null ? [] : new StreamedCell[] { new(5, Number: item.FromOpenBox) },
        ])));
        row += digest.Items.Count + 1;

        var entryOf = digest.Items.Where(i => i.Triaged)
            .SelectMany(i => i.Originals.Select(o => (o.Key, i.Text)))
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Text);
        StreamedCell[] Line(Opinion o, string where) =>
        [
            new(1, where),
            new(2, o.Question.Text, Wrap: true),
            new(3, o.Text, Wrap: true),
            new(4, o.IsOther ? L.Yes : L.No),
            new(5, entryOf.GetValueOrDefault(o.Key) ?? "", Wrap: true),
        ];

        s.Subtitle(row++, L.VerbatimHeading);
        var opinions = tally.Opinions;
        if (tally.Suppressed && openBox is not null)
            s.Note(row++, L.BallotOpinionsWithheld(tally.Turnout.Received, tally.Settings.EffectiveSmallCell));
        else
        {
            s.Header(row++, 1, L.VerbatimHeaders);
            var order = tally.Targets.Select((t, i) => (t.Target.Id, i)).ToDictionary(p => p.Id, p => p.i);
            // OrderBy is stable, so within a target the tally's random order stands.
            rows.Add(new StreamedRows(row, opinions
                .OrderBy(o => o.Target is { } t ? order.GetValueOrDefault(t.Id) : int.MaxValue)
                .Select(o => Line(o, o.Target?.Name ?? L.Whole))));
            if (opinions.Count == 0)
                s.Note(row, L.NoOpinions);
            row += Math.Max(opinions.Count, 1) + 1;
        }

        if (openBox is not null)
            WriteOpenBox(s, rows, openBox, row, Line);

        s.Measure(1, L.Whole);
        foreach (var target in tally.Targets)
            s.Measure(1, target.Target.Name);
        s.FreezeRows(2);
        s.Finish(minimum: 8, maximum: 30, fixedWidths: new() { [2] = 30, [3] = 60, [5] = 40 }, wrap: [2, 3, 5]);
        return rows;
    }

    /// <summary>The open box's texts verbatim, then its choices' mentions, from <paramref name="row"/> on.</summary>
    private static void WriteOpenBox(SheetWriter s, List<StreamedRows> rows, OpenBoxTally openBox, int row, Func<Opinion, string, StreamedCell[]> line)
    {
        s.Subtitle(row++, L.OpenBoxVerbatimHeading);
        s.Header(row++, 1, L.OpenBoxVerbatimHeaders);
        rows.Add(new StreamedRows(row, openBox.Opinions.Select(o => line(o, L.OpenBoxSourceCell))));
        if (openBox.Opinions.Count == 0)
            s.Note(row, L.NoOpinions);
        row += Math.Max(openBox.Opinions.Count, 1) + 1;

        if (openBox.Choices.Count == 0) return;
        s.Subtitle(row++, L.OpenBoxChoicesHeading);
        s.Header(row++, 1, L.OpenBoxChoicesHeaders);
        foreach (var choice in openBox.Choices)
        {
            var options = choice.Question.AllowOther ? [.. choice.Options, (OpinionDigest.OtherTag, choice.Other)] : choice.Options;
            foreach (var (option, mentions) in options)
            {
                s.Text(row, 1, choice.Question.Text, measure: false);
                s.Text(row, 2, option, measure: false);
                s.Count(row++, 3, mentions);
            }
        }
    }
}
