namespace Evaluation.Core.Forms;

public sealed record FormTemplate(string Id, string Name, string Description, Questionnaire Questionnaire);

/// <summary>The forms units actually use (DESIGN.md §4, and the 民主评议 paragraphs of the seed documents).</summary>
public static class FormTemplates
{
    public const string NoneSeen = "未发现";
    public const int OtherMaxLength = 100;

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> FourWinds = new Dictionary<string, IReadOnlyList<string>>
    {
        ["形式主义"] = ["文山会海、以会议落实会议", "调查研究走过场、搞形式", "工作不抓落实、热衷于搞花架子", "学风不正、学用脱节"],
        ["官僚主义"] = ["脱离群众、高高在上", "门难进、脸难看、事难办", "作风专横、独断专行", "不敢担当、推诿扯皮"],
        ["享乐主义"] = ["精神懈怠、不思进取", "贪图安逸、庸懒散拖", "追求享受、不愿吃苦", "拈轻怕重、消极应付"],
        ["奢靡之风"] = ["公款吃喝、铺张浪费", "超标准配车用车、办公用房", "大操大办婚丧喜庆、收受礼金", "出入私人会所、公款旅游"],
    };

    public static readonly FormTemplate MobilisationEvaluation = new(
        "mobilisation",
        "民主评议表（动员大会后）",
        "对领导班子和班子成员作风方面情况的总体评价、四风突出问题、意见建议。",
        new Questionnaire
        {
            Title = "领导班子和党员领导干部民主评议表",
            Instructions = "请对领导班子和每位班子成员作出评价。本评议不记名，提交后任何人都无法知道您的选择。",
            Questions =
            [
                new Question { Id = "team-overall", Kind = QuestionKind.Rating, Per = TargetScope.Team, Required = true,
                    Text = "对领导班子作风方面情况的总体评价", Scale = Scale.Quality.Id, AllowUnknown = true },
                new Question { Id = "member-overall", Kind = QuestionKind.Rating, Per = TargetScope.Members, Required = true,
                    Text = "对该同志作风方面情况的总体评价", Scale = Scale.Competence.Id, AllowUnknown = true },
                .. FourWinds.Select((wind, i) => new Question
                {
                    Id = $"wind-{i + 1}", Kind = QuestionKind.Symptoms, Per = TargetScope.AllTargets,
                    Text = $"在{wind.Key}方面存在的突出问题", Options = wind.Value, NoneOption = NoneSeen,
                    AllowOther = true, MaxLength = OtherMaxLength,
                }),
                new Question { Id = "target-opinion", Kind = QuestionKind.Text, Per = TargetScope.AllTargets,
                    Text = "对其改进作风的具体意见", MaxLength = 300 },
                new Question { Id = "campaign-opinion", Kind = QuestionKind.Text,
                    Text = "对搞好教育实践活动的意见建议", MaxLength = 1000 },
            ],
        });

    public static readonly FormTemplate ClosingSatisfaction = new(
        "closing",
        "满意度测评表（总结大会后）",
        "对领导班子和班子成员解决问题、改进作风情况的满意度。",
        new Questionnaire
        {
            Title = "教育实践活动满意度测评表",
            Instructions = "请对教育实践活动开展以来领导班子和班子成员解决问题、改进作风的情况作出评价。本测评不记名。",
            Questions =
            [
                new Question { Id = "team-satisfaction", Kind = QuestionKind.Rating, Per = TargetScope.Team, Required = true,
                    Text = "对领导班子开展教育实践活动、解决突出问题情况的满意度", Scale = Scale.Satisfaction.Id, AllowUnknown = true },
                new Question { Id = "member-satisfaction", Kind = QuestionKind.Rating, Per = TargetScope.Members, Required = true,
                    Text = "对该同志整改落实、改进作风情况的满意度", Scale = Scale.Satisfaction.Id, AllowUnknown = true },
                new Question { Id = "rectification", Kind = QuestionKind.Rating, Required = true,
                    Text = "对本单位“四风”问题整改成效的总体评价", Scale = Scale.Quality.Id, AllowUnknown = true },
                new Question { Id = "further-opinion", Kind = QuestionKind.Text,
                    Text = "对进一步巩固活动成果的意见建议", MaxLength = 1000 },
            ],
        });

    public static readonly FormTemplate OpinionSurvey = new(
        "survey",
        "征求意见表（无评议对象）",
        "满意度调研、征求意见等不针对具体人员的问卷。",
        new Questionnaire
        {
            Title = "征求意见表",
            Instructions = "本问卷不记名，请如实填写。",
            Questions =
            [
                new Question { Id = "service-satisfaction", Kind = QuestionKind.Rating, Required = true,
                    Text = "您对本单位服务群众工作的总体评价", Scale = Scale.Satisfaction.Id },
                new Question { Id = "identity", Kind = QuestionKind.SingleChoice,
                    Text = "您与本单位的关系", Options = ["本单位职工", "服务对象", "合作单位", "其他"] },
                new Question { Id = "concerns", Kind = QuestionKind.MultipleChoice, MaxSelections = 3,
                    Text = "您认为最需要改进的方面（最多选 3 项）",
                    Options = ["办事效率", "服务态度", "信息公开", "收费管理", "环境设施"], AllowOther = true, MaxLength = OtherMaxLength },
                new Question { Id = "opinion", Kind = QuestionKind.Text, Text = "意见和建议", MaxLength = 1000 },
            ],
        });

    public static readonly IReadOnlyList<FormTemplate> All = [MobilisationEvaluation, ClosingSatisfaction, OpinionSurvey];

    public static FormTemplate? Find(string? id) => All.FirstOrDefault(t => t.Id == id);
}
