using System.Security.Cryptography;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;

namespace Evaluation.Core.Tallies;

/// <summary>A respondent category with its headcount and slip counts, as the turnout header needs them.</summary>
public sealed record TallyCategory(Guid Id, string Name, int Expected, int Issued, int Voided, int CheckedIn);

/// <summary>
/// The header of the 测评结果汇总表: 应到, 实到 (checked in), 发出 (slips issued and not voided), 收回 (ballots received,
/// those rejected at 开箱 included), 有效, 无效 (rejected at 开箱, or not fitting the frozen form) and 弃权 (blank ballots,
/// counted among the valid).
/// </summary>
public sealed record Turnout(int Expected, int CheckedIn, int Issued, int Received, int Valid, int Invalid, int Abstained)
{
    /// <summary>The reason the opened ballots that do not fit the form's structure are 无效 for.</summary>
    public const string Misfit = "misfit";

    public int Answering => Valid - Abstained;

    /// <summary>
    /// 无效 by reason: the rejections at 开箱 (<see cref="Crypto.BoxOpener.Reasons"/>) and <see cref="Misfit"/>, in that
    /// order, reasons with no ballot left out. The counts add up to <see cref="Invalid"/>.
    /// </summary>
    public IReadOnlyList<(string Reason, int Count)> InvalidReasons { get; init; } = [];

    /// <summary>The reasons as the reports print them after 无效, e.g. "无法解密 1、答卷签名无效 2"; empty when there are none.</summary>
    public string InvalidNote => string.Join("、", InvalidReasons.Select(r => $"{ReasonName(r.Reason)} {r.Count}"));

    // The reasons by value, so two turnouts counted alike are equal.
    public bool Equals(Turnout? other) =>
        other is not null && (Expected, CheckedIn, Issued, Received, Valid, Invalid, Abstained)
            == (other.Expected, other.CheckedIn, other.Issued, other.Received, other.Valid, other.Invalid, other.Abstained)
        && InvalidReasons.SequenceEqual(other.InvalidReasons);

    public override int GetHashCode() => HashCode.Combine(Expected, CheckedIn, Issued, Received, Valid, Invalid, Abstained, InvalidReasons.Count);

    /// <summary>A reason in words; one this version does not know (from a tampered bundle, say) is quoted as it is.</summary>
    public static string ReasonName(string reason) =>
        reason == Misfit ? "与问卷不符" : Crypto.BoxOpener.Reasons.All.Contains(reason) ? Crypto.BoxOpener.ReasonName(reason) : $"“{reason}”";
}

/// <summary>
/// A column of the per-category breakdown: one category, or several merged so that no column holds fewer than k ballots.
/// <see cref="Ballots"/> counts valid ballots that are not 弃权.
/// </summary>
public sealed record CategoryGroup(string Name, IReadOnlyList<Guid> CategoryIds, int Ballots, bool Merged);

/// <summary>A category on its own, or several merged because each alone has fewer than k ballots.</summary>
public sealed record CategoryPart(string Name, IReadOnlyList<TallyCategory> Members, bool Merged);

/// <summary>Votes for one option; <see cref="Share"/> is of D for grades and of the item's answers otherwise.</summary>
public sealed record OptionCount(string Option, int Count, decimal? Share);

public sealed record GroupRates(CategoryGroup Group, int Answered, int Denominator, IReadOnlyList<OptionCount> Grades, decimal? Positive, decimal? Negative);

/// <summary>
/// 好评率 / 称职率 / 满意率 (<see cref="Positive"/>: the first two grades over D), 差评率 (<see cref="Negative"/>: the last grade
/// over D), the optional score, the weighted rate, and the warnings of DESIGN.md §4. Rates are null when D is 0.
/// </summary>
public sealed record ItemRates(string PositiveName, decimal? Positive, decimal? Negative, decimal? Score, decimal? WeightedPositive,
    IReadOnlyList<string> Warnings);

