using Dapper;
using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Web.Features.Operations;

public static class OperationsEndpoints
{
    public static void MapOperations(this IEndpointRouteBuilder app)
    {
        // Liveness says nothing about the database, so a database outage does not get every replica restarted.
        app.MapGet("/healthz", () => Results.Text("ok"));

        app.MapGet("/readyz", async (NpgsqlDataSource db, CancellationToken ct) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await using var conn = await db.OpenConnectionAsync(timeout.Token);
                await conn.ExecuteScalarAsync<int>(new CommandDefinition("select 1", cancellationToken: timeout.Token));
                return Results.Text("ready");
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                db.ForgetDeadConnections(e);
                return Results.Text("database unreachable", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }
}
