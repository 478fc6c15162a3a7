using System.Globalization;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Core.Text;

namespace Evaluation.Core.Reports;

/// <summary>
/// The words of the Excel report: its sheet names, the labels of its rows and columns, its headings and notes. The web
/// service writes the workbook with them and the auditor's verifier reads it back with them, so the two cannot drift
/// apart. Where a cell puts someone's text (a name, a question, an opinion) beside the product's own words, the text is
/// isolated (<see cref="UserText.Isolate"/>) so no direction control or right-to-left name can reorder those words; a
/// cell that holds nothing but that text keeps it verbatim.
/// </summary>
public static class WorkbookLayout
{
    // ---- sheets ----
    public const string SummarySheet = "汇总";
    public const string GeneralSheet = "问卷（整体）";
    public const string WindsSheet = "四风";
    public const string OpinionsSheet = "意见建议";
    public const string BallotsSheet = "原始票";
    public static readonly IReadOnlyList<string> FixedSheets = [SummarySheet, GeneralSheet, WindsSheet, OpinionsSheet, BallotsSheet];

    /// <summary>A target's sheet when its name leaves nothing a sheet tab can show.</summary>
    public const string UnnamedTargetSheet = "评议对象";

    // ---- words used on several sheets ----
    public const string Dash = "—";
    public const string Whole = "整体";
    public const string OtherLabel = "其他（请注明）";
    public const string Yes = "是";
    public const string No = "否";

    // ---- 汇总: the label/value rows ----
    public const string UnitLabel = "单位";
    public const string NameLabel = "评议名称";
    public const string RoundLabel = "轮次";
    public const string ClosedLabel = "结束时间";
    public const string FormHashLabel = "问卷哈希";
    public const string FingerprintLabel = "选票指纹";
    /// <summary>The action log's newest entry when the report was made (<see cref="ActionLogHead"/>): what verifier --anchor takes.</summary>
    public const string LogHeadLabel = "操作记录";

    /// <summary>The head as printed beside <see cref="LogHeadLabel"/> (<see cref="ActionLogHead.ToString"/>), read back.</summary>
    public static ActionLogHead? ReadLogHead(string printed)
    {
        var parts = printed.Split(' ', '，');
        // "第 12 条，<hash>" splits into 第, 12, 条, <hash>.
        return parts is ["第", var seq, "条", var hash]
            && long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && hash.Length == 64 && hash.All(char.IsAsciiHexDigitLower)
            ? new ActionLogHead(n, hash)
            : null;
    }

    public const string SettingsLabel = "计票规则";

    public const string TurnoutHeading = "投票情况";
    public static readonly IReadOnlyList<string> TurnoutHeaders = ["应到", "实到（签到）", "发出", "收回", "有效", "无效", "弃权"];

    /// <summary>The turnout row under <see cref="TurnoutHeaders"/>, in their order.</summary>
    public static int[] TurnoutValues(Turnout t) => [t.Expected, t.CheckedIn, t.Issued, t.Received, t.Valid, t.Invalid, t.Abstained];

    public const string ResultsHeading = "测评结果汇总表";
    public const string SurveyHeading = "问卷结果";

    public static string Title(string unitName, string evaluationName) => $"{UserText.Isolate(unitName)} {UserText.Isolate(evaluationName)} 测评结果";

    /// <summary>Unit · evaluation · round, under a sheet's title.</summary>
    public static string Byline(string unitName, string evaluationName, string round) =>
        $"{UserText.Isolate(unitName)} · {UserText.Isolate(evaluationName)} · {UserText.Isolate(round)}";

    public static string ClosedAt(string beijingTime) => $"{beijingTime}（北京时间）";

    public static string EvaluationSuppressedNote(int k) => $"作答的有效票（不含弃权）不足 {k} 票：为保护匿名，本次不公布测评结果、意见建议和原始票。";

    public const string GeneralSheetPointer = $"不针对具体评议对象的题目见“{GeneralSheet}”表；各对象的全部题目见以其姓名命名的表。";

    // ---- the result tables (汇总) and the category tables ----
    public const string TargetColumn = "评议对象";
    public const string PostColumn = "职务";
    public const string GroupColumn = "类别分组";
    public const string GroupAnsweredColumn = "作答（票）";
    public const string DenominatorColumn = "D";
    public const string NegativeRate = "差评率";
    public const string ScoreColumn = "得分";
    public const string RankColumn = "排名";
    public const string WarningColumn = "预警";
    public const string WarningSeparator = "；";