/// <summary>
/// One question, for one target or asked once. When fewer than k voters answered it, <see cref="Suppressed"/> is set and
/// no count is given at all (not even how many answered), and its free texts are left out of <see cref="Tally.Opinions"/>,
/// so no output built from a tally can show the small cell or let it be counted.
/// </summary>
public sealed record ItemTally
{
    public required Question Question { get; init; }
    public Target? Target { get; init; }
    public bool Suppressed { get; init; }
    /// <summary>Answers that count, 不了解 and 其他 included.</summary>
    public int Answered { get; init; }
    /// <summary>Ballots (not 弃权) that left the item empty.</summary>
    public int Unanswered { get; init; }
    /// <summary>Answers that break the item's rules (say, too many ticks): void alone, the rest of the ballot stands.</summary>
    public int Void { get; init; }
    /// <summary>Rating: the grades. Choice: the options. Symptoms: the options, then the none-option (未发现).</summary>
    public IReadOnlyList<OptionCount> Options { get; init; } = [];
    public int Unknown { get; init; }
    public int Other { get; init; }
    /// <summary>Rating: D, the denominator of the rates.</summary>
    public int Denominator { get; init; }
    public ItemRates? Rates { get; init; }
    /// <summary>Rating: one entry per category group, only when every group answered it at least k times.</summary>
    public IReadOnlyList<GroupRates> ByGroup { get; init; } = [];

    public Scale? Scale => Question.Kind == QuestionKind.Rating ? Forms.Scale.Find(Question.Scale) : null;
}

public sealed record TargetTally(Target Target, IReadOnlyList<ItemTally> Items, ItemTally? Headline, int? Rank, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// Set when some categories do not rate this target (<see cref="FrozenForm.Raters"/>): the names of the tally's categories
    /// (key groups) that do, whose 应到 and ballots alone are this target's denominators. Null when everyone rates it.
    /// </summary>
    public IReadOnlyList<string>? RatedBy { get; init; }
    /// <summary>Limited targets: 应到 of the categories that rate it.</summary>
    public int Expected { get; init; }
    /// <summary>
    /// Limited targets: the answering (valid, not 弃权) ballots of the categories that rate it; null when withheld because
    /// they, or the answering ballots of the categories that do not, number fewer than k (either would single them out).
    /// </summary>
    public int? Ballots { get; init; }
}

/// <summary>
/// A free-text answer, or the 其他 box of a choice, verbatim. <see cref="Key"/> names it for triage without naming the
/// ballot: it is derived one-way from the ballot's message and the answer's place, so neither it nor the voter's receipt
/// leads to the other, and two keys do not show that one voter wrote both.
/// <see cref="OpenBox"/>: written into the open 征求意见箱 (<see cref="OpenBoxTally"/>), not on a ballot; every output
/// that lists it says so (<see cref="OpinionDigest.OpenBoxSource"/>).
/// </summary>
public sealed record Opinion(string Key, Target? Target, Question Question, string Text, bool IsOther)
{
    public bool OpenBox { get; init; }
}

/// <summary>
/// A ballot row for the 原始票 sheet: no category and no credential, and without its answers to items the tally
/// suppressed, since a row per voter would otherwise let anyone recount the small cell.
/// </summary>
public sealed record AnonymousBallot(bool Abstained, BallotAnswers Answers);

