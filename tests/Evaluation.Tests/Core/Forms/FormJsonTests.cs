using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Evaluation.Core.Forms;

namespace Evaluation.Tests.Core.Forms;

public sealed class FormJsonTests
{
    private static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;

    private static readonly Guid TeamId = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid ZhangId = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid LiId = Guid.Parse("00000000-0000-0000-0000-00000000000c");

    private static List<Target> Targets() =>
    [
        new() { Id = TeamId, Kind = TargetKind.Team, Name = "领导班子", Position = 0 },
        new() { Id = ZhangId, Kind = TargetKind.Member, Name = "张三", Title = "局长", Position = 1 },
        new() { Id = LiId, Kind = TargetKind.Member, Name = "李四", Title = "副局长", Position = 2,
            TransferredOutOn = new DateOnly(2025, 11, 1) },
    ];

    private static IEnumerable<TestCaseData> Templates() =>
        FormTemplates.All.Select(t => new TestCaseData(t).SetArgDisplayNames(t.Id));

    [Test]
    public void Canonical_SortsKeysAndWritesNoWhiteSpace()
    {
        Assert.That(FormJson.Canonical(new { zeta = "a b", alpha = new { y = 2, x = new[] { 3, 1 } } }),
            Is.EqualTo("""{"alpha":{"x":[3,1],"y":2},"zeta":"a b"}"""));
    }

    [Test]
    public void Canonical_OmitsNullsAndKeepsChineseUnescaped()
    {
        var json = FormJson.Canonical(new Questionnaire
        {
            Title = "民主评议",
            Questions = [new Question { Id = "q1", Kind = QuestionKind.Text, Text = "意见“建议”", MaxLength = 10 }],
        });

        Assert.That(json, Does.Contain("\"title\":\"民主评议\""));
        Assert.That(json, Does.Contain("\"text\":\"意见“建议”\""));
        Assert.That(json, Does.Not.Contain("null").And.Not.Contain("instructions").And.Not.Contain("maxSelections"));
        Assert.That(json, Does.Contain("\"kind\":\"text\"").And.Contain("\"per\":\"once\""));
    }

    [TestCaseSource(nameof(Templates))]
    public void Canonical_Template_HasKeysInOrdinalOrderAtEveryLevel(FormTemplate template)
    {
        var node = JsonNode.Parse(FormJson.Canonical(template.Questionnaire));

        CanonicalJsonAssert.KeysSorted(node, "$");
    }

    [TestCaseSource(nameof(Templates))]
    public void Canonical_Template_IsCompact(FormTemplate template)
    {
        var json = FormJson.Canonical(template.Questionnaire);
        var compact = JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        Assert.That(json, Is.EqualTo(compact));
        Assert.That(json, Does.Not.Contain("\n"));
    }

    [TestCaseSource(nameof(Templates))]
    public void Canonical_SameQuestionnaireTwice_IsIdentical(FormTemplate template)
    {
        var copy = template.Questionnaire with { Questions = template.Questionnaire.Questions.Select(q => q with { }).ToList() };

        Assert.That(FormJson.Canonical(copy), Is.EqualTo(FormJson.Canonical(template.Questionnaire)));
    }

    [TestCaseSource(nameof(Templates))]
    public void ReadQuestionnaire_CanonicalText_RoundTrips(FormTemplate template)
    {
        var canonical = FormJson.Canonical(template.Questionnaire);

        var read = FormJson.ReadQuestionnaire(canonical);

        // Questions hold lists, which records compare by reference: compare the canonical text instead.
        Assert.That(FormJson.Canonical(read), Is.EqualTo(canonical));
        Assert.That(read.Questions, Has.Count.EqualTo(template.Questionnaire.Questions.Count));
    }

    [Test]
    public void Canonical_Targets_RoundTripThroughJson()
    {
        var canonical = FormJson.Canonical(Targets());

        var read = JsonSerializer.Deserialize<List<Target>>(canonical, FormJson.Options)!;

        // Target has no lists, so record equality is by value here.
        Assert.That(read, Is.EqualTo(Targets()));
        Assert.That(canonical, Does.Contain("\"transferredOutOn\":\"2025-11-01\""));
    }

