using Dapper;
using Evaluation.Core.Slips;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.Slips;

/// <param name="Proposed">What the category's issue form proposes: what is still missing to its 应到.</param>
public sealed record CategorySlips(Guid Id, string Name, int Expected, int Issued, int Voided, int Proposed);

/// <param name="Unused">Null where showing it would tell whose slip was used (<see cref="SlipBatch.ShownUnused"/>).</param>
/// <param name="Kept">False for an issue made before slips named their batch: those are voided by code.</param>
public sealed record SlipBatchLine(Guid Id, DateTime IssuedAt, string CategoryName, int SlipCount, string? IssuedBy, bool Replacement,
    string? Reason, int? Unused, bool Kept);

public sealed record SlipsSection(EvaluationHeader Evaluation, IReadOnlyList<CategorySlips> Categories, IReadOnlyList<SlipBatchLine> Batches,
    IReadOnlyList<string> AddressProblems, string Address, int SmallCell);

/// <summary>The evaluation page's slip forms and 发放记录. It reads the slips itself, so the page's model stays the evaluation's.</summary>
public sealed class SlipsSectionViewComponent(NpgsqlDataSource db, IConfiguration configuration) : ViewComponent
{
    private sealed record BatchRow(Guid Id, DateTime IssuedAt, string CategoryName, Guid LineId, int SlipCount, string? IssuedBy,
        bool Replacement, string? Reason, int Unused, int Linked);

    public async Task<IViewComponentResult> InvokeAsync(EvaluationHeader evaluation, TurnoutTable turnout)
    {
        await using var conn = await db.OpenConnectionAsync();
        var categories = (await conn.QueryAsync<(Guid Id, string Name, int Expected, int Issued, int Voided)>(
            """
            select c.id, c.name, c.expected_count,
                   (select count(*)::int from slip s where s.category_id = c.id),
                   (select count(*)::int from slip s where s.category_id = c.id and s.voided)
            from respondent_category c where c.evaluation_id = @Id order by c.position, c.name
            """, new { evaluation.Id }))
            .Select(c => new CategorySlips(c.Id, c.Name, c.Expected, c.Issued, c.Voided, SlipBatch.DefaultCount(c.Expected, c.Issued, c.Voided)))
            .ToList();
        // A batch is shown on its category's turnout line: the key group's once voting has opened.
        var batches = await conn.QueryAsync<BatchRow>(
            """
            select i.id, i.issued_at, c.name as category_name, coalesce(c.key_group_id, c.id) as line_id, i.slip_count, i.issued_by,
                   i.replacement, i.reason,
                   (select count(*)::int from slip s where s.issue_id = i.id and not s.voided and s.blinded_hash is null) as unused,
                   (select count(*)::int from slip s where s.issue_id = i.id) as linked
            from slip_issue i join respondent_category c on c.id = i.category_id
            where i.evaluation_id = @Id order by i.issued_at desc, i.id
            """, new { evaluation.Id });
        var shownLines = turnout.Categories.Where(c => c.CheckedIn is not null).Select(c => c.Id).ToHashSet();
        var opened = !evaluation.IsDraft;
        var lines = batches.Select(b => new SlipBatchLine(b.Id, b.IssuedAt, b.CategoryName, b.SlipCount, b.IssuedBy, b.Replacement, b.Reason,
            b.Linked > 0 ? SlipBatch.ShownUnused(b.Unused, b.SlipCount, opened, shownLines.Contains(b.LineId), turnout.SmallCell) : null,
            Kept: b.Linked > 0)).ToList();

        var baseUrl = Request.PublicBaseUrl(configuration);
        return View("~/Features/Slips/_SlipsSection.cshtml",
            new SlipsSection(evaluation, categories, lines, SlipAddress.Problems(baseUrl), SlipAddress.Printed(baseUrl), turnout.SmallCell));
    }
}
