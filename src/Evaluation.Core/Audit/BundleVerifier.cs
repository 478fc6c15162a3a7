using System.Text.RegularExpressions;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;

namespace Evaluation.Core.Audit;

/// <summary>One line of the verifier's output: what was checked, whether it held, and the figures or the reason.</summary>
public sealed record Check(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"[{(Passed ? "通过" : "失败")}] {Name}：{Detail}";
}

/// <summary>The checks, and the tally recomputed from the bundle's ballots when the form could be read.</summary>
public sealed record Verification(IReadOnlyList<Check> Checks, Tally? Recomputed)
{
    public bool Passed => Checks.All(c => c.Passed);
}

/// <summary>
/// Checks an audit bundle on its own, with the same code the server counts with (DESIGN.md §3): the form hash, every
/// signature, no message twice, ballots ≤ check-ins ≤ slips issued − voided, the fingerprint, the tally, and the log.
/// </summary>
public static class BundleVerifier
{
    public const string ExportAction = "导出审计包";
    public const string OpenAction = "开始投票";
    public const string CloseAction = "结束投票";
    public const string CreateAction = "创建评议";
    public const string EditAction = "修改评议";

    /// <summary>How every entry about one evaluation begins.</summary>
    public static string Subject(string evaluationName, Guid evaluationId) => $"《{evaluationName}》，编号 {evaluationId}";

