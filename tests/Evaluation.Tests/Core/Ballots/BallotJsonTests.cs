using System.Text.Json.Nodes;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using static Evaluation.Tests.Core.Ballots.BallotFixture;

namespace Evaluation.Tests.Core.Ballots;

public sealed class BallotJsonTests
{
    private const string Example = """
        {
          "once": { "campaign-opinion": { "text": "希望活动多听基层意见。" } },
          "targets": {
            "00000000-0000-0000-0000-00000000000a": {
              "team-overall": { "choice": "较好" },
              "wind-1": { "choices": ["文山会海、以会议落实会议"] },
              "wind-2": { "choices": ["未发现"] },
              "wind-3": { "choices": ["精神懈怠、不思进取"], "other": "值班脱岗" },
              "wind-4": { "choices": ["未发现"] },
              "target-opinion": { "text": "会议再少一些。" }
            },
            "00000000-0000-0000-0000-00000000000b": {
              "member-overall": { "choice": "称职" },
              "wind-1": { "choices": ["未发现"] }
            },
            "00000000-0000-0000-0000-00000000000c": {
              "member-overall": { "choice": "不了解" }
            }
          }
        }
        """;

    private static string Refusal(string json)
    {
        var ok = BallotJson.TryRead(json, out var answers, out var error);
        Assert.That(ok, Is.False);
        Assert.That(answers, Is.Null);
        Assert.That(error, Is.Not.Null.And.Contains("请刷新页面后重新填写"));
        return error!;
    }

    [Test]
    public void TryRead_FullExample_ReadsEveryFieldAndValidates()
    {
        var ok = BallotJson.TryRead(Example, out var answers, out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(error, Is.Null);
        Assert.That(answers!.Once["campaign-opinion"].Text, Is.EqualTo("希望活动多听基层意见。"));
        Assert.That(answers.Targets.Keys, Is.EquivalentTo(new[] { TeamId, WangId, LiId }));
        Assert.That(answers.Targets[TeamId]["wind-3"].Choices, Is.EqualTo(new[] { "精神懈怠、不思进取" }));
        Assert.That(answers.Targets[TeamId]["wind-3"].Other, Is.EqualTo("值班脱岗"));
        Assert.That(answers.Targets[LiId]["member-overall"].Choice, Is.EqualTo(Scale.Unknown));
        Assert.That(BallotValidator.Validate(Mobilisation, Targets, answers), Is.Empty);
    }

    [Test]
    public void TryRead_EmptyObject_IsABlankBallot()
    {
        var ok = BallotJson.TryRead("{}", out var answers, out _);

        Assert.That(ok, Is.True);
        Assert.That(answers!.Once, Is.Empty);
        Assert.That(answers.Targets, Is.Empty);
        Assert.That(BallotValidator.IsBlank(answers), Is.True);
        Assert.That(BallotValidator.Validate(Mobilisation, Targets, answers), Is.Empty);
    }

    [Test]
    public void TryRead_NullAnswerFields_AreAbsent()
    {
        var ok = BallotJson.TryRead("""{"once":{"campaign-opinion":{"choice":null,"choices":null,"other":null,"text":"好"}}}""", out var answers, out _);

        Assert.That(ok, Is.True);
        Assert.That(BallotJson.Canonical(answers!), Is.EqualTo("""{"once":{"campaign-opinion":{"text":"好"}},"targets":{}}"""));
    }

    [Test]
    public void TryRead_UpperCaseTargetId_IsTheSameTarget()
    {
        var ok = BallotJson.TryRead("""{"targets":{"00000000-0000-0000-0000-00000000000A":{"team-overall":{"choice":"好"}}}}""", out var answers, out _);

        Assert.That(ok, Is.True);
        Assert.That(answers!.Targets.Keys, Is.EqualTo(new[] { TeamId }));
    }

    [Test]
    public void Canonical_CompleteBallot_RoundTripsThroughTryRead()
    {
        var canonical = BallotJson.Canonical(new Draft().Build());

        var ok = BallotJson.TryRead(canonical, out var read, out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(BallotJson.Canonical(read!), Is.EqualTo(canonical));
        Assert.That(BallotValidator.Validate(Mobilisation, Targets, read!), Is.Empty);
    }

    [Test]
    public void Canonical_Example_IsTheExampleWithSortedKeysAndNoWhiteSpace()
    {
        BallotJson.TryRead(Example, out var answers, out _);

        var canonical = BallotJson.Canonical(answers!);

        Assert.That(canonical, Does.Not.Contain(" ").And.Not.Contain("\n").And.Not.Contain("null"));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(canonical), JsonNode.Parse(Example)), Is.True);
        CanonicalJsonAssert.KeysSorted(JsonNode.Parse(canonical), "$");
        Assert.That(canonical, Does.StartWith("""{"once":{"campaign-opinion":{"text":"希望活动多听基层意见。"}},"targets":{"00000000-0000-0000-0000-00000000000a":{"target-opinion":"""));
    }

