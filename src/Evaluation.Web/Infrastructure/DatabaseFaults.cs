using Npgsql;

namespace Evaluation.Web.Infrastructure;

public enum DatabaseFault
{
    /// <summary>Down, restarting, or out of connections: passes by itself.</summary>
    Unreachable,
    /// <summary>Takes reads only (a standby, or maintenance with default_transaction_read_only): someone has to act.</summary>
    ReadOnly,
    /// <summary>Out of disk: someone has to act.</summary>
    Full,
    /// <summary>Any other error from PostgreSQL.</summary>
    Other,
}

/// <summary>
/// What a database error means for the person in front of the screen. Every one is answered 503: the server cannot do
/// it now, and since each write is one transaction, nothing of the request was kept, so the same request may be sent
/// again. Voters are told their page keeps trying; staff are told whether waiting helps or an administrator must act.
/// </summary>
public static class DatabaseFaults
{
    public static DatabaseFault? Classify(Exception? error)
    {
        var chain = Causes(error).ToList();
        if (chain.OfType<PostgresException>().FirstOrDefault() is { } postgres) return Classify(postgres);
        // Anything else from Npgsql is the connection itself: refused, reset, timed out, or the pool exhausted.
        return chain.Any(e => e is NpgsqlException or TimeoutException) ? DatabaseFault.Unreachable : null;
    }

    private static DatabaseFault Classify(PostgresException e) => e.SqlState switch
    {
        PostgresErrorCodes.ReadOnlySqlTransaction => DatabaseFault.ReadOnly,
        PostgresErrorCodes.DiskFull => DatabaseFault.Full,
        // A file-size limit (EFBIG) comes as an internal error, with the same words as a full disk.
        _ when e.MessageText.StartsWith("could not extend file", StringComparison.Ordinal) => DatabaseFault.Full,
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections => DatabaseFault.Unreachable,
        _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => DatabaseFault.Unreachable,
        _ => DatabaseFault.Other,
    };

    /// <summary>
    /// After PostgreSQL restarts, every idle connection in the pool is dead, and Npgsql only finds out one request at a
    /// time (npgsql/npgsql#5073): a burst would meet as many failures as the pool held connections. Clearing the pool on
    /// the first one makes the next request connect afresh. Only a connection that broke counts: a refused or not yet
    /// accepted one says nothing about the pool, and clearing then would only close connections that work.
    /// </summary>
    public static void ForgetDeadConnections(this NpgsqlDataSource db, Exception error)
    {
        if (Causes(error).Any(e => e is IOException or PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown }))
            db.Clear();
    }

    /// <summary>The error and what caused it, outermost first: Npgsql wraps the socket's or the server's error.</summary>
    private static IEnumerable<Exception> Causes(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException) yield return e;
    }

    /// <summary>A condition of the database, not of this code: logged in one line, without a stack trace.</summary>
    public static bool IsCondition(DatabaseFault? fault) => fault is DatabaseFault.Unreachable or DatabaseFault.ReadOnly or DatabaseFault.Full;

    /// <summary>Seconds for Retry-After: a restart is over in moments; a full or read-only database waits for a person.</summary>
    public static int RetryAfterSeconds(DatabaseFault fault) => fault == DatabaseFault.Unreachable ? 2 : 5;

    /// <summary>For staff pages: what happened to their action, and who can fix it.</summary>
    public static string StaffMessage(DatabaseFault fault) => fault switch
    {
        // Not "nothing was saved": a connection lost during COMMIT leaves that unknown, so the page is checked first.
        DatabaseFault.Unreachable => "暂时连接不上数据库，本次操作可能没有完成。请等一两分钟后刷新页面，看清结果再决定是否重做；如果一直如此，请联系管理员。",
        DatabaseFault.ReadOnly => "数据库当前只能查看、不能保存（可能正在维护），本次操作没有保存任何内容，已有数据不受影响。请稍后重试；如果一直如此，请联系管理员。",
        DatabaseFault.Full => "服务器存储空间不足，本次操作没有保存任何内容，已有数据不受影响。请联系管理员清理存储空间后再重试。",
        _ => "数据库暂时出错，本次操作没有保存任何内容。请稍后重试；如果反复出现，请联系管理员。",
    };

    /// <summary>For the phone page, which retries a 503 by itself: the voter only has to wait, and may ask staff if it lasts.</summary>
    public static string VoterMessage(DatabaseFault fault, string what) => fault == DatabaseFault.Unreachable
        ? $"服务器暂时连接不上数据库，{what}。页面会自动重试，请不要关闭。"
        : $"服务器暂时无法保存，{what}。页面会自动重试，请不要关闭；如果等了几分钟仍未完成，请告诉工作人员。";
}
