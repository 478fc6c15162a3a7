using System.Net;
using Dapper;
using Evaluation.Core;
using Evaluation.Core.Forms;
using Evaluation.Tests.Infrastructure;

namespace Evaluation.Tests.Features;

public sealed class EvaluationSetupTests : OrganizerSession
{
    private async Task<Guid> CreateThroughFormAsync(string template = "mobilisation")
    {
        using var response = await Organizer.PostFormAsync("/evaluations/new",
        [
            new("UnitId", World.UnitA.ToString()), new("Name", "2026年局领导班子民主评议"), new("Round", "动员大会后民主评议"),
            new("Template", template), new("PresetCategories", "true"),
        ]);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(response));
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/').Last());
    }


    [Test]
    public async Task Create_FromTemplate_StoresTheTemplateQuestionnaireAndPresetCategories_AndLogsIt()
    {
        var id = await CreateThroughFormAsync();

        await using var conn = await World.OpenAsync();
        var questionnaire = await conn.ExecuteScalarAsync<string>("select questionnaire from evaluation where id = @id", new { id });
        var categories = (await conn.QueryAsync<string>("select name from respondent_category where evaluation_id = @id order by position", new { id })).ToList();
        using var page = await Organizer.GetAsync($"/evaluations/{id}");

        Assert.That(questionnaire, Is.EqualTo(FormJson.Canonical(FormTemplates.MobilisationEvaluation.Questionnaire)));
        Assert.That(categories, Is.EqualTo(new[] { "机关工作人员", "直属单位领导班子成员", "离退休老党员", "服务对象代表" }));
        Assert.That(await StaffClient.BodyAsync(page), Does.Contain("2026年局领导班子民主评议").And.Contain("草稿"));
        Assert.That(await conn.ExecuteScalarAsync<int>("select count(*) from staff_action where action = '创建评议' and detail like '%' || @id || '%'",
            new { id = id.ToString() }), Is.EqualTo(1));
    }

    [Test]
    public async Task Create_ForAUnitTheOrganiserDoesNotCover_Gets400AndNothingIsStored()
    {
        var before = await World.ScalarAsync<long>("select count(*) from evaluation");

        using var response = await PostAsync("/evaluations/new",
            ("UnitId", World.UnitB.ToString()), ("Name", "越权"), ("Round", "动员大会后民主评议"), ("Template", "mobilisation"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(response), Does.Contain("请选择您负责的单位"));
        Assert.That(await World.ScalarAsync<long>("select count(*) from evaluation"), Is.EqualTo(before));
    }

    [Test]
    public async Task SetUpTargetsAndHeadcounts_ThenOpen_FreezesFormWithItsCanonicalHash_ThenClose()
    {
        var id = await CreateThroughFormAsync();
        var url = $"/evaluations/{id}";
        using (var team = await PostAsync($"{url}/targets", ("Kind", "team"), ("Name", "局领导班子")))
            Assert.That(team.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        using (var member = await PostAsync($"{url}/targets", ("Kind", "member"), ("Name", "王建国"), ("Title", "局长")))
            Assert.That(member.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var transferredOn = DateOnly.FromDateTime(DateTime.Today.AddMonths(-8));
        using (var moved = await PostAsync($"{url}/targets", ("Kind", "member"), ("Name", "陈晓红"), ("Title", "原副局长"),
                   ("TransferredOutOn", transferredOn.ToString("yyyy-MM-dd"))))
            Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        await using var conn = await World.OpenAsync();
        var category = await conn.QueryFirstAsync<Guid>("select id from respondent_category where evaluation_id = @id order by position", new { id });
        using (var headcount = await PostAsync($"{url}/categories/{category}", ("Name", "机关工作人员"), ("ExpectedCount", "86")))
            Assert.That(headcount.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        using var open = await PostAsync($"{url}/open");
        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        var row = await conn.QuerySingleAsync<(string Status, string Questionnaire, string FrozenForm, string FormHash)>(
            "select status, questionnaire, frozen_form, form_hash from evaluation where id = @id", new { id });
        var targets = await Evaluation.Web.Features.Evaluations.EvaluationScope.TargetsAsync(conn, id);
        var expectedHash = FormJson.FormHash(FormJson.ReadQuestionnaire(row.Questionnaire), targets);
        Assert.That(row.Status, Is.EqualTo("open"));
        Assert.That(row.FormHash, Is.EqualTo(expectedHash));
        Assert.That(row.FormHash, Is.EqualTo(FormJson.Sha256Hex(row.FrozenForm)));
        Assert.That(row.FrozenForm, Does.Contain("陈晓红").And.Contain(transferredOn.ToString("yyyy-MM-dd")));
        using (var page = await Organizer.GetAsync(url))
            Assert.That(await StaffClient.BodyAsync(page), Does.Contain(expectedHash).And.Contain("进行中"));

        using var close = await PostAsync($"{url}/close");
        Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @id", new { id }), Is.EqualTo("closed"));
        using var closeAgain = await PostAsync($"{url}/close");
        Assert.That(closeAgain.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task AfterOpening_TargetsQuestionnaireAndCategoriesAreFrozen_409AndNothingChanges()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 30);
        using (var open = await PostAsync($"{evaluation.Url}/open"))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        await using var conn = await World.OpenAsync();
        var before = await conn.QuerySingleAsync<(string Questionnaire, long Targets, long Actions)>(
            "select questionnaire, (select count(*) from target where evaluation_id = @Id), (select count(*) from staff_action) from evaluation where id = @Id",
            new { evaluation.Id });

        var attempts = new[]
        {
            await PostAsync($"{evaluation.Url}/targets", ("Kind", "member"), ("Name", "迟到的人")),
            await PostAsync($"{evaluation.Url}/targets/{evaluation.MemberId}/delete"),
            await PostAsync($"{evaluation.Url}/categories/{evaluation.CategoryId}", ("Name", "机关工作人员"), ("ExpectedCount", "99")),
            await PostAsync($"{evaluation.Url}/questionnaire/questions/{evaluation.QuestionId}/delete"),
            await PostAsync($"{evaluation.Url}/questionnaire/template", ("template", "closing")),
            await PostAsync($"{evaluation.Url}/details", ("Name", "改名"), ("Round", "改轮次")),
            await PostAsync($"{evaluation.Url}/open"),
        };

        foreach (var attempt in attempts)
        {
            Assert.That(attempt.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), attempt.RequestMessage?.RequestUri?.ToString());
            Assert.That(await StaffClient.BodyAsync(attempt), Does.Contain("已冻结"));
            attempt.Dispose();
        }
        var after = await conn.QuerySingleAsync<(string Questionnaire, long Targets, long Actions)>(
            "select questionnaire, (select count(*) from target where evaluation_id = @Id), (select count(*) from staff_action) from evaluation where id = @Id",
            new { evaluation.Id });
        Assert.That(after, Is.EqualTo(before));
    }

    [Test]
    public async Task Open_WithPerTargetQuestionsButNoTargets_Gets400SayingWhatToAdd_AndStaysDraft()
    {
        var id = await CreateThroughFormAsync();

        using var open = await PostAsync($"/evaluations/{id}/open");
        var body = await StaffClient.BodyAsync(open);

        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Does.Contain("请先添加领导班子").And.Contain("请先添加班子成员").And.Contain("请填写各评议人员类别的应到人数"));
        Assert.That(await World.ScalarAsync<string>("select status from evaluation where id = @id", new { id }), Is.EqualTo("draft"));
    }

    [Test]
    public async Task PlainSurvey_WithoutTargets_CanOpen()
    {
        var id = await CreateThroughFormAsync("survey");
        await using var conn = await World.OpenAsync();
        await conn.ExecuteAsync("update respondent_category set expected_count = 40 where evaluation_id = @id", new { id });

        using var open = await PostAsync($"/evaluations/{id}/open");

        Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
        Assert.That(await conn.ExecuteScalarAsync<string>("select status from evaluation where id = @id", new { id }), Is.EqualTo("open"));
    }

    [Test]
    public async Task Targets_SecondTeamOrFutureTransferDate_Gets400AndNothingIsStored()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var secondTeam = await PostAsync($"{evaluation.Url}/targets", ("Kind", "team"), ("Name", "另一个班子"));
        using var future = await PostAsync($"{evaluation.Url}/targets", ("Kind", "member"), ("Name", "李四"),
            ("TransferredOutOn", DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd")));

        Assert.That(secondTeam.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(secondTeam), Does.Contain("已经有一个领导班子"));
        Assert.That(future.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(future), Does.Contain("调出日期不能晚于今天"));
        Assert.That(await World.ScalarAsync<long>("select count(*) from target where evaluation_id = @Id", new { evaluation.Id }), Is.EqualTo(2));
    }

    [Test]
    public async Task Targets_MoveUp_SwapsOrder()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA);

        using var move = await PostAsync($"{evaluation.Url}/targets/{evaluation.MemberId}/move", ("direction", "up"));

        Assert.That(move.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await World.ScalarAsync<int>("select position from target where id = @MemberId", new { evaluation.MemberId }), Is.EqualTo(1));
    }

    [Test]
    public async Task Categories_NegativeOrNonNumericHeadcount_Gets400AndNothingIsStored()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 12);

        using var negative = await PostAsync($"{evaluation.Url}/categories/{evaluation.CategoryId}", ("Name", "机关工作人员"), ("ExpectedCount", "-3"));
        using var text = await PostAsync($"{evaluation.Url}/categories", ("Name", "中层干部"), ("ExpectedCount", "很多"));

        Assert.That(negative.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(text.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await StaffClient.BodyAsync(text), Does.Contain("应到人数请填写"));
        Assert.That(await World.ScalarAsync<int>("select expected_count from respondent_category where id = @CategoryId", new { evaluation.CategoryId }), Is.EqualTo(12));
        Assert.That(await World.ScalarAsync<long>("select count(*) from respondent_category where evaluation_id = @Id", new { evaluation.Id }), Is.EqualTo(1));
    }

    [Test]
    public async Task ActionLog_AfterStaffActions_IsAChainTheAuditorSeesWhole_AndTamperingIsShown()
    {
        await CreateThroughFormAsync();
        using var auditor = await World.SignInAsync("auditor-a");

        using (var page = await auditor.GetAsync("/audit-log"))
            Assert.That(await StaffClient.BodyAsync(page), Does.Contain("哈希链完整").And.Contain("创建评议"));

        await using var conn = await World.OpenAsync();
        var entries = (await conn.QueryAsync<(long Seq, DateTime At, string Actor, string Action, string Detail, string PrevHash, string Hash)>(
                "select seq, at, actor, action, detail, prev_hash, hash from staff_action order by seq"))
            .Select(r => new ActionLogEntry(r.Seq, new DateTimeOffset(DateTime.SpecifyKind(r.At, DateTimeKind.Utc)), r.Actor, r.Action, r.Detail, r.PrevHash, r.Hash))
            .ToList();
        Assert.That(ActionLog.FirstBrokenLink(entries), Is.Null);

        await Assert.ThrowsAsync<Npgsql.PostgresException>(async () => await conn.ExecuteAsync("update staff_action set detail = 'x' where seq = 1"));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(async () => await conn.ExecuteAsync("delete from staff_action where seq = 1"));

        // A database administrator can switch the trigger off; the chain still gives the edit away.
        await conn.ExecuteAsync(
            """
            alter table staff_action disable trigger staff_action_no_update_or_delete;
            update staff_action set detail = detail || '（已改）' where seq = 1;
            alter table staff_action enable trigger staff_action_no_update_or_delete;
            """);
        using var tampered = await auditor.GetAsync("/audit-log");
        Assert.That(await StaffClient.BodyAsync(tampered), Does.Contain("哈希链在第 1 条断开"));
    }
}
