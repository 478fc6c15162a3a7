using Evaluation.Core.Forms;

namespace Evaluation.Tests.Core.Forms;

public sealed class QuestionnaireValidatorTests
{
    private static Questionnaire Form(params Question[] questions) => new() { Title = "测试问卷", Questions = questions };

    private static Question Rating(string id = "q1") =>
        new() { Id = id, Kind = QuestionKind.Rating, Text = "总体评价", Scale = Scale.Quality.Id, AllowUnknown = true };

    private static Question Single(string id = "q1") =>
        new() { Id = id, Kind = QuestionKind.SingleChoice, Text = "您与本单位的关系", Options = ["本单位职工", "服务对象"] };

    private static Question Multiple(string id = "q1") =>
        new() { Id = id, Kind = QuestionKind.MultipleChoice, Text = "最需要改进的方面", Options = ["办事效率", "服务态度", "信息公开"], MaxSelections = 2 };

    private static Question Symptoms(string id = "q1") =>
        new() { Id = id, Kind = QuestionKind.Symptoms, Per = TargetScope.AllTargets, Text = "形式主义方面的突出问题",
            Options = ["文山会海", "调查研究走过场"], NoneOption = FormTemplates.NoneSeen, AllowOther = true, MaxLength = 100 };

    private static Question TextQuestion(string id = "q1") =>
        new() { Id = id, Kind = QuestionKind.Text, Text = "意见和建议", MaxLength = 1000 };

    private static Target Team => new() { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 0 };
    private static Target Member => new() { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = "张三", Title = "局长", Position = 1 };

    /// <summary>The one error the questionnaire has, checked to contain each fragment.</summary>
    private static void AssertOnlyError(Questionnaire questionnaire, params string[] fragments)
    {
        var errors = QuestionnaireValidator.Validate(questionnaire);
        Assert.That(errors, Has.Count.EqualTo(1), string.Join("\n", errors));
        foreach (var fragment in fragments)
            Assert.That(errors[0], Does.Contain(fragment));
    }

    private static IEnumerable<TestCaseData> Templates() =>
        FormTemplates.All.Select(t => new TestCaseData(t).SetArgDisplayNames(t.Id));

    [TestCaseSource(nameof(Templates))]
    public void Validate_BuiltInTemplate_HasNoErrors(FormTemplate template)
    {
        Assert.That(QuestionnaireValidator.Validate(template.Questionnaire), Is.Empty);
    }

    [Test]
    public void Validate_WellFormedQuestionOfEachKind_HasNoErrors()
    {
        var form = Form(Rating("a"), Single("b"), Multiple("c"), Symptoms("d"), TextQuestion("e"));

        Assert.That(QuestionnaireValidator.Validate(form), Is.Empty);
    }

    [Test]
    public void Validate_NoQuestions_AsksForOne()
    {
        AssertOnlyError(Form(), "问卷还没有题目");
    }

    [TestCase("")]
    [TestCase("   ")]
    public void Validate_BlankTitle_AsksForTitle(string title)
    {
        AssertOnlyError(Form(Rating()) with { Title = title }, "请填写问卷标题");
    }

    [Test]
    public void Validate_TooManyQuestions_SaysTheLimit()
    {
        var questions = Enumerable.Range(1, QuestionnaireValidator.MaxQuestions + 1).Select(i => Rating($"q{i}")).ToArray();

        AssertOnlyError(Form(questions), "题目不能超过 100 道");
    }

    [Test]
    public void Validate_MissingQuestion_SaysWhichOne()
    {
        AssertOnlyError(Form(Rating(), null!), "第 2 题为空");
    }

    [Test]
    public void Validate_RatingWithUnknownScale_NamesItAndListsTheScales()
    {
        AssertOnlyError(Form(Rating() with { Scale = "stars" }), "第 1 题", "未知的评价等级“stars”", "quality", "competence", "satisfaction");
    }

    [Test]
    public void Validate_RatingWithoutScale_AsksForOne()
    {
        AssertOnlyError(Form(Rating() with { Scale = null }), "未知的评价等级");
    }

    [Test]
    public void Validate_RatingWithOwnOptions_SaysScaleDecides()
    {
        AssertOnlyError(Form(Rating() with { Options = ["好", "差"] }), "选项由等级决定");
    }

    [Test]
    public void Validate_RatingWithChoiceSettings_AsksToRemoveThem()
    {
        AssertOnlyError(Form(Rating() with { MaxSelections = 1 }), "只能设置等级和“不了解”");
    }