    [Test]
    public void Canonical_SameAnswersInAnotherOrder_IsIdentical()
    {
        var draft = new Draft();
        var reordered = new BallotAnswers
        {
            Once = draft.Once,
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [LiId] = draft.Li.Reverse().ToDictionary(),
                [WangId] = draft.Wang.Reverse().ToDictionary(),
                [TeamId] = draft.Team.Reverse().ToDictionary(),
            },
        };

        Assert.That(BallotJson.Canonical(reordered), Is.EqualTo(BallotJson.Canonical(draft.Build())));
    }

    [Test]
    public void Canonical_WritesTargetIdsInLowerCase()
    {
        var id = Guid.Parse("ABCDEF00-0000-0000-0000-0000000000AB");
        var answers = new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [id] = new Dictionary<string, Answer> { ["q"] = Pick("好") } },
        };

        Assert.That(BallotJson.Canonical(answers), Is.EqualTo("""{"once":{},"targets":{"abcdef00-0000-0000-0000-0000000000ab":{"q":{"choice":"好"}}}}"""));
    }

    [TestCase("")]
    [TestCase("   ")]
    public void TryRead_Empty_SaysItIsEmpty(string json)
    {
        Assert.That(Refusal(json), Does.Contain("答卷内容为空"));
    }

    [TestCase("{")]
    [TestCase("""{"once":}""")]
    [TestCase("""{"once":{},}""")]
    [TestCase("选项：好")]
    [TestCase("""{"once":{"q":{"text":"\ud800"}}}""")]
    public void TryRead_MalformedJson_SaysItCannotBeRead(string json)
    {
        Assert.That(Refusal(json), Does.Contain("答卷不是有效的 JSON"));
    }

    [TestCase("null")]
    [TestCase("[]")]
    [TestCase("\"好\"")]
    public void TryRead_RootNotAnObject_IsRefused(string json)
    {
        Assert.That(Refusal(json), Does.Contain("答卷格式不正确：$ 应为对象"));
    }

    [Test]
    public void TryRead_UnknownTopLevelField_IsRefusedByName()
    {
        Assert.That(Refusal("""{"once":{},"voter":"张三"}"""), Does.Contain("无法识别的字段“voter”").And.Contain("（位置：$）"));
    }

    [Test]
    public void TryRead_PascalCaseField_IsUnknown()
    {
        Assert.That(Refusal("""{"Once":{}}"""), Does.Contain("无法识别的字段“Once”"));
    }

    [Test]
    public void TryRead_UnknownAnswerField_IsRefusedWithItsPosition()
    {
        Assert.That(Refusal("""{"once":{"campaign-opinion":{"text":"好","score":5}}}"""),
            Does.Contain("无法识别的字段“score”").And.Contain("$.once.campaign-opinion"));
    }

    [TestCase("wang")]
    [TestCase("{00000000-0000-0000-0000-00000000000a}")]
    [TestCase("0000000000000000000000000000000a")]
    [TestCase("")]
    public void TryRead_TargetKeyNotAGuid_IsRefused(string key)
    {
        Assert.That(Refusal("{\"targets\":{\"" + key + "\":{}}}"), Does.Contain($"评议对象编号“{key}”无效"));
    }

    [Test]
    public void TryRead_QuestionNamedTwice_IsRefused()
    {
        Assert.That(Refusal("""{"once":{"campaign-opinion":{"text":"好"},"campaign-opinion":{"text":"差"}}}"""),
            Does.Contain("“campaign-opinion”出现了两次"));
    }

    [Test]
    public void TryRead_TargetNamedTwiceInDifferentCase_IsRefused()
    {
        Assert.That(Refusal("""{"targets":{"00000000-0000-0000-0000-00000000000a":{},"00000000-0000-0000-0000-00000000000A":{}}}"""),
            Does.Contain("出现了两次"));
    }

    [Test]
    public void TryRead_FieldNamedTwice_IsRefused()
    {
        Assert.That(Refusal("""{"once":{"q":{"choice":"好","choice":"差"}}}"""), Does.Contain("“choice”出现了两次"));
    }

    [TestCase("""{"once":null}""", "$.once 应为对象")]
    [TestCase("""{"targets":[]}""", "$.targets 应为对象")]
    [TestCase("""{"once":{"q":null}}""", "$.once.q 应为对象")]
    [TestCase("""{"once":{"q":"好"}}""", "$.once.q 应为对象")]
    [TestCase("""{"once":{"q":{"choice":5}}}""", "$.once.q.choice 应为文字")]
    [TestCase("""{"once":{"q":{"choice":["好"]}}}""", "$.once.q.choice 应为文字")]
    [TestCase("""{"once":{"q":{"choices":"好"}}}""", "$.once.q.choices 应为文字列表")]
    [TestCase("""{"once":{"q":{"choices":["好",null]}}}""", "$.once.q.choices 应为文字列表")]
    [TestCase("""{"targets":{"00000000-0000-0000-0000-00000000000a":{"q":{"text":true}}}}""",
        "$.targets.00000000-0000-0000-0000-00000000000a.q.text 应为文字")]
    public void TryRead_ValueOfTheWrongType_SaysWhereAndWhatWasExpected(string json, string expected)
    {
        Assert.That(Refusal(json), Does.Contain($"答卷格式不正确：{expected}"));
    }
}