/// <summary>
/// The count of one evaluation (DESIGN.md §4), computed from the frozen form and the ballots alone, so the server's
/// reports and the auditor's verifier get the same numbers. Opinions and anonymous ballots come in random order.
/// </summary>
public sealed record Tally(
    FrozenForm Form,
    TallySettings Settings,
    Turnout Turnout,
    IReadOnlyList<TallyCategory> Categories,
    string Fingerprint,
    bool Suppressed,
    IReadOnlyList<CategoryGroup> Groups,
    IReadOnlyList<ItemTally> General,
    IReadOnlyList<TargetTally> Targets,
    IReadOnlyList<Opinion> Opinions,
    IEnumerable<AnonymousBallot> Ballots)
{
    public const string CompetenceWarning = "基本称职和不称职合计达三分之一";
    public const string SatisfactionWarning = "满意率低于 60%";

    public static Tally Count(FrozenForm form, IReadOnlyList<TallyCategory> categories, IReadOnlyList<TallyBallot> ballots,
        TallySettings settings, Random? random) => Count(form, categories, ballots, settings, null, random);

    /// <param name="rejected">Sealed ballots rejected at 开箱, by reason (<see cref="Crypto.BoxOpener.Reasons"/>): each was
    /// someone's ballot, so they count as received and 无效, never silently dropped.</param>
    public static Tally Count(FrozenForm form, IReadOnlyList<TallyCategory> categories, IReadOnlyList<TallyBallot> ballots,
        TallySettings settings, IReadOnlyDictionary<string, int>? rejected = null, Random? random = null)
    {
        random ??= Random.Shared;
        var k = settings.EffectiveSmallCell;
        var questions = form.Questionnaire.Questions;
        var targets = form.Targets.OrderBy(t => t.Position).ThenBy(t => t.Id).ToList();

        var byId = questions.ToDictionary(q => q.Id, StringComparer.Ordinal);
        var targetsById = targets.ToDictionary(t => t.Id);
        var categoryIndex = new Dictionary<Guid, int>();
        for (var c = 0; c < categories.Count; c++)
            categoryIndex.TryAdd(categories[c].Id, c);

        var items = new List<Counter>();
        var index = new Dictionary<(Guid?, string), Counter>();
        foreach (var q in questions.Where(q => !q.IsPerTarget))
            items.Add(index[(null, q.Id)] = new Counter(q, null, categories.Count));
        foreach (var t in targets)
            foreach (var q in questions.Where(t.IsAskedAbout))
                items.Add(index[(t.Id, q.Id)] = new Counter(q, t, categories.Count));

        // One pass, counting per category and keeping nothing of a ballot once it is counted: holding a million parsed
        // answers costs more in garbage collection than reading them. Categories are merged into groups afterwards.
        var valid = new List<TallyBallot>();
        var receivedPerCategory = new Dictionary<Guid, int>();
        var answeringPerCategory = new Dictionary<Guid, int>();
        var opinions = new List<Opinion>();
        var answering = 0;
        foreach (var ballot in ballots)
        {
            receivedPerCategory[ballot.CategoryId] = receivedPerCategory.GetValueOrDefault(ballot.CategoryId) + 1;
            if (Read(ballot.Answers, byId, targetsById, form, ballot.CategoryId) is not { } answers) continue;
            valid.Add(ballot);
            if (BallotValidator.IsBlank(answers)) continue;
            answering++;
            answeringPerCategory[ballot.CategoryId] = answeringPerCategory.GetValueOrDefault(ballot.CategoryId) + 1;
            var category = categoryIndex.GetValueOrDefault(ballot.CategoryId, -1);
            foreach (var (qid, answer) in answers.Once)
                Add(index[(null, qid)], answer, null);
            foreach (var (tid, section) in answers.Targets)
                foreach (var (qid, answer) in section)
                    Add(index[(tid, qid)], answer, tid);

            void Add(Counter counter, Answer answer, Guid? targetId)
            {
                if (counter.Add(answer, category) is not var (text, isOther)) return;
                var key = OpinionKey(ballot.Message, $"{(targetId is { } id ? id.ToString("N") : "-")}/{counter.Question.Id}{(isOther ? "/other" : "")}");
                opinions.Add(new Opinion(key, counter.Target, counter.Question, text, isOther));
            }
        }

        var reasons = (rejected ?? new Dictionary<string, int>()).Where(r => r.Value > 0)
            .OrderBy(r => RejectionOrder(r.Key)).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => (r.Key, r.Value)).ToList();
        if (ballots.Count > valid.Count) reasons.Add((Turnout.Misfit, ballots.Count - valid.Count));
        var rejectedCount = reasons.Where(r => r.Key != Turnout.Misfit).Sum(r => r.Value);
        var turnout = new Turnout(
            Expected: categories.Sum(c => c.Expected),
            CheckedIn: categories.Sum(c => c.CheckedIn),
            Issued: categories.Sum(c => c.Issued - c.Voided),
            Received: ballots.Count + rejectedCount,
            Valid: valid.Count,
            Invalid: ballots.Count - valid.Count + rejectedCount,
            Abstained: valid.Count - answering) { InvalidReasons = reasons };
        var fingerprint = BallotSet.Fingerprint(ballots);
        var suppressed = answering < k;
        var groups = suppressed ? [] : BreakdownGroups(categories, receivedPerCategory, answeringPerCategory, k);
        if (suppressed) opinions.Clear();
        var groupMembers = groups.Select(g => g.CategoryIds.Select(id => categoryIndex[id]).ToArray()).ToList();

        var scopes = targets.ToDictionary(t => t.Id, t => RaterScope.Of(form, t, categories, answeringPerCategory, answering, k));
        var tallies = items.Select(c => c.Target is { } t && scopes[t.Id] is { } scope
            ? scope.Ballots is { } ballotsInScope
                ? c.Result(ballotsInScope, k, settings, scope.Groups(groups), scope.Groups(groups).Select(g => g.CategoryIds.Select(id => categoryIndex[id]).ToArray()).ToList())
                : new ItemTally { Question = c.Question, Target = t, Suppressed = true }
            : c.Result(answering, k, settings, groups, groupMembers)).ToList();
        var general = tallies.Where(t => t.Target is null).ToList();
        var perTarget = targets.Select(t =>
        {
            var own = tallies.Where(i => i.Target?.Id == t.Id).ToList();
            var warnings = own.SelectMany(i => i.Rates?.Warnings ?? []).Distinct().ToList();
            var scope = scopes[t.Id];
            return new TargetTally(t, own, own.FirstOrDefault(i => i.Question.Kind == QuestionKind.Rating), null, warnings)
            {
                RatedBy = scope?.Names, Expected = scope?.Expected ?? 0, Ballots = scope?.Ballots,
            };
        }).ToList();

        var hidden = tallies.Where(t => t.Suppressed).Select(t => (t.Target?.Id, t.Question.Id)).ToHashSet();
        // One rule for every output: an item answered by fewer than k publishes nothing, its verbatim texts included,
        // since listing them under the item would give its count (and who chose 其他) away.
        var shuffled = opinions.Where(o => !hidden.Contains((o.Target?.Id, o.Question.Id))).ToArray();
        random.Shuffle(shuffled);
        var rows = suppressed ? [] : valid.ToArray();
        random.Shuffle(rows);
        // Read again row by row as the 原始票 sheet is written, for the same reason as above.
        var anonymous = rows.Select(json =>
        {
            var answers = Read(json.Answers, byId, targetsById, form, json.CategoryId)!;
            return new AnonymousBallot(BallotValidator.IsBlank(answers), WithoutHidden(answers, hidden));
        });

        return new Tally(form, settings, turnout, categories, fingerprint, suppressed, groups, general, Rank(perTarget), shuffled, anonymous);
    }

    private static int RejectionOrder(string reason) => reason switch
    {
        Crypto.BoxOpener.Reasons.Undecryptable => 0,
        Crypto.BoxOpener.Reasons.Unreadable => 1,
        Crypto.BoxOpener.Reasons.BadCredential => 2,
        Crypto.BoxOpener.Reasons.BadSignature => 3,
        Crypto.BoxOpener.Reasons.Duplicate => 4,
        _ => 5,
    };

    private static BallotAnswers WithoutHidden(BallotAnswers answers, HashSet<(Guid?, string)> hidden)
    {
        bool Shown(Guid? target, string question) => !hidden.Contains((target, question));
        if (hidden.Count == 0 || answers.Once.Keys.All(q => Shown(null, q)) && answers.Targets.All(s => s.Value.Keys.All(q => Shown(s.Key, q))))
            return answers;
        return new()
        {
            Once = answers.Once.Where(p => Shown(null, p.Key)).ToDictionary(p => p.Key, p => p.Value),
            Targets = answers.Targets.ToDictionary(s => s.Key,
                s => (IReadOnlyDictionary<string, Answer>)s.Value.Where(p => Shown(s.Key, p.Key)).ToDictionary(p => p.Key, p => p.Value)),
        };
    }

    /// <summary>
    /// The answers if the ballot fits the frozen form's structure, its key group's scope included; null makes it 无效: an
    /// answer about a target the ballot's categories do not rate could only come from a page other than ours.
    /// </summary>
    private static BallotAnswers? Read(string json, Dictionary<string, Question> questions, Dictionary<Guid, Target> targets, FrozenForm form, Guid keyGroup)
    {
        if (!BallotJson.TryRead(json, out var answers, out _)) return null;
        foreach (var id in answers.Once.Keys)
            if (!questions.TryGetValue(id, out var q) || q.IsPerTarget) return null;
        foreach (var (targetId, section) in answers.Targets)
        {
            if (!targets.TryGetValue(targetId, out var target) || !form.Rates(keyGroup, targetId)) return null;
            foreach (var id in section.Keys)
                if (!questions.TryGetValue(id, out var q) || !target.IsAskedAbout(q)) return null;
        }
        return answers;
    }

    /// <summary>
    /// Categories with fewer than k ballots (received: blank and invalid ones included, as each is someone's ballot) are
    /// merged; while the merged group is still smaller than k, the smallest remaining category joins it, since otherwise
    /// the total minus the other columns would give it away. Categories without ballots are left out, unless
    /// <paramref name="withCheckInsAlone"/>: turnout pages show check-ins too, and a category whose voters checked in and
    /// have not submitted yet must then be merged like any small one, or the total's check-ins minus the lines shown would
    /// be its own. The audit bundle groups its ballots the same way, so a tally recomputed from the bundle's groups forms
    /// these very groups again.
    /// </summary>
    public static IReadOnlyList<CategoryPart> Partition(IReadOnlyList<TallyCategory> categories, IReadOnlyDictionary<Guid, int> received, int k,
        bool withCheckInsAlone = false)
    {
        int Size(TallyCategory c) => received.GetValueOrDefault(c.Id);
        var present = categories.Where(c => Size(c) > 0 || withCheckInsAlone && c.CheckedIn > 0).ToList();
        var bySize = present.OrderBy(Size).ToList();
        var merged = bySize.Where(c => Size(c) < k).ToList();
        var rest = bySize.Where(c => Size(c) >= k).ToList();
        while (merged.Count > 0 && merged.Sum(Size) < k && rest.Count > 0)
        {
            merged.Add(rest[0]);
            rest.RemoveAt(0);
        }
        var parts = present.Where(rest.Contains).Select(c => new CategoryPart(c.Name, [c], false)).ToList();
        if (merged.Count > 0)
        {
            var inOrder = present.Where(merged.Contains).ToList();
            parts.Add(new CategoryPart($"其余类别合并（{string.Join("、", inOrder.Select(c => c.Name))}）", inOrder, true));
        }
        return parts;
    }

    /// <summary>
    /// The columns of the per-category breakdown. Fewer than two columns is no breakdown at all, and so is a column where
    /// fewer than k of its ballots answer anything (blank and invalid ones made it big enough to stand alone).
    /// </summary>
    private static List<CategoryGroup> BreakdownGroups(IReadOnlyList<TallyCategory> categories, Dictionary<Guid, int> received,
        Dictionary<Guid, int> answering, int k)
    {
        var groups = Partition(categories, received, k)
            .Select(p => new CategoryGroup(p.Name, p.Members.Select(c => c.Id).ToList(), p.Members.Sum(c => answering.GetValueOrDefault(c.Id)), p.Merged))
            .ToList();
        return groups.Count >= 2 && groups.All(g => g.Ballots >= k) ? groups : [];
    }

    /// <summary>Members are ranked on their headline item, by score where the scale has coefficients, else by rate; ties share a rank.</summary>
    private static List<TargetTally> Rank(List<TargetTally> targets)
    {
        static decimal? Key(TargetTally t) => t.Headline?.Rates is { } r ? r.Score ?? r.Positive : null;
        var ranked = targets.Where(t => t.Target.Kind == TargetKind.Member && Key(t) is not null).ToList();
        return targets.Select(t =>
            t.Target.Kind == TargetKind.Member && Key(t) is { } mine
                ? t with { Rank = 1 + ranked.Count(o => Key(o) > mine) }
                : t).ToList();
    }

    /// <summary>
    /// Hashes the place of the answer in with the message, so two opinions of one ballot have unrelated keys: a page
    /// listing keys must not show which opinions one voter wrote.
    /// </summary>
    private static string OpinionKey(byte[] message, string place)
    {
        var placeBytes = System.Text.Encoding.UTF8.GetBytes(place);
        var input = new byte[8 + message.Length + 1 + placeBytes.Length];
        "opinion:"u8.CopyTo(input);
        message.CopyTo(input, 8);
        input[8 + message.Length] = (byte)'/';
        placeBytes.CopyTo(input, 9 + message.Length);
        return Convert.ToHexStringLower(SHA256.HashData(input))[..32];
    }

    /// <summary>Running counts for one item while the ballots are read.</summary>
    private sealed class Counter(Question question, Target? target, int categoryCount)
    {
        private readonly string[] _options = question.Kind switch
        {
            QuestionKind.Rating => [.. Forms.Scale.Find(question.Scale)?.Grades ?? []],
            QuestionKind.Symptoms when question.NoneOption is not null => [.. question.Options, question.NoneOption],
            _ => [.. question.Options],
        };
        private readonly int[] _counts = new int[question.Kind == QuestionKind.Rating ? Forms.Scale.Find(question.Scale)?.Grades.Count ?? 0
            : question.Options.Count + (question.Kind == QuestionKind.Symptoms && question.NoneOption is not null ? 1 : 0)];
        // Ratings, per category: the grades, then 不了解.
        private readonly int[][] _categoryCounts = Enumerable.Range(0, question.Kind == QuestionKind.Rating ? categoryCount : 0)
            .Select(_ => new int[(Forms.Scale.Find(question.Scale)?.Grades.Count ?? 0) + 1]).ToArray();
        private int _answered, _void, _unknown, _other;
        // A required item left empty on a ballot that answers something breaks the rule that requires it.
        private readonly bool _requiredEmptyVoid = BallotValidator.BreaksRules(question, null, blankBallot: false);

        public Question Question => question;
        public Target? Target => target;

        /// <summary>Counts one answer; returns its free text (the text itself, or the 其他 box) to be listed verbatim.</summary>
        public (string Text, bool IsOther)? Add(Answer answer, int category)
        {
            if (answer.IsEmpty) return null;
            // The phone checks the answers before it seals them, the server cannot: an answer that breaks the item's
            // rules anyway is void alone (DESIGN.md §4), by the same rules the phone page and the kiosk apply.
            if (BallotValidator.BreaksRules(question, answer, blankBallot: false)) return Void();
            switch (question.Kind)
            {
                case QuestionKind.Rating:
                    var grade = answer.Choice == Forms.Scale.Unknown ? _counts.Length : Array.IndexOf(_options, answer.Choice);
                    _answered++;
                    if (grade == _counts.Length) _unknown++;
                    else _counts[grade]++;
                    if (category >= 0) _categoryCounts[category][grade]++;
                    return null;
                case QuestionKind.SingleChoice:
                    _answered++;
                    if (answer.HasOther) { _other++; return (answer.Other!.Trim(), true); }
                    _counts[Array.IndexOf(_options, answer.Choice)]++;
                    return null;
                case QuestionKind.MultipleChoice:
                case QuestionKind.Symptoms:
                    _answered++;
                    foreach (var choice in answer.Choices ?? [])
                        _counts[Array.IndexOf(_options, choice)]++;
                    if (!answer.HasOther) return null;
                    _other++;
                    return (answer.Other!.Trim(), true);
                default:
                    _answered++;
                    return (answer.Text!.Trim(), false);
            }
        }

        private (string, bool)? Void()
        {
            _void++;
            return null;
        }

        public ItemTally Result(int answeringBallots, int k, TallySettings settings, IReadOnlyList<CategoryGroup> groups, IReadOnlyList<int[]> groupMembers)
        {
            var unanswered = answeringBallots - _answered - _void;
            var @void = _void;
            if (_requiredEmptyVoid) (@void, unanswered) = (@void + unanswered, 0);
            if (_answered < k)
                return new ItemTally { Question = question, Target = target, Suppressed = true };

            if (question.Kind != QuestionKind.Rating)
                return new ItemTally
                {
                    Question = question, Target = target, Answered = _answered, Unanswered = unanswered, Void = @void, Other = _other,
                    Options = _options.Select((o, i) => new OptionCount(o, _counts[i], Share(_counts[i], _answered))).ToList(),
                };

            var scale = Forms.Scale.Find(question.Scale)!;
            var d = settings.UnknownInDenominator ? _answered : _answered - _unknown;
            var byGroup = groups.Select((g, i) => GroupResult(g, SumOf(groupMembers[i]), settings)).ToList();
            if (byGroup.Any(g => g.Answered < k)) byGroup = [];
            return new ItemTally
            {
                Question = question, Target = target, Answered = _answered, Unanswered = unanswered, Void = @void,
                Unknown = _unknown, Denominator = d,
                Options = _options.Select((o, i) => new OptionCount(o, _counts[i], Share(_counts[i], d))).ToList(),
                Rates = Rates(scale, _counts, d, settings, byGroup),
                ByGroup = byGroup,
            };
        }

        private int[] SumOf(int[] categories)
        {
            var sum = new int[_counts.Length + 1];
            foreach (var c in categories)
                for (var i = 0; i < sum.Length; i++)
                    sum[i] += _categoryCounts[c][i];
            return sum;
        }

        private GroupRates GroupResult(CategoryGroup group, int[] counts, TallySettings settings)
        {
            var grades = counts[..^1];
            var answered = counts.Sum();
            var d = settings.UnknownInDenominator ? answered : answered - counts[^1];
            return new GroupRates(group, answered, d,
                _options.Select((o, i) => new OptionCount(o, grades[i], Share(grades[i], d))).ToList(),
                Share(grades[0] + grades[1], d), Share(grades[^1], d));
        }

        private static ItemRates Rates(Scale scale, int[] counts, int d, TallySettings settings, IReadOnlyList<GroupRates> byGroup)
        {
            var positive = Share(counts[0] + counts[1], d);
            var coefficients = settings.CoefficientsFor(scale);
            decimal? score = coefficients is null || d == 0 ? null : 100m * counts.Select((n, i) => n * coefficients[i]).Sum() / d;

            decimal? weighted = null;
            if (settings.CategoryWeights.Count > 0 && byGroup.Count > 0)
            {
                var weighed = byGroup.Where(g => g.Positive is not null)
                    .Select(g => (Weight: g.Group.CategoryIds.Sum(id => settings.CategoryWeights.GetValueOrDefault(id)), Rate: g.Positive!.Value))
                    .Where(w => w.Weight > 0).ToList();
                var total = weighed.Sum(w => w.Weight);
                if (total > 0) weighted = weighed.Sum(w => w.Weight * w.Rate) / total;
            }

            var warnings = new List<string>();
            if (scale == Forms.Scale.Competence && d > 0 && 3 * (counts[2] + counts[3]) >= d)
                warnings.Add(CompetenceWarning);
            if (scale == Forms.Scale.Satisfaction && d > 0 && 5 * (counts[0] + counts[1]) < 3 * d)
                warnings.Add(SatisfactionWarning);
            return new ItemRates(PositiveName(scale), positive, Share(counts[^1], d), score, weighted, warnings);
        }

        private static decimal? Share(int n, int of) => of == 0 ? null : (decimal)n / of;
    }

    /// <summary>好评率, 称职率 or 满意率: the name of the first two grades' share on this scale.</summary>
    public static string PositiveName(Scale scale) =>
        scale == Scale.Competence ? "称职率" : scale == Scale.Satisfaction ? "满意率" : "好评率";
}
