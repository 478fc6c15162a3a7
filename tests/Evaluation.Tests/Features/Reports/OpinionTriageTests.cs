using System.Net;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Reports;
using static Evaluation.Tests.Features.Reports.ClosedEvaluations;

namespace Evaluation.Tests.Features.Reports;

/// <summary>
/// The 督导组's 梳理汇总 through HTTP on a real database: merging and tagging, who may see and who may change it,
/// refusals that write nothing, escaping, and a log that records the change without the answers.
/// </summary>
public sealed class OpinionTriageTests
{
    private const string Meetings1 = "会议太多，文件太多，基层疲于应付";
    private const string Meetings2 = "开会时间太长，\n有的会可以不开";
    private const string Meetings3 = "文山会海问题突出";
    private const string Script = "<script>alert('x')</script>下基层少";
    private const string Member = "张三同志工作作风扎实";
    private const string Campaign = "希望活动务求实效，不走过场";
    private static readonly string[] Texts = [Meetings1, Meetings2, Meetings3, Script, Member, Campaign];

    private StaffWorld _world = null!;
    private StaffClient _supervisor = null!, _organizer = null!, _auditor = null!, _otherSupervisor = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _world = await StaffWorld.StartAsync();
        _supervisor = await _world.SignInAsync("supervisor-a");
        _organizer = await _world.SignInAsync("organizer-a");
        _auditor = await _world.SignInAsync("auditor-a");
        _otherSupervisor = await _world.SignInAsync("supervisor-b");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        foreach (var client in new[] { _supervisor, _organizer, _auditor, _otherSupervisor }) client.Dispose();
        await _world.DisposeAsync();
    }

    /// <summary>Fifteen answering ballots in unit A, one opinion each: five about the 班子, five about 张三, five asked once.</summary>
    private async Task<ClosedEvaluation> SeedAsync()
    {
        var form = Form(FormTemplates.MobilisationEvaluation.Questionnaire, "张三");
        var team = form.Targets.First(t => t.Kind == TargetKind.Team).Id;
        var member = form.Targets.First(t => t.Name == "张三").Id;
        SeedBallot About(Guid target, string text) => new(0, new BallotAnswers
        {
            Targets = new Dictionary<Guid, IReadOnlyDictionary<string, Answer>> { [target] = new Dictionary<string, Answer> { ["target-opinion"] = Text(text) } },
        });
        SeedBallot Once(string text) => new(0, new BallotAnswers { Once = new Dictionary<string, Answer> { ["campaign-opinion"] = Text(text) } });
        // Each item answered by k = 5, so its opinions are published (the small-cell rule): the six the tests work with and
        // nine more, each different.
        SeedBallot[] ballots =
        [
            About(team, Meetings1), About(team, Meetings2), About(team, Meetings3), About(team, Script), About(member, Member), Once(Campaign),
            About(team, "班子团结，作风务实"),
            .. Enumerable.Range(1, 4).Select(i => About(member, $"第{i}条对张三的意见")),
            .. Enumerable.Range(1, 4).Select(i => Once($"第{i}条对活动的意见")),
        ];
        return await _world.SeedClosedAsync(_world.UnitA, form, [("机关工作人员", 20)], ballots);
    }

    /// <summary>Opinion keys by text, as the tally gives them.</summary>
    private async Task<Dictionary<string, string>> KeysAsync(Guid evaluationId)
    {
        await using var conn = await _world.OpenAsync();
        var tally = await EvaluationResults.CountAsync(conn, evaluationId, CancellationToken.None);
        return tally.Opinions.ToDictionary(o => o.Text, o => o.Key);
    }

    private static Task<HttpResponseMessage> PostAsync(StaffClient client, string url, params (string Key, string Value)[] fields) =>
        client.PostFormAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static Task<HttpResponseMessage> CreateAsync(StaffClient client, ClosedEvaluation evaluation, IEnumerable<string> keys,
        string text = "会议文件偏多，基层负担较重", params string[] tags) =>
        PostAsync(client, $"{evaluation.Url}/opinions/entries",
            [.. keys.Select(k => ("Keys", k)), ("Text", text), .. tags.Select(t => ("Tags", t)), ("Theme", "文风会风")]);

    private async Task<(long Entries, long Merges, long Logged)> StoredAsync(Guid evaluationId)
    {
        await using var conn = await _world.OpenAsync();
        return await conn.QuerySingleAsync<(long, long, long)>(
            """
            select (select count(*) from opinion_entry where evaluation_id = @evaluationId),
                   (select count(*) from opinion_merge where evaluation_id = @evaluationId),
                   (select count(*) from staff_action where action = '梳理意见' and detail like '%' || @evaluationId::text || '%')
            """, new { evaluationId });
    }

    private static async Task<string> PageAsync(StaffClient client, ClosedEvaluation evaluation)
    {
        using var response = await client.GetAsync($"{evaluation.Url}/opinions");
        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return body;
    }

    [Test]
    public async Task Merge_ThreeOriginalsWithTags_CountsThemAsOneAndKeepsEachVerbatim()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);

        using var merged = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], keys[Meetings2], keys[Meetings3]],
            "会议文件偏多，基层负担较重", "形式主义", "官僚主义");

        Assert.That(merged.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(merged));
        Assert.That(merged.Headers.Location!.OriginalString, Does.StartWith($"{evaluation.Url}/opinions#entry-"));
        var page = await PageAsync(_supervisor, evaluation);
        Assert.That(page, Does.Contain("原始意见 15 条，梳理为 13 条"));
        Assert.That(page, Does.Contain("会议文件偏多，基层负担较重"));
        // The encoder writes the line break as &#xA;, which the browser shows as the line break it was.
        Assert.That(WebUtility.HtmlDecode(page), Does.Contain(Meetings1).And.Contain(Meetings2).And.Contain(Meetings3), "originals are shown as written");
        Assert.That(page, Does.Contain("<bdi>形式主义</bdi></span>").And.Contain("<bdi>官僚主义</bdi></span>").And.Contain("<bdi>文风会风</bdi></span>"));

        await using var conn = await _world.OpenAsync();
        var entry = await conn.QuerySingleAsync<(Guid Id, string Text, string[] Tags)>(
            "select id, text, tags from opinion_entry where evaluation_id = @Id", new { evaluation.Id });
        Assert.That(entry.Tags, Is.EqualTo(new[] { "形式主义", "官僚主义", "文风会风" }));
        var mergedKeys = await conn.QueryAsync<string>("select opinion_key from opinion_merge where entry_id = @Id", new { entry.Id });
        Assert.That(mergedKeys, Is.EquivalentTo(new[] { keys[Meetings1], keys[Meetings2], keys[Meetings3] }));
    }

    [Test]
    public async Task EveryChange_IsLoggedWithCountsAndEntryId_ButNeverTheOpinionsOrTheirKeys()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);

        using (var created = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], keys[Meetings2]], "会议偏多", "形式主义"))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var entryId = await _world.ScalarAsync<Guid>("select id from opinion_entry where evaluation_id = @Id", new { evaluation.Id });
        var entryUrl = $"{evaluation.Url}/opinions/entries/{entryId}";
        using (var added = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/add", ("Keys", keys[Meetings3]), ("EntryId", entryId.ToString())))
            Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var edited = await PostAsync(_supervisor, entryUrl, ("Text", "会议文件偏多"), ("Tags", "形式主义"), ("Tags", "官僚主义")))
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var removed = await PostAsync(_supervisor, $"{entryUrl}/remove", ("Key", keys[Meetings2])))
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var deleted = await PostAsync(_supervisor, $"{entryUrl}/delete"))
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        await using var conn = await _world.OpenAsync();
        var details = (await conn.QueryAsync<string>(
            "select detail from staff_action where action = '梳理意见' and detail like '%' || @Id::text || '%' order by seq",
            new { evaluation.Id })).ToList();
        Assert.That(details, Has.Count.EqualTo(5));
        Assert.That(details, Has.All.Contain(entryId.ToString()));
        Assert.That(details[0], Does.Contain("归入原始意见 2 条"));
        foreach (var secret in Texts.Concat(keys.Values).Concat(keys.Values.Select(k => k.Split('/')[0])).Append("会议偏多"))
            Assert.That(details, Has.None.Contain(secret));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 5L)), "deleting the entry frees its originals");
    }

    [Test]
    public async Task AddRemoveEditDelete_ChangeTheEntry_AndTheOriginalsReturnToTheUntriagedList()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        using (var created = await CreateAsync(_supervisor, evaluation, [keys[Meetings1]], "会议偏多"))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var entryId = await _world.ScalarAsync<Guid>("select id from opinion_entry where evaluation_id = @Id", new { evaluation.Id });
        var entryUrl = $"{evaluation.Url}/opinions/entries/{entryId}";

        using (var added = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/add",
                   ("Keys", keys[Meetings2]), ("Keys", keys[Member]), ("EntryId", entryId.ToString()), ("MixedTargets", "confirmed")))
            Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await PageAsync(_supervisor, evaluation), Does.Contain("原始意见 15 条，梳理为 13 条"));

        using (var removed = await PostAsync(_supervisor, $"{entryUrl}/remove", ("Key", keys[Member])))
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var edited = await PostAsync(_supervisor, entryUrl, ("Text", "会议多、会议长"), ("Theme", "会风")))
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var entry = await _world.ScalarAsync<string>("select text || '|' || array_to_string(tags, ',') from opinion_entry where id = @entryId", new { entryId });
        Assert.That(entry, Is.EqualTo("会议多、会议长|会风"));
        Assert.That(await PageAsync(_supervisor, evaluation), Does.Contain("原始意见 15 条，梳理为 14 条"));

        using (var deleted = await PostAsync(_supervisor, $"{entryUrl}/delete"))
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var page = await PageAsync(_supervisor, evaluation);
        Assert.That(page, Does.Contain("原始意见 15 条，梳理为 15 条").And.Contain(Meetings1).And.Contain(Member));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 5L)));
    }

    [Test]
    public async Task RemovingTheLastOriginal_DeletesTheEmptyEntry()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        using (var tagged = await CreateAsync(_supervisor, evaluation, [keys[Campaign]], "活动要务实", "形式主义"))
            Assert.That(tagged.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "tagging one opinion is an entry of one");
        var entryId = await _world.ScalarAsync<Guid>("select id from opinion_entry where evaluation_id = @Id", new { evaluation.Id });

        using var removed = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/entries/{entryId}/remove", ("Key", keys[Campaign]));

        Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 2L)));
    }

    [Test]
    public async Task Organizer_SeesTheTriageButCannotChangeIt()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        using (var created = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], keys[Meetings2]], "会议偏多"))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var entryId = await _world.ScalarAsync<Guid>("select id from opinion_entry where evaluation_id = @Id", new { evaluation.Id });

        var page = await PageAsync(_organizer, evaluation);
        Assert.That(page, Does.Contain("原始意见 15 条，梳理为 14 条").And.Contain("会议偏多").And.Contain(Meetings3));
        Assert.That(page, Does.Not.Contain("merge-form").And.Not.Contain("/opinions/entries").And.Not.Contain("name=\"Keys\""));

        var entryUrl = $"{evaluation.Url}/opinions/entries/{entryId}";
        using (var create = await CreateAsync(_organizer, evaluation, [keys[Meetings3]]))
            Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var add = await PostAsync(_organizer, $"{evaluation.Url}/opinions/add", ("Keys", keys[Meetings3]), ("EntryId", entryId.ToString())))
            Assert.That(add.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var edit = await PostAsync(_organizer, entryUrl, ("Text", "改写")))
            Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var remove = await PostAsync(_organizer, $"{entryUrl}/remove", ("Key", keys[Meetings1])))
            Assert.That(remove.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using (var delete = await PostAsync(_organizer, $"{entryUrl}/delete"))
            Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((1L, 2L, 1L)));
    }

    [Test]
    public async Task Auditor_IsRefusedByRole()
    {
        var evaluation = await SeedAsync();

        // ReaderRoles leaves the auditor out whichever evaluation is asked for, so the 403 says nothing about this one.
        using var response = await _auditor.GetAsync($"{evaluation.Url}/opinions");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StaffClient.BodyAsync(response), Does.Not.Contain(Meetings1));
    }

    [Test]
    public async Task AnotherUnitsSupervisor_Gets404ForEverything()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        using (var created = await CreateAsync(_supervisor, evaluation, [keys[Meetings1]]))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var entryId = await _world.ScalarAsync<Guid>("select id from opinion_entry where evaluation_id = @Id", new { evaluation.Id });
        var entryUrl = $"{evaluation.Url}/opinions/entries/{entryId}";

        using (var page = await _otherSupervisor.GetAsync($"{evaluation.Url}/opinions"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await StaffClient.BodyAsync(page), Does.Not.Contain(Meetings1));
        }
        using (var create = await CreateAsync(_otherSupervisor, evaluation, [keys[Meetings2]]))
            Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var edit = await PostAsync(_otherSupervisor, entryUrl, ("Text", "改写")))
            Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var remove = await PostAsync(_otherSupervisor, $"{entryUrl}/remove", ("Key", keys[Meetings1])))
            Assert.That(remove.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var delete = await PostAsync(_otherSupervisor, $"{entryUrl}/delete"))
            Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((1L, 1L, 1L)));
    }

    [Test]
    public async Task AnEvaluationStillOpen_Gets404ForEverything()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        await using (var conn = await _world.OpenAsync())
            await conn.ExecuteAsync("update evaluation set status = 'open', closed_at = null where id = @Id", new { evaluation.Id });

        using (var page = await _supervisor.GetAsync($"{evaluation.Url}/opinions"))
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var organizerPage = await _organizer.GetAsync($"{evaluation.Url}/opinions"))
            Assert.That(organizerPage.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var create = await CreateAsync(_supervisor, evaluation, [keys[Meetings1]]))
            Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 0L)));
    }

    [Test]
    public async Task AKeyOfAnotherEvaluation_Gets400WithThePage_AndNothingIsWritten()
    {
        var evaluation = await SeedAsync();
        var other = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        var otherKeys = await KeysAsync(other.Id);

        using var response = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], otherKeys[Meetings2]], "会议偏多", "形式主义");

        var body = await StaffClient.BodyAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("不是本次评议的意见").And.Contain("原始意见 15 条，梳理为 15 条"));
        Assert.That(body, Does.Contain(">会议偏多</textarea>"), "what was typed is kept");
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 0L)));
        Assert.That(await StoredAsync(other.Id), Is.EqualTo((0L, 0L, 0L)));
    }

    [Test]
    public async Task BadWordingOrTags_Get400WithTheErrors_AndNothingIsWritten()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        var key = keys[Meetings1];

        using (var blank = await CreateAsync(_supervisor, evaluation, [key], "   "))
        {
            Assert.That(blank.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(blank), Does.Contain("请填写梳理后的概括措辞"));
        }
        using (var tooLong = await CreateAsync(_supervisor, evaluation, [key], new string('长', 1001)))
            Assert.That(await StaffClient.BodyAsync(tooLong), Does.Contain("不能超过 1000 个字"));
        using (var longTag = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/entries",
                   ("Keys", key), ("Text", "会议偏多"), ("Theme", new string('题', 21))))
        {
            Assert.That(longTag.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(longTag), Does.Contain("每个主题不能超过 20 个字"));
        }
        using (var manyTags = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/entries",
                   ("Keys", key), ("Text", "会议偏多"), ("Theme", string.Join("、", Enumerable.Range(1, 11).Select(i => $"主题{i}")))))
        {
            Assert.That(manyTags.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(manyTags), Does.Contain("最多 10 个标签"));
        }
        using (var none = await CreateAsync(_supervisor, evaluation, [], "会议偏多"))
        {
            Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(none), Does.Contain("请先勾选"));
        }
        using (var noEntry = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/add", ("Keys", key)))
        {
            Assert.That(noEntry.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await StaffClient.BodyAsync(noEntry), Does.Contain("请选择要归入的已有条目"));
        }
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 0L)));
    }

    [Test]
    public async Task AnOpinionAlreadyMerged_IsRefusedWith409_AndStaysWhereItWas()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        using (var first = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], keys[Meetings2]], "会议偏多"))
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var second = await CreateAsync(_supervisor, evaluation, [keys[Meetings3]], "文山会海"))
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var secondId = await _world.ScalarAsync<Guid>("select id from opinion_entry where text = '文山会海' and evaluation_id = @Id", new { evaluation.Id });

        using var again = await CreateAsync(_supervisor, evaluation, [keys[Meetings2], keys[Member]], "另起一条");
        using var moved = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/add",
            ("Keys", keys[Meetings1]), ("Keys", keys[Member]), ("EntryId", secondId.ToString()));

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StaffClient.BodyAsync(again), Does.Contain("已归入梳理条目").And.Contain("移出"));
        Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((2L, 3L, 2L)), "neither the new entry nor the unmerged key was written");
        Assert.That(await _world.ScalarAsync<long>("select count(*) from opinion_merge where entry_id = @secondId", new { secondId }), Is.EqualTo(1));
    }

    [Test]
    public async Task Merge_OfOpinionsAboutDifferentTargets_IsHeldBackWithAPageNamingThem_AndNothingIsWritten()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);

        using var response = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], keys[Meetings2], keys[Member], keys[Campaign]],
            "作风问题", "形式主义");

        var body = WebUtility.HtmlDecode(await StaffClient.BodyAsync(response));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), body);
        Assert.That(body, Does.Contain("所选意见涉及不同的评议对象，尚未合并"));
        Assert.That(body, Does.Contain("<bdi>领导班子</bdi>：2 条").And.Contain("<bdi>张三（副局长）</bdi>：1 条").And.Contain("<bdi>整体</bdi>：1 条"));
        Assert.That(body, Does.Contain("仍然合并</button>").And.Contain("返回修改</a>"));
        Assert.That(body, Does.Contain("name=\"MixedTargets\" value=\"confirmed\""), "仍然合并 posts the confirmation");
        Assert.That(body, Does.Contain(">作风问题</textarea>"), "返回修改 finds the wording as typed");
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((0L, 0L, 0L)));
    }

    [Test]
    public async Task Merge_OfOpinionsAboutDifferentTargets_WhenConfirmed_IsOneEntry_AndTheLogSaysSo()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);

        using var response = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/entries",
            ("Keys", keys[Meetings1]), ("Keys", keys[Member]), ("Keys", keys[Campaign]), ("Text", "作风问题"), ("MixedTargets", "confirmed"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((1L, 3L, 1L)));
        var logged = await _world.ScalarAsync<string>(
            "select detail from staff_action where action = '梳理意见' and detail like '%' || @Id::text || '%'", new { evaluation.Id });
        Assert.That(logged, Does.Contain("归入原始意见 3 条").And.Contain("涉及 3 个不同的评议对象（已确认仍然合并）"));
    }

    [Test]
    public async Task AddingOpinionsAboutAnotherTargetToAnEntry_IsHeldBackUntilConfirmed()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);
        using (var created = await CreateAsync(_supervisor, evaluation, [keys[Meetings1], keys[Meetings2]], "会议偏多"))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "opinions about one target merge without a question");
        var entryId = await _world.ScalarAsync<Guid>("select id from opinion_entry where evaluation_id = @Id", new { evaluation.Id });

        using (var held = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/add", ("Keys", keys[Member]), ("EntryId", entryId.ToString())))
        {
            var body = WebUtility.HtmlDecode(await StaffClient.BodyAsync(held));
            Assert.That(held.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), body);
            Assert.That(body, Does.Contain("<bdi>领导班子</bdi>：2 条").And.Contain("<bdi>张三（副局长）</bdi>：1 条"), "the entry's own originals count");
            Assert.That(body, Does.Contain($"action=\"{evaluation.Url}/opinions/add\""));
        }
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((1L, 2L, 1L)));

        using (var confirmed = await PostAsync(_supervisor, $"{evaluation.Url}/opinions/add",
                   ("Keys", keys[Member]), ("EntryId", entryId.ToString()), ("MixedTargets", "confirmed")))
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await StoredAsync(evaluation.Id), Is.EqualTo((1L, 3L, 2L)));
        Assert.That(await _world.ScalarAsync<string>(
                "select detail from staff_action where action = '梳理意见' and detail like '%' || @Id::text || '%' order by seq desc limit 1", new { evaluation.Id }),
            Does.Contain("涉及 2 个不同的评议对象（已确认仍然合并）"));
    }

    [Test]
    public async Task HtmlInOpinionsAndWording_IsShownEscaped()
    {
        var evaluation = await SeedAsync();
        var keys = await KeysAsync(evaluation.Id);

        var untriaged = await PageAsync(_supervisor, evaluation);
        Assert.That(untriaged, Does.Contain("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;下基层少"));
        Assert.That(untriaged, Does.Not.Contain("<script>"));

        using (var created = await CreateAsync(_supervisor, evaluation, [keys[Script]], "<b>下基层</b>少"))
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var triaged = await PageAsync(_organizer, evaluation);
        Assert.That(triaged, Does.Contain("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;下基层少").And.Contain("&lt;b&gt;下基层&lt;/b&gt;少"));
        Assert.That(triaged, Does.Not.Contain("<script>").And.Not.Contain("<b>下基层"));
    }

    [Test]
    public async Task EvaluationPage_LinksToTheTriageOnceClosed()
    {
        var evaluation = await SeedAsync();
        var draft = await _world.SeedDraftAsync(_world.UnitA);

        using var closed = await _supervisor.GetAsync(evaluation.Url);
        using var notYet = await _supervisor.GetAsync(draft.Url);

        Assert.That(await StaffClient.BodyAsync(closed), Does.Contain($"href=\"{evaluation.Url}/opinions\""));
        Assert.That(await StaffClient.BodyAsync(notYet), Does.Not.Contain("/opinions"));
    }
}
