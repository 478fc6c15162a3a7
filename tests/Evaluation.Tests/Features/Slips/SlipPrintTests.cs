using System.Net;
using Dapper;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features.Slips;

/// <summary>
/// Printed slips say what they are once cut: the category and, for a 演练, that it is one, on every slip, with the web
/// address to type the code into. Here the app is configured with its public HTTPS address, as in production.
/// </summary>
public sealed class SlipPrintTests : OrganizerSession
{
    private const string PublicAddress = "https://pingyi.example.cn";

    protected override void ConfigureApp(IWebHostBuilder builder) => builder.UseSetting("Site:PublicBaseUrl", PublicAddress + "/");

    private async Task<(string Text, string? FileName)> PdfAsync(SeededEvaluation evaluation, int count, string file)
    {
        using var response = await PostAsync($"{evaluation.Url}/slips", ("CategoryId", evaluation.CategoryId.ToString()), ("Count", count.ToString()), ("Format", "pdf"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(response));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/pdf"));
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, file);
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        TestContext.AddTestAttachment(path, file);
        return (await PdfTools.TextAsync(path), response.Content.Headers.ContentDisposition?.FileNameStar);
    }

    private static int Occurrences(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;

    [Test]
    public async Task SlipPdf_PrintsTheCategoryAndTheAddressToTypeTheCodeInto_OnEverySlip_AndNoRehearsalMark()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);

        var (text, _) = await PdfAsync(evaluation, 4, "slips.pdf");

        Assert.That(Occurrences(text, "机关工作人员"), Is.EqualTo(4), text);
        Assert.That(Occurrences(text, PublicAddress + "/"), Is.EqualTo(4), text);
        Assert.That(text, Does.Not.Contain("演练"));
    }

    [Test]
    public async Task RehearsalSlipPdf_MarksEverySlipAs演练()
    {
        var real = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        var rehearsal = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync("update evaluation set rehearsal_of = @Real where id = @Rehearsal", new { Real = real.Id, Rehearsal = rehearsal.Id });

        var (text, fileName) = await PdfAsync(rehearsal, 3, "rehearsal-slips.pdf");

        Assert.That(fileName, Does.StartWith("演练-"));
        Assert.That(System.Text.RegularExpressions.Regex.Count(text, @"演练\s+机关工作人员"), Is.EqualTo(3), text);
        Assert.That(Occurrences(text, "演练"), Is.GreaterThanOrEqualTo(6), "the mark beside the category and the sentence, on each slip");
    }

    [Test]
    public async Task IssueForm_WithAPublicHttpsAddress_ShowsNoWarning_AndNamesTheAddress()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);

        using var response = await Organizer.GetAsync(evaluation.Url);
        var page = await StaffClient.BodyAsync(response);

        Assert.That(page, Does.Not.Contain("二维码地址是"));
        Assert.That(page, Does.Contain(PublicAddress + "/"));
    }
}