    [Test]
    public void Validate_SingleChoiceWithoutOptions_AsksForTwo()
    {
        AssertOnlyError(Form(Single() with { Options = [] }), "第 1 题", "至少需要 2 个选项");
    }

    [Test]
    public void Validate_SingleChoiceWithOneOption_AsksForTwo()
    {
        AssertOnlyError(Form(Single() with { Options = ["是"] }), "至少需要 2 个选项");
    }

    [Test]
    public void Validate_SymptomsWithoutOptions_AsksForOne()
    {
        AssertOnlyError(Form(Symptoms() with { Options = [] }), "至少需要 1 个表现选项");
    }

    [Test]
    public void Validate_DuplicateOption_NamesIt()
    {
        AssertOnlyError(Form(Single() with { Options = ["本单位职工", "服务对象", "本单位职工"] }), "选项“本单位职工”重复");
    }

    [Test]
    public void Validate_BlankOption_AsksToFillOrRemove()
    {
        AssertOnlyError(Form(Single() with { Options = ["本单位职工", " "] }), "空白选项");
    }

    [Test]
    public void Validate_OptionWithSurroundingSpaces_AsksToTrim()
    {
        AssertOnlyError(Form(Single() with { Options = ["本单位职工", "服务对象 "] }), "“服务对象”首尾有空格");
    }

    [Test]
    public void Validate_OptionTooLong_SaysTheLimit()
    {
        AssertOnlyError(Form(Single() with { Options = ["本单位职工", new string('长', 101)] }), "超过 100 个字");
    }

    [Test]
    public void Validate_TooManyOptions_SaysTheLimit()
    {
        var options = Enumerable.Range(1, QuestionnaireValidator.MaxOptions + 1).Select(i => $"选项{i}").ToArray();

        AssertOnlyError(Form(Single() with { Options = options }), "选项不能超过 30 个");
    }

    [Test]
    public void Validate_QuestionTextAtLimit_IsAccepted()
    {
        Assert.That(QuestionnaireValidator.Validate(Form(Rating() with { Text = new string('题', 300) })), Is.Empty);
    }

    [Test]
    public void Validate_QuestionTextOverLimit_AsksToShorten()
    {
        AssertOnlyError(Form(Rating() with { Text = new string('题', 301) }), "第 1 题", "题目内容不能超过 300 个字");
    }

    [Test]
    public void Validate_BlankQuestionText_AsksForIt()
    {
        AssertOnlyError(Form(Rating() with { Text = "" }), "请填写题目内容");
    }

    [Test]
    public void Validate_DuplicateQuestionId_PointsAtTheLaterQuestion()
    {
        AssertOnlyError(Form(Rating("overall"), TextQuestion("overall")), "第 2 题", "题目编号“overall”与前面的题目重复");
    }

    [TestCase("")]
    [TestCase("Overall")]
    [TestCase("-overall")]
    [TestCase("team overall")]
    [TestCase("总体评价")]
    [TestCase("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")] // 41 characters
    public void Validate_BadQuestionId_ExplainsTheAllowedCharacters(string id)
    {
        AssertOnlyError(Form(Rating(id)), "题目编号只能由小写字母、数字、下划线和连字符组成");
    }

    [TestCase("q")]
    [TestCase("team-overall_2")]
    [TestCase("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")] // 40 characters
    public void Validate_WellFormedQuestionId_IsAccepted(string id)
    {
        Assert.That(QuestionnaireValidator.Validate(Form(Rating(id))), Is.Empty);
    }

    [TestCase(null)]
    [TestCase(0)]
    [TestCase(2001)]
    public void Validate_TextWithoutSensibleMaxLength_AsksForALimit(int? maxLength)
    {
        AssertOnlyError(Form(TextQuestion() with { MaxLength = maxLength }), "请为文字意见设置字数上限（1–2000）");
    }

    [Test]
    public void Validate_TextWithOptions_AsksToRemoveThem()
    {
        AssertOnlyError(Form(TextQuestion() with { Options = ["是", "否"] }), "文字意见题不需要选项或等级");
    }

    [Test]
    public void Validate_NoneOptionOnChoiceQuestion_SaysOnlySymptomsHaveIt()
    {
        AssertOnlyError(Form(Single() with { NoneOption = "未发现" }), "只有四风问题可以设置“未发现”选项");
    }