    public static string Votes(string grade) => $"{grade}（票）";
    public static string Share(string grade) => $"{grade}（占比）";
    public static string Weighted(string rateName) => "加权" + rateName;

    /// <summary>The heading of one scale's result table: its questions and the scale.</summary>
    public static string ScaleHeading(IEnumerable<string> questions, Scale scale) =>
        $"{string.Join("；", questions.Select(UserText.Isolate))}（{scale.Name}）";

    /// <summary>A target's post in the result table, with its transfer when it has left.</summary>
    public static string Post(Target t) => t.TransferredOutOn is { } left
        ? (TargetLabel.Post(t.Title) is { } post ? UserText.Isolate(post) : "") + $"（{left:yyyy-MM-dd} 调出）"
        : TargetLabel.Post(t.Title) ?? "";

    public const string NoRatingNote = "本对象没有评价等级题，各题结果见其分表。";

    public static string ByGroupHeading(string rateName) => $"按评议人员类别（{rateName}）";

    public static string TargetGroupsUnderK(string targetName, int k) => $"{UserText.Isolate(targetName)}：有类别作答不足 {k} 票，不分类别列示。";

    public static string TooFewGroups(int k) => $"达到 {k} 票的评议人员类别不足两组，不分类别列示。";

    // ---- a target's sheet and the item blocks ----
    public const string TargetTitlePrefix = "评议对象：";

    /// <summary>The first cell of a target's sheet: how the verifier knows which target the sheet is about.</summary>
    public static string TargetTitle(Target t) =>
        TargetTitlePrefix + TargetLabel.Of(t.Name, t.Title, UserText.Isolate);

    /// <summary>
    /// A 调出 member, under its name in every report and on the 汇总 sheet: when they left and where the result went. The
    /// result goes to the evaluating unit's parent, as recorded at 开箱 (评议结果转局党委教育实践活动办公室; Features/Transfers);
    /// <paramref name="sentTo"/> is null when nothing travelled. <paramref name="isolate"/> wraps the unit's name.
    /// </summary>
    public static string TransferredNote(DateOnly left, string? sentTo, bool rehearsal, Func<string, string> isolate) =>
        $"已于 {left:yyyy-MM-dd} 调出，" + (sentTo is not null ? $"评议结果已转 {isolate(sentTo)}。"
            : rehearsal ? "演练的结果不转出。"
            : "本单位开箱时没有上级单位，评议结果未转出。");

    public const string TransferredLabel = "调出人员";
    /// <summary>
    /// A target some categories do not rate (评议范围): who rated it and its own denominators; null when everyone rates it.
    /// The reports print it under the target's name, the verifier compares it with its recount.
    /// </summary>
    public static string? RatersNote(TargetTally target) => target.RatedBy is { } raters
        ? $"{RatersNotePrefix}{string.Join("、", raters.Select(UserText.Isolate))}（只由这些类别评议）；应到 {target.Expected} 人，"
          + (target.Ballots is { } n ? $"作答 {n} 票。" : "作答不足最小公布单元，不公布。")
        : null;
    public const string RatersNotePrefix = "评议人员：";
    public static string RankNote(int rank) => $"{RankNotePrefix}{rank}{RankNoteSuffix}";
    public const string RankNotePrefix = "排名：第 ";
    public const string RankNoteSuffix = " 名";
    public static string WarningNote(IEnumerable<string> warnings) => $"预警：{string.Join(WarningSeparator, warnings)}";

    public const string GeneralTitle = "不针对具体评议对象的题目";

    /// <summary>"3. 题目（题型）": the heading of an item block, numbered in form order.</summary>
    public static string ItemHeading(int number, Question q) => $"{number}. {UserText.Isolate(q.Text)}（{KindName(q)}）";

    public static string KindName(Question q) => q.Kind switch
    {
        QuestionKind.Rating => Scale.Find(q.Scale)?.Name ?? "评价等级",
        QuestionKind.Symptoms => "四风问题，可多选",
        QuestionKind.SingleChoice => "单选",
        QuestionKind.MultipleChoice => q.MaxSelections is { } max ? $"多选，最多 {max} 项" : "多选",
        _ => "文字意见",
    };

