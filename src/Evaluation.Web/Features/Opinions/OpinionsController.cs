using Dapper;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Core.Text;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Reports;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Opinions;

/// <summary>
/// What the triage forms post. <see cref="Tags"/> are the ticked 四风 boxes; <see cref="Theme"/> is free text holding
/// further themes separated by 、 or a comma. <see cref="EntryId"/> is the entry chosen in "归入已有条目".
/// <see cref="MixedTargets"/> is <see cref="ConfirmedMixedTargets"/> once the 督导组 has seen that the opinions concern
/// different targets and merges them all the same (仍然合并).
/// </summary>
public sealed record TriageForm(string[]? Keys, string? Text, string[]? Tags, string? Theme, Guid? EntryId, string? MixedTargets = null)
{
    public const string ConfirmedMixedTargets = "confirmed";
    public static readonly TriageForm Empty = new(null, null, null, null, null);
}

/// <summary>A target the opinions of a refused merge concern, and how many of them (the chosen entry's included).</summary>
public sealed record InvolvedTarget(string Label, int Opinions);

/// <summary>A merge held back because its opinions concern different targets: what to confirm, and where 仍然合并 posts.</summary>
public sealed record MixedTargetsQuestion(string Action, IReadOnlyList<InvolvedTarget> Targets);

/// <summary>The untriaged opinions about one target (or asked once: 整体), question by question in the form's order.</summary>
public sealed record OpinionGroup(string Heading, IReadOnlyList<(Question Question, IReadOnlyList<Opinion> Opinions)> Questions);

/// <summary>The tag inputs of an entry form: a box per 四风 category, and the other themes as free text.</summary>
public sealed record TagFields(string IdPrefix, IReadOnlyList<string> Ticked, string? Theme)
{
    public static TagFields Of(string idPrefix, IReadOnlyList<string> tags) =>
        new(idPrefix, tags.Where(OpinionDigest.FourWinds.Contains).ToList(), string.Join("、", tags.Where(t => !OpinionDigest.FourWinds.Contains(t))));

    public static TagFields Of(string idPrefix, TriageForm form) => new(idPrefix, form.Tags ?? [], form.Theme);
}

/// <param name="Editing">The entry whose edit form <see cref="Form"/> refills after a refused edit; null for the merge form.</param>
public sealed record OpinionsPage(
    ResultsReport Report, IReadOnlyList<DigestItem> Entries, IReadOnlyList<OpinionGroup> Untriaged, bool CanTriage,
    IReadOnlyList<string> Errors, TriageForm Form, Guid? Editing, MixedTargetsQuestion? Mixed = null)
{
    public string Url => $"/evaluations/{Report.Evaluation.Id}/opinions";
    public int TriagedOriginals => Entries.Sum(e => e.Originals.Count);
    public int UntriagedOriginals => Untriaged.Sum(g => g.Questions.Sum(q => q.Opinions.Count));
}

/// <summary>
/// The 督导组's 梳理汇总 of a closed evaluation's free-text opinions: tag them (四风 or a theme) and merge duplicates into
/// consolidated lines worded by the group, while the originals stay verbatim beside them. The 组织者 may read it;
/// only the 督导组 changes it. Outside the caller's units, or before voting has closed, every route answers 404.
/// </summary>
[Authorize(Roles = EvaluationResults.ReaderRoles)]
[Route("evaluations/{id:guid}/opinions")]
public sealed class OpinionsController(NpgsqlDataSource db) : Controller
{
    public const int MaxTextLength = 1000;
    public const int MaxTagLength = 20;
    public const int MaxTags = 10;
    private const string LogAction = "梳理意见";
    private static readonly char[] ThemeSeparators = ['、', '，', ',', '；', ';', '\n', '\r'];

    [HttpGet("")]
    public async Task<IActionResult> Index(Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var evaluation = await EvaluationResults.FindClosedAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        return View("Index", await PageAsync(conn, evaluation, [], TriageForm.Empty, null, ct));
    }

