using System.Globalization;
using System.Text;
using System.Xml;
using DocumentFormat.OpenXml.Packaging;
using Sdk = DocumentFormat.OpenXml.Spreadsheet;

namespace Evaluation.Web.Features.Reports.Excel;

/// <summary>A cell written straight into the file: text (inline, never a formula) or, when <paramref name="Text"/> is null, a number.</summary>
public readonly record struct StreamedCell(int Column, string? Text = null, int Number = 0, bool Wrap = false);

/// <summary>Consecutive rows from <paramref name="FirstRow"/>, in rows the ClosedXML sheet left empty.</summary>
public sealed record StreamedRows(int FirstRow, IEnumerable<IEnumerable<StreamedCell>> Rows);

/// <summary>The long lists (意见建议, 原始票), spliced into the workbook ClosedXML saved.</summary>
public static class RowStream
{
    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>
    /// Writes the long lists into the workbook ClosedXML saved, merged by row number with the rows it wrote: ClosedXML
    /// needs some 10 s and 1 GB for the 原始票 of 10,000 ballots × 20 targets, a plain XmlWriter a fraction of that.
    /// Every value from a voter is inline text, escaped for Excel and XML; what Excel would read as a formula on
    /// editing gets the quote prefix.
    /// </summary>
    public static void Splice(MemoryStream stream, Dictionary<string, List<StreamedRows>> streamed)
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
                // ExcelText.Escape has already turned every character XML cannot carry into Excel's escape.
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
            if (styles.For(ExcelText.LooksLikeFormula(text), cell.Wrap) is { } style)
                output.WriteAttributeString("s", style.ToString(CultureInfo.InvariantCulture));
            output.WriteAttributeString("t", "inlineStr");
            output.WriteStartElement("is", Main);
            output.WriteStartElement("t", Main);
            var escaped = ExcelText.Escape(text);
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

    private static readonly string[] Letters = Enumerable.Range(0, 703).Select(SpellColumn).ToArray();

    private static string ColumnLetters(int column) => column < Letters.Length ? Letters[column] : SpellColumn(column);

    private static string SpellColumn(int column)
    {
        var letters = "";
        for (; column > 0; column = (column - 1) / 26)
            letters = (char)('A' + (column - 1) % 26) + letters;
        return letters;
    }
}
