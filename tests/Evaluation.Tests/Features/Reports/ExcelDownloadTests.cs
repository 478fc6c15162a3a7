using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using Evaluation.Core;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Reports;
using Evaluation.Core.Text;
using Evaluation.Tests.Infrastructure;
using Evaluation.Verifier;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>
/// The Excel download over HTTP on a real database, with every kind of text a voter or staff member can put in: emoji
/// with skin tones and ZWJ, variation selectors, flags, CJK Extension B, direction controls. Read back with ClosedXML
/// and compared exactly.
/// </summary>
public sealed class ExcelDownloadTests
{
    /// <summary>Seven voters, one text each: as an opinion on the 班子, as the 班子's 形式主义 其他, and as a campaign opinion.</summary>
    private static readonly string[] Texts =
    [
        "很好👍",
        "𠮷野家的意见𠀋",
        "点赞👍🏽，肤色修饰符",
        "👨‍👩‍👧 一家人（ZWJ）",
        "☺️ 变体选择符 ❤️",
        "🇨🇳🇭🇰 国旗",
        "\u202E倒序文字\u2069 与 _x0041_",
    ];

    /// <summary>Member names a sheet tab must show whole or cut between characters as seen.</summary>
    private static readonly string[] Members =
    [
        "张𠮷",
        "王五👍🏽",
        "🇨🇳李四",
        "\u202E赵六",
        string.Concat(Enumerable.Repeat("𠮷", 20)),
        string.Concat(Enumerable.Repeat("👨‍👩‍👧", 6)),
        "小组",
    ];

