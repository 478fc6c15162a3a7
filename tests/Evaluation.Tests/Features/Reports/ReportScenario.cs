using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>
/// The meeting every report test reads back, with its numbers worked out by hand:
/// 16 answering ballots (staff 8, retired 6, clients 2) and one blank one from staff.
/// 班子: 好7 较好3 一般2 差3 不了解1 → D 15, 好评率 10/15 = 66.7%, 差评率 3/15 = 20.0%.
/// 张三: 优秀5 称职5 基本称职4 不称职2 → D 16, 称职率 62.5%, warned (6 ≥ 16/3); rank 2.
/// 李四: 优秀8 称职6 基本称职1 不了解1 → D 15, 称职率 14/15 = 93.3%; rank 1.
/// Clients (2) are fewer than k = 5, so they are merged with retired (6) and never shown on their own.
/// Opinions: two about 张三, one formula-looking one about the campaign, one with markup.
/// </summary>
public static class ReportScenario
{
    public const string FormulaOpinion = "=HYPERLINK(\"http://example.com\",\"点我\")";
    public const string MarkupOpinion = "<script>alert('x')</script>希望公开账目";
    public static readonly IReadOnlyList<(string, int)> Categories = [("机关工作人员", 10), ("离退休老党员", 8), ("服务对象代表", 3)];

    public static FrozenForm NewForm() => Form(FormTemplates.MobilisationEvaluation.Questionnaire, "张三", "李四");

    public static IReadOnlyList<SeedBallot> Ballots(FrozenForm form)
    {
        string[] team = ["好", "好", "好", "好", "较好", "较好", "一般", "不了解", "好", "好", "较好", "一般", "差", "差", "好", "差"];
        string[] zhang = ["优秀", "优秀", "优秀", "优秀", "优秀", "称职", "称职", "称职", "称职", "称职", "基本称职", "基本称职", "基本称职", "基本称职", "不称职", "不称职"];
        string[] li = ["优秀", "优秀", "优秀", "优秀", "优秀", "优秀", "优秀", "优秀", "称职", "称职", "称职", "称职", "称职", "称职", "基本称职", "不了解"];
        var teamId = form.Targets.First(t => t.Kind == TargetKind.Team).Id;
        var zhangId = form.Targets.First(t => t.Name == "张三").Id;
        var liId = form.Targets.First(t => t.Name == "李四").Id;
        var ballots = new List<SeedBallot>();
        for (var i = 0; i < 16; i++)
        {
            var zhangSection = new Dictionary<string, Answer> { ["member-overall"] = Choice(zhang[i]) };
            if (i < 2) zhangSection["target-opinion"] = Text($"希望张三同志多下基层{i + 1}");
            var once = new Dictionary<string, Answer>();
            if (i == 0) once["campaign-opinion"] = Text(FormulaOpinion);
            if (i == 1) once["campaign-opinion"] = Text(MarkupOpinion);
            ballots.Add(new SeedBallot(i < 8 ? 0 : i < 14 ? 1 : 2, new BallotAnswers
            {
                Once = once,
                Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>>
                {
                    [teamId] = new Dictionary<string, Answer>
                    {
                        ["team-overall"] = Choice(team[i]),
                        ["wind-1"] = i < 6 ? Choices("文山会海、以会议落实会议") : Choices(FormTemplates.NoneSeen),
                    },
                    [zhangId] = zhangSection,
                    [liId] = new Dictionary<string, Answer> { ["member-overall"] = Choice(li[i]) },
                },
            }));
        }
        ballots.Add(new SeedBallot(0, new BallotAnswers()));
        return ballots;
    }

    public static async Task<ClosedEvaluation> SeedAsync(StaffWorld world, Guid unit, string name = "测试评议", string round = "动员大会后民主评议")
    {
        var form = NewForm();
        return await world.SeedClosedAsync(unit, form, Categories, Ballots(form), unusedSlips: 3, name: name, round: round);
    }
}