    [Test]
    public void Validate_NoneOptionRepeatedAmongOptions_AsksToRemoveIt()
    {
        AssertOnlyError(Form(Symptoms() with { Options = ["文山会海", FormTemplates.NoneSeen] }), "“未发现”已作为“未发现”选项");
    }

    [TestCase(0)]
    [TestCase(4)]
    public void Validate_MaxSelectionsOutOfRange_AsksForOneToOptionCount(int max)
    {
        AssertOnlyError(Form(Multiple() with { MaxSelections = max }), "最多可选项数应在 1 到选项数之间");
    }

    [Test]
    public void Validate_MaxSelectionsCountingTheOtherBox_IsAccepted()
    {
        var question = Multiple() with { MaxSelections = 4, AllowOther = true, MaxLength = 50 };

        Assert.That(QuestionnaireValidator.Validate(Form(question)), Is.Empty);
    }

    [Test]
    public void Validate_MaxSelectionsOnSingleChoice_SaysItIsNotNeeded()
    {
        AssertOnlyError(Form(Single() with { MaxSelections = 1 }), "单选题不需要设置最多选几项");
    }

    [Test]
    public void Validate_OtherBoxWithoutMaxLength_AsksForALimit()
    {
        AssertOnlyError(Form(Single() with { AllowOther = true }), "“其他（请注明）”需要字数上限");
    }

    [Test]
    public void Validate_MaxLengthOnChoiceWithoutOtherBox_SaysWhereItApplies()
    {
        AssertOnlyError(Form(Single() with { MaxLength = 50 }), "字数上限只用于文字意见题和“其他（请注明）”");
    }

    [Test]
    public void Validate_ScaleOnChoiceQuestion_SaysOnlyRatingsHaveOne()
    {
        AssertOnlyError(Form(Single() with { AllowUnknown = true }), "只有评价等级题可以设置等级和“不了解”");
    }

    [Test]
    public void Validate_UndefinedKind_AsksToChooseAKind()
    {
        AssertOnlyError(Form(Rating() with { Kind = (QuestionKind)99, Scale = null }), "未知的题型");
    }

