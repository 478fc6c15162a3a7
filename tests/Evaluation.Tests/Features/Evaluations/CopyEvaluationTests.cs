using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features.Evaluations;

/// <summary>A new round from the last (issue 14 item 2): the setup is copied into a new draft, nothing the meeting made is.</summary>
public sealed class CopyEvaluationTests : OrganizerSession
{
    /// <summary>Every table that hangs under an evaluation and is filled by a meeting, never by setting one up.</summary>
    public static readonly string[] MeetingTables =
        ["slip", "slip_issue", "key_group", "ballot_box", "sealed_ballot", "ballot", "ballot_receipt", "box_rejection", "opinion_entry", "opinion_merge"];

    private async Task<Guid> CopyAsync(Guid from, string name, string round, string template = "keep")
    {
        using var response = await PostAsync("/evaluations/copy", ("From", from.ToString()), ("Name", name), ("Round", round), ("Template", template));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/').Last());
    }

    /// <summary>A closed round with ballots, counting rules with a category weight and a coefficient, and the 督导组's triage.</summary>
    private async Task<ClosedEvaluation> ClosedRoundWithRulesAsync()
    {
        var source = await ReportScenario.SeedAsync(World, World.UnitA, name: "2026年动员大会后民主评议");
        var settings = new TallySettings
        {
            CategoryWeights = new Dictionary<Guid, decimal> { [source.Categories[0]] = 2m, [source.Categories[1]] = 1m },
            Coefficients = new Dictionary<string, IReadOnlyList<decimal>> { ["competence"] = [1m, 0.8m, 0.6m, 0m] },
        };
        await using var conn = await World.OpenAsync();
        await conn.ExecuteAsync(
            """
            update evaluation set tally_settings = @Settings where id = @Id;
            insert into opinion_entry (id, evaluation_id, text) values (gen_random_uuid(), @Id, '梳理后的意见');
            """, new { source.Id, Settings = settings.ToJson() });
        return source;
    }

