using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Demo;

/// <summary>
/// <c>--demo</c>, continued: two closed rounds of the same 班子 (动员大会后 and 总结大会后) with ballots cast the real way
/// (burnt slips, blind signatures under per-category keys), so results, reports, comparison and triage have something to show.
/// The smallest category stays under k, to show how small groups are merged.
/// </summary>
public static class DemoResults
{
    private static readonly (string Name, int Expected, int Voters)[] Categories =
        [("机关工作人员", 40, 36), ("直属单位领导班子成员", 20, 18), ("离退休老党员", 12, 10), ("服务对象代表", 4, 3)];

    private static readonly string[] TeamOpinions =
    [
        "会议太多，希望精简会议、少发文件。", "希望班子成员多到基层一线调研。", "会议太多，希望精简会议。",
        "希望公开重大事项决策过程。", "对群众反映的问题要有回音。", "建议减少各类检查评比。",
    ];

    private static readonly string[] MemberOpinions =
    [
        "希望多听取基层意见。", "工作作风扎实，希望继续保持。", "有时对下属批评过于严厉。", "希望多到分管单位现场办公。",
    ];

    /// <summary>
    /// Text as voters really type it, so anyone can look at every output with it: emoji (one with a skin tone, a family
    /// joined by ZWJ, a flag), a CJK Extension B character, a direction override, markup and spreadsheet formulas. Every
    /// output must show each verbatim, draw it, and let none of it change the product's own words or run as code.
    /// </summary>
    public static readonly IReadOnlyList<string> RealOpinions =
    [
        "很好👍", "为基层减负点赞👍🏽", "全家👨‍👩‍👧‍👦都受益", "🇨🇳国产设备好用", "“𠮷”字的写法要规范", "方向\u202E控制符测试",
        "<script>alert(1)</script>", "<b>会议</b>太多", "=1+1", "=HYPERLINK(\"http://example.com\",\"点这里\")",
    ];

    /// <summary>The same kinds of text in the 其他（请注明） of the 班子's first 四风 item.</summary>
    public static readonly IReadOnlyList<string> RealOtherTexts =
    [
        "公车私用🚗", "节日👨‍👩‍👧收礼", "𠮷祥物采购", "\u202E倒置的说明", "<script>alert(2)</script>", "=SUM(A1:A9)",
    ];

