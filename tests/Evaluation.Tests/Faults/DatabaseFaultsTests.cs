using Evaluation.Web.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>The SQLSTATEs the fault tests cannot easily provoke for real, classified as the real ones are.</summary>
public sealed class DatabaseFaultsTests
{
    [TestCase("57P01", DatabaseFault.Unreachable)] // admin_shutdown: pg_ctl stop -m fast ends the session
    [TestCase("57P03", DatabaseFault.Unreachable)] // cannot_connect_now: starting up, recovering
    [TestCase("53300", DatabaseFault.Unreachable)] // too_many_connections
    [TestCase("08006", DatabaseFault.Unreachable)] // connection_failure
    [TestCase("25006", DatabaseFault.ReadOnly)]    // read_only_sql_transaction
    [TestCase("53100", DatabaseFault.Full)]        // disk_full
    [TestCase("23505", DatabaseFault.Other)]       // unique_violation: a bug, not a condition
    public void Classify_BySqlState(string sqlState, DatabaseFault expected) =>
        Assert.That(DatabaseFaults.Classify(new PostgresException("…", "ERROR", "ERROR", sqlState)), Is.EqualTo(expected));

    [Test]
    public void Classify_AFileSizeLimit_IsAFullDisk()
    {
        // EFBIG (ulimit -f) has no SQLSTATE of its own: PostgreSQL reports it as an internal error.
        var error = new PostgresException("could not extend file \"base/16384/16385\": File too large", "ERROR", "ERROR", "XX000");

        Assert.That(DatabaseFaults.Classify(error), Is.EqualTo(DatabaseFault.Full));
    }

    [Test]
    public void Classify_ConnectionErrors_AreUnreachable_OtherExceptionsAreNoDatabaseFault()
    {
        Assert.That(DatabaseFaults.Classify(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())),
            Is.EqualTo(DatabaseFault.Unreachable));
        Assert.That(DatabaseFaults.Classify(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))),
            Is.EqualTo(DatabaseFault.Unreachable));
        Assert.That(DatabaseFaults.Classify(new InvalidOperationException("a bug")), Is.Null);
        Assert.That(DatabaseFaults.IsCondition(DatabaseFault.Other), Is.False, "a bug is logged with its stack trace");
    }
}
