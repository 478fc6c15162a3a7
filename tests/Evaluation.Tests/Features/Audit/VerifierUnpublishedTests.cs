using System.Net;
using Evaluation.Core.Forms;
using Evaluation.Tests.Features.Reports;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Audit;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Features.Audit;

/// <summary>
/// A server whose verifier folder is empty (scripts/publish-verifier.sh never ran): the 审计 section says how to build
/// the program instead of failing, and a download says the same with a 404.
/// </summary>
public sealed class VerifierUnpublishedTests
{
    private StaffWorld _world = null!;
    private StaffClient _auditor = null!;
    private string _empty = null!;
    private ClosedEvaluation _evaluation = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _empty = Directory.CreateTempSubdirectory("verifier-unpublished-").FullName;
        _world = await StaffWorld.StartAsync(web => web.UseSetting("Verifier:Directory", _empty));
        _evaluation = await _world.SeedClosedAsync(_world.UnitA, ClosedEvaluations.Form(FormTemplates.MobilisationEvaluation.Questionnaire, "张三"),
            [("机关工作人员", 10)], []);
        _auditor = await _world.SignInAsync("auditor-a");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _auditor?.Dispose();
        if (_world is not null) await _world.DisposeAsync();
        if (_empty is not null) Directory.Delete(_empty, recursive: true);
    }

    [Test]
    public async Task AuditSection_WithoutPublishedFiles_SaysHowToBuildThem_AndKeepsTheReportDownloads()
    {
        using var response = await _auditor.GetAsync(_evaluation.Url);
        var page = WebUtility.HtmlDecode(await StaffClient.BodyAsync(response));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page, Does.Contain(VerifierController.HowToPublish).And.Contain("scripts/publish-verifier.sh"));
        Assert.That(page, Does.Not.Contain("href=\"/verifier/").And.Not.Contain("class=\"hash sha256\""));
        Assert.That(page, Does.Contain($"{_evaluation.Url}/results.xlsx").And.Contain($"{_evaluation.Url}/audit-bundle"));
    }

    [TestCase("win-x64")]
    [TestCase("linux-x64")]
    public async Task Download_WithoutPublishedFile_Is404_SayingHowToBuildIt(string platform)
    {
        using var response = await _auditor.GetAsync($"/verifier/{platform}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(WebUtility.HtmlDecode(await StaffClient.BodyAsync(response)), Does.Contain(VerifierController.HowToPublish));
    }

    [Test]
    public async Task Download_OfAnUnknownPlatform_Is404()
    {
        // Only the two published names are served: nothing else of the folder, and no path out of it.
        File.WriteAllText(Path.Combine(_empty, "SHA256SUMS"), "x");
        foreach (var path in new[] { "/verifier/SHA256SUMS", "/verifier/osx-arm64", "/verifier/..%2Fappsettings.json" })
        {
            using var response = await _auditor.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
        }
    }
}