    [Authorize(Roles = Roles.Supervisor), HttpPost("entries")]
    public Task<IActionResult> Create(Guid id, [FromForm] TriageForm form, CancellationToken ct) =>
        TriageAsync(id, async (conn, tx, evaluation) =>
        {
            var keys = Distinct(form.Keys);
            var (text, tags, errors) = Wording(form);
            var opinions = await OpinionsAsync(conn, id, ct);
            errors.InsertRange(0, UnknownKeys(opinions, keys));
            if (errors.Count > 0) return await ShowWithErrorsAsync(conn, evaluation, errors, form, null, ct);
            if (await AlreadyMergedAsync(conn, tx, id, keys) is { } refusal) return refusal;
            var (question, targets) = await MixedTargetsAsync(conn, tx, evaluation, opinions, keys, null, form, "entries", ct);
            if (question is not null) return question;

            var entryId = Guid.NewGuid();
            await conn.ExecuteAsync(
                "insert into opinion_entry (id, evaluation_id, text, tags) values (@entryId, @id, @text, @tags)",
                new { entryId, id, text, tags }, tx);
            await conn.ExecuteAsync(
                "insert into opinion_merge (entry_id, evaluation_id, opinion_key) select @entryId, @id, unnest(@keys)",
                new { entryId, id, keys }, tx);
            // Counts and ids only: the wording and the keys stand for answers, which no log may hold (DESIGN.md §2.4).
            await ActionLogWriter.AppendAsync(tx, User, LogAction,
                $"《{evaluation.Name}》（编号 {id}）：新建梳理条目 {entryId}，归入原始意见 {keys.Length} 条，标签 {tags.Length} 个{MixedNote(targets)}", evaluationId: id);
            TempData["Notice"] = $"已将 {keys.Length} 条原始意见梳理为 1 条。";
            return Redirect($"{UrlOf(id)}#entry-{entryId}");
        }, ct);

    [Authorize(Roles = Roles.Supervisor), HttpPost("add")]
    public Task<IActionResult> Add(Guid id, [FromForm] TriageForm form, CancellationToken ct) =>
        TriageAsync(id, async (conn, tx, evaluation) =>
        {
            var keys = Distinct(form.Keys);
            var opinions = await OpinionsAsync(conn, id, ct);
            var errors = UnknownKeys(opinions, keys);
            var entryId = form.EntryId is { } chosen
                ? await conn.QuerySingleOrDefaultAsync<Guid?>(
                    "select id from opinion_entry where id = @chosen and evaluation_id = @id", new { chosen, id }, tx)
                : null;
            if (form.EntryId is null)
                errors.Add("请选择要归入的已有条目；如要另起一条，请填写概括措辞后点“合并为新条目”。");
            else if (entryId is null)
                errors.Add("所选条目已不存在（可能刚被删除），请重新选择。");
            if (errors.Count > 0) return await ShowWithErrorsAsync(conn, evaluation, errors, form, null, ct);
            if (await AlreadyMergedAsync(conn, tx, id, keys) is { } refusal) return refusal;
            var (question, targets) = await MixedTargetsAsync(conn, tx, evaluation, opinions, keys, entryId, form, "add", ct);
            if (question is not null) return question;

            await conn.ExecuteAsync(
                "insert into opinion_merge (entry_id, evaluation_id, opinion_key) select @entryId, @id, unnest(@keys)",
                new { entryId, id, keys }, tx);
            await ActionLogWriter.AppendAsync(tx, User, LogAction,
                $"《{evaluation.Name}》（编号 {id}）：向梳理条目 {entryId} 归入原始意见 {keys.Length} 条{MixedNote(targets)}", evaluationId: id);
            TempData["Notice"] = $"已将 {keys.Length} 条原始意见归入所选条目。";
            return Redirect($"{UrlOf(id)}#entry-{entryId}");
        }, ct);