    public const string GradeHeader = "等级";
    public const string OptionHeader = "选项";
    public const string CountHeader = "票数";
    public const string ShareOfDHeader = "占比（占 D）";
    public const string ShareOfAnsweredHeader = "占比（占作答人数）";
    public const string DenominatorLabel = "D（计算比率的分母）";
    public const string AnsweredLabel = "作答人数";
    public const string TextsLabel = "作答（条）";
    public const string UnansweredLabel = "未作答";
    public const string VoidLabel = "本题无效（如超选）";
    public const string ByGroupLabel = "按评议人员类别";
    public static string ItemGroupsUnderK(int k) => $"有类别作答不足 {k} 票，本题不分类别列示。";
    public const string TextsPointer = $"意见原文见“{OpinionsSheet}”表。";
    public const string MultipleNote = "可多选，各项占比之和可超过 100%。";
    public const string OtherPointer = $"“其他”的说明原文见“{OpinionsSheet}”表。";

    // ---- 四风 ----
    public const string WindsTitle = "四风突出问题（票数）";
    public const string WindsCorner = "问题 / 选项";
    public const string TotalColumn = "合计";
    public static string WindsAllSuppressed(int k) => $"各对象本题作答均不足 {k} 票，不公布。";
    public static string WindsDashNote(int k) => $"“{Dash}”：该对象本题作答不足 {k} 票，不公布；合计只含已公布的数。空白：本题未对该对象提问。";
    public const string WindsMultipleNote = "可多选，同一张票可在多个选项中计数。";

    // ---- 意见建议 ----
    public const string OpinionsTitle = "意见建议";

    /// <summary>The count line, worded as on the results page and in the PDF.</summary>
    public static string OpinionsCount(OpinionDigest digest) =>
        $"原始意见 {digest.OriginalCount} 条{OpinionDigest.OpenBoxShare(digest.OpenBoxCount)}，梳理为 {digest.ConsolidatedCount} 条"
        + (digest.OriginalCount > 0 && !digest.Items.Any(i => i.Triaged) ? "（督导组尚未梳理，以下为原文）" : "") + "。";

    public static string TagCounts(IEnumerable<(string Tag, int Lines, int Originals)> tags) =>
        "按类别：" + string.Join("；", tags.Select(t => $"{UserText.Isolate(t.Tag)} {t.Lines} 条（原始 {t.Originals} 条）")) + "。";

    public const string DigestHeading = "梳理汇总";
    public static readonly IReadOnlyList<string> DigestHeaders = ["序号", "标签", "梳理条目", "原始意见（条）"];
    public const string VerbatimHeading = "意见原文（原汁原味，按评议对象分列，顺序随机）";
    public static readonly IReadOnlyList<string> VerbatimHeaders = ["评议对象", "题目", "意见原文", "是否“其他”说明", "梳理条目"];
    public const string NoOpinions = "没有意见建议。";

    // The open 征求意见箱's texts and choices, each block headed with where they came from (OpinionDigest.OpenBoxSource).
    public const string DigestOpenBoxHeader = "其中" + OpinionDigest.OpenBoxSource + "（条）";
    public const string OpenBoxVerbatimHeading = "意见原文（" + OpinionDigest.OpenBoxSource + "，原汁原味，顺序随机）";
    public static readonly IReadOnlyList<string> OpenBoxVerbatimHeaders = ["来源", "题目", "意见原文", "是否“其他”说明", "梳理条目"];
    public const string OpenBoxSourceCell = "公开征求意见箱";
    public const string OpenBoxChoicesHeading = "选项提及次数（" + OpinionDigest.OpenBoxSource + "）";
    public static readonly IReadOnlyList<string> OpenBoxChoicesHeaders = ["题目", "选项", "提及次数"];
    public static string OpenBoxNote(int submissions) =>
        $"公开征求意见箱共收到 {submissions} 份：任何人都可以提交，同一人可以提交多份，份数不是人数；其中的意见和提及次数都不是票数，" +
        "不计入收回、有效票数和任何比率，也不在原始票和审计数据包中。";
    public static string BallotOpinionsWithheld(int received, int k) =>
        received == 0 ? "本次没有凭票签提交的答卷。" : $"作答的有效票（不含弃权）不足 {k} 票：为保护匿名，不列出票签答卷中的意见。";

    /// <summary>Several texts in one cell, each isolated; one text alone stays verbatim.</summary>
    public static string Listed(IReadOnlyList<string> texts, string separator = "、") =>
        texts.Count == 1 ? texts[0] : string.Join(separator, texts.Select(UserText.Isolate));

    // ---- 原始票 ----
    public static string BallotsSuppressedNote(int k) => $"作答的有效票（不含弃权）不足 {k} 票：为保护匿名，不列出原始票。";
    public const string AbstainedHeader = "是否弃权";
    public const string NoValidBallots = "没有有效票。";
    public const string OtherPrefix = "其他：";
}
