using Evaluation.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Evaluation.Web.Features.Audit;

/// <summary>
/// The verifier as a download for 审计 (DESIGN.md §3: a bundle is checked offline, on the auditor's own machine). The
/// program holds no data of any evaluation, so fetching it is not an export and is not logged.
/// </summary>
[Authorize(Roles = Roles.Auditor)]
[Route("verifier")]
public sealed class VerifierController(VerifierDownloads downloads) : Controller
{
    /// <summary>Placed in the 审计 section when the files are missing, and in the refusal of a download.</summary>
    public const string HowToPublish =
        "核对程序还没有在服务器上生成。请服务器管理员在本系统的源代码目录运行 scripts/publish-verifier.sh（需要 .NET 10 SDK，约半分钟），" +
        "或在设置 Verifier__Directory 中指向已生成的文件夹；./run.sh 启动时会自动生成。";

    [HttpGet("{platform}")]
    public IActionResult Download(string platform)
    {
        if (VerifierDownloads.Platform(platform) is not { } p) return NotFound();
        if (downloads.Find(p) is not { } file) return this.Refuse(StatusCodes.Status404NotFound, HowToPublish);
        return PhysicalFile(file.Path, "application/octet-stream", p.FileName, enableRangeProcessing: true);
    }
}
