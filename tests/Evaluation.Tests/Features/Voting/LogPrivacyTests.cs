using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Evaluation.Core.Slips;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Evaluation.Tests.Features.Voting;

/// <summary>DESIGN.md §2.4: nothing logs tokens, messages, signatures, ballot secrets, receipts or answers, at any level.</summary>
public sealed partial class LogPrivacyTests
{
    [Test]
    public async Task FullVote_WithTraceLogging_LeavesNoTokenCredentialOrAnswerInTheLog()
    {
        var log = new CapturedLog();
        var world = await StaffWorld.StartAsync(builder => builder
            .UseSetting("Logging:LogLevel:Default", "Trace")
            .UseSetting("Logging:LogLevel:Microsoft", "Trace")
            .UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace")
            .ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(log))));
        await using var _ = world;
        using var organizer = await world.SignInAsync("organizer-a");
        var evaluation = await world.SeedDraftAsync(world.UnitA, expectedCount: 10);
        (await organizer.PostFormAsync($"{evaluation.Url}/open", [])).Dispose();
        using var issued = await organizer.PostFormAsync($"{evaluation.Url}/slips",
            [new("CategoryId", evaluation.CategoryId.ToString()), new("Count", "2"), new("Format", "html")]);
        var tokens = SlipLink().Matches(await StaffClient.BodyAsync(issued)).Select(m => m.Groups[1].Value).ToList();
        const string secretOpinion = "这是一条只属于投票人的意见";

        using var phone = new VotingClient(world.App.CreateClient());
        var credential = await phone.CheckInAsync(tokens[0]);
        using var response = await phone.SubmitAsync(credential, new
        {
            once = new Dictionary<string, object> { ["campaign-opinion"] = new { text = secretOpinion } },
            targets = new Dictionary<string, object>
            {
                [evaluation.TeamId.ToString()] = new Dictionary<string, object> { ["team-overall"] = new { choice = "较好" } },
                [evaluation.MemberId.ToString()] = new Dictionary<string, object> { ["member-overall"] = new { choice = "基本称职" } },
            },
        });
        using var unknown = await phone.Http.PostAsync("/api/v/slip",
            new StringContent($"{{\"token\":\"{tokens[1]}-bad\"}}", System.Text.Encoding.UTF8, "application/json"));
        using var wrongPassword = await world.App.CreateStaffClient().PostFormAsync("/login", [new("UserName", "organizer-a"), new("Password", "Secret-Wrong-Pass")]);
        var receipt = credential.ExpectedReceipt;
        using var checkedReceipt = await world.App.CreateStaffClient().PostFormAsync("/receipt", [new("Code", receipt.ToLowerInvariant())], tokenFromPage: "/receipt");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StaffClient.BodyAsync(checkedReceipt), Does.Contain("已计入"));
        var text = log.Text;
        Assert.That(log.Count, Is.GreaterThan(50), "trace logging was really on");
        string[] secrets =
        [
            tokens[0], tokens[1], SlipToken.Grouped(tokens[0]), .. VotingClient.Secrets(credential),
            receipt, receipt.Replace("-", ""), secretOpinion, "基本称职", StaffWorld.Password, "Secret-Wrong-Pass",
        ];
        foreach (var secret in secrets)
            Assert.That(text, Does.Not.Contain(secret).IgnoreCase, $"the log holds a secret: {secret[..Math.Min(12, secret.Length)]}…");
    }

    /// <summary>
    /// The service's own filter keeps the invoker's Trace (the action's arguments: a password here) out, and otherwise leaves
    /// the invoker to the configuration: per-request lines when someone asks for them, none at the shipped levels
    /// (see MeetingLogTests).
    /// </summary>
    [TestCase("Trace", true)]
    [TestCase("Information", true)]
    [TestCase(null, false)]
    public async Task ActionInvoker_LogsAtTheConfiguredLevel_ButNeverAnActionsArguments(string? configured, bool logsActions)
    {
        var log = new CapturedLog();
        var world = await StaffWorld.StartAsync(builder =>
        {
            if (configured is not null) builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Mvc", configured);
            builder.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(log)));
        });
        await using var _ = world;

        using var wrongPassword = await world.App.CreateStaffClient().PostFormAsync("/login", [new("UserName", "organizer-a"), new("Password", "Secret-Wrong-Pass")]);

        Assert.That(log.Text, logsActions ? Does.Contain("Executed action") : Does.Not.Contain("Executed action"));
        Assert.That(log.Text, Does.Not.Contain("with arguments").And.Not.Contain("Secret-Wrong-Pass"));
    }

    [GeneratedRegex(@"/v#([A-Z0-9]{20})<")]
    private static partial Regex SlipLink();

    internal sealed class CapturedLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public int Count => _lines.Count;
        public string Text => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        private sealed class Logger(CapturedLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                log._lines.Enqueue($"{category} {formatter(state, exception)} {exception}");
                // Structured values too: a collector stores them even when the message text leaves them out.
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                    foreach (var (key, value) in values) log._lines.Enqueue($"{key}={value}");
            }
        }
    }
}
