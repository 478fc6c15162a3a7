using System.Net;
using Evaluation.Tests.Features;
using Evaluation.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Evaluation.Tests.Failover;

/// <summary>
/// An app given both hosts of a <see cref="ReplicatedCluster"/> (its migrations and the test's own queries go straight
/// to the primary), with one open evaluation and its slips issued: the meeting a failover test disturbs.
/// </summary>
public sealed class ReplicatedMeeting : IAsyncDisposable
{
    public required ReplicatedCluster Cluster { get; init; }
    public required StaffWorld World { get; init; }
    public required StaffClient Organizer { get; init; }
    public required SeededEvaluation Evaluation { get; init; }
    public required List<string> Slips { get; init; }
    public required string Database { get; init; }

    public static async Task<ReplicatedMeeting> StartAsync(int slips, Action<IWebHostBuilder>? configure = null)
    {
        var cluster = await ReplicatedCluster.StartAsync();
        try
        {
            var database = await cluster.CreateDatabaseAsync();
            var world = await StaffWorld.StartAsync(configure, connectionString: cluster.PrimaryConnectionString(database),
                appConnectionString: _ => cluster.ServiceConnectionString(database));
            var organizer = await world.SignInAsync("organizer-a");
            var evaluation = await world.SeedDraftAsync(world.UnitA, expectedCount: slips + 20);
            using (var open = await organizer.PostFormAsync($"{evaluation.Url}/open", []))
                Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));
            return new ReplicatedMeeting
            {
                Cluster = cluster, World = world, Organizer = organizer, Evaluation = evaluation, Database = database,
                Slips = await OrganizerSession.IssueSlipsAsync(organizer, evaluation, slips),
            };
        }
        catch
        {
            // No PostgreSQL left running after a set-up that failed.
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Organizer.Dispose();
        await World.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
