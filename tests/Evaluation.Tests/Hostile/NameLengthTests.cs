using System.Net;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Hostile;

/// <summary>
/// Staff names are limited in characters as a person sees them: fifty "𠮷" (CJK Extension B, two UTF-16 units each) are a
/// fifty-character name, where they were refused as a hundred. A name of joined emoji is also held to what its column
/// stores (code points), so it is refused with a 400 that says the limit, never a database error.
/// </summary>
public sealed class NameLengthTests : HostileSession
{
    private StaffClient _admin = null!;

    [OneTimeSetUp]
    public async Task SignIn() => _admin = await World.SignInAsync("admin2");

    [OneTimeTearDown]
    public void SignOut() => _admin.Dispose();

    private static string Times(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    /// <summary>Each staff form with a name field, its limit, and the fields it needs besides.</summary>
    private static IEnumerable<TestCaseData> Forms()
    {
        (string Who, string Path, string Field, int Max, (string, string)[] Others, string What)[] forms =
        [
            ("organizer", "/evaluations/new", "Name", 100, [("UnitId", "{unit}"), ("Round", "动员大会后民主评议"), ("Template", "mobilisation")], "an evaluation name"),
            ("organizer", "{draft}/details", "Round", 50, [("Name", "评议")], "a round"),
            ("organizer", "{draft}/targets", "Name", 50, [("Kind", "member"), ("Title", "局长")], "a target's name"),
            ("organizer", "{draft}/targets", "Title", 50, [("Kind", "member"), ("Name", "张三")], "a target's title"),
            ("organizer", "{draft}/categories", "Name", 50, [("ExpectedCount", "5")], "a category"),
            ("admin", "/admin/units", "name", 100, [], "a unit"),
            ("admin", "/admin/accounts/{organizer}", "DisplayName", 50, [("UserName", "organizer-a"), ("Role", "organizer"), ("Units", "{unit}")], "an account's name"),
        ];
        foreach (var f in forms)
        {
            yield return new TestCaseData(f.Who, f.Path, f.Field, f.Max, f.Others, true).SetName($"Name_OfExactlyTheLimitInExtensionB_IsAccepted: {f.What}");
            yield return new TestCaseData(f.Who, f.Path, f.Field, f.Max, f.Others, false).SetName($"Name_OverTheLimit_Is400AndChangesNothing: {f.What}");
        }
    }

    [TestCaseSource(nameof(Forms))]
    public async Task Name_AtAndOverTheLimit(string who, string path, string field, int max, (string, string)[] others, bool atLimit)
    {
        var client = who == "admin" ? _admin : Organizer;
        var draft = await World.SeedDraftAsync(World.UnitA, expectedCount: 5);
        var url = path.Replace("{draft}", draft.Url).Replace("{organizer}", World.Accounts["organizer-a"].ToString());
        // Distinct per case: units and categories must have unique names.
        var prefix = Guid.NewGuid().ToString("N")[..4];
        IEnumerable<KeyValuePair<string, string>> Values(string name) =>
            others.Select(o => new KeyValuePair<string, string>(o.Item1, o.Item2.Replace("{unit}", World.UnitA.ToString())))
                .Append(new(field, name));

        if (atLimit)
        {
            using var accepted = await client.PostFormAsync(url, Values(prefix + Times("𠮷", max - prefix.Length)));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(accepted));
            return;
        }
        foreach (var tooLong in new[] { Times("𠮷", max + 1), Times("👨‍👩‍👧", max / 2) })
        {
            using var refused = await UnchangedAsync(() => client.PostFormAsync(url, Values(tooLong)));
            await AssertPageRefusalAsync(refused, HttpStatusCode.BadRequest, $"{max} 个字");
        }
    }
}
