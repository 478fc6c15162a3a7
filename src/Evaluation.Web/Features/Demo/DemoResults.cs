using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Features.Voting;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Demo;

/// <summary>
/// <c>--demo</c>, continued: two closed rounds of the same 班子 (动员大会后 and 总结大会后) with ballots cast the real way
/// (key cards for three 监票人, key groups, burnt slips, door and ballot credentials, answers signed by a phone key and
/// sealed to the box), then 结束投票 and 开箱 with two of the three cards, so results, reports, comparison and triage
/// have something to show. The smallest category stays under k and shares a key group, to show how small groups are merged.
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

    /// <summary>The 监票人 of every demo round: each holds one of three key cards, and any two open the box.</summary>
    public static readonly IReadOnlyList<string> Tellers = ["赵立新", "孙丽华", "周国强"];

    private const int Threshold = 2;

    /// <summary>
    /// A round sealed by <see cref="SeedAsync"/>, waiting for 开箱 once the seed has committed. It holds the cards'
    /// codes as the 监票人 would: in memory only, never printed, and dropped once the box is open.
    /// </summary>
    public sealed class SealedRound(Guid evaluationId, string name, IReadOnlyList<string> cardCodes)
    {
        public Guid EvaluationId { get; } = evaluationId;
        public string Name { get; } = name;
        internal IReadOnlyList<string> CardCodes { get; } = cardCodes;
    }

    /// <summary>
    /// Writes both rounds up to 结束投票 (status sealed) in the caller's transaction; <see cref="OpenAsync"/> opens them once it
    /// has committed, as the 监票人 would (开箱 needs the sealed rounds committed, and logs in a transaction of its own).
    /// </summary>
    public static async Task<IReadOnlyList<SealedRound>> SeedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey,
        Guid unitId, string unitName, IReadOnlyList<(string Name, string Title, DateOnly? TransferredOutOn)> members)
    {
        var random = new Random(2026);
        var targets = members.Select((m, i) => new Target
            {
                Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = m.Name, Title = m.Title, TransferredOutOn = m.TransferredOutOn, Position = i + 2,
            })
            .Prepend(new Target { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = $"{unitName}领导班子", Position = 1 }).ToList();
        return
        [
            await SeedRoundAsync(conn, tx, keyEncryptionKey, unitId, "2026年第一季度民主评议（示例）", "动员大会后民主评议",
                FormTemplates.MobilisationEvaluation.Questionnaire, targets, random, daysAgo: 90),
            await SeedRoundAsync(conn, tx, keyEncryptionKey, unitId, "2026年第一季度满意度测评（示例）", "总结大会后满意度测评",
                FormTemplates.ClosingSatisfaction.Questionnaire, targets.Select(t => t with { Id = Guid.NewGuid() }).ToList(), random, daysAgo: 30),
        ];
    }

    /// <summary>开箱 with the first and the third card (the second 监票人 is absent: two of three suffice).</summary>
    public static async Task OpenAsync(NpgsqlDataSource db, SealedRound round, CancellationToken ct = default)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
            await BoxOpening.VacuumAfterSealAsync(conn);
        var opened = await BoxOpening.UnsealWithCardsAsync(db, round.EvaluationId, [round.CardCodes[0], null, round.CardCodes[2]], "系统", ct);
        if (!opened.Opened)
            throw new InvalidOperationException($"示例评议《{round.Name}》开箱失败：{string.Join("；", opened.Errors)}");
        // Every demo ballot was made honestly: one the box refuses means the demo no longer votes as a phone does.
        if (opened.OpenedCount != opened.Sealed)
            throw new InvalidOperationException($"示例评议《{round.Name}》开箱时有 {opened.Sealed - opened.OpenedCount} 张选票被拒收（" +
                string.Join("、", opened.Rejected.Select(r => $"{BoxOpener.ReasonName(r.Key)} {r.Value}")) + "）。");
    }

    /// <summary>
    /// One round made as the service makes it: a draft with targets and categories, key cards made and confirmed, key groups,
    /// 开始投票 (EvaluationsController.Open), every voter's phone steps against the group's keys (CheckIn, BallotBox), and
    /// 结束投票 (EvaluationsController.Close). Its times are moved <paramref name="daysAgo"/> into the past.
    /// </summary>
    private static async Task<SealedRound> SeedRoundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey, Guid unitId,
        string name, string round, Questionnaire questionnaire, IReadOnlyList<Target> draftTargets, Random random, int daysAgo)
    {
        var id = Guid.NewGuid();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, questionnaire, created_at)
            values (@id, @unitId, @name, @round, @Questionnaire, now() - make_interval(days => @daysAgo + 1))
            """, new { id, unitId, name, round, daysAgo, Questionnaire = FormJson.Canonical(questionnaire) }, tx);
        await conn.ExecuteAsync(
            """
            insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
            values (@Id, @evaluationId, @Kind, @Name, @Title, @TransferredOutOn, @Position)
            """,
            draftTargets.Select(t => new { t.Id, evaluationId = id, Kind = t.Kind == TargetKind.Team ? "team" : "member", t.Name, t.Title, t.TransferredOutOn, t.Position }), tx);
        await conn.ExecuteAsync(
            "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@CategoryId, @evaluationId, @Name, @Expected, @Position)",
            Categories.Select((c, i) => new { CategoryId = Guid.NewGuid(), evaluationId = id, c.Name, c.Expected, Position = i + 1 }), tx);

        // The organiser's steps: cards printed, every 核对码 typed back, then 开始投票 (EvaluationsController.Open).
        var cards = await BoxKeys.MakeCardsAsync(conn, tx, id, Tellers, Threshold);
        var wrongCards = await BoxKeys.ConfirmCardsAsync(conn, tx, id, cards.Cards.Select(c => (string?)c.CheckCode).ToList());
        if (wrongCards.Count > 0) throw new InvalidOperationException(string.Join("；", wrongCards));

        await ActionLogWriter.AppendAsync(tx, "系统", "创建演示数据", $"已结束的示例评议《{name}》，{Categories.Sum(c => c.Voters)} 票，编号 {id}", evaluationId: id);
        var groups = await VotingOpening.OpenAsync(conn, tx, keyEncryptionKey, id, name, questionnaire, "系统");
        await conn.ExecuteAsync("update evaluation set opened_at = now() - make_interval(days => @daysAgo) where id = @id", new { id, daysAgo }, tx);
        var boxKey = await conn.QuerySingleAsync<byte[]>("select public_key from ballot_box where evaluation_id = @id", new { id }, tx);

        var slips = new List<Slip>();
        var sealedBallots = new List<object>();
        var receipts = new List<string>();
        foreach (var group in groups)
        {
            // The keys as CheckIn has them: sealed in key_group, bound to the evaluation, the group and their role.
            var sealedKeys = await conn.QuerySingleAsync<(byte[] Door, byte[] Ballot)>(
                "select door_private_key_sealed, ballot_private_key_sealed from key_group where id = @Id", new { group.Id }, tx);
            var doorKey = SealedSigningKey.Unseal(keyEncryptionKey, id, group.Id, sealedKeys.Door, door: true);
            var ballotKey = SealedSigningKey.Unseal(keyEncryptionKey, id, group.Id, sealedKeys.Ballot);
            foreach (var category in group.Members)
            {
                var c = category.Position - 1;
                var voters = Categories[c].Voters;
                for (var v = 0; v < category.ExpectedCount; v++)
                {
                    if (v >= voters)
                    {
                        slips.Add(new Slip(RandomNumberGenerator.GetBytes(32), id, category.Id, null, null, null));
                        continue;
                    }
                    // The first category's first voter abstains; the next ones write the real texts, on items every voter
                    // answers or that many voters answer, so the small-cell rule publishes them.
                    var answers = v == 0 && c == 0 ? new BallotAnswers() : Answers(questionnaire, draftTargets, random, c == 0 ? v - 1 : -1);
                    var (slip, door, ciphertext, receipt) = Vote(id, group.Id, doorKey, ballotKey, boxKey,
                        BallotJson.Canonical(BallotValidator.Normalise(answers)));
                    slips.Add(slip with { CategoryId = category.Id });
                    sealedBallots.Add(new { DoorMessage = door, EvaluationId = id, KeyGroupId = group.Id, Ciphertext = ciphertext });
                    receipts.Add(receipt);
                }
            }
        }
        await conn.ExecuteAsync(
            """
            insert into slip (token_hash, evaluation_id, category_id, blinded_hash, blind_signature, ballot_blind_signature)
            values (@TokenHash, @EvaluationId, @CategoryId, @BlindedHash, @BlindSignature, @BallotBlindSignature)
            """, slips, tx);
        // As the ballot box writes them: the ciphertexts shuffled, the receipts shuffled apart, so the n-th receipt row is
        // not the n-th ciphertext's.
        await conn.ExecuteAsync(
            """
            insert into sealed_ballot (door_message, evaluation_id, key_group_id, ciphertext)
            values (@DoorMessage, @EvaluationId, @KeyGroupId, @Ciphertext)
            """, sealedBallots.OrderBy(_ => random.Next()), tx);
        var shuffled = receipts.ToArray();
        RandomNumberGenerator.Shuffle(shuffled.AsSpan());
        await conn.ExecuteAsync(
            "insert into ballot_receipt (receipt, evaluation_id) select receipt, @id from unnest(@shuffled) as r(receipt) on conflict do nothing",
            new { id, shuffled }, tx);

        // 结束投票 (EvaluationsController.Close): the box takes no more ballots, and the counting rules are logged.
        if (!await BoxOpening.SealAsync(conn, tx, id))
            throw new InvalidOperationException($"示例评议《{name}》未能结束投票。");
        await conn.ExecuteAsync("update evaluation set closed_at = opened_at + interval '40 minutes' where id = @id", new { id }, tx);
        await ActionLogWriter.AppendAsync(tx, "系统", BundleVerifier.CloseAction,
            BundleVerifier.CloseDetail(name, id, await CountingController.DescribeAsync(conn, id, tx)), evaluationId: id);
        return new SealedRound(id, name, cards.Cards.Select(c => c.Code).ToList());
    }

    private sealed record Slip(byte[] TokenHash, Guid EvaluationId, Guid CategoryId, byte[]? BlindedHash, byte[]? BlindSignature, byte[]? BallotBlindSignature);

    /// <summary>
    /// What a phone does (docs/sealed-ballot-box.md, steps 2–6), with check-in's signing done here: a door message from a
    /// secret and a ballot message binding a fresh phone key, both blinded and signed, the answers signed by the phone key,
    /// all sealed to the box. Returns the burnt slip, the door message, the ciphertext and the receipt; the secret, the phone
    /// key and the unblinded credentials go no further.
    /// </summary>
    private static (Slip Slip, byte[] DoorMessage, byte[] Ciphertext, string Receipt) Vote(Guid evaluationId, Guid keyGroupId,
        BlindRsaPrivateKey doorKey, BlindRsaPrivateKey ballotKey, byte[] boxPublicKey, string answers)
    {
        var secret = Receipt.NewSecret();
        var doorMessage = BlindRsa.Prepare(Receipt.MessageFor(secret));
        using var phone = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = phone.ExportParameters(false).Q;
        byte[] phoneKey = [0x04, .. point.X!, .. point.Y!];
        var ballotMessage = BlindRsa.Prepare(SealedBallot.MessageFor(phoneKey));

        var blindedDoor = BlindRsa.Blind(doorKey.PublicKey, doorMessage);
        var blindedBallot = BlindRsa.Blind(ballotKey.PublicKey, ballotMessage);
        var doorBlindSignature = BlindRsa.BlindSign(doorKey, blindedDoor.BlindedMessage);
        var ballotBlindSignature = BlindRsa.BlindSign(ballotKey, blindedBallot.BlindedMessage);
        // Finalize checks each signature, as the phone does before it trusts them.
        BlindRsa.Finalize(doorKey.PublicKey, doorMessage, doorBlindSignature, blindedDoor.Inverse);
        var ballotSignature = BlindRsa.Finalize(ballotKey.PublicKey, ballotMessage, ballotBlindSignature, blindedBallot.Inverse);

        var answerSignature = phone.SignData(SealedBallot.SignedBytes(evaluationId, keyGroupId, answers), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var ciphertext = SealedBallot.Seal(boxPublicKey, evaluationId, keyGroupId, doorMessage,
            new SealedBallot.Contents(ballotMessage, ballotSignature, phoneKey, answers, answerSignature));
        var slip = new Slip(RandomNumberGenerator.GetBytes(32), evaluationId, Guid.Empty,
            SHA256.HashData([.. blindedDoor.BlindedMessage, .. blindedBallot.BlindedMessage]), doorBlindSignature, ballotBlindSignature);
        return (slip, doorMessage, ciphertext, Receipt.FromSecret(secret));
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
