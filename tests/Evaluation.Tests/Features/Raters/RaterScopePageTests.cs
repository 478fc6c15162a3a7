using System.Net;
using Dapper;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Raters;

/// <summary>
/// 评议范围 page: the organiser limits a category to some targets while the evaluation is a draft; the change is logged,
/// the evaluation page summarises it, and opening refuses a scope that would make a small key group.
/// </summary>
public sealed class RaterScopePageTests : OrganizerSession
{
    private async Task<(SeededEvaluation Evaluation, Guid Clients)> DraftWithClientsAsync(int clientsExpected = 10)
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 20);
        var clients = Guid.NewGuid();
        await using var conn = await World.OpenAsync();
        await conn.ExecuteAsync(
            "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@clients, @Id, '服务对象代表', @clientsExpected, 2)",
            new { clients, evaluation.Id, clientsExpected });
        return (evaluation, clients);
    }

    private async Task<Guid[]?> StoredScopeAsync(Guid category)
    {
        await using var conn = await World.OpenAsync();
        return await conn.QuerySingleAsync<Guid[]?>("select target_ids from respondent_category where id = @category", new { category });
    }

    [Test]
    public async Task ScopePage_ListsEveryTargetTicked_AndSavingTheTeamAlone_LimitsTheCategory_LogsIt_AndTheEvaluationPageSaysSo()
    {
        var (evaluation, clients) = await DraftWithClientsAsync();
        var url = $"{evaluation.Url}/categories/{clients}/targets";
        Task<long> LoggedAsync() => World.ScalarAsync<long>(
            "select count(*) from staff_action where action = '设置评议范围' and detail = '《测试评议》：服务对象代表，评议：领导班子（1 项）'");
        var logged = await LoggedAsync();

        using (var page = await Organizer.GetAsync(url))
        {
            var body = await StaffClient.BodyAsync(page);
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(body, Does.Contain("“服务对象代表”评议哪些对象").And.Contain("领导班子").And.Contain("张三"));
            Assert.That(body.Split("checked=\"checked\"").Length - 1, Is.EqualTo(2), "no limit yet: every target ticked");
        }
        using (var save = await PostAsync(url, ("TargetIds", evaluation.TeamId.ToString())))
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(save));

        Assert.That(await StoredScopeAsync(clients), Is.EqualTo(new[] { evaluation.TeamId }));
        Assert.That(await LoggedAsync(), Is.EqualTo(logged + 1));
        using var show = await Organizer.GetAsync(evaluation.Url);
        var shown = await StaffClient.BodyAsync(show);
        Assert.That(shown, Does.Contain("评议：领导班子（1 项）").And.Contain("评议：全部对象"));
        Assert.That(shown, Does.Contain($"href=\"{url}\""));
    }

    [Test]
    public async Task Preview_OfALimitedCategory_ShowsOnlyItsTargets_InTheDraftAndOnceOpen_AndOtherCategoriesEveryTarget()
    {
        var (evaluation, clients) = await DraftWithClientsAsync();
        using (var save = await PostAsync($"{evaluation.Url}/categories/{clients}/targets", ("TargetIds", evaluation.TeamId.ToString())))
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        async Task<(string Category, Guid[] Targets)> PreviewAsync(string query)
        {
            using var response = await Organizer.GetAsync($"{evaluation.Url}/preview/form{query}");
            var body = await StaffClient.BodyAsync(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            using var json = System.Text.Json.JsonDocument.Parse(body);
            return (json.RootElement.GetProperty("category").GetProperty("name").GetString()!,
                json.RootElement.GetProperty("form").GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToArray());
        }

        Assert.That(await PreviewAsync($"?category={clients}"), Is.EqualTo(("服务对象代表", new[] { evaluation.TeamId })).Using<(string, Guid[])>(
            (a, b) => a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2)));
        Assert.That((await PreviewAsync($"?category={evaluation.CategoryId}")).Targets, Is.EquivalentTo(new[] { evaluation.TeamId, evaluation.MemberId }));
        using (var foreign = await Organizer.GetAsync($"{evaluation.Url}/preview/form?category={Guid.NewGuid()}"))
            Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var show = await Organizer.GetAsync(evaluation.Url))
            Assert.That(await StaffClient.BodyAsync(show), Does.Contain($"preview?category={clients}"));

        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        Assert.That((await PreviewAsync($"?category={clients}")).Targets, Is.EqualTo(new[] { evaluation.TeamId }), "once open: the key group's phone form");
        Assert.That((await PreviewAsync($"?category={evaluation.CategoryId}")).Targets, Is.EquivalentTo(new[] { evaluation.TeamId, evaluation.MemberId }));
    }

    [Test]
    public async Task TickingEveryTarget_IsNoLimit()
    {
        var (evaluation, clients) = await DraftWithClientsAsync();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync("update respondent_category set target_ids = @ids where id = @clients", new { ids = new[] { evaluation.TeamId }, clients });

        using var save = await PostAsync($"{evaluation.Url}/categories/{clients}/targets",
            ("TargetIds", evaluation.TeamId.ToString()), ("TargetIds", evaluation.MemberId.ToString()));

        Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await StoredScopeAsync(clients), Is.Null);
    }

    [Test]
    public async Task NothingTicked_OrATargetOfAnotherEvaluation_Is400_AndChangesNothing()
    {
        var (evaluation, clients) = await DraftWithClientsAsync();
        var url = $"{evaluation.Url}/categories/{clients}/targets";
        var actions = await World.ScalarAsync<long>("select count(*) from staff_action");

        using var none = await PostAsync(url);
        using var foreign = await PostAsync(url, ("TargetIds", Guid.NewGuid().ToString()));

        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(none), Does.Contain("请至少勾选一个评议对象"));
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(foreign), Does.Contain("请刷新页面后重新勾选"));
        Assert.That(await StoredScopeAsync(clients), Is.Null);
        Assert.That(await World.ScalarAsync<long>("select count(*) from staff_action"), Is.EqualTo(actions));
    }

    [Test]
    public async Task ScopePage_OfAnotherUnit_OrACategoryOfAnotherEvaluation_Is404()
    {
        var elsewhere = await World.SeedDraftAsync(World.UnitB, expectedCount: 20);
        var (mine, _) = await DraftWithClientsAsync();

        using var otherUnit = await Organizer.GetAsync($"{elsewhere.Url}/categories/{elsewhere.CategoryId}/targets");
        using var otherUnitPost = await PostAsync($"{elsewhere.Url}/categories/{elsewhere.CategoryId}/targets", ("TargetIds", elsewhere.TeamId.ToString()));
        using var strayCategory = await Organizer.GetAsync($"{mine.Url}/categories/{Guid.NewGuid()}/targets");
        using var strayPost = await PostAsync($"{mine.Url}/categories/{Guid.NewGuid()}/targets", ("TargetIds", mine.TeamId.ToString()));

        Assert.That(new[] { otherUnit.StatusCode, otherUnitPost.StatusCode, strayCategory.StatusCode, strayPost.StatusCode },
            Has.All.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StoredScopeAsync(elsewhere.CategoryId), Is.Null);
    }

    [Test]
    public async Task ScopePage_OnceVotingHasOpened_Is409_AndChangesNothing()
    {
        var (evaluation, clients) = await DraftWithClientsAsync();
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        using var page = await Organizer.GetAsync($"{evaluation.Url}/categories/{clients}/targets");
        using var save = await PostAsync($"{evaluation.Url}/categories/{clients}/targets", ("TargetIds", evaluation.TeamId.ToString()));

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await StoredScopeAsync(clients), Is.Null);
    }

    [Test]
    public async Task Opening_IsRefused_WhenALimitedScopeExpectsFewerThan2k_AndSaysWhatToChange()
    {
        var (evaluation, clients) = await DraftWithClientsAsync(clientsExpected: 6);
        using (var save = await PostAsync($"{evaluation.Url}/categories/{clients}/targets", ("TargetIds", evaluation.TeamId.ToString())))
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        using var open = await PostAsync($"{evaluation.Url}/open");

        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(open), Does.Contain("评议范围相同的类别（服务对象代表）应到合计 6 人，少于 10 人"));
        Assert.That(await World.ScalarAsync<string>("select status from evaluation where id = @Id", new { evaluation.Id }), Is.EqualTo("draft"));
    }

    [Test]
    public async Task Opening_FreezesTheScopeIntoTheHashedForm_PerKeyGroup_AndKeepsTheLimitedCategoryInAGroupOfItsOwn()
    {
        var (evaluation, clients) = await DraftWithClientsAsync();
        using (var save = await PostAsync($"{evaluation.Url}/categories/{clients}/targets", ("TargetIds", evaluation.TeamId.ToString())))
            Assert.That(save.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        await using var conn = await World.OpenAsync();
        var (frozen, hash) = await conn.QuerySingleAsync<(string, string)>("select frozen_form, form_hash from evaluation where id = @Id", new { evaluation.Id });
        var groups = (await conn.QueryAsync<(Guid Category, Guid Group)>(
            "select id, key_group_id from respondent_category where evaluation_id = @Id", new { evaluation.Id })).ToDictionary(r => r.Category, r => r.Group);
        var form = Evaluation.Core.Forms.FormJson.ReadFrozenForm(frozen);

        Assert.That(groups[clients], Is.Not.EqualTo(groups[evaluation.CategoryId]), "different scopes never share a key group");
        Assert.That(form.Raters, Is.EquivalentTo(new Dictionary<Guid, IReadOnlyList<Guid>> { [groups[clients]] = [evaluation.TeamId] }));
        Assert.That(Evaluation.Core.Forms.FormJson.Sha256Hex(frozen), Is.EqualTo(hash));
    }

    [Test]
    public async Task Opening_WithoutLimits_FreezesTheFormWithoutARatersSection()
    {
        var (evaluation, _) = await DraftWithClientsAsync();
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        Assert.That(await World.ScalarAsync<string>("select frozen_form from evaluation where id = @Id", new { evaluation.Id }), Does.Not.Contain("raters"));
    }
}
