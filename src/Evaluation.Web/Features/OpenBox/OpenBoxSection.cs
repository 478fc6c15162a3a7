using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Evaluation.Web.Features.OpenBox;

/// <summary>The evaluation page's 公开征求意见箱 part. It reads the box itself, so the evaluation page's model stays the evaluation's.</summary>
public sealed class OpenBoxSectionViewComponent(NpgsqlDataSource db, IConfiguration configuration) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(EvaluationHeader evaluation)
    {
        await using var conn = await db.OpenConnectionAsync();
        return View("~/Features/OpenBox/_OpenBoxSection.cshtml",
            await OpenBoxPage.LoadAsync(conn, evaluation, UserClaimsPrincipal, Request.PublicBaseUrl(configuration)));
    }
}