    [Authorize(Roles = Roles.Supervisor), HttpPost("entries/{entryId:guid}")]
    public Task<IActionResult> Edit(Guid id, Guid entryId, [FromForm] TriageForm form, CancellationToken ct) =>
        TriageAsync(id, async (conn, tx, evaluation) =>
        {
            if (!await EntryExistsAsync(conn, tx, id, entryId)) return NotFound();
            var (text, tags, errors) = Wording(form);
            if (errors.Count > 0) return await ShowWithErrorsAsync(conn, evaluation, errors, form, entryId, ct);

            await conn.ExecuteAsync("update opinion_entry set text = @text, tags = @tags where id = @entryId and evaluation_id = @id",
                new { entryId, id, text, tags }, tx);
            await ActionLogWriter.AppendAsync(tx, User, LogAction,
                $"《{evaluation.Name}》（编号 {id}）：修改梳理条目 {entryId} 的措辞和标签，标签 {tags.Length} 个", evaluationId: id);
            TempData["Notice"] = "已保存修改。";
            return Redirect($"{UrlOf(id)}#entry-{entryId}");
        }, ct);

    /// <summary>Takes one original out of an entry, back to the untriaged list; an entry left with none is deleted with it.</summary>
    [Authorize(Roles = Roles.Supervisor), HttpPost("entries/{entryId:guid}/remove")]
    public Task<IActionResult> Remove(Guid id, Guid entryId, [FromForm] string? key, CancellationToken ct) =>
        TriageAsync(id, async (conn, tx, evaluation) =>
        {
            if (!await EntryExistsAsync(conn, tx, id, entryId)) return NotFound();
            var removed = await conn.ExecuteAsync(
                "delete from opinion_merge where entry_id = @entryId and evaluation_id = @id and opinion_key = @key",
                new { entryId, id, key = key ?? "" }, tx);
            if (removed == 0)
                return this.Refuse(StatusCodes.Status409Conflict, "这条意见已不在该条目中（可能刚被他人移出），请刷新页面查看最新情况。");

            var left = await conn.ExecuteScalarAsync<int>(
                "select count(*)::int from opinion_merge where entry_id = @entryId", new { entryId }, tx);
            // An entry standing for nothing would vanish from every report anyway; don't keep it as an invisible row.
            if (left == 0)
                await conn.ExecuteAsync("delete from opinion_entry where id = @entryId", new { entryId }, tx);
            await ActionLogWriter.AppendAsync(tx, User, LogAction,
                $"《{evaluation.Name}》（编号 {id}）：从梳理条目 {entryId} 移出原始意见 1 条，{(left == 0 ? "条目已无原始意见，一并删除" : $"剩余 {left} 条")}", evaluationId: id);
            TempData["Notice"] = left == 0 ? "已移出。该条目已没有原始意见，已一并删除。" : "已移出，这条意见回到了未梳理列表。";
            return Redirect(left == 0 ? UrlOf(id) : $"{UrlOf(id)}#entry-{entryId}");
        }, ct);

    /// <summary>Deletes the consolidated line only: its originals are answers and stay, back in the untriaged list.</summary>
    [Authorize(Roles = Roles.Supervisor), HttpPost("entries/{entryId:guid}/delete")]
    public Task<IActionResult> Delete(Guid id, Guid entryId, CancellationToken ct) =>
        TriageAsync(id, async (conn, tx, evaluation) =>
        {
            var originals = await conn.QuerySingleOrDefaultAsync<int?>(
                """
                select (select count(*)::int from opinion_merge m where m.entry_id = e.id)
                from opinion_entry e where e.id = @entryId and e.evaluation_id = @id
                """, new { entryId, id }, tx);
            if (originals is null) return NotFound();
            await conn.ExecuteAsync("delete from opinion_entry where id = @entryId", new { entryId }, tx);
            await ActionLogWriter.AppendAsync(tx, User, LogAction,
                $"《{evaluation.Name}》（编号 {id}）：删除梳理条目 {entryId}，其原始意见 {originals} 条回到未梳理", evaluationId: id);
            TempData["Notice"] = $"已删除该条目，其中 {originals} 条原始意见回到了未梳理列表。";
            return Redirect(UrlOf(id));
        }, ct);

    /// <summary>
    /// Runs one triage change in one transaction, committed only when the change answers with a redirect (succeeded),
    /// so a refused request writes nothing. 404 unless the evaluation is closed and in the caller's units.
    /// </summary>
    private async Task<IActionResult> TriageAsync(Guid id,
        Func<NpgsqlConnection, NpgsqlTransaction, EvaluationHeader, Task<IActionResult>> change, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var evaluation = await EvaluationResults.FindClosedAsync(conn, id, User);
        if (evaluation is null) return NotFound();
        // One triage change per evaluation at a time, so two members of the 督导组 cannot both pass the "not merged yet"
        // check for the same opinion; NO KEY UPDATE leaves the row's foreign-key readers alone.
        await conn.ExecuteAsync("select 1 from evaluation where id = @id for no key update", new { id }, tx);

        var result = await change(conn, tx, evaluation);
        if (result is RedirectResult)
            await tx.CommitAsync(ct);
        return result;
    }

