using System.Text.RegularExpressions;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;

namespace Evaluation.Core.Audit;

/// <summary>One line of the verifier's output: what was checked, whether it held, and the figures or the reason.</summary>
public sealed record Check(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"[{(Passed ? "通过" : "失败")}] {Name}：{Detail}";
}

/// <summary>
/// What the opening commits about the ballot box: its P-256 public key (65-byte point) and custody, "cards" (t of the
/// 监票人's key cards open it; each card's holder and public point share·G, in card order) or "server" (服务器保管:
/// <see cref="Threshold"/> 0, no cards).
/// </summary>
public sealed record BoxCommitment(string Custody, byte[] PublicKey, int Threshold, IReadOnlyList<(string Holder, byte[] CardKey)> Cards)
{
    public const string CardsCustody = "cards";
    public const string ServerCustody = "server";
}

/// <summary>The checks, and the tally recomputed from the bundle's ballots when the form could be read.</summary>
public sealed record Verification(IReadOnlyList<Check> Checks, Tally? Recomputed)
{
    public bool Passed => Checks.All(c => c.Passed);
}

/// <summary>
/// Checks an audit bundle on its own, with the same code the server counts with (DESIGN.md §3): the form hash, every
/// credential (and, from the sealed box on, that it binds the phone key that signed the answers, and that signature), no
/// message twice, opened + rejected ≤ check-ins ≤ slips issued − voided, the box and keys against the opening, the 开箱
/// against the ballots, the fingerprint, the tally, and the log.
/// </summary>
public static class BundleVerifier
{
    public const string ExportAction = "导出审计包";
    public const string OpenAction = "开始投票";
    public const string CloseAction = "结束投票";
    public const string CreateAction = "创建评议";
    public const string EditAction = "修改评议";
    public const string UnsealAction = "开箱";

    /// <summary>How every entry about one evaluation begins.</summary>
    public static string Subject(string evaluationName, Guid evaluationId) => $"《{evaluationName}》，编号 {evaluationId}";

    /// <summary>
    /// The log entry of opening before the sealed box (format 1 bundles): the form hash and the SHA-256 of every category's
    /// public key. Kept so that evaluations voted then, and their entries, still read.
    /// </summary>
    public static string OpenDetail(string evaluationName, Guid evaluationId, string formHash, IEnumerable<byte[]> publicKeys) =>
        $"{Subject(evaluationName, evaluationId)}，问卷哈希 {formHash}，签名公钥 {KeyList(publicKeys)}";

    /// <summary>
    /// The log entry of opening: the form hash, the SHA-256 of every key group's door and ballot key, of the box's public
    /// key, and the box's custody: 服务器保管, or 监票人密钥卡 t/n with each card's holder and the SHA-256 of its card key,
    /// in card order. Written before any ballot exists, so a key swapped in later (to sign forged ballots, or to open the box
    /// with another key) does not match the log, and a wrong card can be named at 开箱.
    /// </summary>
    public static string OpenDetail(string evaluationName, Guid evaluationId, string formHash, IEnumerable<byte[]> publicKeys, BoxCommitment box) =>
        $"{OpenDetail(evaluationName, evaluationId, formHash, publicKeys)}{BoxPrefix}{KeyHash(box.PublicKey)}，"
        + (box.Custody == BoxCommitment.ServerCustody ? ServerCustodyText
            : $"{CardsText} {box.Threshold}/{box.Cards.Count}：{string.Join("、", box.Cards.Select(c => $"{c.Holder} {KeyHash(c.CardKey)}"))}");

    private const string BoxPrefix = "，投票箱公钥 ";
    private const string ServerCustodyText = "服务器保管";
    private const string CardsText = "监票人密钥卡";

    private static string KeyList(IEnumerable<byte[]> publicKeys) => string.Join("、", publicKeys.Select(KeyHash).Order(StringComparer.Ordinal));

    /// <summary>
    /// The log entry of 开箱: how many sealed ballots there were, how many opened, and how many were rejected by reason
    /// (<see cref="BoxOpener.ReasonName"/>, reasons with none left out); sealed = opened + rejected.
    /// </summary>
    public static string UnsealDetail(string evaluationName, Guid evaluationId, int sealedCount, int openedCount, IReadOnlyDictionary<string, int> rejected)
    {
        var reasons = rejected.Where(r => r.Value > 0).OrderBy(r => Array.IndexOf(KnownReasons, r.Key) is var i && i < 0 ? int.MaxValue : i)
            .ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        var total = reasons.Sum(r => r.Value);
        return $"{Subject(evaluationName, evaluationId)}，密封选票 {sealedCount} 张，开出 {openedCount} 张，拒收 {total} 张"
            + (reasons.Count == 0 ? "" : $"（{string.Join("、", reasons.Select(r => $"{Turnout.ReasonName(r.Key)} {r.Value}"))}）");
    }

