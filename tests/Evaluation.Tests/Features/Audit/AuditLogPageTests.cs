using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using static Evaluation.Tests.Features.Audit.ActionLogSeed;

namespace Evaluation.Tests.Features.Audit;

/// <summary>
/// The 审计's action log page over HTTP on real PostgreSQL: 50 entries a page, newest first, with the count; filters by
/// evaluation, actor, action and date that survive paging; Excel and CSV exports of every match, logged; bad filter input
/// refused with a 400 page that says what to do, never a 500.
/// </summary>
public sealed partial class AuditLogPageTests
{
    private const string Organiser = "甲组织者（organizer-x，组织者）", Supervisor = "乙督导（supervisor-x，督导组）";
    private static readonly string[] Actions = ["添加评议对象", "发放票签", "导出结果"];
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private StaffWorld _world = null!;
    private StaffClient _auditor = null!;
    private Guid _a1, _a2, _a3, _b1;
    private DateOnly _day0;
    private readonly List<(long Seq, Entry Entry)> _seeded = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _auditor = await _world.SignInAsync("auditor-a");
        // Three evaluations of unit A with one name, as rounds repeat it; one of unit B.
        (_a1, _a2, _a3) = ((await _world.SeedDraftAsync(_world.UnitA)).Id, (await _world.SeedDraftAsync(_world.UnitA)).Id, (await _world.SeedDraftAsync(_world.UnitA)).Id);
        _b1 = (await _world.SeedDraftAsync(_world.UnitB)).Id;