    [Test]
    public async Task Copy_carries_targets_categories_with_expected_questionnaire_and_counting_rules_and_nothing_of_the_meeting()
    {
        var source = await ClosedRoundWithRulesAsync();
        await using var conn = await World.OpenAsync();
        var sourceRowsBefore = await RowCountsAsync(conn, source.Id);

        using var form = await Organizer.GetAsync($"/evaluations/copy?from={source.Id}");
        var formPage = WebUtility.HtmlDecode(await StaffClient.BodyAsync(form));
        var id = await CopyAsync(source.Id, "2026年总结大会后民主评议", "总结大会后满意度测评");

        Assert.That(form.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(formPage, Does.Contain("value=\"2026年动员大会后民主评议（复制）\"").And.Contain("value=\"总结大会后满意度测评\""),
            "the name and the next round are suggested");
        var copy = await conn.QuerySingleAsync<(Guid UnitId, string Name, string Round, string Status, string Questionnaire, string? FrozenForm, string? Settings, Guid? RehearsalOf)>(
            "select unit_id, name, round, status, questionnaire, frozen_form, tally_settings, rehearsal_of from evaluation where id = @id", new { id });
        var original = await conn.QuerySingleAsync<(string Questionnaire, string Settings)>(
            "select questionnaire, tally_settings from evaluation where id = @Id", new { source.Id });
        Assert.That((copy.UnitId, copy.Name, copy.Round, copy.Status), Is.EqualTo((World.UnitA, "2026年总结大会后民主评议", "总结大会后满意度测评", "draft")));
        Assert.That(copy.Questionnaire, Is.EqualTo(original.Questionnaire));
        Assert.That(copy.FrozenForm, Is.Null);
        Assert.That(copy.RehearsalOf, Is.Null);

        const string targetsSql = "select kind, name, title, transferred_out_on::text, position from target where evaluation_id = @id order by position";
        Assert.That((await conn.QueryAsync<(string, string, string?, string?, int)>(targetsSql, new { id })).ToList(),
            Is.EqualTo((await conn.QueryAsync<(string, string, string?, string?, int)>(targetsSql, new { id = source.Id })).ToList()).And.Count.EqualTo(3));
        var copiedCategories = (await conn.QueryAsync<(Guid Id, string Name, int Expected, int Position, Guid? KeyGroup)>(
            "select id, name, expected_count, position, key_group_id from respondent_category where evaluation_id = @id order by position", new { id })).ToList();
        Assert.That(copiedCategories.Select(c => (c.Name, c.Expected)), Is.EqualTo(ReportScenario.Categories));
        Assert.That(copiedCategories.Select(c => c.KeyGroup), Has.All.Null, "key groups are made when the copy opens");
        Assert.That(copiedCategories.Select(c => c.Id), Has.None.AnyOf(source.Categories.Cast<object>().ToArray()));
        Assert.That(await conn.ExecuteScalarAsync<long>("select count(*) from target where evaluation_id = @id and id in (select id from target where evaluation_id = @Source)",
            new { id, Source = source.Id }), Is.Zero, "every target has an id of its own");

        var settings = TallySettings.FromJson(copy.Settings);
        Assert.That(settings.Coefficients["competence"], Is.EqualTo(new[] { 1m, 0.8m, 0.6m, 0m }));
        Assert.That(settings.CategoryWeights, Is.EquivalentTo(new Dictionary<Guid, decimal> { [copiedCategories[0].Id] = 2m, [copiedCategories[1].Id] = 1m }),
            "weights follow their categories to the copy's ids");

        foreach (var table in MeetingTables)
            Assert.That(await conn.ExecuteScalarAsync<long>($"select count(*) from {table} where evaluation_id = @id", new { id }), Is.Zero, table);
        Assert.That(await RowCountsAsync(conn, source.Id), Is.EqualTo(sourceRowsBefore), "the source is untouched");
        var logged = await conn.QuerySingleAsync<string>("select detail from staff_action where action = @CreateAction and detail like '%' || @Id order by seq desc limit 1",
            new { BundleVerifier.CreateAction, Id = id.ToString() });
        Assert.That(logged, Does.Contain("《2026年总结大会后民主评议》").And.Contain("从《2026年动员大会后民主评议》复制").And.EndWith($"，复制自编号 {source.Id}，编号 {id}"));
    }

    [Test]
    public async Task Copy_keeps_a_limited_categorys_scope_on_the_copys_own_targets()
    {
        var source = await ReportScenario.SeedAsync(World, World.UnitA, name: "评议范围的复制");
        await using var conn = await World.OpenAsync();
        await conn.ExecuteAsync(
            "update respondent_category set target_ids = array(select id from target where evaluation_id = @Id and kind = 'team') where id = @Category",
            new { source.Id, Category = source.Categories[0] });

        var id = await CopyAsync(source.Id, "评议范围的复制（复制）", "总结大会后满意度测评");

        var scopes = (await conn.QueryAsync<(string Name, Guid[]? Targets)>(
            "select name, target_ids from respondent_category where evaluation_id = @id order by position", new { id })).ToList();
        var copiedTeam = await conn.QuerySingleAsync<Guid>("select id from target where evaluation_id = @id and kind = 'team'", new { id });
        Assert.That(scopes[0].Targets, Is.EqualTo(new[] { copiedTeam }), "the scope names the copy's 班子, not the source's");
        Assert.That(scopes.Skip(1).Select(s => s.Targets), Has.All.Null, "an unlimited category stays unlimited");
    }

    [Test]
    public async Task Copy_with_another_template_takes_its_questionnaire_and_keeps_targets_and_categories()
    {
        var source = await ClosedRoundWithRulesAsync();

        var id = await CopyAsync(source.Id, "总结大会后满意度测评", "总结大会后满意度测评", FormTemplates.ClosingSatisfaction.Id);

        Assert.That(await World.ScalarAsync<string>("select questionnaire from evaluation where id = @id", new { id }),
            Is.EqualTo(FormJson.Canonical(FormTemplates.ClosingSatisfaction.Questionnaire)));
        Assert.That(await World.ScalarAsync<long>("select count(*) from target where evaluation_id = @id", new { id }), Is.EqualTo(3));
        Assert.That(await World.ScalarAsync<long>("select sum(expected_count) from respondent_category where evaluation_id = @id", new { id }), Is.EqualTo(21));
        var page = WebUtility.HtmlDecode(await StaffClient.BodyAsync(await Organizer.GetAsync($"/evaluations/{id}")));
        Assert.That(page, Does.Contain("已从《2026年动员大会后民主评议》复制").And.Contain("草稿"));
    }

    /// <summary>The 总结大会后 round made from the 动员大会后 one, voted on phones through the API, is compared with its source at once.</summary>
    [Test]
    public async Task A_copied_round_voted_and_closed_is_compared_with_its_source_without_choosing_it()
    {
        var source = await ReportScenario.SeedAsync(World, World.UnitA, name: "动员大会后评议", round: "动员大会后民主评议");
        await using (var conn = await World.OpenAsync())
        {
            await conn.ExecuteAsync("update evaluation set closed_at = now() - interval '30 days' where id = @Id", new { source.Id });
            // Another closed round of the unit, newer than the source: the comparison must still pick the source.
            await ReportScenario.SeedAsync(World, World.UnitA, name: "无关的一轮", round: "年中评议");
        }
        var id = await CopyAsync(source.Id, "总结大会后评议", "总结大会后民主评议");
        var copy = await SeededAsync(World, id);
        using (var open = await PostAsync($"{copy.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        await VoteAsync(World, await IssueSlipsAsync(copy, 5), copy, "好");
        using (var close = await PostAsync($"{copy.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        using var supervisor = await World.SignInAsync("supervisor-a");
        var page = WebUtility.HtmlDecode(Regex.Replace(await StaffClient.BodyAsync(await supervisor.GetAsync($"{copy.Url}/compare")), "</?bdi[^>]*>", ""));
        var fromSource = WebUtility.HtmlDecode(Regex.Replace(await StaffClient.BodyAsync(await supervisor.GetAsync($"{source.Url}/compare")), "</?bdi[^>]*>", ""));

        Assert.That(page, Does.Contain("前一轮：《动员大会后评议》").And.Contain("后一轮：《总结大会后评议》"));
        Assert.That(page, Does.Contain("好评率 66.7%").And.Contain("好评率 100.0%").And.Contain("+33.3 个百分点"));
        Assert.That(page, Does.Contain("动员大会后评议（动员大会后民主评议").And.Contain("· 复制关系"));
        Assert.That(fromSource, Does.Contain("前一轮：《动员大会后评议》").And.Contain("后一轮：《总结大会后评议》"), "the source's comparison finds its copy too");
    }

    [Test]
    public async Task Copying_another_units_evaluation_is_404_and_creates_nothing()
    {
        var theirs = await World.SeedDraftAsync(World.UnitB);
        var before = await World.ScalarAsync<long>("select count(*) from evaluation");

        using var form = await Organizer.GetAsync($"/evaluations/copy?from={theirs.Id}");
        using var post = await PostAsync("/evaluations/copy", ("From", theirs.Id.ToString()), ("Name", "越权复制"), ("Round", "动员大会后民主评议"));
        using var unknown = await Organizer.GetAsync($"/evaluations/copy?from={Guid.NewGuid()}");

        Assert.That((form.StatusCode, post.StatusCode, unknown.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound)));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(before));
    }

    [TestCase("", "动员大会后民主评议", "keep", "请填写评议名称")]
    [TestCase("新一轮", "", "keep", "请填写评议轮次")]
    [TestCase("新一轮", "动员大会后民主评议", "no-such-template", "请选择问卷")]
    [TestCase(null, "动员大会后民主评议", "keep", "请从要复制的评议页面")]
    public async Task Copy_with_bad_input_is_400_says_what_to_do_and_creates_nothing(string? name, string round, string template, string message)
    {
        var source = await World.SeedDraftAsync(World.UnitA);
        var before = await World.ScalarAsync<long>("select count(*) from evaluation");
        var logBefore = await World.ScalarAsync<long>("select count(*) from staff_action");

        (string, string)[] fields = name is null
            ? [("Name", "新一轮"), ("Round", round), ("Template", template)]
            : [("From", source.Id.ToString()), ("Name", name), ("Round", round), ("Template", template)];
        using var response = await PostAsync("/evaluations/copy", fields);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(response), Does.Contain(message));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(before));
        Assert.That(await World.ScalarAsync<long>("select count(*) from staff_action"), Is.EqualTo(logBefore));
    }

    /// <summary>The evaluation's targets and first category as the test helpers name them (the 班子, the first member).</summary>
    public static async Task<SeededEvaluation> SeededAsync(StaffWorld world, Guid id)
    {
        await using var conn = await world.OpenAsync();
        var team = await conn.QuerySingleAsync<Guid>("select id from target where evaluation_id = @id and kind = 'team'", new { id });
        var member = await conn.QueryFirstAsync<Guid>("select id from target where evaluation_id = @id and kind = 'member' order by position", new { id });
        var category = await conn.QueryFirstAsync<Guid>("select id from respondent_category where evaluation_id = @id order by position", new { id });
        return new SeededEvaluation(id, team, member, category, FormTemplates.MobilisationEvaluation.Questionnaire.Questions[0].Id);
    }

    /// <summary>One phone per slip, through the voting API, each answering every target's overall question.</summary>
    public static async Task VoteAsync(StaffWorld world, IEnumerable<string> tokens, SeededEvaluation evaluation, string teamGrade)
    {
        await using var conn = await world.OpenAsync();
        var members = (await conn.QueryAsync<Guid>("select id from target where evaluation_id = @Id and kind = 'member'", new { evaluation.Id })).ToList();
        var targets = new Dictionary<string, object> { [evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = teamGrade } } };
        foreach (var member in members)
            targets[member.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "称职" } };
        using var phone = new VotingClient(world.App.CreateClient());
        foreach (var token in tokens)
        {
            var credential = await phone.CheckInAsync(token);
            using var submitted = await phone.SubmitAsync(credential, new { targets });
            Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Rows per table under the evaluation, for "nothing changed".</summary>
    public static async Task<Dictionary<string, long>> RowCountsAsync(Npgsql.NpgsqlConnection conn, Guid id)
    {
        var counts = new Dictionary<string, long>();
        foreach (var table in await EvaluationTablesAsync(conn))
            counts[table] = await conn.ExecuteScalarAsync<long>($"select count(*) from {table} where evaluation_id = @id", new { id });
        counts["evaluation"] = await conn.ExecuteScalarAsync<long>("select count(*) from evaluation where id = @id", new { id });
        return counts;
    }

    /// <summary>
    /// Every table with an evaluation_id: those of migrations still to come included. Not the action log, whose
    /// evaluation_id only tags entries for the 审计's filter: the log is append-only and outlives what it records.
    /// </summary>
    public static async Task<IReadOnlyList<string>> EvaluationTablesAsync(Npgsql.NpgsqlConnection conn) =>
        (await conn.QueryAsync<string>(
            """
            select c.table_name from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
            where c.table_schema = 'public' and c.column_name = 'evaluation_id' and t.table_type = 'BASE TABLE'
              and c.table_name <> 'staff_action'
            order by 1
            """)).ToList();
}