    private async Task<OpinionsPage> PageAsync(NpgsqlConnection conn, EvaluationHeader evaluation, IReadOnlyList<string> errors,
        TriageForm form, Guid? editing, CancellationToken ct)
    {
        var report = await EvaluationResults.LoadAsync(conn, evaluation, ct);
        var questionOrder = report.Tally.Form.Questionnaire.Questions.Select((q, i) => (q.Id, i)).ToDictionary(p => p.Id, p => p.i);
        // Within a question the untriaged keep the tally's random order, as the result table lists opinions (DESIGN.md §4).
        // The open box's come last, under a heading of their own that says what they are.
        var untriaged = report.Digest.Items.Where(i => !i.Triaged).SelectMany(i => i.Originals)
            .GroupBy(o => (o.OpenBox, o.Target?.Id))
            .OrderBy(g => g.Key.OpenBox)
            .ThenBy(g => g.First().Target is { } t ? t.Position : int.MaxValue)
            .Select(g => new OpinionGroup(
                g.Key.OpenBox ? OpinionDigest.OpenBoxSource : ReportFormat.TargetLabel(g.First().Target),
                g.GroupBy(o => o.Question.Id)
                    .OrderBy(q => questionOrder.GetValueOrDefault(q.Key, int.MaxValue))
                    .Select(q => (q.First().Question, (IReadOnlyList<Opinion>)q.ToList()))
                    .ToList()))
            .ToList();
        return new OpinionsPage(report, report.Digest.Items.Where(i => i.Triaged).ToList(), untriaged,
            CanTriage: User.IsInRole(Roles.Supervisor), errors, form, editing);
    }

