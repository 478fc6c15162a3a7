using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ClosedXML.Excel;
using Dapper;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Evaluations;

/// <summary>
/// Targets and categories imported into a draft from a pasted table or an .xlsx: the preview writes nothing and names
/// each problem's row, confirming writes every row in one transaction or none, and the import is in the action log.
/// </summary>
public sealed partial class ImportTests : OrganizerSession
{
    private const string Paste =
        "姓名\t职务\t调出日期\n李四\t副局长\t\n王五\t纪检组长\t2026-01-15\n\n类别\t应到\n机关工作人员\t45\n离退休老党员\t12\n";

    private async Task<HttpResponseMessage> PostImportAsync(StaffClient client, string url, params (string Key, object Value)[] fields)
    {
        var token = await client.AntiforgeryTokenAsync("/account/password");
        var form = new MultipartFormDataContent { { new StringContent(token), StaffClient.TokenField } };
        foreach (var (key, value) in fields)
            if (value is byte[] file)
            {
                var content = new ByteArrayContent(file);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
                form.Add(content, key, "组织部名单.xlsx");
            }
            else form.Add(new StringContent((string)value), key);
        return await client.Http.PostAsync(url, form);
    }

    private Task<HttpResponseMessage> PostImportAsync(string url, params (string Key, object Value)[] fields) => PostImportAsync(Organizer, url, fields);

    private async Task<(int Targets, int Categories, int Logged)> CountsAsync(SeededEvaluation evaluation)
    {
        await using var conn = await World.OpenAsync();
        return (await conn.ExecuteScalarAsync<int>("select count(*) from target where evaluation_id = @Id", evaluation),
            await conn.ExecuteScalarAsync<int>("select count(*) from respondent_category where evaluation_id = @Id", evaluation),
            await conn.ExecuteScalarAsync<int>("select count(*) from staff_action where action = '导入评议对象和类别'"));
    }

    [Test]
    public async Task PastedTable_Preview_ShowsEveryRowAndWritesNothing()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await CountsAsync(evaluation);

