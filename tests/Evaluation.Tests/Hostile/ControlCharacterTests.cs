using System.Net;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Names with characters nobody types: a NUL (which PostgreSQL cannot store in text at all) and other control characters.
/// A NUL must be a 400 that says what to fix, not a database error that looks like an outage.
/// </summary>
public sealed class ControlCharacterTests : HostileSession
{
    private SeededEvaluation _draft = null!;
    private StaffClient _admin = null!;

    [OneTimeSetUp]
    public async Task Seed()
    {
        _draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 5);
        _admin = await World.SignInAsync("admin2");
    }

    [OneTimeTearDown]
    public void SignOut() => _admin.Dispose();

    private static IEnumerable<TestCaseData> Forms()
    {
        foreach (var (what, bad) in new[]
                 {
                     ("a NUL", "评议\0名称"), ("a bell", "评议\a名称"), ("an escape sequence", "评议\u001b[31m名称"),
                     // Invisible, and they reverse or hide the product's own words around the name on every page and in the PDF.
                     ("a right-to-left override", "评议\u202E名称"), ("a left-to-right isolate", "\u2066评议名称"),
                     ("a pop directional isolate", "评议名称\u2069"), ("a zero-width space", "评议\u200B名称"),
                 })
        {
            yield return new TestCaseData("organizer", "/evaluations/new",
                    new[] { ("UnitId", "{unit}"), ("Name", bad), ("Round", "动员大会后民主评议"), ("Template", "mobilisation") })
                .SetName($"creating an evaluation named with {what}");
            yield return new TestCaseData("organizer", "{draft}/details", new[] { ("Name", bad), ("Round", "总结") })
                .SetName($"renaming an evaluation with {what}");
            yield return new TestCaseData("organizer", "{draft}/targets", new[] { ("Kind", "member"), ("Name", bad), ("Title", "局长") })
                .SetName($"adding a target named with {what}");
            yield return new TestCaseData("organizer", "{draft}/categories", new[] { ("Name", bad), ("ExpectedCount", "5") })
                .SetName($"adding a category named with {what}");
            yield return new TestCaseData("admin", "/admin/units", new[] { ("name", bad) })
                .SetName($"creating a unit named with {what}");
            yield return new TestCaseData("admin", "/admin/accounts/new",
                    new[] { ("UserName", "ctrl-user"), ("DisplayName", bad), ("Role", "organizer"), ("Units", "{unit}"), ("Password", "Control-Char-Pass-1") })
                .SetName($"creating an account whose name has {what}");
            yield return new TestCaseData("admin", "/admin/accounts/{organizer}",
                    new[] { ("UserName", "organizer-a"), ("DisplayName", bad), ("Role", "organizer"), ("Units", "{unit}") })
                .SetName($"renaming an account to a name with {what}");
            // What the organiser writes into the questionnaire stands on every phone and in every report.
            yield return new TestCaseData("organizer", "{draft}/questionnaire/header", new[] { ("Title", bad), ("Instructions", "") })
                .SetName($"a questionnaire title with {what}");
            yield return new TestCaseData("organizer", "{draft}/questionnaire/header", new[] { ("Title", "问卷"), ("Instructions", "第一行\r\n" + bad) })
                .SetName($"questionnaire instructions with {what}");
            yield return new TestCaseData("organizer", "{draft}/questionnaire/questions",
                    new[] { ("Kind", "text"), ("Text", bad), ("Per", "once"), ("MaxLength", "300") })
                .SetName($"a question text with {what}");
            yield return new TestCaseData("organizer", "{draft}/questionnaire/questions",
                    new[] { ("Kind", "single"), ("Text", "您的身份"), ("Per", "once"), ("Options", "在职职工\n" + bad) })
                .SetName($"an option with {what}");
            yield return new TestCaseData("organizer", "{draft}/questionnaire/questions",
                    new[] { ("Kind", "symptoms"), ("Text", "形式主义方面"), ("Per", "all"), ("Options", "文山会海"), ("NoneOption", bad) })
                .SetName($"a none-option with {what}");
        }
    }

    [TestCaseSource(nameof(Forms))]
    public async Task Name_WithAControlCharacter_Is400_AndChangesNothing(string who, string path, (string, string)[] fields)
    {
        var client = who == "admin" ? _admin : Organizer;
        var url = path.Replace("{draft}", _draft.Url).Replace("{organizer}", World.Accounts["organizer-a"].ToString());
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2.Replace("{unit}", World.UnitA.ToString())));

        using var response = await UnchangedAsync(() => client.PostFormAsync(url, values));

        // A NUL does not even reach the form: ASP.NET's form reader fails on it, and the antiforgery check with it.
        await AssertPageRefusalAsync(response, HttpStatusCode.BadRequest, fields.Any(f => f.Item2.Contains('\0')) ? "请" : "控制字符");
    }
}