    /// <summary>The page again with what was wrong and what was typed; 400 so that nothing about it looks like success.</summary>
    private async Task<IActionResult> ShowWithErrorsAsync(NpgsqlConnection conn, EvaluationHeader evaluation, IReadOnlyList<string> errors,
        TriageForm form, Guid? editing, CancellationToken ct)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Index", await PageAsync(conn, evaluation, errors, form, editing, ct));
    }

    /// <summary>The wording and tags of an entry, trimmed, with what is wrong with them.</summary>
    private static (string Text, string[] Tags, List<string> Errors) Wording(TriageForm form)
    {
        var errors = new List<string>();
        var text = form.Text?.Trim() ?? "";
        if (text.Length == 0)
            errors.Add("请填写梳理后的概括措辞：用一句话写出这些意见共同反映的问题。");
        else if (TypedText.IsLongerThan(text, MaxTextLength))
            errors.Add($"概括措辞不能超过 {MaxTextLength} 个字（现有 {UserText.Length(text)} 个），请精简后再保存。");
        // The group's own wording stands beside the product's words in every report: unlike the voters' originals, which are
        // kept as typed, it may not carry a direction override or a hidden character.
        else if (UserText.HasHiddenCharactersBesideLineBreaks(text))
            errors.Add(TypedText.ControlCharacterProblem("概括措辞"));

        var tags = (form.Tags ?? []).Concat((form.Theme ?? "").Split(ThemeSeparators))
            .Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (tags.Any(TypedText.HasControlCharacters))
            errors.Add(TypedText.ControlCharacterProblem("主题"));
        else if (tags.FirstOrDefault(t => UserText.Length(t) > MaxTagLength) is { } tooLong)
            errors.Add($"每个主题不能超过 {MaxTagLength} 个字，“{UserText.Excerpt(tooLong, MaxTagLength)}”太长，请缩短；多个主题请用顿号“、”分开。");
        if (tags.Length > MaxTags)
            errors.Add($"每条最多 {MaxTags} 个标签（现有 {tags.Length} 个），请删去一些。");
        return (text, tags, errors);
    }

    /// <summary>The evaluation's published opinions as counted now, by key.</summary>
    private static async Task<IReadOnlyDictionary<string, Opinion>> OpinionsAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        (await EvaluationResults.OpinionsAsync(conn, id, ct)).GroupBy(o => o.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>Keys must name opinions of this evaluation as counted now, not of another evaluation or a guess.</summary>
    private static List<string> UnknownKeys(IReadOnlyDictionary<string, Opinion> opinions, string[] keys)
    {
        if (keys.Length == 0) return ["请先勾选要梳理的原始意见（至少一条）。"];
        var unknown = keys.Count(k => !opinions.ContainsKey(k));
        return unknown == 0 ? [] : [$"所选意见中有 {unknown} 条不是本次评议的意见，请刷新页面后重新勾选。"];
    }

    /// <summary>
    /// One entry is reported as one line: opinions about different targets (the 班子, a member, 整体) merged into it would
    /// read as one target's. So such a merge is held back (409, nothing written) with the page asking 仍然合并 or 返回,
    /// unless the form says it was confirmed. An entry's own originals count, so adding to it is asked the same way.
    /// </summary>
    /// <returns>The question to answer first, or null; and how many different targets the merged entry concerns.</returns>
    private async Task<(IActionResult? Question, int Targets)> MixedTargetsAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        EvaluationHeader evaluation, IReadOnlyDictionary<string, Opinion> opinions, string[] keys, Guid? entryId, TriageForm form,
        string action, CancellationToken ct)
    {
        var entryKeys = entryId is { } entry
            ? await conn.QueryAsync<string>("select opinion_key from opinion_merge where entry_id = @entry", new { entry }, tx)
            : [];
        var involved = keys.Concat(entryKeys).Distinct(StringComparer.Ordinal)
            .Select(k => opinions.GetValueOrDefault(k)).OfType<Opinion>()
            .GroupBy(o => o.Target?.Id)
            .OrderBy(g => g.First().Target is { } t ? t.Position : int.MaxValue)
            .Select(g => new InvolvedTarget(ReportFormat.TargetLabel(g.First().Target), g.Count()))
            .ToList();
        if (involved.Count < 2 || form.MixedTargets == TriageForm.ConfirmedMixedTargets) return (null, involved.Count);

        Response.StatusCode = StatusCodes.Status409Conflict;
        var page = await PageAsync(conn, evaluation, [], form, null, ct);
        return (View("Index", page with { Mixed = new MixedTargetsQuestion($"{UrlOf(evaluation.Id)}/{action}", involved) }), involved.Count);
    }

    /// <summary>Said in the log when the merged entry concerns several targets: how many, and that this was confirmed.</summary>
    private static string MixedNote(int targets) => targets > 1 ? $"，涉及 {targets} 个不同的评议对象（已确认仍然合并）" : "";

    /// <summary>
    /// An opinion belongs to one entry at most. One already in an entry is refused (409) rather than silently moved: taking
    /// it from a line a colleague worded would change that line's count behind their back. Moving it is 移出, then 归入.
    /// </summary>
    private async Task<IActionResult?> AlreadyMergedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string[] keys)
    {
        var merged = await conn.ExecuteScalarAsync<int>(
            "select count(*)::int from opinion_merge where evaluation_id = @id and opinion_key = any(@keys)", new { id, keys }, tx);
        return merged == 0 ? null : this.Refuse(StatusCodes.Status409Conflict,
            $"所选意见中有 {merged} 条已归入梳理条目（可能刚被他人梳理），本次没有做任何修改。请刷新页面后重新勾选；如确需调整，请先在原条目中点“移出”。");
    }

    private static Task<bool> EntryExistsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid entryId) =>
        conn.ExecuteScalarAsync<bool>("select exists (select 1 from opinion_entry where id = @entryId and evaluation_id = @id)",
            new { entryId, id }, tx);

    private static string[] Distinct(string[]? keys) =>
        (keys ?? []).Where(k => !string.IsNullOrWhiteSpace(k)).Distinct(StringComparer.Ordinal).ToArray();

    private static string UrlOf(Guid id) => $"/evaluations/{id}/opinions";
}
