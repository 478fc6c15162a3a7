namespace Evaluation.Core.Forms;

/// <summary>The fixed grading scales of 民主测评 practice. Counting rules (好评率 …) depend on them, so they are not free text.</summary>
public sealed record Scale(string Id, string Name, IReadOnlyList<string> Grades)
{
    public const string Unknown = "不了解";

    public static readonly Scale Quality = new("quality", "好 / 较好 / 一般 / 差", ["好", "较好", "一般", "差"]);
    public static readonly Scale Competence = new("competence", "优秀 / 称职 / 基本称职 / 不称职", ["优秀", "称职", "基本称职", "不称职"]);
    public static readonly Scale Satisfaction = new("satisfaction", "满意 / 基本满意 / 不满意", ["满意", "基本满意", "不满意"]);

    public static readonly IReadOnlyList<Scale> All = [Quality, Competence, Satisfaction];

    public static Scale? Find(string? id) => All.FirstOrDefault(s => s.Id == id);
}