        using var response = await PostImportAsync($"{evaluation.Url}/import", ("Text", Paste));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(body, Does.Contain("将导入 2 个评议对象、2 个评议人员类别").And.Contain("确认导入")
            .And.Contain("李四").And.Contain("2026-01-15").And.Contain("已有此类别，应到 0 人改为 45 人"));
        Assert.That(await CountsAsync(evaluation), Is.EqualTo(before));
    }

    [Test]
    public async Task PastedTable_Confirm_WritesAllRowsInOrder_SetsAnExistingCategorysHeadcount_AndLogsIt()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        await using var conn = await World.OpenAsync();
        await conn.ExecuteAsync("update evaluation set name = @Name where id = @Id", new { evaluation.Id, Name = $"导入测试{evaluation.Id.ToString()[..8]}" });

        using var response = await PostImportAsync($"{evaluation.Url}/import/confirm", ("Text", Paste));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo($"{evaluation.Url}#targets"));
        var targets = (await conn.QueryAsync<(string Kind, string Name, string? Title, DateTime? Out, int Position)>(
            "select kind, name, title, transferred_out_on::timestamp, position from target where evaluation_id = @Id order by position", evaluation)).ToList();
        Assert.That(targets.Select(t => $"{t.Position}:{t.Kind}:{t.Name}:{t.Title}:{t.Out:yyyy-MM-dd}"), Is.EqualTo(new[]
        {
            "1:team:领导班子::", "2:member:张三:局长:", "3:member:李四:副局长:", "4:member:王五:纪检组长:2026-01-15",
        }));
        var categories = (await conn.QueryAsync<(string Name, int Expected)>(
            "select name, expected_count from respondent_category where evaluation_id = @Id order by position", evaluation)).ToList();
        Assert.That(categories, Is.EqualTo(new[] { ("机关工作人员", 45), ("离退休老党员", 12) }));
        var logged = await conn.QuerySingleAsync<string>("select detail from staff_action where action = '导入评议对象和类别' and detail like '%' || @Name || '%'",
            new { Name = evaluation.Id.ToString()[..8] });
        Assert.That(logged, Does.Contain("从粘贴的表格导入").And.Contain("评议对象 2 个（李四（副局长）、王五（纪检组长））")
            .And.Contain("新增类别 1 个（离退休老党员 应到 12 人）").And.Contain("修改应到 1 个（机关工作人员 应到 45 人）"));
    }

    [Test]
    public async Task ProblemOnOneRow_NamesThatRow_AndConfirmWritesNothing()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await CountsAsync(evaluation);
        const string bad = "姓名\t职务\n李四\t副局长\n\n类别\t应到\n服务对象代表\t二十\n";

        using var preview = await PostImportAsync($"{evaluation.Url}/import", ("Text", bad));
        using var confirm = await PostImportAsync($"{evaluation.Url}/import/confirm", ("Text", bad));

        Assert.That(preview.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(confirm.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        foreach (var response in new[] { preview, confirm })
        {
            var body = WebUtility.HtmlDecode(await StaffClient.BodyAsync(response));
            Assert.That(body, Does.Contain("第 5 行：应到“二十”不是整数").And.Contain("没有导入任何内容").And.Not.Contain("确认导入</button>"));
        }
        Assert.That(await CountsAsync(evaluation), Is.EqualTo(before));
    }

    [Test]
    public async Task Workbook_WithASheetEach_PreviewsWithSheetAndRow_ThenConfirmsWhatWasPreviewed()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var bytes = Workbook(("说明", [["本名单由组织部提供"]]),
            ("评议对象", [["某局领导班子成员名单"], ["序号", "姓名", "职务"], [1, "李四", "副局长"], [2, "王五", "纪检组长"]]),
            ("参评人员", [["类别", "应到人数"], ["机关工作人员", 45], ["服务对象代表", "８"]]));

        using var preview = await PostImportAsync($"{evaluation.Url}/import", ("File", bytes));
        var body = WebUtility.HtmlDecode(await StaffClient.BodyAsync(preview));

        Assert.That(preview.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(body, Does.Contain("“评议对象”表第 3 行").And.Contain("“参评人员”表第 3 行").And.Contain("“说明”表没有表头"));
        var workbook = HiddenWorkbook().Match(body).Groups[1].Value;
        Assert.That(Convert.FromBase64String(workbook), Is.EqualTo(bytes));

        using var confirm = await PostImportAsync($"{evaluation.Url}/import/confirm", ("Workbook", workbook), ("FileName", "组织部名单.xlsx"));

        Assert.That(confirm.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(confirm));
        await using var conn = await World.OpenAsync();
        Assert.That(await conn.QueryAsync<string>("select name from target where evaluation_id = @Id order by position", evaluation),
            Is.EqualTo(new[] { "领导班子", "张三", "李四", "王五" }));
        Assert.That(await conn.QueryAsync<(string, int)>("select name, expected_count from respondent_category where evaluation_id = @Id order by position", evaluation),
            Is.EqualTo(new[] { ("机关工作人员", 45), ("服务对象代表", 8) }));
        Assert.That(await conn.ExecuteScalarAsync<int>(
            "select count(*) from staff_action where action = '导入评议对象和类别' and detail like '%从文件“组织部名单.xlsx”导入%' and detail like '%李四%'"), Is.GreaterThan(0));
    }

    [Test]
    public async Task Workbook_WithAProblem_NamesTheSheetAndRow_AndWritesNothing()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await CountsAsync(evaluation);
        var bytes = Workbook(("对象", [["姓名", "职务"], ["李四", "副局长"], ["张三", "局长"]]));

        using var confirm = await PostImportAsync($"{evaluation.Url}/import/confirm", ("Workbook", Convert.ToBase64String(bytes)));
        var body = WebUtility.HtmlDecode(await StaffClient.BodyAsync(confirm));

        Assert.That(confirm.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Contain("“对象”表第 3 行：已经有评议对象“张三”（局长），请勿重复添加。"));
        Assert.That(await CountsAsync(evaluation), Is.EqualTo(before));
    }

    [Test]
    public async Task FileThatIsNoWorkbook_Gets400SayingWhatToUpload()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var response = await PostImportAsync($"{evaluation.Url}/import", ("File", "姓名,职务\n张三,局长"u8.ToArray()));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(WebUtility.HtmlDecode(await StaffClient.BodyAsync(response)), Does.Contain("请上传 Excel 或 WPS 保存的 .xlsx 文件"));
    }

    [Test]
    public async Task NothingPasted_Gets400SayingWhatToDo()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var response = await PostImportAsync($"{evaluation.Url}/import", ("Text", "  \n"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(WebUtility.HtmlDecode(await StaffClient.BodyAsync(response)), Does.Contain("请把表格粘贴到输入框，或选择一个 .xlsx 文件"));
    }

    [Test]
    public async Task AnotherUnitsEvaluation_Is404_ForThePageThePreviewAndTheConfirm()
    {
        var theirs = await World.SeedDraftAsync(World.UnitB);
        var before = await CountsAsync(theirs);

        using var page = await Organizer.GetAsync($"{theirs.Url}/import");
        using var preview = await PostImportAsync($"{theirs.Url}/import", ("Text", Paste));
        using var confirm = await PostImportAsync($"{theirs.Url}/import/confirm", ("Text", Paste));

        Assert.That(new[] { page.StatusCode, preview.StatusCode, confirm.StatusCode }, Is.All.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await CountsAsync(theirs), Is.EqualTo(before));
    }

    [Test]
    public async Task OnceVotingHasOpened_TheImportIsRefusedAsFrozen()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        var before = await CountsAsync(evaluation);

        using var page = await Organizer.GetAsync($"{evaluation.Url}/import");
        using var confirm = await PostImportAsync($"{evaluation.Url}/import/confirm", ("Text", Paste));

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(confirm.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StaffClient.BodyAsync(confirm), Does.Contain("已冻结"));
        Assert.That(await CountsAsync(evaluation), Is.EqualTo(before));
    }

    [Test]
    public async Task Supervisor_CannotImport()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        using var supervisor = await World.SignInAsync("supervisor-a");

        using var response = await PostImportAsync(supervisor, $"{evaluation.Url}/import/confirm", ("Text", Paste));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task TargetForm_RefusesTheDuplicateTheImportRefuses()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await CountsAsync(evaluation);

        using var response = await PostAsync($"{evaluation.Url}/targets", ("Kind", "member"), ("Name", " 张三 "), ("Title", "局长"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(WebUtility.HtmlDecode(await StaffClient.BodyAsync(response)), Does.Contain("已经有评议对象“张三”（局长），请勿重复添加。"));
        Assert.That(await CountsAsync(evaluation), Is.EqualTo(before));
    }

    [Test]
    public async Task EvaluationPage_LinksToTheImportWhileADraft()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var response = await Organizer.GetAsync(evaluation.Url);

        Assert.That(await StaffClient.BodyAsync(response), Does.Contain($"href=\"{evaluation.Url}/import\""));
    }

    /// <summary>An .xlsx as the 组织部 would send it: one sheet per list, numbers as numbers.</summary>
    private static byte[] Workbook(params (string Name, object[][] Rows)[] sheets)
    {
        using var workbook = new XLWorkbook();
        foreach (var (name, rows) in sheets)
        {
            var sheet = workbook.Worksheets.Add(name);
            for (var r = 0; r < rows.Length; r++)
                for (var c = 0; c < rows[r].Length; c++)
                    sheet.Cell(r + 1, c + 1).Value = rows[r][c];
        }
        using var stream = new MemoryStream();
        workbook.SaveAs(stream);
        return stream.ToArray();
    }

    [GeneratedRegex(@"name=""Workbook"" value=""([^""]*)""")]
    private static partial Regex HiddenWorkbook();
}
