using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using static Evaluation.Tests.Core.Ballots.BallotFixture;

namespace Evaluation.Tests.Core.Ballots;

public sealed class BallotValidatorTests
{
    private const string WangVerdict = "“对该同志作风方面情况的总体评价”（王建国）";
    private const string TeamWind1 = "“在形式主义方面存在的突出问题”（领导班子）";

    // A single choice with a 其他 box: neither template has one.
    private static readonly Questionnaire Sourced = new()
    {
        Title = "活动知晓情况",
        Questions =
        [
            new Question { Id = "source", Kind = QuestionKind.SingleChoice, Text = "您从哪里得知本次活动",
                Options = ["会议", "文件"], AllowOther = true, MaxLength = 10 },
        ],
    };

    private static IReadOnlyList<string> Errors(BallotAnswers answers) =>
        BallotValidator.Validate(Mobilisation, Targets, answers);

    private static IReadOnlyList<string> Errors(Draft draft) => Errors(draft.Build());

    private static IReadOnlyList<string> SurveyErrors(Action<Dictionary<string, Answer>> change) =>
        BallotValidator.Validate(Survey, [], CompleteSurvey(change));

    /// <summary>Exactly one error, containing each fragment.</summary>
    private static void AssertOnlyError(IReadOnlyList<string> errors, params string[] fragments)
    {
        Assert.That(errors, Has.Count.EqualTo(1), string.Join("\n", errors));
        foreach (var fragment in fragments)
            Assert.That(errors[0], Does.Contain(fragment));
    }

    [Test]
    public void Validate_CompleteMobilisationBallot_HasNoErrors()
    {
        Assert.That(Errors(new Draft()), Is.Empty);
    }

    [Test]
    public void Validate_CompleteSurveyBallot_HasNoErrors()
    {
        Assert.That(BallotValidator.Validate(Survey, [], CompleteSurvey()), Is.Empty);
    }

    [Test]
    public void Validate_TemplatesUsedHere_AreThemselvesValid()
    {
        Assert.That(QuestionnaireValidator.ValidateForVoting(Mobilisation, Targets), Is.Empty);
        Assert.That(QuestionnaireValidator.Validate(Sourced), Is.Empty);
    }

    [Test]
    public void Validate_BallotWithNoAnswers_IsValidAbstention()
    {
        var blank = new BallotAnswers();

        Assert.That(BallotValidator.IsBlank(blank), Is.True);
        Assert.That(Errors(blank), Is.Empty);
        Assert.That(BallotValidator.Validate(Survey, [], blank), Is.Empty);
    }

    [Test]
    public void Validate_BallotOfEmptyAnswersOnly_IsValidAbstention()
    {
        var draft = new Draft();
        draft.Once["campaign-opinion"] = Write("   ");
        draft.Team.Clear();
        draft.Team["team-overall"] = new Answer();
        draft.Team["wind-1"] = Tick();
        draft.Wang.Clear();
        draft.Wang["member-overall"] = Pick(" ");
        draft.Wang["wind-2"] = new Answer { Choices = [], Other = "", Text = "\n" };
        draft.Li.Clear();

        Assert.That(BallotValidator.IsBlank(draft.Build()), Is.True);
        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void IsBlank_OneAnswerGiven_IsFalse()
    {
        var answers = new BallotAnswers { Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Write("有意见") } };

        Assert.That(BallotValidator.IsBlank(answers), Is.False);
        Assert.That(BallotValidator.IsBlank(new Draft().Build()), Is.False);
    }

    [Test]
    public void Validate_OnlyTheOnceTextAnswered_AsksForEveryRequiredVerdict()
    {
        var answers = new BallotAnswers { Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Write("有意见") } };