    public static async Task SeedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey, Guid unitId, string unitName,
        IReadOnlyList<(string Name, string Title, DateOnly? TransferredOutOn)> members)
    {
        var random = new Random(2026);
        var targets = members.Select((m, i) => new Target
            {
                Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = m.Name, Title = m.Title, TransferredOutOn = m.TransferredOutOn, Position = i + 2,
            })
            .Prepend(new Target { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = $"{unitName}领导班子", Position = 1 }).ToList();
        await SeedRoundAsync(conn, tx, keyEncryptionKey, unitId, "2026年第一季度民主评议（示例）", "动员大会后民主评议",
            FormTemplates.MobilisationEvaluation.Questionnaire, targets, random, daysAgo: 90);
        await SeedRoundAsync(conn, tx, keyEncryptionKey, unitId, "2026年第一季度满意度测评（示例）", "总结大会后满意度测评",
            FormTemplates.ClosingSatisfaction.Questionnaire, targets.Select(t => t with { Id = Guid.NewGuid() }).ToList(), random, daysAgo: 30);
    }

    private static async Task SeedRoundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey, Guid unitId, string name, string round,
        Questionnaire questionnaire, IReadOnlyList<Target> targets, Random random, int daysAgo)
    {
        var id = Guid.NewGuid();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, status, questionnaire, frozen_form, form_hash, created_at, opened_at, closed_at)
            values (@id, @unitId, @name, @round, 'closed', @Questionnaire, @Frozen, @Hash,
                    now() - make_interval(days => @daysAgo + 1), now() - make_interval(days => @daysAgo), now() - make_interval(days => @daysAgo) + interval '40 minutes')
            """,
            new
            {
                id, unitId, name, round, daysAgo, Questionnaire = FormJson.Canonical(questionnaire),
                Frozen = FormJson.FrozenForm(questionnaire, targets), Hash = FormJson.FormHash(questionnaire, targets),
            }, tx);
        await conn.ExecuteAsync(
            """
            insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
            values (@Id, @evaluationId, @Kind, @Name, @Title, @TransferredOutOn, @Position)
            """,
            targets.Select(t => new { t.Id, evaluationId = id, Kind = t.Kind == TargetKind.Team ? "team" : "member", t.Name, t.Title, t.TransferredOutOn, t.Position }), tx);

        var ballots = new List<object>();
        var receipts = new List<string>();
        var slips = new List<object>();
        var publicKeys = new List<byte[]>();
        for (var c = 0; c < Categories.Length; c++)
        {
            var (categoryName, expected, voters) = Categories[c];
            var categoryId = Guid.NewGuid();
            await conn.ExecuteAsync(
                "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@categoryId, @id, @categoryName, @expected, @Position)",
                new { categoryId, id, categoryName, expected, Position = c + 1 }, tx);
            var key = await SigningKeys.CreateAsync(conn, tx, keyEncryptionKey, id, categoryId);
            publicKeys.Add(key.PublicKey.ExportSpki());

            for (var v = 0; v < expected; v++)
            {
                if (v >= voters)
                {
                    slips.Add(new { TokenHash = RandomNumberGenerator.GetBytes(32), id, categoryId, BlindedHash = (byte[]?)null, BlindSignature = (byte[]?)null });
                    continue;
                }
                // The same two steps as a phone: check-in signs a blinded message made from the ballot's secret; the ballot
                // carries the unblinded signature, and only the receipt, not the secret, is kept.
                var secret = Receipt.NewSecret();
                var message = BlindRsa.Prepare(Receipt.MessageFor(secret));
                var blinding = BlindRsa.Blind(key.PublicKey, message);
                var blindSignature = BlindRsa.BlindSign(key, blinding.BlindedMessage);
                var signature = BlindRsa.Finalize(key.PublicKey, message, blindSignature, blinding.Inverse);
                slips.Add(new { TokenHash = RandomNumberGenerator.GetBytes(32), id, categoryId, BlindedHash = SHA256.HashData(blinding.BlindedMessage), BlindSignature = blindSignature });
                // The first category's first voter abstains; the next ones write the real texts, on items every voter
                // answers or that many voters answer, so the small-cell rule publishes them.
                var answers = v == 0 && c == 0 ? new BallotAnswers() : Answers(questionnaire, targets, random, c == 0 ? v - 1 : -1);
                ballots.Add(new
                {
                    Id = Guid.NewGuid(), EvaluationId = id, categoryId, Message = message, Signature = signature,
                    Answers = BallotJson.Canonical(BallotValidator.Normalise(answers)),
                });
                receipts.Add(Receipt.FromSecret(secret));
            }
        }
        await conn.ExecuteAsync(
            """
            insert into slip (token_hash, evaluation_id, category_id, blinded_hash, blind_signature)
            values (@TokenHash, @id, @categoryId, @BlindedHash, @BlindSignature)
            """, slips, tx);
        await conn.ExecuteAsync(
            """
            insert into ballot (id, evaluation_id, category_id, message, signature, answers)
            values (@Id, @EvaluationId, @categoryId, @Message, @Signature, @Answers)
            """, ballots.OrderBy(_ => random.Next()), tx);
        // Shuffled apart from the ballots, as the ballot box writes them: the n-th receipt row is not the n-th ballot's.
        var shuffled = receipts.ToArray();
        RandomNumberGenerator.Shuffle(shuffled.AsSpan());
        await conn.ExecuteAsync(
            "insert into ballot_receipt (receipt, evaluation_id) select receipt, @id from unnest(@shuffled) as r(receipt) on conflict do nothing",
            new { id, shuffled }, tx);
        await ActionLogWriter.AppendAsync(tx, "系统", "创建演示数据", $"已结束的示例评议《{name}》，{ballots.Count} 票，编号 {id}");
        // The entries a real vote leaves, so the demo's audit bundles verify like any other.
        await ActionLogWriter.AppendAsync(tx, "系统", BundleVerifier.OpenAction,
            BundleVerifier.OpenDetail(name, id, FormJson.FormHash(questionnaire, targets), publicKeys));
        await ActionLogWriter.AppendAsync(tx, "系统", BundleVerifier.CloseAction,
            BundleVerifier.CloseDetail(name, id, await CountingController.DescribeAsync(conn, id, tx)));
    }

    /// <summary>
    /// A plausible ballot: mostly favourable, one member clearly less so, a few symptoms and opinions. The <paramref name="real"/>-th
    /// of <see cref="RealOpinions"/> is its opinion asked once, and of <see cref="RealOtherTexts"/> its 其他 on the 班子's first
    /// 四风 item, where there is one.
    /// </summary>
    private static BallotAnswers Answers(Questionnaire questionnaire, IReadOnlyList<Target> targets, Random random, int real)
    {
        var firstOnce = questionnaire.Questions.FirstOrDefault(q => q.Kind == QuestionKind.Text && !q.IsPerTarget);
        var firstOther = questionnaire.Questions.FirstOrDefault(q => q.Kind == QuestionKind.Symptoms && q.AllowOther);
        Answer? Answer(Question q, Target? target)
        {
            if (q == firstOnce && target is null && real >= 0 && real < RealOpinions.Count)
                return new() { Text = RealOpinions[real] };
            if (q == firstOther && target?.Kind == TargetKind.Team && real >= 0 && real < RealOtherTexts.Count)
            {
                var picked = q.Options.Where(_ => random.NextDouble() < 0.07).ToList();
                return new() { Choices = picked.Count > 0 ? picked : null, Other = RealOtherTexts[real] };
            }
            return Plausible(q, target);
        }

        Answer? Plausible(Question q, Target? target)
        {
            var doubted = target?.Position == 4;
            switch (q.Kind)
            {
                case QuestionKind.Rating:
                    var grades = Scale.Find(q.Scale)!.Grades;
                    double[] weights = doubted ? [0.15, 0.4, 0.3, 0.15] : [0.55, 0.32, 0.1, 0.03];
                    if (random.NextDouble() < 0.03 && q.AllowUnknown) return new() { Choice = Scale.Unknown };
                    var roll = random.NextDouble();
                    for (var i = 0; i < grades.Count; i++)
                        if ((roll -= weights[Math.Min(i, weights.Length - 1)]) < 0) return new() { Choice = grades[i] };
                    return new() { Choice = grades[^1] };
                case QuestionKind.Symptoms:
                    var ticked = q.Options.Where(_ => random.NextDouble() < (doubted ? 0.2 : 0.07)).ToList();
                    return ticked.Count > 0 ? new() { Choices = ticked } : new() { Choices = [q.NoneOption!] };
                case QuestionKind.Text:
                    var pool = target?.Kind == TargetKind.Member ? MemberOpinions : TeamOpinions;
                    return random.NextDouble() < 0.2 ? new() { Text = pool[random.Next(pool.Length)] } : null;
                default:
                    return null;
            }
        }

        return new BallotAnswers
        {
            Once = questionnaire.Questions.Where(q => !q.IsPerTarget)
                .Select(q => (q.Id, Answer: Answer(q, null))).Where(p => p.Answer is not null).ToDictionary(p => p.Id, p => p.Answer!),
            Targets = targets.ToDictionary(t => t.Id, t => (IReadOnlyDictionary<string, Answer>)questionnaire.Questions.Where(t.IsAskedAbout)
                .Select(q => (q.Id, Answer: Answer(q, t))).Where(p => p.Answer is not null).ToDictionary(p => p.Id, p => p.Answer!)),
        };
    }
}
