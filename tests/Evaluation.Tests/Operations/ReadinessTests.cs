using System.Net;
using Dapper;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Operations;

public sealed class ReadinessTests
{
    private StaffWorld _world = null!;

    [OneTimeSetUp]
    public async Task Start() => _world = await StaffWorld.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _world.DisposeAsync();

    [Test]
    public async Task Healthz_AnswersWhileTheProcessLives()
    {
        using var client = _world.App.CreateStaffClient();

        using var response = await client.GetAsync("/healthz");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Readyz_WhenTheDatabaseRefusesConnections_Is503_AndRecoversWhenItAcceptsAgain()
    {
        using var client = _world.App.CreateStaffClient();
        var database = new NpgsqlConnectionStringBuilder(_world.ConnectionString).Database!;
        var server = new NpgsqlConnectionStringBuilder(_world.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();

        NpgsqlConnection.ClearAllPools();
        await admin.ExecuteAsync($"alter database \"{database}\" allow_connections false");
        await admin.ExecuteAsync("select pg_terminate_backend(pid) from pg_stat_activity where datname = @database", new { database });
        try
        {
            using var down = await client.GetAsync("/readyz");
            Assert.That(down.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            await admin.ExecuteAsync($"alter database \"{database}\" allow_connections true");
        }

        using var up = await client.GetAsync("/readyz");
        Assert.That(up.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