        Assert.That(Errors(answers), Is.EqualTo(new[]
        {
            "“对领导班子作风方面情况的总体评价”（领导班子）：请选择一项。",
            "“对该同志作风方面情况的总体评价”（王建国）：请选择一项。",
            "“对该同志作风方面情况的总体评价”（李红）：请选择一项。",
        }));
    }

    [Test]
    public void Validate_RequiredMemberVerdictMissing_NamesQuestionAndTarget()
    {
        var draft = new Draft();
        draft.Wang.Remove("member-overall");

        Assert.That(Errors(draft), Is.EqualTo(new[] { $"{WangVerdict}：请选择一项。" }));
    }

    [Test]
    public void Validate_RequiredMemberVerdictEmpty_CountsAsMissing()
    {
        var draft = new Draft();
        draft.Wang["member-overall"] = Pick("");

        AssertOnlyError(Errors(draft), WangVerdict, "请选择一项");
    }

    [Test]
    public void Validate_RequiredTeamVerdictMissing_WhenTeamSectionAbsent()
    {
        var answers = new Draft().Build() with { Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
        {
            [WangId] = new Draft().Wang,
            [LiId] = new Draft().Li,
        } };

        AssertOnlyError(Errors(answers), "“对领导班子作风方面情况的总体评价”（领导班子）：请选择一项。");
    }

    [Test]
    public void Validate_RequiredOnceRatingMissing_NamesQuestionWithoutTarget()
    {
        var errors = SurveyErrors(once => once.Remove("service-satisfaction"));

        Assert.That(errors, Is.EqualTo(new[] { "“您对本单位服务群众工作的总体评价”：请选择一项。" }));
    }

    [Test]
    public void Validate_OptionalItemsLeftOut_HasNoErrors()
    {
        var draft = new Draft();
        draft.Once.Clear();
        draft.Team.Remove("wind-1");
        draft.Team.Remove("target-opinion");
        draft.Li.Remove("wind-4");

        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void Validate_UnknownQuestionId_IsRefused()
    {
        var draft = new Draft();
        draft.Once["salary"] = Write("涨工资");

        AssertOnlyError(Errors(draft), "问卷里没有的题目", "“salary”", "请刷新页面");
    }

    [Test]
    public void Validate_UnknownQuestionIdUnderTarget_IsRefused()
    {
        var draft = new Draft();
        draft.Wang["wind-5"] = NoneSeen;

        AssertOnlyError(Errors(draft), "问卷里没有的题目", "“wind-5”");
    }

    [Test]
    public void Validate_UnknownQuestionIdWithEmptyAnswer_IsStillRefused()
    {
        var answers = new BallotAnswers { Once = new Dictionary<string, Answer> { ["salary"] = new Answer() } };

        AssertOnlyError(Errors(answers), "问卷里没有的题目");
    }

    [Test]
    public void Validate_UnknownTargetId_IsRefused()
    {
        var stranger = Guid.Parse("00000000-0000-0000-0000-0000000000ff");
        var draft = new Draft();
        var answers = draft.Build() with
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>(draft.Build().Targets)
            {
                [stranger] = new Dictionary<string, Answer> { ["member-overall"] = Pick("不称职") },
            },
        };

        AssertOnlyError(Errors(answers), "不在本次评议名单中", stranger.ToString());
    }

    [Test]
    public void Validate_TeamQuestionAnsweredForMember_IsRefused()
    {
        var draft = new Draft();
        draft.Wang["team-overall"] = Pick("好");

        AssertOnlyError(Errors(draft), "“对领导班子作风方面情况的总体评价”（王建国）", "本题不针对该评议对象");
    }

    [Test]
    public void Validate_MemberQuestionAnsweredForTeam_IsRefused()
    {
        var draft = new Draft();
        draft.Team["member-overall"] = Pick("优秀");

        AssertOnlyError(Errors(draft), "（领导班子）", "本题不针对该评议对象");
    }

    [Test]
    public void Validate_OnceQuestionAnsweredUnderTarget_IsRefused()
    {
        var draft = new Draft();
        draft.Team["campaign-opinion"] = Write("意见");

        AssertOnlyError(Errors(draft), "“对搞好教育实践活动的意见建议”（领导班子）", "本题不针对该评议对象");
    }

    [Test]
    public void Validate_PerTargetQuestionAnsweredOnce_IsRefused()
    {
        var draft = new Draft();
        draft.Once["member-overall"] = Pick("称职");

        AssertOnlyError(Errors(draft), "“对该同志作风方面情况的总体评价”：", "需要对每个评议对象分别作答");
    }

    [Test]
    public void Validate_SurveyAnswerUnderATarget_IsRefused()
    {
        var answers = CompleteSurvey() with
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [WangId] = new Dictionary<string, Answer> { ["opinion"] = Write("意见") },
            },
        };

        AssertOnlyError(BallotValidator.Validate(Survey, Targets, answers), "“意见和建议”（王建国）", "本题不针对该评议对象");
    }

    [Test]
    public void Validate_GradeFromAnotherScale_IsRefusedWithTheScale()
    {
        var draft = new Draft();
        draft.Team["team-overall"] = Pick("优秀");

        AssertOnlyError(Errors(draft), "（领导班子）", "“优秀”不是本题的评价等级", "好、较好、一般、差、不了解");
    }

    [Test]
    public void Validate_UnknownWhereAllowed_IsAccepted()
    {
        var draft = new Draft();
        draft.Team["team-overall"] = Pick(Scale.Unknown);

        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void Validate_UnknownWhereNotOffered_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["service-satisfaction"] = Pick(Scale.Unknown)),
            "“您对本单位服务群众工作的总体评价”", "本题不设“不了解”");
    }

    [Test]
    public void Validate_GradeWithSurroundingSpace_IsRefused()
    {
        var draft = new Draft();
        draft.Wang["member-overall"] = Pick(" 称职");

        AssertOnlyError(Errors(draft), WangVerdict, "不是本题的评价等级");
    }

    [Test]
    public void Validate_ChoicesOnARating_IsWrongShape()
    {
        var draft = new Draft();
        draft.Wang["member-overall"] = Tick("称职");

        AssertOnlyError(Errors(draft), WangVerdict, "答案格式与题型不符", "本题应选择一个等级");
    }

    [Test]
    public void Validate_TextBesideARating_IsWrongShape()
    {
        var draft = new Draft();
        draft.Wang["member-overall"] = new Answer { Choice = "称职", Text = "很好" };

        AssertOnlyError(Errors(draft), WangVerdict, "答案格式与题型不符");
    }

    [Test]
    public void Validate_ChoiceOnASymptomList_IsWrongShape()
    {
        var draft = new Draft();
        draft.Team["wind-1"] = Pick("文山会海、以会议落实会议");

        AssertOnlyError(Errors(draft), TeamWind1, "答案格式与题型不符", "本题为多选");
    }

    [Test]
    public void Validate_ChoiceOnATextQuestion_IsWrongShape()
    {
        var draft = new Draft();
        draft.Once["campaign-opinion"] = Pick("好");

        AssertOnlyError(Errors(draft), "“对搞好教育实践活动的意见建议”：", "本题应填写文字");
    }

    [Test]
    public void Validate_ChoicesOnASingleChoice_IsWrongShape()
    {
        AssertOnlyError(SurveyErrors(once => once["identity"] = Tick("服务对象")), "“您与本单位的关系”", "本题为单选");
    }

    [Test]
    public void Validate_SingleChoiceUnknownOption_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["identity"] = Pick("上级领导")), "“您与本单位的关系”", "选项“上级领导”不在本题选项中");
    }

    [Test]
    public void Validate_OtherWhereNotOffered_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["identity"] = new Answer { Other = "退休职工" }),
            "“您与本单位的关系”", "本题没有“其他（请注明）”");
    }

    [Test]
    public void Validate_SingleChoiceOtherAlone_IsAccepted()
    {
        var answers = new BallotAnswers { Once = new Dictionary<string, Answer> { ["source"] = new() { Other = "朋友圈" } } };

        Assert.That(BallotValidator.Validate(Sourced, [], answers), Is.Empty);
    }

    [Test]
    public void Validate_SingleChoiceOptionAndOtherBoth_AsksForOne()
    {
        var answers = new BallotAnswers { Once = new Dictionary<string, Answer> { ["source"] = new() { Choice = "会议", Other = "朋友圈" } } };

        AssertOnlyError(BallotValidator.Validate(Sourced, [], answers), "“您从哪里得知本次活动”", "请只选一项");
    }

    [Test]
    public void Validate_SingleChoiceOtherTooLong_SaysTheLimit()
    {
        var answers = new BallotAnswers { Once = new Dictionary<string, Answer> { ["source"] = new() { Other = new string('群', 11) } } };

        AssertOnlyError(BallotValidator.Validate(Sourced, [], answers), "“其他”的说明不能超过 10 个字", "您写了 11 个字");
    }

    [Test]
    public void Validate_MultipleChoiceUnknownOption_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = Tick("办事效率", "食堂伙食")),
            "“您认为最需要改进的方面（最多选 3 项）”", "选项“食堂伙食”不在本题选项中");
    }

    [Test]
    public void Validate_SeveralUnknownOptions_ReportedOnce()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = Tick("甲", "乙", "丙")), "选项“甲”不在本题选项中");
    }

    [Test]
    public void Validate_DuplicateChoice_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = Tick("办事效率", "办事效率")), "选项“办事效率”重复选择");
    }

    [Test]
    public void Validate_BlankChoiceInList_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = Tick("办事效率", " ")), "有空白选项");
    }

    [Test]
    public void Validate_MaxSelectionsExactly_IsAccepted()
    {
        Assert.That(SurveyErrors(once => once["concerns"] = new Answer { Choices = ["办事效率", "服务态度"], Other = "停车难" }), Is.Empty);
        Assert.That(SurveyErrors(once => once["concerns"] = Tick("办事效率", "服务态度", "信息公开")), Is.Empty);
    }

    [Test]
    public void Validate_MoreSelectionsThanAllowed_IsRefused()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = Tick("办事效率", "服务态度", "信息公开", "收费管理")),
            "最多选择 3 项", "您选了 4 项");
    }

    [Test]
    public void Validate_OtherCountsTowardMaxSelections()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = new Answer { Choices = ["办事效率", "服务态度", "信息公开"], Other = "停车难" }),
            "最多选择 3 项（“其他”也算一项）", "您选了 4 项");
    }

    [Test]
    public void Validate_MultipleChoiceOtherTooLong_SaysTheLimit()
    {
        AssertOnlyError(SurveyErrors(once => once["concerns"] = new Answer { Other = new string('慢', FormTemplates.OtherMaxLength + 1) }),
            "“其他”的说明不能超过 100 个字", "您写了 101 个字");
    }

    [Test]
    public void Validate_OtherMeasuredAfterTrimming()
    {
        var padded = $"  {new string('慢', FormTemplates.OtherMaxLength)}  ";

        Assert.That(SurveyErrors(once => once["concerns"] = new Answer { Other = padded }), Is.Empty);
    }

    [Test]
    public void Validate_NoneSeenWithASymptom_IsRefused()
    {
        var draft = new Draft();
        draft.Team["wind-1"] = Tick(FormTemplates.NoneSeen, "文山会海、以会议落实会议");

        AssertOnlyError(Errors(draft), TeamWind1, "选择“未发现”时不能再选择其他选项");
    }

    [Test]
    public void Validate_NoneSeenWithOtherText_IsRefused()
    {
        var draft = new Draft();
        draft.Li["wind-3"] = new Answer { Choices = [FormTemplates.NoneSeen], Other = "迟到早退" };

        AssertOnlyError(Errors(draft), "“在享乐主义方面存在的突出问题”（李红）", "选择“未发现”时不能再选择其他选项或填写“其他”");
    }

    [Test]
    public void Validate_SymptomOtherAlone_IsAccepted()
    {
        var draft = new Draft();
        draft.Li["wind-3"] = new Answer { Other = "迟到早退" };

        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void Validate_SymptomFromAnotherWind_IsRefused()
    {
        var draft = new Draft();
        draft.Team["wind-1"] = Tick("公款吃喝、铺张浪费");

        AssertOnlyError(Errors(draft), TeamWind1, "选项“公款吃喝、铺张浪费”不在本题选项中");
    }

    [Test]
    public void Validate_NoneSeenTwice_IsDuplicate()
    {
        var draft = new Draft();
        draft.Team["wind-1"] = Tick(FormTemplates.NoneSeen, FormTemplates.NoneSeen);

        AssertOnlyError(Errors(draft), TeamWind1, "重复选择");
    }

    [Test]
    public void Validate_EverySymptomTicked_IsAcceptedWithoutALimit()
    {
        var draft = new Draft();
        draft.Team["wind-2"] = new Answer { Choices = FormTemplates.FourWinds["官僚主义"], Other = "会风不正" };

        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void Validate_TextOverLimit_SaysTheLimitAndTheLength()
    {
        var draft = new Draft();
        draft.Team["target-opinion"] = Write(new string('改', 301));

        AssertOnlyError(Errors(draft), "“对其改进作风的具体意见”（领导班子）", "内容不能超过 300 个字", "您写了 301 个字");
    }

    [Test]
    public void Validate_TextAtLimitWithSurroundingSpace_IsAccepted()
    {
        var draft = new Draft();
        draft.Team["target-opinion"] = Write($"\n {new string('改', 300)} \n");

        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void Validate_WhiteSpaceText_IsUnanswered()
    {
        var draft = new Draft();
        draft.Once["campaign-opinion"] = Write(" \t ");

        Assert.That(Errors(draft), Is.Empty);
    }

    [Test]
    public void Validate_SeveralMistakes_AllListedInQuestionnaireThenTargetOrder()
    {
        var draft = new Draft();
        draft.Li.Remove("member-overall");
        draft.Wang.Remove("member-overall");
        draft.Team["wind-1"] = Tick(FormTemplates.NoneSeen, "文山会海、以会议落实会议");

        Assert.That(Errors(draft), Is.EqualTo(new[]
        {
            $"{WangVerdict}：请选择一项。",
            "“对该同志作风方面情况的总体评价”（李红）：请选择一项。",
            $"{TeamWind1}：选择“未发现”时不能再选择其他选项或填写“其他”，请重新选择。",
        }));
    }

    [Test]
    public void Validate_TooManyTargetSections_IsRefusedWithOneError()
    {
        var sections = Enumerable.Range(0, BallotValidator.MaxTargetEntries + 1)
            .ToDictionary(_ => Guid.NewGuid(), _ => (IReadOnlyDictionary<string, Answer>)new Dictionary<string, Answer>());

        AssertOnlyError(Errors(new BallotAnswers { Targets = sections }), "评议对象数量异常", "200");
    }

    [Test]
    public void Validate_TooManyAnswersInASection_IsRefusedWithOneError()
    {
        var draft = new Draft();
        for (var i = 0; i < BallotValidator.MaxAnswersPerSection; i++)
            draft.Li[$"q{i}"] = NoneSeen;

        AssertOnlyError(Errors(draft), "题目数量异常");
    }

    [Test]
    public void Validate_ManyMistakes_ListsAtMostTheLimit()
    {
        var draft = new Draft();
        for (var i = 0; i < 50; i++)
            draft.Once[$"q{i:00}"] = Write("x");

        var errors = Errors(draft);

        Assert.That(errors, Has.Count.EqualTo(BallotValidator.MaxErrors + 1));
        Assert.That(errors[^1], Does.Contain("另有 30 处问题未列出"));
    }

    [Test]
    public void Validate_LongUnknownValue_IsQuotedShortened()
    {
        var draft = new Draft();
        draft.Wang["member-overall"] = Pick(new string('优', 500));

        AssertOnlyError(Errors(draft), $"“{new string('优', 20)}…”不是本题的评价等级");
    }

    /// <summary>The quote is cut between characters as a person sees them: never half a surrogate pair, never half a family.</summary>
    [TestCase("👍", TestName = "Validate_LongUnknownValueOfEmoji_IsQuotedShortenedToWholeEmoji")]
    [TestCase("👨‍👩‍👧", TestName = "Validate_LongUnknownValueOfZwjFamilies_IsQuotedShortenedToWholeFamilies")]
    [TestCase("𠮷", TestName = "Validate_LongUnknownValueOfExtensionB_IsQuotedShortenedToWholeCharacters")]
    public void Validate_LongUnknownValueOfWideCharacters_IsQuotedShortenedToWholeCharacters(string character)
    {
        var draft = new Draft();
        draft.Wang["member-overall"] = Pick(string.Concat(Enumerable.Repeat(character, 25)));

        AssertOnlyError(Errors(draft), $"“{string.Concat(Enumerable.Repeat(character, 20))}…”不是本题的评价等级");
    }

    [Test]
    public void Normalise_DropsEmptyAnswersAndSectionsAndTrimsText()
    {
        var answers = new BallotAnswers
        {
            Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Write("  多听意见 \n") },
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
            {
                [TeamId] = new Dictionary<string, Answer>
                {
                    ["team-overall"] = Pick("好"),
                    ["target-opinion"] = Write("   "),
                    ["wind-1"] = new() { Choices = [], Other = " 会多 ", Text = "" },
                },
                [WangId] = new Dictionary<string, Answer> { ["wind-2"] = Tick() },
            },
        };

        var normal = BallotValidator.Normalise(answers);

        Assert.That(BallotJson.Canonical(normal), Is.EqualTo(
            """{"once":{"campaign-opinion":{"text":"多听意见"}},"targets":{"00000000-0000-0000-0000-00000000000a":{"team-overall":{"choice":"好"},"wind-1":{"other":"会多"}}}}"""));
    }

    [Test]
    public void Normalise_BlankBallot_StaysBlank()
    {
        var draft = new Draft();
        draft.Once.Clear();
        draft.Team.Clear();
        draft.Wang.Clear();
        draft.Li["member-overall"] = new Answer();
        draft.Li.Remove("wind-1");
        draft.Li.Remove("wind-2");
        draft.Li.Remove("wind-3");
        draft.Li.Remove("wind-4");

        var normal = BallotValidator.Normalise(draft.Build());

        Assert.That(BallotValidator.IsBlank(normal), Is.True);
        Assert.That(BallotJson.Canonical(normal), Is.EqualTo("""{"once":{},"targets":{}}"""));
    }

    [Test]
    public void Normalise_ValidBallot_StaysValidAndKeepsItsMeaning()
    {
        var draft = new Draft();
        draft.Team["target-opinion"] = Write(" 会议再少一些。 ");
        var normal = BallotValidator.Normalise(draft.Build());

        Assert.That(Errors(normal), Is.Empty);
        Assert.That(normal.Targets[TeamId]["target-opinion"].Text, Is.EqualTo("会议再少一些。"));
        Assert.That(normal.Targets[TeamId]["wind-3"].Choices, Is.EqualTo(new[] { "精神懈怠、不思进取" }));
        Assert.That(normal.Targets[LiId]["member-overall"].Choice, Is.EqualTo(Scale.Unknown));
    }

    private static Question Question(string id) => Mobilisation.Questions.Single(q => q.Id == id);

    [Test]
    public void BreaksRules_AnswerTheValidatorAccepts_DoesNotBreak()
    {
        Assert.That(BallotValidator.BreaksRules(Question("team-overall"), Pick("较好"), blankBallot: false), Is.False);
        Assert.That(BallotValidator.BreaksRules(Question("wind-1"), NoneSeen, blankBallot: false), Is.False);
        Assert.That(BallotValidator.BreaksRules(Question("target-opinion"), Write(new string('字', 300)), blankBallot: false), Is.False);
        Assert.That(BallotValidator.BreaksRules(Question("target-opinion"), null, blankBallot: false), Is.False, "not required");
    }

    [Test]
    public void BreaksRules_AnswerBreakingItsItemsRule_Breaks()
    {
        Assert.That(BallotValidator.BreaksRules(Question("team-overall"), Pick("很好"), blankBallot: false), Is.True, "no such grade");
        Assert.That(BallotValidator.BreaksRules(Question("team-overall"), Tick("好"), blankBallot: false), Is.True, "wrong shape");
        Assert.That(BallotValidator.BreaksRules(Question("wind-1"), Tick(FormTemplates.NoneSeen, "调查研究走过场、搞形式"), blankBallot: false), Is.True);
        Assert.That(BallotValidator.BreaksRules(Question("wind-1"), Tick("文山会海、以会议落实会议", "文山会海、以会议落实会议"), blankBallot: false), Is.True);
        Assert.That(BallotValidator.BreaksRules(Question("target-opinion"), Write(new string('字', 301)), blankBallot: false), Is.True, "over its limit");
        Assert.That(BallotValidator.BreaksRules(Survey.Questions.Single(q => q.Id == "concerns"),
            new Answer { Choices = ["办事效率", "服务态度", "信息公开"], Other = "停车难" }, blankBallot: false), Is.True, "over-selection, 其他 counting as one");
    }

    [Test]
    public void BreaksRules_RequiredItemLeftEmpty_BreaksOnlyOnABallotThatIsNotBlank()
    {
        Assert.That(BallotValidator.BreaksRules(Question("member-overall"), null, blankBallot: false), Is.True);
        Assert.That(BallotValidator.BreaksRules(Question("member-overall"), Pick(" "), blankBallot: false), Is.True);
        Assert.That(BallotValidator.BreaksRules(Question("member-overall"), null, blankBallot: true), Is.False, "a blank ballot is 弃权");
    }
}
