using System.Diagnostics;
using System.Net;
using Dapper;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>
/// The disk fills up under the running app.
/// <para>
/// Mechanism: a real "No space left on device". The test's database lives in a tablespace on a 64 MB tmpfs mounted for
/// this fixture (the tests run as root here, and mounting is allowed), and a filler table takes the space that is left,
/// so every table that needs a new page gets PostgreSQL's own "could not extend file …: No space left on device"
/// (SQLSTATE 53100), as on a full data disk. The WAL stays on the cluster's own disk: with a full WAL disk PostgreSQL
/// stops (PANIC) rather than refusing a write, and the app then sees what the restart test covers. Not a file-size
/// limit (ulimit -f, EFBIG): that fails only the one file that reaches the limit, where a full disk refuses all alike.
/// Where mounting is not allowed (not root, or no CAP_SYS_ADMIN), the fixture is ignored and says why.
/// </para>
/// </summary>
public sealed class FullDatabaseTests
{
    private const string Tablespace = "fault_full";

    private string _space = null!;
    private bool _mounted;
    private string? _connectionString;
    private StaffWorld? _world;
    private StaffClient _organizer = null!;

    [OneTimeSetUp]
    public async Task StartTheAppInASmallTablespace()
    {
        if (!LocalPostgres.IsRoot) Assert.Ignore("mounting the small tmpfs this test fills needs root");
        await FaultCluster.StartAsync();
        _space = Path.Combine(FaultCluster.Root, "full-space");
        Directory.CreateDirectory(_space);
        var (mount, output) = await RunAsync("mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", _space);
        if (mount != 0) Assert.Ignore($"cannot mount a tmpfs to fill ({output.Trim()})");
        _mounted = true;
        Assert.That((await RunAsync("chown", "postgres:postgres", _space)).ExitCode, Is.Zero);
        await using (var admin = await FaultCluster.OpenAdminAsync())
            // The location is this fixture's own folder under /tmp, never input.
            await admin.ExecuteAsync($"create tablespace {Tablespace} location '{_space}'");
        _connectionString = await FaultCluster.CreateDatabaseAsync(Tablespace);
        _world = await StaffWorld.StartAsync(connectionString: _connectionString);
        _organizer = await _world.SignInAsync("organizer-a");
    }

    [OneTimeTearDown]
    public async Task RemoveTheAppAndTheTablespace()
    {
        _organizer?.Dispose();
        if (_world is not null) await _world.DisposeAsync();
        await using (var admin = await FaultCluster.OpenAdminAsync())
        {
            if (_connectionString is not null)
                await admin.ExecuteAsync($"drop database if exists \"{new NpgsqlConnectionStringBuilder(_connectionString).Database}\" with (force)");
            await admin.ExecuteAsync($"drop tablespace if exists {Tablespace}");
        }
        // Lazily: should anything still hold a file there, the mount goes once it lets go.
        if (_mounted) await RunAsync("umount", "-l", _space);
    }

    [Test, CancelAfter(150_000)]
    public async Task DiskFull_IssuingSlipsAndBallotsAreRefusedWhole_WithAClearMessage_AndAcknowledgedBallotsStay()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        var world = _world!;
        var evaluation = await world.SeedDraftAsync(world.UnitA, expectedCount: 60);
        using (var opened = await _organizer.PostFormAsync($"{evaluation.Url}/open", []))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var phones = Ballots.Phones(evaluation, await OrganizerSession.IssueSlipsAsync(_organizer, evaluation, 60));
        using var http = world.App.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        var crowd = new Crowd(http);
        await Ballots.CheckInAllAsync(crowd, phones, ct);
        foreach (var phone in phones.Take(10)) await phone.SubmitAsync(crowd, ct);
        var before = await Snapshot.TakeAsync(_connectionString!);

        var filled = await FillAsync();
        try
        {
            using (var issuing = await _organizer.PostFormAsync($"{evaluation.Url}/slips",
                       [new("CategoryId", evaluation.CategoryId.ToString()), new("Count", "2000"), new("Format", "html")]))
            {
                var html = await StaffClient.BodyAsync(issuing);
                Assert.That(issuing.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), html);
                Assert.That(html, Does.Contain("服务器存储空间不足").And.Contain("本次操作没有保存任何内容").And.Contain("请联系管理员"));
            }

            // The other fifty at once, each trying once: whatever is acknowledged is stored whole, whatever is refused is not
            // stored at all, and the refusals tell the voter to wait while the page retries.
            var waiting = phones.Skip(10).ToList();
            var answers = await Task.WhenAll(waiting.Select(phone => phone.SubmitAsync(crowd, ct, once: true)));
            var refused = waiting.Where((_, i) => answers[i].Status != HttpStatusCode.OK).ToList();
            Assert.That(refused, Is.Not.Empty, "a full disk refused ballots");
            crowd.AssertOnlyResultsOrRetryAdvice();
            Assert.That(answers.Where(a => a.Status != HttpStatusCode.OK).Select(a => Crowd.VoterError(a.Body)),
                Has.All.Contain("服务器暂时无法保存，您的答卷还没有保存"));

            var stored = await Ballots.ReadAsync(_connectionString!, evaluation.Id);
            Ballots.AssertAcknowledgedAreStored(stored, phones, "on a full disk");
            Assert.Multiple(() =>
            {
                foreach (var phone in refused)
                {
                    Assert.That(stored.AnswersByMessage.Keys, Does.Not.Contain(Convert.ToBase64String(phone.Message)), "a refused ballot is not stored");
                    Assert.That(stored.Receipts, Does.Not.Contain(phone.ExpectedReceipt.Replace("-", "")), "nor its receipt");
                }
            });
            var after = await Snapshot.TakeAsync(_connectionString!);
            Assert.That(after.Where(t => t.Key is not ("ballot" or "ballot_receipt")), Is.EquivalentTo(before.Where(t => t.Key is not ("ballot" or "ballot_receipt"))),
                "no slip, issue record or log entry from the refused issue");
            TestContext.Out.WriteLine($"filler took {filled / 1024 / 1024} MiB; of 50 ballots sent on a full disk {50 - refused.Count} were stored, {refused.Count} refused");
        }
        finally
        {
            await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
            await conn.OpenAsync(CancellationToken.None);
            // Truncated at commit: the space is back at once.
            await conn.ExecuteAsync("drop table if exists filler");
        }

        // Space again: the phones' retries go through with no restart, and slips can be issued.
        await Parallel.ForEachAsync(phones.Where(p => p.ReceiptShown is null), ct, async (phone, token) => await phone.SubmitAsync(crowd, token));
        await Ballots.AssertEachPhoneCountedOnceAsync(_connectionString!, evaluation.Id, phones);
        Assert.That(await OrganizerSession.IssueSlipsAsync(_organizer, evaluation, 20), Has.Count.EqualTo(20));
    }

    /// <summary>Fills the tablespace with a table of its own until PostgreSQL reports the disk full; returns the bytes it holds.</summary>
    private async Task<long> FillAsync()
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync("create table filler (b bytea)");
        // Big rows to fill fast, then ever smaller ones for the gaps, so no page anywhere is left with room for a ballot.
        foreach (var (size, rows) in new[] { (2000, 5000), (200, 500), (20, 50), (1, 1) })
            for (var full = 0; full < 3;)
            {
                try
                {
                    await conn.ExecuteAsync("insert into filler select decode(repeat('ab', @size), 'hex') from generate_series(1, @rows)", new { size, rows });
                    full = 0;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DiskFull)
                {
                    full++;
                }
            }
        return await conn.ExecuteScalarAsync<long>("select pg_total_relation_size('filler')");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
