using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;

namespace Evaluation.Tests.Core.Ballots;

/// <summary>The mobilisation form put to a 班子 and two members, and a ballot that answers all of it, ready to be spoilt.</summary>
internal static class BallotFixture
{
    public static readonly Questionnaire Mobilisation = FormTemplates.MobilisationEvaluation.Questionnaire;
    public static readonly Questionnaire Survey = FormTemplates.OpinionSurvey.Questionnaire;

    public static readonly Guid TeamId = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    public static readonly Guid WangId = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    public static readonly Guid LiId = Guid.Parse("00000000-0000-0000-0000-00000000000c");

    // Listed out of position order: the validator must not rely on the order rows came back in.
    public static readonly IReadOnlyList<Target> Targets =
    [
        new() { Id = LiId, Kind = TargetKind.Member, Name = "李红", Title = "副局长", Position = 2 },
        new() { Id = TeamId, Kind = TargetKind.Team, Name = "领导班子", Position = 0 },
        new() { Id = WangId, Kind = TargetKind.Member, Name = "王建国", Title = "局长", Position = 1 },
    ];

    public static Answer Pick(string choice) => new() { Choice = choice };
    public static Answer Tick(params string[] choices) => new() { Choices = choices };
    public static Answer Write(string text) => new() { Text = text };
    public static Answer NoneSeen => Tick(FormTemplates.NoneSeen);

    /// <summary>A complete, valid mobilisation ballot whose sections tests change before <see cref="Build"/>.</summary>
    public sealed class Draft
    {
        public Dictionary<string, Answer> Once { get; } = new() { ["campaign-opinion"] = Write("希望活动多听基层意见。") };

        public Dictionary<string, Answer> Team { get; } = new()
        {
            ["team-overall"] = Pick("较好"),
            ["wind-1"] = Tick("文山会海、以会议落实会议", "调查研究走过场、搞形式"),
            ["wind-2"] = NoneSeen,
            ["wind-3"] = new() { Choices = ["精神懈怠、不思进取"], Other = "值班脱岗" },
            ["wind-4"] = NoneSeen,
            ["target-opinion"] = Write("会议再少一些。"),
        };

        public Dictionary<string, Answer> Wang { get; } = Member("称职");
        public Dictionary<string, Answer> Li { get; } = Member(Scale.Unknown);

        public BallotAnswers Build() => new()
        {
            Once = Once,
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [TeamId] = Team, [WangId] = Wang, [LiId] = Li },
        };

        private static Dictionary<string, Answer> Member(string verdict) => new()
        {
            ["member-overall"] = Pick(verdict),
            ["wind-1"] = NoneSeen,
            ["wind-2"] = Tick("门难进、脸难看、事难办"),
            ["wind-3"] = NoneSeen,
            ["wind-4"] = NoneSeen,
        };
    }

    public static BallotAnswers CompleteSurvey(Action<Dictionary<string, Answer>>? change = null)
    {
        var once = new Dictionary<string, Answer>
        {
            ["service-satisfaction"] = Pick("基本满意"),
            ["identity"] = Pick("其他"),
            ["concerns"] = new() { Choices = ["办事效率", "服务态度"], Other = "停车难" },
            ["opinion"] = Write("窗口午休时间也能办事就好了。"),
        };
        change?.Invoke(once);
        return new() { Once = once };
    }
}