    /// <summary>
    /// The log entry of opening: the form hash and the SHA-256 of every category's public key, committed before any ballot
    /// exists, so keys swapped in later to sign forged ballots do not match the log.
    /// </summary>
    public static string OpenDetail(string evaluationName, Guid evaluationId, string formHash, IEnumerable<byte[]> publicKeys) =>
        $"{Subject(evaluationName, evaluationId)}，问卷哈希 {formHash}，签名公钥 {string.Join("、", publicKeys.Select(KeyHash).Order(StringComparer.Ordinal))}";

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
        IReadOnlyList<(ActionLogEntry Entry, string FormHash, IReadOnlyList<string> KeyHashes)> Opened,
        IReadOnlyList<ActionLogEntry> Closed, IReadOnlyList<ActionLogEntry> Exported, IReadOnlyList<ActionLogEntry> Drafting);

    public static EvaluationEntries EntriesOf(IEnumerable<ActionLogEntry> log, string evaluationName, Guid evaluationId)
    {
        var subject = Subject(evaluationName, evaluationId);
        var escaped = Regex.Escape(subject);
        var open = new Regex($@"^{escaped}，问卷哈希 ([0-9a-f]{{64}})，签名公钥 ([0-9a-f]{{64}}(?:、[0-9a-f]{{64}})*)\z");
        var export = new Regex($@"^{escaped}，收回 [0-9]+ 票，指纹 [0-9a-f]{{64}}\z");
        var opened = new List<(ActionLogEntry, string, IReadOnlyList<string>)>();
        var closed = new List<ActionLogEntry>();
        var exported = new List<ActionLogEntry>();
        var drafting = new List<ActionLogEntry>();
        foreach (var e in log)
        {
            if (e.Action == OpenAction && open.Match(e.Detail) is { Success: true } m)
                opened.Add((e, m.Groups[1].Value, m.Groups[2].Value.Split('、')));
            else if (e.Action == CloseAction && LockedRules(e.Detail, subject) is not null)
                closed.Add(e);
            else if (e.Action == ExportAction && export.IsMatch(e.Detail))
                exported.Add(e);
            else if (e.Action is CreateAction or EditAction && e.Detail.EndsWith($"，编号 {evaluationId}", StringComparison.Ordinal))
                drafting.Add(e);
        }
        return new EvaluationEntries(opened, closed, exported, drafting);
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

        checks.Add(bundle.Format == AuditBundle.CurrentFormat
            ? new Check("格式", true, $"{bundle.Format}，《{bundle.Evaluation.Name}》（{bundle.Evaluation.Round}），{bundle.Groups.Count} 个类别分组")
            : new Check("格式", false, $"不认识的格式“{bundle.Format}”，本校验程序只读 {AuditBundle.CurrentFormat}"));

        FrozenForm? form = null;
        try { form = FormJson.ReadFrozenForm(bundle.FrozenForm); }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException) { }
        var formHash = FormJson.Sha256Hex(bundle.FrozenForm);
        checks.Add(form is null ? new Check("问卷", false, "冻结的问卷无法读取")
            : formHash == bundle.FormHash ? new Check("问卷", true, $"问卷哈希 {formHash} 与问卷内容相符")
            : new Check("问卷", false, $"问卷内容的哈希为 {formHash}，与包内所记 {bundle.FormHash} 不符"));

        checks.Add(Rules(bundle));
        checks.Add(Signatures(bundle.Groups));
        checks.Add(Duplicates(ballots.Select(b => b.Ballot.Message)));
        checks.Add(Counts(bundle.Groups));

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
            recomputed = Tally.Count(form, categories, tallyBallots, bundle.Settings);
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

    /// <summary>A ballot as the tally reads it, in its group; a ballot whose hex does not parse counts with empty bytes and fails its signature.</summary>
    private static TallyBallot ToTallyBallot(BundleGroup group, BundleBallot ballot) =>
        new(group.Id, FromHex(ballot.Message) ?? [], FromHex(ballot.Signature) ?? [], ballot.Answers);

    private static Check Signatures(IReadOnlyList<BundleGroup> groups)
    {
        var bad = new List<string>();
        var keys = new List<BlindRsaPublicKey>[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            keys[g] = [];
            foreach (var spki in groups[g].PublicKeys)
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

    private static Check Counts(IReadOnlyList<BundleGroup> groups)
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
        var ballots = groups.Sum(g => g.Ballots.Count);
        var checkedIn = groups.Sum(g => g.CheckedIn);
        var valid = groups.Sum(g => g.SlipsIssued - g.SlipsVoided);
        return problems.Count == 0
            ? new Check("票数", true, $"收回 {ballots} ≤ 签到 {checkedIn} ≤ 有效票签 {valid}（每个类别分组也如此）")
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
            var (_, formHash, keyHashes) = entries.Opened[0];
            if (formHash != bundle.FormHash)
                problems.Add($"开始投票时记录的问卷哈希与包内 {bundle.FormHash} 不符");
            var logged = keyHashes.ToHashSet();
            var stated = bundle.Groups.SelectMany(g => g.PublicKeys.Select(k => (g.Name, Hash: TryKeyHash(k)))).ToList();
            foreach (var (group, _) in stated.Where(k => !logged.Contains(k.Hash)))
                problems.Add($"“{group}”的签名公钥不是开始投票时记录的公钥");
            if (logged.Count != stated.Count)
                problems.Add($"开始投票时记录了 {logged.Count} 把签名公钥，包内有 {stated.Count} 把");
        }
        if (entries.Closed.Count == 0) problems.Add("没有结束投票的记录");
        else if (entries.Closed.Count > 1) problems.Add($"结束投票记录了 {entries.Closed.Count} 次（第 {string.Join("、", entries.Closed.Select(e => e.Seq))} 条）");
        else if (LockedRules(entries.Closed[0].Detail, Subject(bundle.Evaluation.Name, bundle.Evaluation.Id)) is { Length: > 0 } locked
                 && !RulesAgree(locked, bundle))
            problems.Add($"包内的计票规则与结束投票时锁定的不同（第 {entries.Closed[0].Seq} 条记为：{locked}）");
        if (!entries.Exported.Any(e => e.Detail.EndsWith($"指纹 {bundle.Fingerprint}", StringComparison.Ordinal)))
            problems.Add($"没有导出本审计包（指纹 {BallotSet.Grouped(bundle.Fingerprint)}）的记录");
        return problems.Count == 0
            ? new Check("日志记录", true, "开始投票时记录的问卷哈希和签名公钥与包内相符，结束投票和本包的导出均有记录")
            : new Check("日志记录", false, string.Join("；", problems));
    }

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
        }
        if (bundle.Evaluation is { OpenedAt: { } openedAt, ClosedAt: { } closedAt } && closedAt < openedAt)
            problems.Add($"包内所记结束投票时间 {Time(closedAt)} 早于开始投票时间 {Time(openedAt)}");
        return problems.Count == 0
            ? new Check("日志顺序", true, "记录时间依次向后，本评议先开始投票、再结束投票、后导出")
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

    private static string TryKeyHash(string base64)
    {
        try { return KeyHash(Convert.FromBase64String(base64)); }
        catch (FormatException) { return "（无法读取）"; }
    }

    private static byte[]? FromHex(string hex)
    {
        try { return Convert.FromHexString(hex); }
        catch (FormatException) { return null; }
    }

    private static string Short(string hex) => hex.Length <= 16 ? hex : hex[..16] + "…";
}