    [Test]
    public void FormHash_IsSha256HexOfTheFrozenForm()
    {
        var targets = Targets();
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FormJson.FrozenForm(Mobilisation, targets))));

        Assert.That(FormJson.FormHash(Mobilisation, targets), Is.EqualTo(expected).And.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void FrozenForm_IsCanonicalQuestionnaireAndTargetsInPositionOrder()
    {
        var targets = Targets();

        Assert.That(FormJson.FrozenForm(Mobilisation, targets),
            Is.EqualTo($$"""{"questionnaire":{{FormJson.Canonical(Mobilisation)}},"targets":{{FormJson.Canonical(targets)}}}"""));
    }

    [Test]
    public void Sha256Hex_KnownVector()
    {
        Assert.That(FormJson.Sha256Hex("abc"), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    [Test]
    public void FormHash_SameFormAndTargets_IsStable()
    {
        Assert.That(FormJson.FormHash(Mobilisation, Targets()), Is.EqualTo(FormJson.FormHash(Mobilisation, Targets())));
    }

    [Test]
    public void FormHash_OneOptionTextChanged_Changes()
    {
        var questions = Mobilisation.Questions.ToList();
        var wind = questions.FindIndex(q => q.Id == "wind-1");
        questions[wind] = questions[wind] with { Options = [.. questions[wind].Options.Skip(1).Prepend("文山会海")] };
        var edited = Mobilisation with { Questions = questions };

        Assert.That(FormJson.FormHash(edited, Targets()), Is.Not.EqualTo(FormJson.FormHash(Mobilisation, Targets())));
    }

    [Test]
    public void FormHash_TargetPositionsSwapped_Changes()
    {
        var swapped = Targets();
        swapped[1] = swapped[1] with { Position = 2 };
        swapped[2] = swapped[2] with { Position = 1 };

        Assert.That(FormJson.FormHash(Mobilisation, swapped), Is.Not.EqualTo(FormJson.FormHash(Mobilisation, Targets())));
    }

    [Test]
    public void FormHash_SameTargetsListedInAnotherOrder_IsUnchanged()
    {
        // The ballot shows targets by position, so only position, not the order rows came back in, enters the hash.
        var reversed = Targets();
        reversed.Reverse();

        Assert.That(FormJson.FormHash(Mobilisation, reversed), Is.EqualTo(FormJson.FormHash(Mobilisation, Targets())));
    }

    [Test]
    public void FormHash_TargetRenamed_Changes()
    {
        var renamed = Targets();
        renamed[1] = renamed[1] with { Name = "张叁" };

        Assert.That(FormJson.FormHash(Mobilisation, renamed), Is.Not.EqualTo(FormJson.FormHash(Mobilisation, Targets())));
    }

    [Test]
    public void TryReadQuestionnaire_ValidJson_ReturnsQuestionnaire()
    {
        const string json = """{"title":"征求意见表","questions":[{"id":"opinion","kind":"text","text":"意见和建议","maxLength":500}]}""";

        var ok = FormJson.TryReadQuestionnaire(json, out var questionnaire, out var error);

        Assert.That(ok, Is.True);
        Assert.That(error, Is.Null);
        Assert.That(questionnaire!.Questions.Single().MaxLength, Is.EqualTo(500));
        Assert.That(questionnaire.Questions.Single().Per, Is.EqualTo(TargetScope.Once));
    }

    [Test]
    public void TryReadQuestionnaire_UnknownField_IsRefusedWithItsPosition()
    {
        const string json = """{"title":"征求意见表","questions":[{"id":"opinion","kind":"text","text":"意见","maxLength":500,"colour":"red"}]}""";

        var ok = FormJson.TryReadQuestionnaire(json, out var questionnaire, out var error);

        Assert.That(ok, Is.False);
        Assert.That(questionnaire, Is.Null);
        Assert.That(error, Does.Contain("问卷 JSON 无法读取").And.Contain("$.questions[0]"));
    }

    [Test]
    public void TryReadQuestionnaire_UnknownKind_IsRefused()
    {
        const string json = """{"title":"征求意见表","questions":[{"id":"q1","kind":"stars","text":"评价"}]}""";

        var ok = FormJson.TryReadQuestionnaire(json, out _, out var error);

        Assert.That(ok, Is.False);
        Assert.That(error, Does.Contain("问卷 JSON 无法读取").And.Contain("题型"));
        Assert.That(error, Does.Contain("kind"));
    }

    [Test]
    public void TryReadQuestionnaire_KindInCSharpSpelling_IsRefused()
    {
        // Only the documented lower-case names are the form's JSON; "SingleChoice" must not slip in.
        const string json = """{"title":"征求意见表","questions":[{"id":"q1","kind":"SingleChoice","text":"身份","options":["甲","乙"]}]}""";

        Assert.That(FormJson.TryReadQuestionnaire(json, out _, out _), Is.False);
    }

    [Test]
    public void TryReadQuestionnaire_MissingTitle_IsRefused()
    {
        Assert.That(FormJson.TryReadQuestionnaire("""{"questions":[]}""", out _, out var error), Is.False);
        Assert.That(error, Does.Contain("问卷 JSON 无法读取"));
    }

    [TestCase("{")]
    [TestCase("")]
    [TestCase("""{"title":"征求意见表",}""")]
    [TestCase("[1,2]")]
    public void TryReadQuestionnaire_InvalidJson_IsRefusedInChinese(string json)
    {
        var ok = FormJson.TryReadQuestionnaire(json, out var questionnaire, out var error);

        Assert.That(ok, Is.False);
        Assert.That(questionnaire, Is.Null);
        Assert.That(error, Does.Contain("问卷 JSON 无法读取"));
    }

    [Test]
    public void TryReadQuestionnaire_Null_SaysItIsEmpty()
    {
        var ok = FormJson.TryReadQuestionnaire("null", out _, out var error);

        Assert.That(ok, Is.False);
        Assert.That(error, Does.Contain("问卷内容为空"));
    }
}
