using System.Net;
using System.Text.RegularExpressions;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Evaluations;

/// <summary>
/// Every save on the organiser's pages leads back to the saved item's anchor, and the page then says "已保存：…" beside
/// that item, once.
/// </summary>
public sealed partial class SavedConfirmationTests : OrganizerSession
{
    /// <summary>Follows the redirect and returns the element with the anchor's id up to its end, as the page shows it.</summary>
    private async Task<(string Location, string Element, string Page)> SaveAndFollowAsync(string url, params (string Key, string Value)[] fields)
    {
        using var response = await PostAsync(url, fields);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        var location = response.Headers.Location!.OriginalString;
        var anchor = location[(location.IndexOf('#') + 1)..];
        var page = await StaffClient.BodyAsync(await Organizer.GetAsync(location[..location.IndexOf('#')]));
        var start = page.IndexOf($"id=\"{anchor}\"", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThan(0), $"the page has an element with id {anchor}");
        return (location, page[start..], page);
    }

    private static string SavedNote(string html) => SavedParagraph().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : "";

    [Test]
    public async Task UpdateCategory_LeadsBackToItsRow_WhichSaysSaved_Once()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        var (location, element, _) = await SaveAndFollowAsync($"{evaluation.Url}/categories/{evaluation.CategoryId}", ("Name", "机关工作人员"), ("ExpectedCount", "40"));
        using var again = await Organizer.GetAsync(evaluation.Url);

        Assert.That(location, Is.EqualTo($"{evaluation.Url}#category-{evaluation.CategoryId:N}"));
        Assert.That(SavedNote(element[..element.IndexOf("</tr>", StringComparison.Ordinal)]), Is.EqualTo("已保存：类别“机关工作人员”，应到 40 人"));
        Assert.That(await StaffClient.BodyAsync(again), Does.Not.Contain("class=\"saved\""), "said once, not on every later visit");
    }

    [Test]
    public async Task AddTarget_LeadsToTheNewTarget_WhichSaysSaved()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        var (location, element, _) = await SaveAndFollowAsync($"{evaluation.Url}/targets", ("Kind", "member"), ("Name", "王五"), ("Title", "副局长（分管医政）"));

        var id = Guid.ParseExact(location.Split("#target-")[1], "N");
        Assert.That(await World.ScalarAsync<string>("select name from target where id = @id", new { id }), Is.EqualTo("王五"));
        var item = element[..element.IndexOf("</li>", StringComparison.Ordinal)];
        Assert.That(SavedNote(item), Is.EqualTo("已保存：添加了班子成员 王五（副局长，分管医政）"));
        Assert.That(item, Does.Contain("（副局长，分管医政）").And.Not.Contain("（分管医政）（"), "a post's own brackets are not nested");
    }

    [Test]
    public async Task UpdateDetails_LeadsToTheDetails_WhichSaySaved()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        var (location, element, _) = await SaveAndFollowAsync($"{evaluation.Url}/details", ("Name", "2026年民主评议"), ("Round", "动员大会后民主评议"));

        Assert.That(location, Is.EqualTo($"{evaluation.Url}#details"));
        Assert.That(SavedNote(element[..element.IndexOf("</section>", StringComparison.Ordinal)]), Is.EqualTo("已保存：名称《2026年民主评议》，轮次“动员大会后民主评议”，不归入活动"));
    }

    [Test]
    public async Task DeleteCategory_LeadsToTheCategories_WhichSayWhatWasDeleted()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        var (location, element, _) = await SaveAndFollowAsync($"{evaluation.Url}/categories/{evaluation.CategoryId}/delete");

        Assert.That(location, Is.EqualTo($"{evaluation.Url}#categories"));
        Assert.That(SavedNote(element), Is.EqualTo("已删除：类别“机关工作人员”"));
    }

    [Test]
    public async Task UpdateQuestion_LeadsBackToTheQuestion_WhichSaysSaved()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        var (location, element, page) = await SaveAndFollowAsync($"{evaluation.Url}/questionnaire/questions/{evaluation.QuestionId}",
            ("Kind", "rating"), ("Text", "对领导班子的总体评价"), ("Per", "team"), ("Scale", "quality"), ("Required", "true"));

        Assert.That(location, Is.EqualTo($"{evaluation.Url}/questionnaire#q-{evaluation.QuestionId}"));
        Assert.That(SavedNote(element[..element.IndexOf("<details", StringComparison.Ordinal)]), Is.EqualTo("已保存：修改题目（第 1 题）"));
        Assert.That(SavedParagraph().Matches(page), Has.Count.EqualTo(1), "only beside the saved question");
    }

    [Test]
    public async Task RefusedSave_SaysNothingSaved()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var response = await PostAsync($"{evaluation.Url}/categories/{evaluation.CategoryId}", ("Name", ""), ("ExpectedCount", "-1"));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Not.Contain("已保存"));
    }

    [GeneratedRegex(@"<p class=""saved"" role=""status"">([^<]*)</p>")]
    private static partial Regex SavedParagraph();
}
