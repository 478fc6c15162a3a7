using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Reports;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>
/// The PDF laid out for A4 whatever the number of targets (issue 12): 2, 6 and 20 targets (the 班子 and its members), each
/// printed and read back. The PDFs are kept as test attachments so the pages can be looked at (pdftoppm -png -r 60).
/// </summary>
public sealed class ReportLayoutTests
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢"];
    private static readonly string[] Given = ["建国", "红梅", "志强", "秀英", "海燕", "卫东", "丽华", "国庆", "晓明", "桂兰", "振华", "玉珍"];

    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!;
    private readonly Dictionary<int, (ClosedEvaluation Evaluation, string Path)> _printed = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
        foreach (var targets in new[] { 2, 6, 20 })
        {
            var evaluation = await SeedAsync(targets);
            var response = await _supervisor.GetAsync($"{evaluation.Url}/results.pdf");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-pdfs", $"targets-{targets}.pdf");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
            _printed[targets] = (evaluation, path);
        }
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _supervisor.Dispose();
        await _world.DisposeAsync();
    }

    [Test]
    public void A_bar_is_as_long_as_its_share_of_the_full_width()
    {
        // The old chart scaled to the largest count: with 好 5 of 10 the 好 bar spanned the whole width.
        var svg = XElement.Parse(BarChart.Svg("评价", [new OptionCount("好", 5, 0.5m), new OptionCount("较好", 3, 0.3m), new OptionCount("差", 0, 0m)]).ToString()!);
        XNamespace ns = "http://www.w3.org/2000/svg";
        double Width(XElement rect) => double.Parse(rect.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        var tracks = svg.Elements(ns + "rect").Where(r => r.Attribute("class")?.Value == "track").Select(Width).ToList();
        var bars = svg.Elements(ns + "rect").Where(r => r.Attribute("class")?.Value == "bar").Select(Width).ToList();

        Assert.That(tracks, Has.Count.EqualTo(3).And.All.EqualTo(BarChart.TrackWidth), "every bar stands on a track of 100 %");
        Assert.That(bars, Is.EqualTo(new[] { BarChart.TrackWidth * 0.5, BarChart.TrackWidth * 0.3, 0 }).Within(0.01));
    }

    [Test]
    public void A_long_option_label_is_drawn_whole_on_two_lines()
    {
        const string TwoLines = "贯彻上级部署照搬照抄、上下一般粗、不结合本单位实际";
        var svg = BarChart.Svg("问题", [new OptionCount("工作不抓落实、热衷于搞花架子", 2, 0.2m), new OptionCount(TwoLines, 1, 0.1m)]).ToString()!;
        var labels = XElement.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => string.Concat(e.Elements().Select(t => t.Value)) is { Length: > 0 } lines ? lines : e.Value);

        Assert.That(labels, Does.Contain("工作不抓落实、热衷于搞花架子").And.Contain(TwoLines));
        Assert.That(svg, Does.Not.Contain("…"));
    }

    [TestCase(2)]
    [TestCase(6)]
    [TestCase(20)]
    public async Task Every_four_winds_table_keeps_its_total_column_and_every_target_name_on_one_line(int targets)
    {
        var (evaluation, path) = _printed[targets];
        TestContext.AddTestAttachment(path);
        var text = await PdfTools.TextAsync(path);
        var lines = text.Split('\n');

        // Every 四风 question's table ends with its total column, however many tables the question takes.
        var lastTables = Regex.Split(text, "(?=在..+方面存在的突出问题（人次）)")
            .Where(t => t.StartsWith('在') && t.Contains("（人次）") && !t.Contains("合计见本题最后一表")).ToList();
        Assert.That(lastTables, Has.Count.EqualTo(4), text);
        Assert.That(lastTables.Select(t => t.Split('\n').Any(l => l.Contains("问题表现") && l.TrimEnd().EndsWith("合计", StringComparison.Ordinal))), Is.All.True, text);
        // Each name is read whole, on one line: in the summary, its own section, every 四风 table and the opinions.
        foreach (var target in evaluation.Form.Targets.Where(t => t.Kind == TargetKind.Member))
            Assert.That(lines.Count(l => l.Contains(target.Name)), Is.GreaterThanOrEqualTo(6), $"{target.Name}\n{text}");
    }

    [TestCase(2)]
    [TestCase(6)]
    [TestCase(20)]
    public async Task No_page_but_the_last_holds_only_a_line_or_two(int targets)
    {
        var (_, path) = _printed[targets];
        var pages = (await PdfTools.TextAsync(path)).Split('\f').Where(p => p.Trim().Length > 0).ToList();

        for (var i = 0; i < pages.Count - 1; i++)
        {
            var lines = pages[i].Split('\n').Where(l => l.Trim().Length > 0 && !l.Contains("页 共")).ToList();
            Assert.That(lines, Has.Count.GreaterThan(3), $"page {i + 1} of {pages.Count}:\n{pages[i]}");
        }
    }

    [Test]
    public async Task Twenty_targets_each_have_one_summary_line_with_name_rates_and_warning()
    {
        var (evaluation, path) = _printed[20];
        var lines = (await PdfTools.TextAsync(path)).Split('\n');
        Tally tally;
        await using (var conn = await _world.OpenAsync())
            tally = await EvaluationResults.CountAsync(conn, evaluation.Id, CancellationToken.None);

        // The summary row reads across: the name, its rates and its warnings whole, not one or two characters a line.
        foreach (var target in tally.Targets.Where(t => t.Target.Kind == TargetKind.Member))
            Assert.That(lines.Any(l => l.Contains(target.Target.Name) && l.Contains(ReportFormat.Percent(target.Headline!.Rates!.Positive))
                && target.Warnings.All(l.Contains)), Is.True, target.Target.Name);
        Assert.That(tally.Targets.Count(t => t.Warnings.Count > 0), Is.GreaterThan(10), "the scenario warns about most members");
    }

    /// <summary>
    /// An evaluation of <paramref name="targets"/> targets (the 班子 and members, some with a long title) and 15 ballots:
    /// every rating and 四风 item answered by all, some 其他 texts and opinions.
    /// </summary>
    private async Task<ClosedEvaluation> SeedAsync(int targets)
    {
        var questionnaire = FormTemplates.MobilisationEvaluation.Questionnaire;
        var form = new FrozenForm(questionnaire,
        [
            new Target { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 },
            .. Enumerable.Range(0, targets - 1).Select(i => new Target
            {
                Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = Surnames[i % Surnames.Length] + Given[i % Given.Length], Position = i + 2,
                Title = i % 3 == 0 ? "党委副书记、纪委书记" : "副局长",
            }),
        ]);
        var winds = questionnaire.Questions.Where(q => q.Kind == QuestionKind.Symptoms).ToList();
        var ballots = Enumerable.Range(0, 15).Select(i => new SeedBallot(i < 8 ? 0 : 1, new BallotAnswers
        {
            Once = i < 6 ? new Dictionary<string, Answer> { ["campaign-opinion"] = Text($"建议进一步改进会风文风，第{i + 1}条意见") } : [],
            Targets = form.Targets.Select((t, n) =>
            {
                var section = new Dictionary<string, Answer>
                {
                    [t.Kind == TargetKind.Team ? "team-overall" : "member-overall"] =
                        Choice(t.Kind == TargetKind.Team ? Scale.Quality.Grades[(i + n) % 4] : Scale.Competence.Grades[(i * 7 + n) % 4]),
                };
                foreach (var (q, w) in winds.Select((q, w) => (q, w)))
                    section[q.Id] = (i + n + w) % 5 == 0 ? new Answer { Other = "会议太多，落实太少" }
                        : (i + w) % 3 == 0 ? Choices(q.Options[(i + n) % q.Options.Count]) : Choices(FormTemplates.NoneSeen);
                if (i < 5) section["target-opinion"] = Text("希望多听取群众意见，改进作风");
                return (t.Id, (IReadOnlyDictionary<string, Answer>)section);
            }).ToDictionary(p => p.Id, p => p.Item2),
        })).ToList();
        return await _world.SeedClosedAsync(_world.UnitA, form, [("机关工作人员", 9), ("服务对象代表", 9)], ballots, name: $"{targets} 个评议对象的评议");
    }
}