        // 130 entries every half hour from 00:30 北京时间 ten days ago: 47 on the first day, 48 on the second, 35 on the third.
        _day0 = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(China).Date).AddDays(-10);
        var start = new DateTimeOffset(_day0.ToDateTime(new TimeOnly(0, 30)), China);
        Guid?[] evaluations = [_a1, _a2, _b1, null];
        var entries = Enumerable.Range(0, 130).Select(i => new Entry(start.AddMinutes(30 * i), i % 2 == 0 ? Organiser : Supervisor,
            Actions[i % 3], $"《测试评议》：第 {i} 条", evaluations[i % 4])).ToList();
        var seqs = await AppendAsync(_world.ConnectionString, entries);
        _seeded.AddRange(seqs.Zip(entries));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _auditor.Dispose();
        await _world.DisposeAsync();
    }

    private async Task<long> LogLengthAsync() => await _world.ScalarAsync<long>("select count(*) from staff_action");

    private async Task<(HttpStatusCode Status, string Body, List<long> Seqs)> PageAsync(string url)
    {
        using var response = await _auditor.GetAsync(url);
        var body = await StaffClient.BodyAsync(response);
        return (response.StatusCode, body, EntryRow().Matches(body).Select(m => long.Parse(m.Groups[1].Value)).ToList());
    }

    /// <summary>Every entry the filter lists, page after page, following the page's own 下一页 links.</summary>
    private async Task<List<long>> AllPagesAsync(string url)
    {
        var seqs = new List<long>();
        for (var next = url; next is not null;)
        {
            var (status, body, page) = await PageAsync(next);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
            seqs.AddRange(page);
            var link = NextLink().Match(body);
            next = link.Success ? WebUtility.HtmlDecode(link.Groups[1].Value) : null;
            if (next is not null) Assert.That(Filter(next), Is.EquivalentTo(Filter(url)), "the next page keeps the filter");
        }
        return seqs;
    }

    private static Dictionary<string, string> Filter(string url) =>
        QueryHelpers.ParseQuery(new Uri("http://x" + url).Query).Where(p => p.Key != "page").ToDictionary(p => p.Key, p => p.Value.ToString());

    private List<long> Expected(Func<Entry, bool> match) => _seeded.Where(s => match(s.Entry)).Select(s => s.Seq).OrderDescending().ToList();

    private DateOnly DayOf(Entry e) => DateOnly.FromDateTime(e.At.ToOffset(China).DateTime);

    [Test]
    public async Task Page_ShowsFiftyNewestFirst_CountsThem_AndTheLastPageHoldsTheRest()
    {
        var total = await LogLengthAsync();
        var (status, body, first) = await PageAsync("/audit-log");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(first, Has.Count.EqualTo(50));
        Assert.That(first[0], Is.EqualTo(total), "the newest entry first");
        Assert.That(first, Is.Ordered.Descending);
        Assert.That(body, Does.Contain($"第 1–50 条，共 {total} 条"));
        Assert.That(body, Does.Contain($"打开本页时已逐条核验全部 {total} 条记录"), "the chain check covers the whole log");

        var pages = (int)((total + 49) / 50);
        var (_, secondBody, second) = await PageAsync("/audit-log?page=2");
        Assert.That(second, Is.EqualTo(Enumerable.Range(0, 50).Select(i => total - 50 - i).ToList()), "page 2 follows page 1 with no gap or overlap");
        Assert.That(secondBody, Does.Contain($"第 51–100 条，共 {total} 条"));

        var (_, lastBody, last) = await PageAsync($"/audit-log?page={pages}");
        var rest = total - 50 * (pages - 1);
        Assert.That(last, Has.Count.EqualTo(rest));
        Assert.That(last[^1], Is.EqualTo(1), "the last page ends with the first entry");
        Assert.That(lastBody, Does.Contain($"第 {50 * (pages - 1) + 1}–{total} 条，共 {total} 条"));
        Assert.That(NextLink().IsMatch(lastBody), Is.False, "no 下一页 on the last page");

        var (_, _, beyond) = await PageAsync($"/audit-log?page={pages + 5}");
        Assert.That(beyond, Is.EqualTo(last), "a page past the end shows the last one");
    }

    [Test]
    public async Task EachFilter_AndAllTogether_ListExactlyTheMatchingEntries_AcrossPages()
    {
        var day1 = _day0.AddDays(1);
        Assert.That(await AllPagesAsync($"/audit-log?evaluation={_a1}"), Is.EqualTo(Expected(e => e.EvaluationId == _a1)), "evaluation");
        Assert.That(await AllPagesAsync($"/audit-log?actor={Uri.EscapeDataString(Supervisor)}"), Is.EqualTo(Expected(e => e.Actor == Supervisor)), "actor");
        Assert.That(await AllPagesAsync($"/audit-log?action={Uri.EscapeDataString("发放票签")}"), Is.EqualTo(Expected(e => e.Action == "发放票签")), "action");
        var oneDay = await AllPagesAsync($"/audit-log?from={day1:yyyy-MM-dd}&to={day1:yyyy-MM-dd}");
        Assert.That(oneDay, Is.EqualTo(Expected(e => DayOf(e) == day1)), "one day, 北京时间");
        Assert.That(oneDay, Has.Count.EqualTo(48));
        Assert.That(await AllPagesAsync($"/audit-log?from={day1:yyyy-MM-dd}"), Is.SupersetOf(Expected(e => DayOf(e) >= day1)), "from only");
        var untilDay0 = await AllPagesAsync($"/audit-log?to={_day0:yyyy-MM-dd}");
        Assert.That(untilDay0, Is.EqualTo(Expected(e => DayOf(e) <= _day0)), "to only");
        Assert.That(untilDay0, Has.Count.EqualTo(47));
        var together = await AllPagesAsync(
            $"/audit-log?evaluation={_a2}&actor={Uri.EscapeDataString(Supervisor)}&action={Uri.EscapeDataString("导出结果")}&from={_day0:yyyy-MM-dd}&to={day1:yyyy-MM-dd}");
        Assert.That(together, Is.EqualTo(Expected(e => e.EvaluationId == _a2 && e.Actor == Supervisor && e.Action == "导出结果" && DayOf(e) <= day1)), "all together");
        Assert.That(together, Is.Not.Empty);

        var (_, body, _) = await PageAsync($"/audit-log?actor={Uri.EscapeDataString(Supervisor)}");
        Assert.That(body, Does.Contain($"第 1–50 条，共 65 条"));
        Assert.That(body, Does.Contain($"<option value=\"{WebUtility.HtmlEncode(Supervisor)}\" selected=\"selected\">"), "the filter shows what is chosen");
    }

    [Test]
    public async Task EvaluationFilter_ListsOnlyTheAuditorsUnits_AndAnotherUnitsEvaluationIs404()
    {
        var (_, body, _) = await PageAsync("/audit-log");
        Assert.That(body, Does.Contain($"value=\"{_a1}\"").And.Contain($"value=\"{_a3}\""));
        Assert.That(body, Does.Not.Contain($"value=\"{_b1}\""));

        var before = await LogLengthAsync();
        foreach (var url in new[] { $"/audit-log?evaluation={_b1}", $"/audit-log.xlsx?evaluation={_b1}", $"/audit-log.csv?evaluation={_b1}", $"/audit-log?evaluation={Guid.NewGuid()}" })
        {
            using var response = await _auditor.GetAsync(url);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
            Assert.That(await StaffClient.BodyAsync(response), Does.Contain("请回到操作日志"), url);
        }
        Assert.That(await LogLengthAsync(), Is.EqualTo(before), "a refused export is not logged");
    }

    [TestCase("/audit-log?evaluation=not-a-guid", "评议编号格式不对")]
    [TestCase("/audit-log?from=2026-13-45", "不是日期")]
    [TestCase("/audit-log?to=yesterday", "不是日期")]
    [TestCase("/audit-log?from=2026-03-02&to=2026-03-01", "晚于结束日期")]
    [TestCase("/audit-log?page=0", "页码")]
    [TestCase("/audit-log?page=abc", "页码")]
    [TestCase("/audit-log?page=99999999999999", "页码")]
    [TestCase("/audit-log.xlsx?from=2026-02-30", "不是日期")]
    [TestCase("/audit-log.csv?evaluation=%27%3B--", "评议编号格式不对")]
    public async Task BadFilterInput_Gets400PageThatSaysWhatToDo_AndChangesNothing(string url, string says)
    {
        var before = await LogLengthAsync();

        using var response = await _auditor.GetAsync(url);
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(body, Does.Contain(says).And.Contain("请"));
        Assert.That(body, Does.Contain("id=\"log-filter\""), "the filter form is there to correct it");
        Assert.That(await LogLengthAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task ActionThroughTheForms_CarriesItsEvaluation_SoTheFilterFindsIt_AndNotTheSameNamedRound()
    {
        var mine = await _world.SeedDraftAsync(_world.UnitA);
        var sameName = await _world.SeedDraftAsync(_world.UnitA);
        using var organizer = await _world.SignInAsync("organizer-a");
        using (var response = await organizer.PostFormAsync($"{mine.Url}/categories", [new("Name", "离退休老党员"), new("ExpectedCount", "23")]))
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var seq = await _world.ScalarAsync<long>("select max(seq) from staff_action");

        Assert.That(await _world.ScalarAsync<Guid>("select evaluation_id from staff_action where seq = @seq", new { seq }), Is.EqualTo(mine.Id));
        Assert.That((await PageAsync($"/audit-log?evaluation={mine.Id}")).Seqs, Is.EqualTo(new[] { seq }));
        Assert.That((await PageAsync($"/audit-log?evaluation={sameName.Id}")).Seqs, Is.Empty);
    }

    [Test]
    public async Task Exports_HoldEveryMatchOldestFirst_NeutraliseFormulas_AndAreLogged()
    {
        // Entries of their own evaluation, with details a spreadsheet would run or split.
        string[] details = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+1", "@SUM(A1)", "含逗号,引号\"和\n换行", "《测试评议》：普通"];
        var at = new DateTimeOffset(_day0.AddDays(3).ToDateTime(new TimeOnly(9, 0)), China);
        var entries = details.Select((d, i) => new Entry(at.AddMinutes(i), Organiser, "修改评议人员类别", d, _a3))
            .Append(new Entry(at.AddDays(1), Organiser, "修改评议人员类别", "次日，不在日期范围内", _a3)).ToList();
        var seqs = (await AppendAsync(_world.ConnectionString, entries)).Take(details.Length).ToList();
        var query = $"?evaluation={_a3}&to={_day0.AddDays(3):yyyy-MM-dd}";
        var logged = await LogLengthAsync();

        // Excel: one row per match after the header row, every text a text cell, formula-looking ones quote-prefixed.
        using (var response = await _auditor.GetAsync("/audit-log.xlsx" + query))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
            var bytes = await response.Content.ReadAsByteArrayAsync();
            using (var zip = new ZipArchive(new MemoryStream(bytes)))
                foreach (var sheet in zip.Entries.Where(e => e.FullName.StartsWith("xl/worksheets/", StringComparison.Ordinal)))
                    Assert.That(new StreamReader(sheet.Open()).ReadToEnd(), Does.Not.Match(@"<(\w+:)?f[\s>/]"), "no formula element");
            using var workbook = new XLWorkbook(new MemoryStream(bytes));
            var ws = workbook.Worksheet("操作日志");
            var header = ws.CellsUsed().Single(c => c.GetString() == "序号").Address.RowNumber;
            var rows = ws.RowsUsed().Where(r => r.RowNumber() > header).ToList();
            Assert.That(rows.Select(r => (long)r.Cell(1).GetDouble()), Is.EqualTo(seqs), "every match, oldest first, nothing else");
            Assert.That(rows.Select(r => r.Cell(5).GetString()), Is.EqualTo(details));
            Assert.That(rows.Select(r => r.Cell(6).GetString()), Is.All.EqualTo(_a3.ToString()));
            var hashes = await _world.ScalarAsync<string[]>("select array_agg(hash order by seq) from staff_action where seq = any(@seqs)", new { seqs = seqs.ToArray() });
            Assert.That(rows.Select(r => r.Cell(8).GetString()), Is.EqualTo(hashes), "the full hash");
            foreach (var row in rows.Where(r => "=+-@".Contains(r.Cell(5).GetString()[0])))
                Assert.That(row.Cell(5).Style.IncludeQuotePrefix, Is.True, row.Cell(5).GetString());
            Assert.That(ws.CellsUsed().Any(c => c.GetString().Contains("哈希链完整")), "the chain's state at export");
        }

        // CSV: UTF-8 with BOM, every field quoted; formula-looking fields start with an apostrophe.
        using (var response = await _auditor.GetAsync("/audit-log.csv" + query))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "BOM");
            var records = ParseCsv(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
            Assert.That(records[0], Does.Contain("序号").And.Contain("哈希"));
            var data = records.Skip(1).ToList();
            Assert.That(data.Select(r => long.Parse(r[0])), Is.EqualTo(seqs));
            Assert.That(data.Select(r => r[4]), Is.EqualTo(new[]
            {
                "'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-1+1", "'@SUM(A1)", "含逗号,引号\"和\n换行", "《测试评议》：普通",
            }));
            Assert.That(data.SelectMany(r => r).Where(f => f.Length > 0 && "=+-@".Contains(f[0])), Is.Empty, "no field starts a formula");
        }

        await using var conn = await _world.OpenAsync();
        var exports = (await conn.QueryAsync<(string Detail, Guid? EvaluationId)>(
            "select detail, evaluation_id from staff_action where seq > @logged and action = '导出操作日志' order by seq", new { logged })).ToList();
        Assert.That(exports.Select(e => e.Detail[..e.Detail.IndexOf('，')]), Is.EqualTo(new[] { "Excel", "CSV" }));
        Assert.That(exports.Select(e => e.Detail), Is.All.Contain($"共 {details.Length} 条").And.All.Contain(_a3.ToString()));
        Assert.That(exports.Select(e => e.EvaluationId), Is.All.EqualTo(_a3));
    }

    /// <summary>RFC 4180: quoted fields, "" for a quote, line breaks inside quotes; records end with CRLF.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else field.Append(c);
        }
        Assert.That(field.Length == 0 && record.Count == 0, "the file ends with a complete record");
        return records;
    }

    [GeneratedRegex(@"<tr id=""entry-(\d+)"">")]
    private static partial Regex EntryRow();

    [GeneratedRegex(@"<a href=""([^""]+)"" rel=""next"">")]
    private static partial Regex NextLink();
}
