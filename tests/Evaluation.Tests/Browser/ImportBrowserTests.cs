using ClosedXML.Excel;
using Dapper;
using Microsoft.Playwright;

namespace Evaluation.Tests.Browser;

/// <summary>
/// The organiser's import in Chromium, on a phone and at a desk: paste from Excel, see the rows with their problems,
/// fix them, preview again and confirm; or upload the 组织部's .xlsx. Screenshots of each step are attached to the test.
/// </summary>
public sealed class ImportBrowserTests : AppInChromium
{
    private const string WithProblems =
        "某市卫生局领导班子成员名单\n序号\t姓名\t职务\t调出日期\n1\t王五\t副局长\t\n2\t赵六\t纪检组长\t2025年7月\n3\t张三\t局长\t\n\n类别\t应到\n离退休老党员\t１２\n服务对象代表\t二十\n";

    private async Task<IPage> SignedInPageAsync(int width, int height)
    {
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await Server.SignInAsync(page);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "shots", $"{name}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path);
    }

    [TestCase(360, 740)]
    [TestCase(1366, 768)]
    public async Task PastedTable_WithProblems_ShowsEachRowsProblem_ThenFixed_ImportsEveryRow(int width, int height)
    {
        var evaluation = await Server.SeedDraftAsync($"导入评议{width}");
        var page = await SignedInPageAsync(width, height);
        await page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "批量导入评议对象和类别" }).ClickAsync();

        var paste = page.GetByLabel("从 Excel 或 WPS 复制表格");
        await paste.FillAsync(WithProblems);
        await page.GetByRole(AriaRole.Button, new() { Name = "预览" }).ClickAsync();
        await ShotAsync(page, $"import-problems-{width}");

        var problems = page.Locator("ul.errors li");
        Assert.That(await problems.AllInnerTextsAsync(), Is.EqualTo(new[]
        {
            "第 5 行：已经有评议对象“张三”（局长），请勿重复添加。",
            "第 9 行：应到“二十”不是整数。应到人数请填写 0 到 1000000 之间的整数。",
        }));
        Assert.That(await page.GetByRole(AriaRole.Button, new() { Name = "确认导入" }).CountAsync(), Is.Zero);
        Assert.That(await paste.InputValueAsync(), Does.Contain("服务对象代表\t二十"), "the paste stays in the box to be fixed");

        await paste.FillAsync(WithProblems.Replace("3\t张三\t局长\t\n", "").Replace("二十", "20"));
        await page.GetByRole(AriaRole.Button, new() { Name = "预览" }).ClickAsync();
        await ShotAsync(page, $"import-preview-{width}");
        Assert.That(await page.Locator("#preview").InnerTextAsync(), Does.Contain("将导入 2 个评议对象、2 个评议人员类别").And.Contain("2025-07-01"));

        await page.GetByRole(AriaRole.Button, new() { Name = "确认导入" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/evaluations/{evaluation.Id}#targets"));
        await ShotAsync(page, $"import-done-{width}");
        var targets = await page.Locator("#targets").InnerTextAsync();
        Assert.That(targets, Does.Contain("王五").And.Contain("赵六").And.Contain("2025-07-01 调出"));
        await using var conn = await Server.OpenAsync();
        Assert.That(await conn.QueryAsync<(string, int)>(
                "select name, expected_count from respondent_category where evaluation_id = @Id order by position", new { evaluation.Id }),
            Is.EqualTo(new[] { ("机关工作人员", 50), ("离退休老党员", 12), ("服务对象代表", 20) }));
    }

    [Test]
    public async Task Workbook_Uploaded_PreviewsAndConfirmsWhatWasPreviewed()
    {
        var evaluation = await Server.SeedDraftAsync("导入评议xlsx");
        var page = await SignedInPageAsync(1366, 768);
        await page.GotoAsync($"{Server.Origin}/evaluations/{evaluation.Id}/import");

        await page.GetByLabel("或上传 .xlsx 文件").SetInputFilesAsync(new FilePayload
        {
            Name = "组织部名单.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = Workbook(),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "预览" }).ClickAsync();
        await ShotAsync(page, "import-xlsx-preview-1366");
        Assert.That(await page.Locator("#preview").InnerTextAsync(), Does.Contain("“评议对象”表第 2 行").And.Contain("“参评人员”表第 2 行"));

        await page.GetByRole(AriaRole.Button, new() { Name = "确认导入" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("#targets"));
        await using var conn = await Server.OpenAsync();
        Assert.That(await conn.QueryAsync<string>("select name from target where evaluation_id = @Id order by position", new { evaluation.Id }),
            Is.EqualTo(new[] { "局领导班子", "张三", "李四", "钱七" }));
        Assert.That(await conn.QueryAsync<(string, int)>(
                "select name, expected_count from respondent_category where evaluation_id = @Id order by position", new { evaluation.Id }),
            Is.EqualTo(new[] { ("机关工作人员", 48) }));
    }

    private static byte[] Workbook()
    {
        using var workbook = new XLWorkbook();
        var targets = workbook.Worksheets.Add("评议对象");
        targets.Cell(1, 1).Value = "姓名";
        targets.Cell(1, 2).Value = "职务";
        targets.Cell(2, 1).Value = "钱七";
        targets.Cell(2, 2).Value = "副局长";
        var categories = workbook.Worksheets.Add("参评人员");
        categories.Cell(1, 1).Value = "类别";
        categories.Cell(1, 2).Value = "应到";
        categories.Cell(2, 1).Value = "机关工作人员";
        categories.Cell(2, 2).Value = 48;
        using var stream = new MemoryStream();
        workbook.SaveAs(stream);
        return stream.ToArray();
    }
}
