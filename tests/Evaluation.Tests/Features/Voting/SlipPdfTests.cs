using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Voting;

public sealed partial class SlipPdfTests : OrganizerSession
{
    [Test]
    public async Task IssueAsPdf_GivesA4PagesOfFifteenSlips_WithEachCodeOnce_ThatCheckIn()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        (await PostAsync($"{evaluation.Url}/open")).Dispose();

        using var response = await PostAsync($"{evaluation.Url}/slips", ("CategoryId", evaluation.CategoryId.ToString()), ("Count", "16"), ("Format", "pdf"));
        var pdf = await response.Content.ReadAsByteArrayAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/pdf"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "slips.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        TestContext.AddTestAttachment(path, "票签 PDF");

        var text = await PdfTools.TextAsync(path);
        var codes = GroupedCode().Matches(text).Select(m => m.Value).ToList();
        Assert.That(codes, Has.Count.EqualTo(16));
        Assert.That(codes.Distinct().Count(), Is.EqualTo(16));
        Assert.That(text, Does.Contain("测试评议").And.Contain("手机扫码即可不记名填"));
        Assert.That(await PdfTools.PagesAsync(path), Is.EqualTo(2), "15 slips to an A4 page");

        // Each printed code is a real, unused slip of this evaluation.
        await using var conn = await World.OpenAsync();
        foreach (var code in codes)
            Assert.That(await conn.ExecuteScalarAsync<bool>(
                "select exists (select 1 from slip where token_hash = @Hash and evaluation_id = @Id and blinded_hash is null)",
                new { Hash = SlipToken.Hash(SlipToken.Normalize(code)!), evaluation.Id }), Is.True, code);
    }

    [GeneratedRegex("[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}")]
    private static partial Regex GroupedCode();
}
