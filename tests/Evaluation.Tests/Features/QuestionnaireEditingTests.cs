using System.Net;
using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features;

public sealed class QuestionnaireEditingTests : OrganizerSession
{
    private async Task<(string Questionnaire, long Actions)> StateAsync(Guid id)
    {
        await using var conn = await World.OpenAsync();
        return await conn.QuerySingleAsync<(string, long)>(
            "select questionnaire, (select count(*) from staff_action) from evaluation where id = @id", new { id });
    }

    private static readonly (string Key, string Value)[] ValidChoice =
        [("Kind", "single"), ("Text", "您的身份"), ("Per", "once"), ("Options", "职工\n服务对象")];

    public static IEnumerable<TestCaseData> BadQuestions()
    {
        yield return new TestCaseData(new[] { ("Kind", "rating"), ("Text", "总体评价"), ("Per", "team"), ("Scale", "stars5") }, "未知的评价等级")
            .SetName("AddQuestion_WithUnknownScale_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "single"), ("Text", "您的身份"), ("Per", "once"), ("Options", "") }, "至少需要 2 个选项")
            .SetName("AddQuestion_ChoiceWithNoOptions_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "symptoms"), ("Text", "形式主义"), ("Per", "all"), ("Options", "") }, "至少需要 1 个表现选项")
            .SetName("AddQuestion_SymptomsWithNoOptions_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "multiple"), ("Text", "需要改进的方面"), ("Per", "once"), ("Options", "效率\n态度\n效率") }, "选项“效率”重复")
            .SetName("AddQuestion_WithDuplicateOption_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "text"), ("Text", new string('长', 301)), ("Per", "once"), ("MaxLength", "300") }, "不能超过 300 个字")
            .SetName("AddQuestion_WithOversizedText_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "text"), ("Text", "意见建议"), ("Per", "once"), ("MaxLength", "50000") }, "字数上限")
            .SetName("AddQuestion_TextWithOversizedLimit_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "single"), ("Text", "很长的选项"), ("Per", "once"), ("Options", "短\n" + new string('长', 101)) }, "超过 100 个字")
            .SetName("AddQuestion_WithOversizedOption_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "essay"), ("Text", "未知题型"), ("Per", "once") }, "未知的题型")
            .SetName("AddQuestion_WithUnknownKind_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "rating"), ("Text", "评价"), ("Per", "everyone"), ("Scale", "quality") }, "未知的评议范围")
            .SetName("AddQuestion_WithUnknownScope_Gets400AndNothingIsStored");
        yield return new TestCaseData(new[] { ("Kind", "single"), ("Text", ""), ("Per", "once"), ("Options", "甲\n乙") }, "请填写题目内容")
            .SetName("AddQuestion_WithoutText_Gets400AndNothingIsStored");
    }

    [TestCaseSource(nameof(BadQuestions))]
    public async Task AddQuestion_WithBadInput(ValueTuple<string, string>[] fields, string expectedMessage)
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await StateAsync(evaluation.Id);

        using var response = await PostAsync($"{evaluation.Url}/questionnaire/questions", fields);
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Contain(expectedMessage));
        Assert.That(await StateAsync(evaluation.Id), Is.EqualTo(before));
    }

    [Test]
    public async Task AddQuestion_Valid_IsAppendedWithOnlyTheFieldsOfItsKind()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        // Fields of other kinds left filled in (as the form always sends them) must not leak into the question.
        using var response = await PostAsync($"{evaluation.Url}/questionnaire/questions",
            [.. ValidChoice, ("Required", "true"), ("Scale", "quality"), ("AllowUnknown", "true"), ("NoneOption", "未发现"), ("MaxLength", "300")]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        var stored = FormJson.ReadQuestionnaire((await StateAsync(evaluation.Id)).Questionnaire);
        var added = stored.Questions[^1];
        Assert.That(stored.Questions, Has.Count.EqualTo(FormTemplates.MobilisationEvaluation.Questionnaire.Questions.Count + 1));
        Assert.That(added.Kind, Is.EqualTo(QuestionKind.SingleChoice));
        Assert.That(added.Options, Is.EqualTo(new[] { "职工", "服务对象" }));
        Assert.That(added.Required, Is.True);
        Assert.That((added.Scale, added.AllowUnknown, added.NoneOption, added.MaxLength), Is.EqualTo(((string?)null, false, (string?)null, (int?)null)));
    }

    [Test]
    public async Task UpdateQuestion_ChangesOnlyThatQuestion_AndDeleteAndMoveWork()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var original = FormTemplates.MobilisationEvaluation.Questionnaire.Questions;

        using var update = await PostAsync($"{evaluation.Url}/questionnaire/questions/{original[0].Id}",
            ("Kind", "rating"), ("Text", "对领导班子的总体评价"), ("Per", "team"), ("Scale", "satisfaction"), ("Required", "true"));
        using var move = await PostAsync($"{evaluation.Url}/questionnaire/questions/{original[^1].Id}/move", ("direction", "up"));
        using var delete = await PostAsync($"{evaluation.Url}/questionnaire/questions/{original[1].Id}/delete");

        Assert.That(new[] { update.StatusCode, move.StatusCode, delete.StatusCode }, Is.All.EqualTo(HttpStatusCode.Redirect));
        var stored = FormJson.ReadQuestionnaire((await StateAsync(evaluation.Id)).Questionnaire).Questions;
        Assert.That(stored[0].Scale, Is.EqualTo("satisfaction"));
        Assert.That(stored[0].AllowUnknown, Is.False);
        Assert.That(stored.Select(q => q.Id), Does.Not.Contain(original[1].Id));
        Assert.That(stored[^2].Id, Is.EqualTo(original[^1].Id));
        Assert.That(stored, Has.Count.EqualTo(original.Count - 1));
    }

    [Test]
    public async Task UpdateQuestion_ThatDoesNotExist_Is404()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var response = await PostAsync($"{evaluation.Url}/questionnaire/questions/no-such-question", ValidChoice);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ReplaceJson_WithValidQuestionnaire_StoresItCanonically()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var survey = FormTemplates.OpinionSurvey.Questionnaire;
        var pretty = System.Text.Json.JsonSerializer.Serialize(survey, new System.Text.Json.JsonSerializerOptions(FormJson.Options) { WriteIndented = true });

        using var response = await PostAsync($"{evaluation.Url}/questionnaire/json", ("json", pretty));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        Assert.That((await StateAsync(evaluation.Id)).Questionnaire, Is.EqualTo(FormJson.Canonical(survey)));
    }

    [TestCase("{\"title\": \"问卷\", \"questions\": [", "问卷 JSON 无法读取", TestName = "ReplaceJson_Truncated_Gets400AndNothingIsStored")]
    [TestCase("{\"title\": \"问卷\", \"questions\": [], \"colour\": \"red\"}", "问卷 JSON 无法读取", TestName = "ReplaceJson_WithUnknownField_Gets400AndNothingIsStored")]
    [TestCase("{\"title\": \"问卷\", \"questions\": [{\"id\": \"a\", \"kind\": \"poll\", \"text\": \"?\"}]}", "问卷 JSON 无法读取", TestName = "ReplaceJson_WithUnknownKind_Gets400AndNothingIsStored")]
    [TestCase("{\"title\": \"问卷\", \"questions\": [{\"id\": \"a\", \"kind\": \"rating\", \"text\": \"评价\", \"scale\": \"stars5\"}]}", "未知的评价等级", TestName = "ReplaceJson_WithUnknownScale_Gets400AndNothingIsStored")]
    [TestCase("{\"title\": \"问卷\", \"questions\": [{\"id\": \"a\", \"kind\": \"single\", \"text\": \"选\", \"options\": [\"甲\", \"甲\"]}]}", "重复", TestName = "ReplaceJson_WithDuplicateOption_Gets400AndNothingIsStored")]
    [TestCase("{\"title\": \"问卷\", \"questions\": []}", "还没有题目", TestName = "ReplaceJson_WithNoQuestions_Gets400AndNothingIsStored")]
    public async Task ReplaceJson_WithBadInput(string json, string expectedMessage)
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await StateAsync(evaluation.Id);

        using var response = await PostAsync($"{evaluation.Url}/questionnaire/json", ("json", json));
        var body = await StaffClient.BodyAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Contain(expectedMessage));
        Assert.That(body, Does.Contain(System.Net.WebUtility.HtmlEncode(json)), "the rejected JSON is given back to be corrected");
        Assert.That(await StateAsync(evaluation.Id), Is.EqualTo(before));
    }

    [Test]
    public async Task ReplaceJson_LargerThanTheRequestLimit_Gets413AndNothingIsStored()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        var before = await StateAsync(evaluation.Id);

        using var response = await PostAsync($"{evaluation.Url}/questionnaire/json", ("json", new string('x', 2 << 20)));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await StateAsync(evaluation.Id), Is.EqualTo(before));
    }

    [Test]
    public async Task ApplyTemplate_ReplacesTheQuestions()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var response = await PostAsync($"{evaluation.Url}/questionnaire/template", ("template", "closing"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That((await StateAsync(evaluation.Id)).Questionnaire, Is.EqualTo(FormJson.Canonical(FormTemplates.ClosingSatisfaction.Questionnaire)));
    }

    [Test]
    public async Task Supervisor_SeesTheQuestionnaireReadOnly()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);
        using var supervisor = await World.SignInAsync("supervisor-a");

        using var page = await supervisor.GetAsync($"{evaluation.Url}/questionnaire");
        var body = await StaffClient.BodyAsync(page);

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Does.Contain("对领导班子作风方面情况的总体评价").And.Contain("只有组织者可以修改问卷"));
        Assert.That(body, Does.Not.Contain("/questionnaire/questions\""));
    }
}