    private static readonly string[] KnownReasons = [.. BoxOpener.Reasons.All];
    public static string KeyHash(byte[] spki) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(spki));

    private const string RulesPrefix = "，计票规则：";

    /// <summary>
    /// The log entry of closing, with the counting rules it locks as the reports print them (<see cref="TallySettings.Describe"/>):
    /// from then on every report is counted by these, and the verifier holds the bundle's rules to them.
    /// </summary>
    public static string CloseDetail(string evaluationName, Guid evaluationId, string lockedRules) =>
        $"{Subject(evaluationName, evaluationId)}{RulesPrefix}{lockedRules}";

    /// <summary>
    /// The rules a close entry locked, or "" for an entry written before closing recorded them. Null when the entry is not
    /// this evaluation's close: an evaluation whose name quotes this one's name and id has "》，编号 " again after it.
    /// </summary>
    private static string? LockedRules(string detail, string subject)
    {
        if (detail == subject) return "";
        if (!detail.StartsWith(subject + RulesPrefix, StringComparison.Ordinal)) return null;
        var rules = detail[(subject.Length + RulesPrefix.Length)..];
        return rules.Contains("》，编号 ", StringComparison.Ordinal) ? null : rules;
    }

    /// <summary>The log entry the server writes when it hands out a bundle; the verifier finds the bundle's own export by it.</summary>
    public static string ExportDetail(string evaluationName, Guid evaluationId, int received, string fingerprint) =>
        $"{Subject(evaluationName, evaluationId)}，收回 {received} 票，指纹 {fingerprint}";

    /// <summary>
    /// One evaluation's opening, closing and exports, each matched on its whole detail: an evaluation elsewhere whose name
    /// quotes this one's name and id writes a longer detail, so it can neither pass for these entries nor hide them.
    /// Drafting entries (创建评议, 修改评议) end with the id, which no other evaluation's entry can.
    /// </summary>
    public sealed record EvaluationEntries(
        IReadOnlyList<OpenEntry> Opened, IReadOnlyList<ActionLogEntry> Closed, IReadOnlyList<ActionLogEntry> Exported,
        IReadOnlyList<ActionLogEntry> Drafting, IReadOnlyList<UnsealEntry> Unsealed);

    /// <summary>An opening as logged; <see cref="Box"/> is null for an opening from before the sealed box.</summary>
    public sealed record OpenEntry(ActionLogEntry Entry, string FormHash, IReadOnlyList<string> KeyHashes, LoggedBox? Box);

    /// <summary>The box as an opening committed it: hashes only, cards in card order.</summary>
    public sealed record LoggedBox(string PublicKeyHash, string Custody, int Threshold, int Count, IReadOnlyList<(string Holder, string CardKeyHash)> Cards);

    /// <summary>A 开箱 as logged; <see cref="Rejected"/> by reason code (a name the verifier does not know stays as written).</summary>
    public sealed record UnsealEntry(ActionLogEntry Entry, int Sealed, int Opened, int RejectedTotal, IReadOnlyDictionary<string, int> Rejected);

    public static EvaluationEntries EntriesOf(IEnumerable<ActionLogEntry> log, string evaluationName, Guid evaluationId)
    {
        var subject = Subject(evaluationName, evaluationId);
        var escaped = Regex.Escape(subject);
        const string hex = "[0-9a-f]{64}";
        // No key at all is an evaluation without slips, whose only way in was the open 征求意见箱 (no ballot can exist then).
        var open = new Regex($@"^{escaped}，问卷哈希 ({hex})，签名公钥 ((?:{hex}(?:、{hex})*)?)(?:{BoxPrefix}({hex})，(?:({ServerCustodyText})|{CardsText} ([0-9])/([0-9])：(.+)))?\z",
            RegexOptions.Singleline);
        var export = new Regex($@"^{escaped}，收回 [0-9]+ 票，指纹 {hex}\z");
        var unseal = new Regex($@"^{escaped}，密封选票 ([0-9]{{1,9}}) 张，开出 ([0-9]{{1,9}}) 张，拒收 ([0-9]{{1,9}}) 张(?:（(.+)）)?\z", RegexOptions.Singleline);
        var opened = new List<OpenEntry>();
        var closed = new List<ActionLogEntry>();
        var exported = new List<ActionLogEntry>();
        var drafting = new List<ActionLogEntry>();
        var unsealed = new List<UnsealEntry>();
        foreach (var e in log)
        {
            if (e.Action == OpenAction && open.Match(e.Detail) is { Success: true } m)
            {
                if (!m.Groups[3].Success)
                    opened.Add(new OpenEntry(e, m.Groups[1].Value, m.Groups[2].Value.Split('、', StringSplitOptions.RemoveEmptyEntries), null));
                else if (m.Groups[4].Success)
                    opened.Add(new OpenEntry(e, m.Groups[1].Value, m.Groups[2].Value.Split('、', StringSplitOptions.RemoveEmptyEntries),
                        new LoggedBox(m.Groups[3].Value, BoxCommitment.ServerCustody, 0, 0, [])));
                else if (Cards(m.Groups[7].Value) is { } cards)
                    opened.Add(new OpenEntry(e, m.Groups[1].Value, m.Groups[2].Value.Split('、', StringSplitOptions.RemoveEmptyEntries),
                        new LoggedBox(m.Groups[3].Value, BoxCommitment.CardsCustody, int.Parse(m.Groups[5].Value), int.Parse(m.Groups[6].Value), cards)));
            }
            else if (e.Action == CloseAction && LockedRules(e.Detail, subject) is not null)
                closed.Add(e);
            else if (e.Action == ExportAction && export.IsMatch(e.Detail))
                exported.Add(e);
            else if (e.Action == UnsealAction && unseal.Match(e.Detail) is { Success: true } u && Reasons(u.Groups[4]) is { } reasons)
                unsealed.Add(new UnsealEntry(e, int.Parse(u.Groups[1].Value), int.Parse(u.Groups[2].Value), int.Parse(u.Groups[3].Value), reasons));
            else if (e.Action is CreateAction or EditAction && e.Detail.EndsWith($"，编号 {evaluationId}", StringComparison.Ordinal))
                drafting.Add(e);
        }
        return new EvaluationEntries(opened, closed, exported, drafting, unsealed);
    }

    /// <summary>"张三 hash、李四 hash": each card ends with a space and its hash, so a holder's name may hold anything else.</summary>
    private static IReadOnlyList<(string, string)>? Cards(string text)
    {
        var cards = new List<(string, string)>();
        var at = 0;
        foreach (Match m in Regex.Matches(text, "(.+?) ([0-9a-f]{64})(?:、|\\z)", RegexOptions.Singleline))
        {
            if (m.Index != at) return null;
            cards.Add((m.Groups[1].Value, m.Groups[2].Value));
            at = m.Index + m.Length;
        }
        return at == text.Length && cards.Count > 0 ? cards : null;
    }

    private static IReadOnlyDictionary<string, int>? Reasons(Group group)
    {
        var reasons = new Dictionary<string, int>();
        if (!group.Success) return reasons;
        var byName = KnownReasons.ToDictionary(Turnout.ReasonName, r => r);
        foreach (var part in group.Value.Split('、'))
        {
            var space = part.LastIndexOf(' ');
            if (space <= 0 || !int.TryParse(part[(space + 1)..], System.Globalization.NumberStyles.None, null, out var count)) return null;
            var name = part[..space];
            reasons[byName.GetValueOrDefault(name, name)] = count;
        }
        return reasons;
    }

    /// <summary>
    /// An anchor as a person copied it off a page or a report: a 64-digit hex hash, spaces and grouping allowed, any case.
    /// Null when it is not one.
    /// </summary>
    public static string? ReadAnchor(string text)
    {
        var hash = string.Concat(text.Where(c => !char.IsWhiteSpace(c))).ToLowerInvariant();
        return hash.Length == 64 && hash.All(char.IsAsciiHexDigitLower) ? hash : null;
    }

    /// <param name="anchors">Hashes of log entries noted outside the bundle (from the evaluation page or a report, see
    /// <see cref="ReadAnchor"/>): each must be in the bundle's log, so a log rewritten and rechained after it was noted fails.</param>
    public static Verification Verify(AuditBundle bundle, IReadOnlyList<string>? anchors = null)
    {
        var checks = new List<Check>();
        var ballots = bundle.Groups.SelectMany(g => g.Ballots.Select(b => (Group: g, Ballot: b))).ToList();
        var sealedBox = bundle.Format == AuditBundle.CurrentFormat;

        checks.Add(sealedBox
            ? new Check("格式", true, $"{bundle.Format}（密封投票箱），《{bundle.Evaluation.Name}》（{bundle.Evaluation.Round}），{bundle.Groups.Count} 个密钥组")
            : bundle.Format == AuditBundle.SignedFormat
            ? new Check("格式", true, $"{bundle.Format}（密封投票箱之前的评议），《{bundle.Evaluation.Name}》（{bundle.Evaluation.Round}），{bundle.Groups.Count} 个类别分组")
            : new Check("格式", false, $"不认识的格式“{bundle.Format}”，本校验程序只读 {AuditBundle.CurrentFormat} 和 {AuditBundle.SignedFormat}"));

        FrozenForm? form = null;
        try { form = FormJson.ReadFrozenForm(bundle.FrozenForm); }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException) { }
        var formHash = FormJson.Sha256Hex(bundle.FrozenForm);
        checks.Add(form is null ? new Check("问卷", false, "冻结的问卷无法读取")
            : formHash == bundle.FormHash ? new Check("问卷", true, $"问卷哈希 {formHash} 与问卷内容相符")
            : new Check("问卷", false, $"问卷内容的哈希为 {formHash}，与包内所记 {bundle.FormHash} 不符"));

        checks.Add(Rules(bundle));
        if (form?.Raters is not null) checks.Add(RaterScopes(form, bundle.Groups));
        if (sealedBox)
        {
            checks.Add(Credentials(bundle.Groups));
            checks.Add(AnswerSignatures(bundle.Evaluation.Id, bundle.Groups));
            checks.Add(Box(bundle.Box));
        }
        else
            checks.Add(Signatures(bundle.Groups));
        checks.Add(Duplicates(ballots.Select(b => b.Ballot.Message)));
        var rejected = sealedBox ? bundle.Rejected ?? new Dictionary<string, int>() : new Dictionary<string, int>();
        checks.Add(Counts(bundle.Groups, rejected));

        var tallyBallots = ballots.Select(b => ToTallyBallot(b.Group, b.Ballot)).ToList();
        var fingerprint = BallotSet.Fingerprint(tallyBallots);
        checks.Add(fingerprint == bundle.Fingerprint
            ? new Check("指纹", true, $"{tallyBallots.Count} 张选票的指纹 {BallotSet.Grouped(fingerprint)} 与报告所印一致")
            : new Check("指纹", false, $"由包内选票算得 {BallotSet.Grouped(fingerprint)}，报告所印为 {BallotSet.Grouped(bundle.Fingerprint)}：选票被删、加或改过"));

        Tally? recomputed = null;
        if (form is null)
            checks.Add(new Check("计票", false, "问卷无法读取，无法重算"));
        else
        {
            var categories = bundle.Groups.Select(g => new TallyCategory(g.Id, g.Name, g.Expected, g.SlipsIssued, g.SlipsVoided, g.CheckedIn)).ToList();
            recomputed = Tally.Count(form, categories, tallyBallots, bundle.Settings, rejected);
            var differences = TallyFigures.Differences(bundle.Tally, TallyFigures.Of(recomputed));
            checks.Add(differences.Count == 0
                ? new Check("计票", true, $"由选票重算的 {bundle.Tally.Count} 个数字与包内结果全部一致")
                : new Check("计票", false, $"重算结果有 {differences.Count} 处不同：{string.Join("；", differences.Take(5))}{(differences.Count > 5 ? "……" : "")}"));
        }

        var entries = EntriesOf(bundle.ActionLog, bundle.Evaluation.Name, bundle.Evaluation.Id);
        checks.Add(Chain(bundle.ActionLog));
        checks.Add(LogRecords(bundle, entries));
        checks.Add(LogOrder(bundle, entries));
        if (anchors is { Count: > 0 }) checks.Add(Anchors(bundle.ActionLog, anchors));
        return new Verification(checks, recomputed);
    }

    /// <summary>
    /// Counting rules the server would never have counted with (k under the minimum, coefficients outside 0–1, a weight of
    /// 0 or less, a weight for a group that is not in the bundle): the same limits the 计票规则 page enforces. A group's
    /// weight is the sum of its categories' weights, so it is held to the limit once per category.
    /// </summary>
    private static Check Rules(AuditBundle bundle)
    {
        var members = bundle.Groups.GroupBy(g => g.Id).ToDictionary(g => g.Key, g => Math.Max(1, g.First().Categories.Count));
        var perCategory = bundle.Settings with
        {
            CategoryWeights = bundle.Settings.CategoryWeights.ToDictionary(w => w.Key, w => w.Value / members.GetValueOrDefault(w.Key, 1)),
        };
        var problems = perCategory.Problems(bundle.Groups.Select(g => g.Id));
        return problems.Count == 0
            ? new Check("计票规则", true, $"最小公布单元 {bundle.Settings.SmallCell} 票，计分系数和类别权重都在本系统允许的范围内")
            : new Check("计票规则", false, $"包内所记的计票规则本系统不会采用，其结果不可信：{string.Join("", problems)}");
    }

    /// <summary>
    /// The frozen form limits some key groups to some targets (its hash, checked against the opening entry, pins the
    /// scopes): each limited group is one of the bundle's, each target one of the form's; ballots answering about a
    /// target outside their group's scope are named here, and the recount counts them 无效 as the server must have.
    /// </summary>
    private static Check RaterScopes(FrozenForm form, IReadOnlyList<BundleGroup> groups)
    {
        var groupIds = groups.Select(g => g.Id).ToHashSet();
        var targetIds = form.Targets.Select(t => t.Id).ToHashSet();
        var problems = new List<string>();
        foreach (var (group, scope) in form.Raters!)
        {
            if (!groupIds.Contains(group)) problems.Add($"限定范围的密钥组 {group} 不在包内");
            if (scope.Count == 0) problems.Add($"密钥组 {group} 的评议范围为空");
            if (scope.FirstOrDefault(t => !targetIds.Contains(t)) is var unknown && unknown != Guid.Empty)
                problems.Add($"密钥组 {group} 的评议范围含问卷中没有的对象 {unknown}");
        }
        if (problems.Count > 0)
            return new Check("评议范围", false, $"冻结问卷中的评议范围有误：{string.Join("；", problems)}");

        var outside = groups.Sum(g => g.Ballots.Count(b => AnswersOutside(form, g.Id, b.Answers)));
        var limited = groups.Where(g => form.Raters!.ContainsKey(g.Id)).Select(g => $"{g.Name}（{form.Raters![g.Id].Count} 个对象）");
        return new Check("评议范围", true, $"限定评议对象的密钥组：{string.Join("、", limited)}"
            + (outside == 0 ? "；没有选票为范围外的对象作答" : $"；{outside} 张选票为范围外的对象作答，重算时计为无效"));
    }

    private static bool AnswersOutside(FrozenForm form, Guid group, string answers) =>
        BallotJson.TryRead(answers, out var read, out _) && read.Targets.Keys.Any(t => !form.Rates(group, t));

    /// <summary>A ballot as the tally reads it, in its group; a ballot whose hex does not parse counts with empty bytes and fails its signature.</summary>
    private static TallyBallot ToTallyBallot(BundleGroup group, BundleBallot ballot) =>
        new(group.Id, FromHex(ballot.Message) ?? [], FromHex(ballot.Signature) ?? [], ballot.Answers,
            ballot.PhoneKey is null ? null : FromHex(ballot.PhoneKey) ?? [], ballot.AnswerSignature is null ? null : FromHex(ballot.AnswerSignature) ?? []);

    /// <summary>
    /// Format 2: every ballot credential σM verifies under its group's ballot key, and its message M binds the ballot's phone
    /// key (M = prefix ‖ H("ballot-key:" ‖ pk)): so the phone that was handed the credential at check-in holds the key that
    /// signed the answers, and nobody else can have made a ballot that counts.
    /// </summary>
    private static Check Credentials(IReadOnlyList<BundleGroup> groups)
    {
        var bad = new List<string>();
        var keys = new BlindRsaPublicKey?[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            try { keys[g] = BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(groups[g].BallotKey ?? "")); }
            catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                bad.Add($"“{groups[g].Name}”的选票公钥{(groups[g].BallotKey is null ? "缺失" : "无法读取")}");
            }
        }
        var ballots = groups.SelectMany((g, i) => g.Ballots.Select(b => (Group: i, Ballot: b))).ToArray();
        var problems = new string?[ballots.Length];
        Parallel.For(0, ballots.Length, i =>
        {
            var (group, ballot) = ballots[i];
            var message = FromHex(ballot.Message);
            var signature = FromHex(ballot.Signature);
            var phoneKey = ballot.PhoneKey is null ? null : FromHex(ballot.PhoneKey);
            problems[i] = message is null || signature is null || keys[group] is not { } key || !BlindRsa.Verify(key, message, signature) ? "的投票凭证签名无效"
                : phoneKey is null ? "没有手机公钥（密封投票箱的选票都有）"
                : !SealedBallot.BindsPhoneKey(message, phoneKey) ? "的投票凭证不是为这把手机公钥签发的"
                : null;
        });
        bad.AddRange(ballots.Select((b, i) => (b, Problem: problems[i])).Where(p => p.Problem is not null)
            .Select(p => $"“{groups[p.b.Group].Name}”中消息 {Short(p.b.Ballot.Message)} {p.Problem}"));
        return bad.Count == 0
            ? new Check("投票凭证", true, $"全部 {ballots.Length} 张选票的凭证在所属密钥组的选票公钥下有效，且绑定其手机公钥")
            : new Check("投票凭证", false, $"{bad.Count} 处无效（伪造、篡改或被加入的选票）：{string.Join("；", bad.Take(5))}{(bad.Count > 5 ? "……" : "")}");
    }

    /// <summary>
    /// Format 2: every ballot's answers carry its phone's signature over the evaluation, the key group and the answers
    /// exactly as stored. The phone made it before sealing the ballot, so answers changed afterwards (at 开箱 by the service
    /// included) fail here.
    /// </summary>
    private static Check AnswerSignatures(Guid evaluationId, IReadOnlyList<BundleGroup> groups)
    {
        var ballots = groups.SelectMany(g => g.Ballots.Select(b => (Group: g, Ballot: b))).ToArray();
        var valid = new bool[ballots.Length];
        Parallel.For(0, ballots.Length, i =>
        {
            var (group, ballot) = ballots[i];
            valid[i] = ballot.PhoneKey is not null && FromHex(ballot.PhoneKey) is { } pk
                && ballot.AnswerSignature is not null && FromHex(ballot.AnswerSignature) is { } tau
                && SealedBallot.VerifyAnswers(evaluationId, group.Id, pk, ballot.Answers, tau);
        });
        var bad = ballots.Where((_, i) => !valid[i]).Select(b => $"“{b.Group.Name}”中消息 {Short(b.Ballot.Message)}").ToList();
        return bad.Count == 0
            ? new Check("答卷签名", true, $"全部 {ballots.Length} 张选票的答卷带有投票手机的有效签名，加密之后未被改动")
            : new Check("答卷签名", false, $"{bad.Count} 张选票的答卷签名无效（答卷在手机加密之后被改过，或被移到了别的密钥组）：{string.Join("；", bad.Take(5))}{(bad.Count > 5 ? "……" : "")}");
    }

    /// <summary>Format 2: the box is described at all, and sensibly; whether it is the box committed at opening is <see cref="LogRecords"/>'.</summary>
    private static Check Box(BundleBox? box)
    {
        if (box is null) return new Check("投票箱", false, "包内没有投票箱（公钥与保管方式）的记录");
        var problems = new List<string>();
        if (FromHex(box.PublicKey) is not { Length: 65 }) problems.Add("投票箱公钥不是 65 字节的 P-256 点");
        if (box.Custody == BoxCommitment.ServerCustody)
        {
            if (box.Threshold != 0 || box.Cards.Count != 0) problems.Add("服务器保管的投票箱不应有密钥卡");
        }
        else if (box.Custody == BoxCommitment.CardsCustody)
        {
            if (box.Threshold < 2 || box.Threshold > box.Cards.Count || box.Cards.Count > 9)
                problems.Add($"密钥卡门限 {box.Threshold}/{box.Cards.Count} 不合理（应为 2 ≤ t ≤ n ≤ 9）");
            foreach (var (card, i) in box.Cards.Select((c, i) => (c, i)))
                if (FromHex(card.CardKey) is not { Length: 65 }) problems.Add($"第 {i + 1} 张密钥卡的公钥无法读取");
            if (problems.Count == 0 && CardsBreakingTheBox(box) is { } broken) problems.Add(broken);
        }
        else problems.Add($"不认识的保管方式“{box.Custody}”");
        return problems.Count == 0
            ? new Check("投票箱", true, box.Custody == BoxCommitment.ServerCustody
                ? "服务器保管（较弱：服务器自己能开箱）"
                : $"监票人密钥卡 {box.Threshold}/{box.Cards.Count}（{string.Join("、", box.Cards.Select(c => c.Holder))}）")
            : new Check("投票箱", false, string.Join("；", problems));
    }

    private static Check Signatures(IReadOnlyList<BundleGroup> groups)
    {
        var bad = new List<string>();
        var keys = new List<BlindRsaPublicKey>[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            keys[g] = [];
            foreach (var spki in groups[g].PublicKeys ?? [])
            {
                try { keys[g].Add(BlindRsaPublicKey.ImportSpki(Convert.FromBase64String(spki))); }
                catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    bad.Add($"“{groups[g].Name}”有一把公钥无法读取");
                }
            }
        }
        // The one slow check (an RSA operation per ballot): spread over the cores.
        var ballots = groups.SelectMany((g, i) => g.Ballots.Select(b => (Group: i, Ballot: b))).ToArray();
        var valid = new bool[ballots.Length];
        Parallel.For(0, ballots.Length, i =>
        {
            var (group, ballot) = ballots[i];
            var message = FromHex(ballot.Message);
            var signature = FromHex(ballot.Signature);
            valid[i] = message is not null && signature is not null && keys[group].Any(k => BlindRsa.Verify(k, message, signature));
        });
        bad.AddRange(ballots.Where((_, i) => !valid[i]).Select(b => $"“{groups[b.Group].Name}”中消息 {Short(b.Ballot.Message)} 的签名无效"));
        return bad.Count == 0
            ? new Check("签名", true, $"全部 {ballots.Length} 张选票的签名在所属类别的公钥下有效")
            : new Check("签名", false, $"{bad.Count} 处无效（伪造或篡改的选票）：{string.Join("；", bad.Take(5))}{(bad.Count > 5 ? "……" : "")}");
    }

    private static Check Duplicates(IEnumerable<string> messages)
    {
        var repeated = messages.GroupBy(m => m.ToLowerInvariant()).Where(g => g.Count() > 1).Select(g => $"{Short(g.Key)} 出现 {g.Count()} 次").ToList();
        return repeated.Count == 0
            ? new Check("一票一签", true, "没有消息出现两次")
            : new Check("一票一签", false, $"{repeated.Count} 个消息重复（同一凭证投了多张票）：{string.Join("；", repeated.Take(5))}");
    }

    private static Check Counts(IReadOnlyList<BundleGroup> groups, IReadOnlyDictionary<string, int> rejected)
    {
        var problems = new List<string>();
        foreach (var g in groups)
        {
            if (g.Ballots.Count > g.CheckedIn)
                problems.Add($"“{g.Name}”收回 {g.Ballots.Count} 票，多于签到 {g.CheckedIn} 人");
            if (g.CheckedIn > g.SlipsIssued - g.SlipsVoided)
                problems.Add($"“{g.Name}”签到 {g.CheckedIn} 人，多于有效票签 {g.SlipsIssued - g.SlipsVoided} 张（发放 {g.SlipsIssued}，作废 {g.SlipsVoided}）");
            if (g.SlipsVoided > g.SlipsIssued || g.SlipsVoided < 0 || g.CheckedIn < 0)
                problems.Add($"“{g.Name}”的票签数目不合理（发放 {g.SlipsIssued}，作废 {g.SlipsVoided}，签到 {g.CheckedIn}）");
        }
        var opened = groups.Sum(g => g.Ballots.Count);
        // Rejections are not attributed to a group (an undecryptable ballot has none to show), so they count in the total only.
        var refused = rejected.Values.Sum();
        var checkedIn = groups.Sum(g => g.CheckedIn);
        var valid = groups.Sum(g => g.SlipsIssued - g.SlipsVoided);
        foreach (var reason in rejected.Keys.Where(r => !BoxOpener.Reasons.All.Contains(r)))
            problems.Add($"不认识的拒收原因“{reason}”");
        if (rejected.Values.Any(n => n < 0)) problems.Add("拒收数目为负");
        else if (opened + refused > checkedIn)
            problems.Add($"开出 {opened} 张加拒收 {refused} 张，多于签到 {checkedIn} 人");
        var received = refused == 0 ? $"收回 {opened}" : $"开出 {opened} + 拒收 {refused}";
        return problems.Count == 0
            ? new Check("票数", true, $"{received} ≤ 签到 {checkedIn} ≤ 有效票签 {valid}（每个分组也如此）")
            : new Check("票数", false, string.Join("；", problems));
    }

    private static Check Chain(IReadOnlyList<ActionLogEntry> log)
    {
        if (log.Count == 0) return new Check("操作日志", false, "包内没有操作日志");
        return ActionLog.FirstBrokenLink(log) is { } broken
            ? new Check("操作日志", false, $"哈希链在第 {broken} 条断开：这一条或它之前的记录被删、插或改过")
            : new Check("操作日志", true, $"{log.Count} 条记录的哈希链完整，末条哈希 {log[^1].Hash}");
    }

    /// <summary>The log must show this form hash when voting opened, the close, and the export of this very bundle.</summary>
    private static Check LogRecords(AuditBundle bundle, EvaluationEntries entries)
    {
        var problems = new List<string>();
        if (entries.Opened.Count == 0) problems.Add("没有开始投票的记录");
        else if (entries.Opened.Count > 1) problems.Add($"开始投票记录了 {entries.Opened.Count} 次（第 {string.Join("、", entries.Opened.Select(o => o.Entry.Seq))} 条），一次评议只开始一次");
        else
        {
            var (_, formHash, keyHashes, box) = entries.Opened[0];
            if (formHash != bundle.FormHash)
                problems.Add($"开始投票时记录的问卷哈希与包内 {bundle.FormHash} 不符");
            var sealedBox = bundle.Format == AuditBundle.CurrentFormat;
            var stated = sealedBox
                ? bundle.Groups.SelectMany(g => new[] { (g.Name, Kind: "门禁公钥", Hash: TryKeyHash(g.DoorKey)), (g.Name, Kind: "选票公钥", Hash: TryKeyHash(g.BallotKey)) }).ToList()
                : bundle.Groups.SelectMany(g => (g.PublicKeys ?? []).Select(k => (g.Name, Kind: "签名公钥", Hash: TryKeyHash(k)))).ToList();
            var logged = keyHashes.ToHashSet();
            foreach (var (group, kind, _) in stated.Where(k => !logged.Contains(k.Hash)))
                problems.Add($"“{group}”的{kind}不是开始投票时记录的公钥（公钥被换过）");
            if (keyHashes.Count != stated.Count)
                problems.Add($"开始投票时记录了 {keyHashes.Count} 把签名公钥，包内有 {stated.Count} 把");
            if (sealedBox) problems.AddRange(BoxAgainstLog(bundle.Box, box));
            else if (box is not null) problems.Add("开始投票时用的是密封投票箱，包却是旧格式（没有开箱记录与答卷签名）");
        }
        if (bundle.Format == AuditBundle.CurrentFormat) problems.AddRange(UnsealAgainstLog(bundle, entries.Unsealed));
        if (entries.Closed.Count == 0) problems.Add("没有结束投票的记录");
        else if (entries.Closed.Count > 1) problems.Add($"结束投票记录了 {entries.Closed.Count} 次（第 {string.Join("、", entries.Closed.Select(e => e.Seq))} 条）");
        else if (LockedRules(entries.Closed[0].Detail, Subject(bundle.Evaluation.Name, bundle.Evaluation.Id)) is { Length: > 0 } locked
                 && !RulesAgree(locked, bundle))
            problems.Add($"包内的计票规则与结束投票时锁定的不同（第 {entries.Closed[0].Seq} 条记为：{locked}）");
        if (!entries.Exported.Any(e => e.Detail.EndsWith($"指纹 {bundle.Fingerprint}", StringComparison.Ordinal)))
            problems.Add($"没有导出本审计包（指纹 {BallotSet.Grouped(bundle.Fingerprint)}）的记录");
        return problems.Count == 0
            ? new Check("日志记录", true, bundle.Format == AuditBundle.CurrentFormat
                ? "开始投票时记录的问卷哈希、各密钥组公钥、投票箱公钥和密钥卡与包内相符，开箱记录的票数与包内相符，结束投票和本包的导出均有记录"
                : "开始投票时记录的问卷哈希和签名公钥与包内相符，结束投票和本包的导出均有记录")
            : new Check("日志记录", false, string.Join("；", problems));
    }

    /// <summary>The box the bundle states against the one the opening committed: key, custody, threshold, each card's holder and key.</summary>
    private static IEnumerable<string> BoxAgainstLog(BundleBox? box, LoggedBox? logged)
    {
        if (logged is null)
        {
            yield return "开始投票的记录里没有投票箱公钥（旧格式的记录），与密封投票箱的审计包不符";
            yield break;
        }
        if (box is null) yield break;   // 投票箱 check already fails
        if (TryKeyHash(FromHex(box.PublicKey)) != logged.PublicKeyHash)
            yield return "投票箱公钥不是开始投票时记录的公钥（投票箱公钥被换过）";
        if (box.Custody != logged.Custody)
            yield return $"保管方式为“{CustodyName(box.Custody)}”，开始投票时记录的是“{CustodyName(logged.Custody)}”";
        else if (box.Custody == BoxCommitment.CardsCustody)
        {
            if (box.Threshold != logged.Threshold || box.Cards.Count != logged.Count)
                yield return $"密钥卡为 {box.Threshold}/{box.Cards.Count}，开始投票时记录的是 {logged.Threshold}/{logged.Count}";
            for (var i = 0; i < Math.Min(box.Cards.Count, logged.Cards.Count); i++)
            {
                var (card, (holder, hash)) = (box.Cards[i], logged.Cards[i]);
                if (card.Holder != holder)
                    yield return $"第 {i + 1} 张密钥卡的监票人为“{card.Holder}”，开始投票时记录的是“{holder}”";
                if (TryKeyHash(FromHex(card.CardKey)) != hash)
                    yield return $"第 {i + 1} 张密钥卡（{holder}）的公钥不是开始投票时记录的（密钥卡被换过）";
            }
        }
    }

    /// <summary>
    /// Whether every t of the cards rebuild the box key: Lagrange interpolation at 0 of the cards' public points (card i
    /// at x = i) must give the box's public key, for each t-subset (at most 126, for 4 of 9). So the cards are shares of
    /// this very key, and no set of t cards opens a box other than the one the phones encrypted to. Null when they do.
    /// </summary>
    private static string? CardsBreakingTheBox(BundleBox box)
    {
        var curve = Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetByName("P-256");
        Org.BouncyCastle.Math.EC.ECPoint[] points;
        Org.BouncyCastle.Math.EC.ECPoint boxPoint;
        try
        {
            points = box.Cards.Select(c => curve.Curve.DecodePoint(FromHex(c.CardKey))).ToArray();
            boxPoint = curve.Curve.DecodePoint(FromHex(box.PublicKey));
        }
        catch (ArgumentException)
        {
            return "投票箱公钥或某张密钥卡的公钥不是 P-256 曲线上的点";
        }
        var n = curve.N;
        foreach (var subset in Subsets(box.Cards.Count, box.Threshold))
        {
            var sum = curve.Curve.Infinity;
            foreach (var i in subset)
            {
                // ℓᵢ(0) = Π_{j≠i} xⱼ / (xⱼ − xᵢ), with x = card number.
                var numerator = Org.BouncyCastle.Math.BigInteger.One;
                var denominator = Org.BouncyCastle.Math.BigInteger.One;
                foreach (var j in subset.Where(j => j != i))
                {
                    numerator = numerator.Multiply(Org.BouncyCastle.Math.BigInteger.ValueOf(j + 1)).Mod(n);
                    denominator = denominator.Multiply(Org.BouncyCastle.Math.BigInteger.ValueOf(j - i)).Mod(n);
                }
                sum = sum.Add(points[i].Multiply(numerator.Multiply(denominator.ModInverse(n)).Mod(n)));
            }
            if (!sum.Normalize().Equals(boxPoint.Normalize()))
                return $"第 {string.Join("、", subset.Select(i => i + 1))} 张密钥卡合起来不是投票箱的密钥：这些密钥卡不是由投票箱密钥分出的";
        }
        return null;
    }

    private static IEnumerable<int[]> Subsets(int count, int size)
    {
        if (size == 0) { yield return []; yield break; }
        for (var first = 0; first <= count - size; first++)
            foreach (var rest in Subsets(count - first - 1, size - 1))
                yield return [first, .. rest.Select(r => r + first + 1)];
    }

    private static string CustodyName(string custody) =>
        custody == BoxCommitment.ServerCustody ? ServerCustodyText : custody == BoxCommitment.CardsCustody ? CardsText : custody;

    /// <summary>
    /// One 开箱, after which the bundle's ballots are exactly those opened: sealed = opened + rejected, opened = the bundle's
    /// ballots, and the rejections by reason as the bundle states them.
    /// </summary>
    private static IEnumerable<string> UnsealAgainstLog(AuditBundle bundle, IReadOnlyList<UnsealEntry> unsealed)
    {
        if (unsealed.Count == 0)
        {
            yield return "没有开箱的记录";
            yield break;
        }
        if (unsealed.Count > 1)
        {
            yield return $"开箱记录了 {unsealed.Count} 次（第 {string.Join("、", unsealed.Select(u => u.Entry.Seq))} 条），投票箱只开一次";
            yield break;
        }
        var u = unsealed[0];
        var opened = bundle.Groups.Sum(g => g.Ballots.Count);
        var stated = (bundle.Rejected ?? new Dictionary<string, int>()).Where(r => r.Value != 0).ToDictionary(r => r.Key, r => r.Value);
        if (u.Sealed != u.Opened + u.RejectedTotal || u.RejectedTotal != u.Rejected.Values.Sum())
            yield return $"开箱记录（第 {u.Entry.Seq} 条）自相矛盾：密封 {u.Sealed} 张，开出 {u.Opened} 张，拒收 {u.RejectedTotal} 张";
        if (u.Opened != opened)
            yield return $"开箱时开出 {u.Opened} 张（第 {u.Entry.Seq} 条），包内有 {opened} 张：选票在开箱之后被删或加过";
        var logged = u.Rejected.Where(r => r.Value != 0).ToDictionary(r => r.Key, r => r.Value);
        if (logged.Count != stated.Count || logged.Any(r => stated.GetValueOrDefault(r.Key) != r.Value))
            yield return $"开箱时记录的拒收（{RejectedText(logged)}）与包内（{RejectedText(stated)}）不符";
    }

    private static string RejectedText(IReadOnlyDictionary<string, int> rejected) =>
        rejected.Count == 0 ? "无" : string.Join("、", rejected.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{Turnout.ReasonName(r.Key)} {r.Value}"));

    /// <summary>
    /// The bundle states category weights per group (a merged group weighs the sum of its categories), so the weights'
    /// wording cannot be compared; everything before it (D, k, score coefficients) must read exactly as locked.
    /// </summary>
    private static bool RulesAgree(string locked, AuditBundle bundle)
    {
        var unweighted = (bundle.Settings with { CategoryWeights = new Dictionary<Guid, decimal>() }).Describe(_ => "")[..^1];
        return locked == unweighted + "。" || bundle.Settings.CategoryWeights.Count > 0 && locked.StartsWith(unweighted + "；类别权重 ", StringComparison.Ordinal);
    }

    /// <summary>
    /// Time only moves forward along the log (the server never writes an entry dated before the one it follows), and an
    /// evaluation is drafted, opened, closed and exported in that order.
    /// </summary>
    private static Check LogOrder(AuditBundle bundle, EvaluationEntries entries)
    {
        var problems = new List<string>();
        for (var i = 1; i < bundle.ActionLog.Count; i++)
        {
            var (before, entry) = (bundle.ActionLog[i - 1], bundle.ActionLog[i]);
            if (entry.At < before.At)
                problems.Add($"第 {entry.Seq} 条（{entry.Action}）记于 {Time(entry.At)}，早于它前面的第 {before.Seq} 条（{Time(before.At)}）");
        }
        if (entries.Opened.Count > 0)
        {
            var opened = entries.Opened[0].Entry;
            foreach (var e in entries.Drafting.Where(e => e.Seq > opened.Seq))
                problems.Add($"第 {e.Seq} 条（{e.Action}）在开始投票（第 {opened.Seq} 条）之后，投票开始后评议不能再修改");
            foreach (var e in entries.Closed.Where(e => e.Seq < opened.Seq))
                problems.Add($"结束投票（第 {e.Seq} 条）在开始投票（第 {opened.Seq} 条）之前");
        }
        if (entries.Closed.Count > 0)
        {
            var closed = entries.Closed[0];
            foreach (var e in entries.Exported.Where(e => e.Seq < closed.Seq))
                problems.Add($"导出审计包（第 {e.Seq} 条）在结束投票（第 {closed.Seq} 条）之前，投票结束前不能导出");
            foreach (var u in entries.Unsealed.Where(u => u.Entry.Seq < closed.Seq))
                problems.Add($"开箱（第 {u.Entry.Seq} 条）在结束投票（第 {closed.Seq} 条）之前，投票结束前不能开箱");
        }
        if (entries.Unsealed.Count > 0)
        {
            var unsealed = entries.Unsealed[0].Entry;
            foreach (var e in entries.Exported.Where(e => e.Seq < unsealed.Seq))
                problems.Add($"导出审计包（第 {e.Seq} 条）在开箱（第 {unsealed.Seq} 条）之前，开箱前不能导出");
        }
        if (bundle.Evaluation is { OpenedAt: { } openedAt, ClosedAt: { } closedAt } && closedAt < openedAt)
            problems.Add($"包内所记结束投票时间 {Time(closedAt)} 早于开始投票时间 {Time(openedAt)}");
        return problems.Count == 0
            ? new Check("日志顺序", true, entries.Unsealed.Count > 0
                ? "记录时间依次向后，本评议先开始投票、再结束投票、再开箱、后导出"
                : "记录时间依次向后，本评议先开始投票、再结束投票、后导出")
            : new Check("日志顺序", false, $"{string.Join("；", problems.Take(5))}{(problems.Count > 5 ? $"……（共 {problems.Count} 处）" : "")}：记录的时间或先后被改过");
    }

    private static Check Anchors(IReadOnlyList<ActionLogEntry> log, IReadOnlyList<string> anchors)
    {
        var byHash = log.GroupBy(e => e.Hash.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First());
        var found = new List<string>();
        var missing = new List<string>();
        foreach (var anchor in anchors)
        {
            if (ReadAnchor(anchor) is not { } hash) missing.Add($"“{anchor}”（不是 64 位十六进制的哈希）");
            else if (byHash.TryGetValue(hash, out var e)) found.Add($"{BallotSet.Grouped(hash)} 是第 {e.Seq} 条（{e.Action}，{Time(e.At)}）");
            else missing.Add(BallotSet.Grouped(hash));
        }
        return missing.Count == 0
            ? new Check("锚点", true, string.Join("；", found))
            : new Check("锚点", false, $"包内操作日志没有哈希为 {string.Join("、", missing)} 的记录：日志在记下这一哈希之后被改写过（或哈希抄错了，请与原件核对）");
    }

    /// <summary>UTC to the microsecond, as the log hashes it, so two entries a moment apart still read apart.</summary>
    private static string Time(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    private static string TryKeyHash(string? base64)
    {
        if (base64 is null) return "（缺失）";
        try { return KeyHash(Convert.FromBase64String(base64)); }
        catch (FormatException) { return "（无法读取）"; }
    }

    private static string TryKeyHash(byte[]? bytes) => bytes is null ? "（无法读取）" : KeyHash(bytes);

    private static byte[]? FromHex(string hex)
    {
        try { return Convert.FromHexString(hex); }
        catch (FormatException) { return null; }
    }

    private static string Short(string hex) => hex.Length <= 16 ? hex : hex[..16] + "…";
}
