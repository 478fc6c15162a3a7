using System.Net;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Evaluation.Tests.Features.OpenBox.OpenBoxPhone;

namespace Evaluation.Tests.Features.OpenBox;

/// <summary>DESIGN.md §2.5 for the open box: nothing logs an answer or a client address, at any level.</summary>
public sealed class OpenBoxLogTests
{
    [Test]
    public async Task Submissions_WithTraceLogging_LeaveNoAnswerAndNoClientAddressInTheLog()
    {
        var log = new LogPrivacyTests.CapturedLog();
        var world = await StaffWorld.StartAsync(builder =>
        {
            builder.UseSetting("Logging:LogLevel:Default", "Trace")
                .UseSetting("Logging:LogLevel:Microsoft", "Trace")
                .UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace")
                .ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(log)));
            TestClientAddress.AddTo(builder);
        });
        await using var _ = world;
        using var organizer = await world.SignInAsync("organizer-a");
        var id = await OpenBoxSetup.CreateSurveyAsync(organizer, world.UnitA);
        var box = await OpenBoxSetup.PublishAsync(organizer, world, id);
        await OpenBoxSetup.OpenVotingAsync(organizer, id);
        const string address = "198.18.123.45", opinion = "这是一条只属于提交人的意见", other = "只属于提交人的其他说明";

        using var phone = new OpenBoxPhone(TestClientAddress.From(world.App.CreateClient(), address));
        await phone.SubmitOkAsync(box, Once(("opinion", Text(opinion)), ("concerns", new { choices = new[] { "收费管理" }, other })));
        using (var refused = await phone.SubmitAsync(box, Once(("opinion", Text(opinion + "\u202E")))))
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await OpenBoxSetup.RedirectsAsync(organizer, $"/evaluations/{id}/open-box/close");
        using (var paused = await phone.SubmitAsync(box, Once(("opinion", Text(opinion)))))
            Assert.That(paused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        await OpenBoxSetup.RedirectsAsync(organizer, $"/evaluations/{id}/open-box");
        await OpenBoxSetup.CloseVotingAsync(organizer, id);

        var text = log.Text;
        Assert.That(log.Count, Is.GreaterThan(50), "trace logging was really on");
        foreach (var secret in new[] { opinion, other, "收费管理", address })
            Assert.That(text, Does.Not.Contain(secret), $"the log holds {secret}");
    }
}