    [Test]
    public void Validate_SeveralProblems_ReportsEachWithItsQuestionNumber()
    {
        var errors = QuestionnaireValidator.Validate(Form(Rating() with { Scale = "stars" }, Single("q2") with { Options = [] }));

        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[0], Does.StartWith("第 1 题"));
        Assert.That(errors[1], Does.StartWith("第 2 题"));
    }

    [Test]
    public void ValidateForVoting_TeamQuestionWithoutTeamTarget_AsksToAddTheTeam()
    {
        var form = Form(Rating() with { Per = TargetScope.Team, Text = "对领导班子的总体评价" });

        var errors = QuestionnaireValidator.ValidateForVoting(form, [Member]);

        Assert.That(errors, Is.EqualTo(new[] { "题目“对领导班子的总体评价”针对领导班子，请先添加领导班子作为评议对象。" }));
    }

    [Test]
    public void ValidateForVoting_MemberQuestionWithoutMembers_AsksToAddMembers()
    {
        var form = Form(Rating() with { Per = TargetScope.Members, Text = "对该同志的总体评价" });

        var errors = QuestionnaireValidator.ValidateForVoting(form, [Team]);

        Assert.That(errors, Is.EqualTo(new[] { "题目“对该同志的总体评价”针对班子成员，请先添加班子成员。" }));
    }

    [Test]
    public void ValidateForVoting_AllTargetsQuestionWithNoTargets_AsksForTargets()
    {
        var errors = QuestionnaireValidator.ValidateForVoting(Form(Symptoms()), []);

        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.Contain("请先添加评议对象"));
    }

    [Test]
    public void ValidateForVoting_MobilisationFormWithTeamAndMembers_HasNoErrors()
    {
        Assert.That(QuestionnaireValidator.ValidateForVoting(FormTemplates.MobilisationEvaluation.Questionnaire, [Team, Member]), Is.Empty);
    }

    [Test]
    public void ValidateForVoting_SurveyWithoutTargets_HasNoErrors()
    {
        Assert.That(QuestionnaireValidator.ValidateForVoting(FormTemplates.OpinionSurvey.Questionnaire, []), Is.Empty);
    }

    [Test]
    public void ValidateForVoting_InvalidQuestionnaire_ReportsItsErrorsToo()
    {
        var errors = QuestionnaireValidator.ValidateForVoting(Form(Rating() with { Scale = "stars" }), [Team, Member]);

        Assert.That(errors, Has.Some.Contains("未知的评价等级"));
    }

    private static string Times(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    /// <summary>Characters as a person sees them: an emoji, a flag, a family joined by ZWJ and "𠮷" are one each.</summary>
    private static IEnumerable<TestCaseData> WideCharacters() =>
        new[] { ("an emoji", "👍"), ("a flag", "🇨🇳"), ("a ZWJ family", "👨‍👩‍👧"), ("a CJK Extension B character", "𠮷") }
            .Select(c => new TestCaseData(c.Item2).SetArgDisplayNames(c.Item1));

    [TestCaseSource(nameof(WideCharacters))]
    public void Validate_TextsAtTheirLimitInWideCharacters_HaveNoErrors(string character)
    {
        var form = new Questionnaire
        {
            Title = Times(character, QuestionnaireValidator.MaxTitleLength),
            Instructions = Times(character, QuestionnaireValidator.MaxInstructionsLength),
            Questions =
            [
                Symptoms() with
                {
                    Text = Times(character, QuestionnaireValidator.MaxQuestionTextLength),
                    Options = [Times(character, QuestionnaireValidator.MaxOptionLength), "调查研究走过场"],
                    NoneOption = Times(character, QuestionnaireValidator.MaxOptionLength - 1) + "无",
                },
            ],
        };

        Assert.That(QuestionnaireValidator.Validate(form), Is.Empty);
    }

    [TestCaseSource(nameof(WideCharacters))]
    public void Validate_TextsOneWideCharacterOverTheLimit_AreRefused(string character)
    {
        AssertOnlyError(Form(Rating()) with { Title = Times(character, QuestionnaireValidator.MaxTitleLength + 1) }, "问卷标题不能超过 100 个字");
        AssertOnlyError(Form(Rating()) with { Instructions = Times(character, QuestionnaireValidator.MaxInstructionsLength + 1) }, "填写说明不能超过 2000 个字");
        AssertOnlyError(Form(Rating() with { Text = Times(character, QuestionnaireValidator.MaxQuestionTextLength + 1) }), "题目内容不能超过 300 个字");
        AssertOnlyError(Form(Single() with { Options = ["本单位职工", Times(character, QuestionnaireValidator.MaxOptionLength + 1)] }),
            $"选项“{Times(character, 20)}…”超过 100 个字");
    }

    /// <summary>Direction controls and invisible characters that staff text may not hold; voters' answers keep theirs.</summary>
    private static IEnumerable<TestCaseData> HiddenCharacters() =>
        new[]
        {
            ("RIGHT-TO-LEFT OVERRIDE", "\u202E"), ("LEFT-TO-RIGHT ISOLATE", "\u2066"), ("RIGHT-TO-LEFT ISOLATE", "\u2067"),
            ("FIRST STRONG ISOLATE", "\u2068"), ("POP DIRECTIONAL ISOLATE", "\u2069"), ("ZERO WIDTH SPACE", "\u200B"),
            ("RIGHT-TO-LEFT MARK", "\u200F"), ("a NUL", "\0"),
        }.Select(c => new TestCaseData(c.Item2).SetArgDisplayNames(c.Item1));

    [TestCaseSource(nameof(HiddenCharacters))]
    public void Validate_StaffTextWithAHiddenCharacter_IsRefusedWithWhatToDo(string hidden)
    {
        var bad = $"作风{hidden}评价";
        AssertOnlyError(Form(Rating()) with { Title = bad }, "问卷标题中有看不见的控制字符或方向控制字符", "请删除后重新输入");
        AssertOnlyError(Form(Rating()) with { Instructions = "第一行\r\n" + bad }, "填写说明中有看不见的");
        AssertOnlyError(Form(Rating() with { Text = bad }), "第 1 题", "题目内容中有看不见的");
        AssertOnlyError(Form(Single() with { Options = ["本单位职工", bad] }), "第 1 题", "选项中有看不见的");
        AssertOnlyError(Form(Symptoms() with { NoneOption = bad }), "第 1 题", "“未发现”选项的文字中有看不见的");
    }

    [Test]
    public void Validate_InstructionsOfSeveralLines_AndEmojiJoinedByZwj_AreAccepted()
    {
        var form = Form(Single() with { Options = ["👨‍👩‍👧 家属", "🏳️‍🌈 其他"] }) with { Instructions = "第一行\r\n第二行\n\t第三行" };

        Assert.That(QuestionnaireValidator.Validate(form), Is.Empty);
    }
}