    /// <summary>Three voters only say something about 小组's 形式主义 and give it an opinion: fewer than k, so nothing of it is published.</summary>
    private static readonly string[] SmallTexts = ["少数人的其他说明甲", "少数人的其他说明乙", "少数人的意见丙"];

    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;
    private ClosedEvaluation _evaluation = null!;
    private byte[] _bytes = null!;
    private XLWorkbook _workbook = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, Members);
        var team = form.Targets[0];
        var small = form.Targets.Single(t => t.Name == "小组");
        var ballots = Texts.Select((text, i) =>
        {
            var targets = form.Targets.ToDictionary(t => t.Id, t => (IReadOnlyDictionary<string, Answer>)new Dictionary<string, Answer>
            {
                [t.Kind == TargetKind.Team ? "team-overall" : "member-overall"] = Choice(t.Kind == TargetKind.Team ? "好" : "称职"),
            });
            targets[team.Id] = new Dictionary<string, Answer>
            {
                ["team-overall"] = Choice("好"),
                ["wind-1"] = new() { Choices = [FormTemplates.FourWinds.Values.First()[0]], Other = text },
                ["target-opinion"] = Text(text),
            };
            if (i < SmallTexts.Length)
                targets[small.Id] = new Dictionary<string, Answer>
                {
                    ["member-overall"] = Choice("称职"),
                    [i < 2 ? "wind-1" : "target-opinion"] = i < 2 ? new Answer { Other = SmallTexts[i] } : Text(SmallTexts[i]),
                };
            return new SeedBallot(0, new BallotAnswers { Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Text(text) }, Targets = targets });
        }).ToList();
        _evaluation = await _world.SeedClosedAsync(_world.UnitA, form, [("机关工作人员", 10)], ballots, name: "评议👍𠮷");

        using var response = await _supervisor.GetAsync($"{_evaluation.Url}/results.xlsx");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        _bytes = await response.Content.ReadAsByteArrayAsync();
        _workbook = new XLWorkbook(new MemoryStream(_bytes));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _workbook?.Dispose();
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    /// <summary>
    /// A streamed cell's text as Excel reads it: Excel decodes <c>_xHHHH_</c> once, left to right (ECMA-376 ST_Xstring), so
    /// a literal "_x0041_" is written "_x005F_x0041_". ClosedXML 0.95.4 leaves inline strings undecoded.
    /// </summary>
    private static string AsExcelReads(IXLCell cell) =>
        Regex.Replace(cell.GetString(), "_x([0-9A-Fa-f]{4})_", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

    private IEnumerable<string> AllTexts() => _workbook.Worksheets.SelectMany(ws => ws.CellsUsed()).Select(c => c.GetString());

    private IXLWorksheet TargetSheet(string name) =>
        _workbook.Worksheets.Single(ws => ws.Cell(1, 1).GetString() == WorkbookLayout.TargetTitle(_evaluation.Member(name)));

    [Test]
    public void Download_OfTextsOutsideTheBmp_IsAValidWorkbook()
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(_bytes), false);
        var errors = new OpenXmlValidator().Validate(document).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
    }

    [Test]
    public void Opinions_AndOtherTexts_PassIntoTheOpinionsSheetExactly()
    {
        var ws = _workbook.Worksheet(WorkbookLayout.OpinionsSheet);
        var header = ws.Column(3).CellsUsed().First(c => c.GetString() == WorkbookLayout.VerbatimHeaders[2]).Address.RowNumber;
        var verbatim = ws.Column(3).CellsUsed().Where(c => c.Address.RowNumber > header).Select(AsExcelReads).ToList();

        // Each text three times: the 班子's opinion, its 其他 on 形式主义, the campaign opinion. Alone in its cell, verbatim.
        Assert.That(verbatim, Is.EquivalentTo(Texts.Concat(Texts).Concat(Texts)));
        Assert.That(ws.Cell(2, 1).GetString(), Is.EqualTo("原始意见 21 条，梳理为 21 条（督导组尚未梳理，以下为原文）。"));
    }

    [Test]
    public void Ballots_KeepTextsAloneVerbatim_AndIsolateThemBesideTheFormsWords()
    {
        var ws = _workbook.Worksheet(WorkbookLayout.BallotsSheet);
        int Column(string target, string questionId) => Enumerable.Range(2, 200).First(c =>
            ws.Cell(1, c).GetString() == target && ws.Cell(2, c).GetString() == FormTemplates.MobilisationEvaluation.Questionnaire.Questions.Single(q => q.Id == questionId).Text);
        var rows = Enumerable.Range(3, Texts.Length).ToList();

        Assert.That(rows.Select(r => ws.Cell(r, Column("领导班子", "target-opinion"))).Select(AsExcelReads), Is.EquivalentTo(Texts));
        Assert.That(rows.Select(r => ws.Cell(r, Column(WorkbookLayout.Whole, "campaign-opinion"))).Select(AsExcelReads), Is.EquivalentTo(Texts));
        var option = FormTemplates.FourWinds.Values.First()[0];
        Assert.That(rows.Select(r => ws.Cell(r, Column("领导班子", "wind-1"))).Select(AsExcelReads),
            Is.EquivalentTo(Texts.Select(t => $"{option}、{WorkbookLayout.OtherPrefix}{UserText.Isolate(t)}")));
        // The override inside the 其他 text ends inside it: the stray closer it carried cannot end the isolate early.
        var hostile = rows.Select(r => ws.Cell(r, Column("领导班子", "wind-1"))).Select(AsExcelReads).Single(s => s.Contains('\u202E'));
        Assert.That(hostile, Does.EndWith("与 _x0041_\u2069"));
        Assert.That(hostile.Count(c => c == '\u2069'), Is.EqualTo(1));
    }

    [Test]
    public void Names_PassIntoEverySheetExactly_AloneVerbatim_BesideWordsIsolated()
    {
        var summary = _workbook.Worksheet(WorkbookLayout.SummarySheet);
        Assert.That(summary.Cell(1, 1).GetString(), Is.EqualTo($"{UserText.Isolate("甲单位")} {UserText.Isolate("评议👍𠮷")} 测评结果"));
        Assert.That(summary.CellsUsed().Single(c => c.GetString() == WorkbookLayout.NameLabel).CellRight().GetString(), Is.EqualTo("评议👍𠮷"));
        var firstColumn = summary.Column(1).CellsUsed().Select(c => c.GetString()).ToList();
        Assert.That(firstColumn, Is.SupersetOf(Members), "the result table's name column");

        var winds = _workbook.Worksheet(WorkbookLayout.WindsSheet);
        Assert.That(winds.Row(2).CellsUsed().Select(c => c.GetString()), Is.SupersetOf(Members));

        foreach (var name in Members)
        {
            var sheet = TargetSheet(name);
            Assert.That(sheet.Cell(1, 1).GetString(), Is.EqualTo($"评议对象：\u2068{name}\u2069（\u2068副局长\u2069）"));
            Assert.That(sheet.Cell(2, 1).GetString(), Is.EqualTo($"{UserText.Isolate("甲单位")} · {UserText.Isolate("评议👍𠮷")} · {UserText.Isolate("动员大会后民主评议")}"));
        }
    }

    [Test]
    public void SheetNames_AreValid_WithoutDirectionControls_AndCutBetweenCharactersAsSeen()
    {
        var names = Members.ToDictionary(m => m, m => TargetSheet(m).Name);

        Assert.That(names["张𠮷"], Is.EqualTo("张𠮷"));
        Assert.That(names["王五👍🏽"], Is.EqualTo("王五👍🏽"));
        Assert.That(names["🇨🇳李四"], Is.EqualTo("🇨🇳李四"));
        Assert.That(names["\u202E赵六"], Is.EqualTo("赵六"), "a tab cannot show a direction control, and it would reverse the tab");
        Assert.That(names[Members[4]], Is.EqualTo(string.Concat(Enumerable.Repeat("𠮷", 15))), "31 UTF-16 units hold 15 whole Ext B characters");
        Assert.That(names[Members[5]], Is.EqualTo(string.Concat(Enumerable.Repeat("👨‍👩‍👧", 3))), "families of 8 units each: 3 fit, never a part of one");
        foreach (var name in _workbook.Worksheets.Select(w => w.Name))
        {
            Assert.That(name.Length, Is.LessThanOrEqualTo(31), name);
            Assert.That(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)), Is.EqualTo(name), $"{name}: no lone surrogate");
            Assert.That(UserText.HasHiddenCharacters(name.Replace("\u200D", "")), Is.False, name);
        }
    }

    [Test]
    public void ItemUnderK_PublishesNoCountAndNoText_OnAnySheet()
    {
        var texts = AllTexts().ToList();
        foreach (var text in SmallTexts)
            Assert.That(texts.Any(t => t.Contains(text)), Is.False, text);

        // On 小组's sheet, 形式主义 and the opinion question each get the note and no number at all.
        var sheet = TargetSheet("小组");
        var questions = FormTemplates.MobilisationEvaluation.Questionnaire.Questions;
        foreach (var id in new[] { "wind-1", "target-opinion" })
        {
            var question = questions.Single(q => q.Id == id);
            var number = questions.Where(_evaluation.Member("小组").IsAskedAbout).ToList().IndexOf(question) + 1;
            var heading = sheet.Column(1).CellsUsed().Single(c => c.GetString() == WorkbookLayout.ItemHeading(number, question));
            var below = heading.CellBelow();
            Assert.That(below.GetString(), Is.EqualTo(ReportFormat.SuppressedNote(5) + "。"), id);
            Assert.That(below.CellBelow().IsEmpty() && below.CellBelow().CellRight().IsEmpty(), Is.True, $"{id}: nothing after the note");
        }

        // 四风: a dash where 小组's count would be, 其他 and 作答人数 included.
        var winds = _workbook.Worksheet(WorkbookLayout.WindsSheet);
        var column = winds.Row(2).CellsUsed().Single(c => c.GetString() == "小组").Address.ColumnNumber;
        var firstQuestion = winds.Column(1).CellsUsed().First(c => c.GetString() == questions.Single(q => q.Id == "wind-1").Text).Address.RowNumber;
        var rows = Enumerable.Range(firstQuestion + 1, 20).TakeWhile(r => !winds.Cell(r, 1).IsEmpty()).ToList();
        Assert.That(rows.Select(r => winds.Cell(r, 1).GetString()), Does.Contain(WorkbookLayout.OtherLabel).And.Contain(WorkbookLayout.AnsweredLabel));
        foreach (var row in rows)
            Assert.That(winds.Cell(row, column).GetString(), Is.EqualTo(WorkbookLayout.Dash), $"row {row} ({winds.Cell(row, 1).GetString()})");

        // 原始票: 小组's small columns are empty in every row.
        var ballots = _workbook.Worksheet(WorkbookLayout.BallotsSheet);
        foreach (var question in questions.Where(q => q.Id is "wind-1" or "target-opinion"))
        {
            var c = Enumerable.Range(2, 200).First(c => ballots.Cell(1, c).GetString() == "小组" && ballots.Cell(2, c).GetString() == question.Text);
            Assert.That(Enumerable.Range(3, Texts.Length).Select(r => ballots.Cell(r, c).GetString()), Is.All.Empty, question.Id);
        }
    }

    [Test]
    public void Verifier_ReadsTheWorkbookBack_WithHostileNamesAndTexts()
    {
        var tally = CountAsync().GetAwaiter().GetResult();
        var check = ExcelReportCheck.Compare(tally, new MemoryStream(_bytes));
        Assert.That(check.Passed, Is.True, check.Detail);
    }

    [Test]
    public void Verifier_StillReadsReportsMadeBeforeNamesWereIsolated()
    {
        using var old = new XLWorkbook(new MemoryStream(_bytes));
        foreach (var cell in old.Worksheets.SelectMany(ws => ws.CellsUsed()).Where(c => c.DataType == XLDataType.Text))
            cell.SetValue<string>(cell.GetString().Replace("\u2068", "").Replace("\u2069", ""));
        var saved = new MemoryStream();
        old.SaveAs(saved);

        var check = ExcelReportCheck.Compare(CountAsync().GetAwaiter().GetResult(), new MemoryStream(saved.ToArray()));
        Assert.That(check.Passed, Is.True, check.Detail);
    }

    [Test]
    public async Task Verifier_GivenTheLog_PassesWhenItHoldsThePrintedHead_AndFailsWhenItDoesNot()
    {
        // The set-up's download is logged, so this one prints a head.
        using var response = await _supervisor.GetAsync($"{_evaluation.Url}/results.xlsx");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var tally = await CountAsync();
        List<ActionLogEntry> log;
        await using (var conn = await _world.OpenAsync())
            log = await ActionLogWriter.ReadAllAsync(conn);
        using var workbook = new XLWorkbook(new MemoryStream(bytes));
        var printed = WorkbookLayout.ReadLogHead(workbook.Worksheet(WorkbookLayout.SummarySheet).Column(1).CellsUsed()
            .Single(c => c.GetString() == WorkbookLayout.LogHeadLabel).CellRight().GetString());
        Assert.That(printed, Is.Not.Null);

        var whole = ExcelReportCheck.Compare(tally, new MemoryStream(bytes), log);
        Assert.That(whole.Passed, Is.True, whole.Detail);

        // The same log rewritten from the printed entry on: its hashes differ, so the printed head is not in it.
        var rewritten = log.Select(e => e.Seq >= printed!.Seq ? e with { Hash = new string('0', 64) } : e).ToList();
        var check = ExcelReportCheck.Compare(tally, new MemoryStream(bytes), rewritten);
        Assert.That(check.Passed, Is.False);
        Assert.That(check.Detail, Does.Contain(WorkbookLayout.LogHeadLabel).And.Contain(printed!.Hash));
    }

    [Test]
    public async Task Summary_PrintsTheActionLogHeadAsItWasAtDownload()
    {
        // The set-up's download is logged already, so the head is a real entry.
        ActionLogHead? before;
        await using (var conn = await _world.OpenAsync())
            before = await ActionLogWriter.HeadAsync(conn);
        Assert.That(before, Is.Not.Null);

        using var response = await _supervisor.GetAsync($"{_evaluation.Url}/results.xlsx");
        using var workbook = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var summary = workbook.Worksheet(WorkbookLayout.SummarySheet);
        var label = summary.Column(1).CellsUsed().Single(c => c.GetString() == WorkbookLayout.LogHeadLabel);

        Assert.That(label.CellRight().GetString(), Is.EqualTo($"第 {before!.Seq} 条，{before.Hash}"));
        Assert.That(label.Address.RowNumber, Is.EqualTo(summary.Column(1).CellsUsed().Single(c => c.GetString() == WorkbookLayout.FingerprintLabel).Address.RowNumber + 1),
            "next to the ballot fingerprint");
        await using (var conn = await _world.OpenAsync())
            Assert.That((await ActionLogWriter.HeadAsync(conn))!.Seq, Is.EqualTo(before.Seq + 1), "the download itself is logged after the head it printed");
    }

    private async Task<Evaluation.Core.Tallies.Tally> CountAsync()
    {
        await using var conn = await _world.OpenAsync();
        return await EvaluationResults.CountAsync(conn, _evaluation.Id, CancellationToken.None);
    }
}
