using Dapper;
using Evaluation.Tests.Features;
using Npgsql;

namespace Evaluation.Tests.Faults;

/// <summary>What a crowd of phones votes, and what the database must hold afterwards.</summary>
public static class Ballots
{
    private static readonly string[] TeamGrades = ["好", "较好", "一般", "差"];
    private static readonly string[] MemberGrades = ["优秀", "称职", "基本称职", "不称职", "称职"];

    /// <summary>A crowd of phones with varied complete ballots, so a ballot stored under the wrong message would show.</summary>
    public static List<Phone> Phones(SeededEvaluation evaluation, IEnumerable<string> tokens) =>
        tokens.Select((token, i) => new Phone(token, evaluation.CompleteAnswers(TeamGrades[i % 4], MemberGrades[i % 5]))).ToList();

    public static async Task CheckInAllAsync(Crowd crowd, IEnumerable<Phone> phones, CancellationToken ct, int parallel = 16) =>
        await Parallel.ForEachAsync(phones, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (phone, token) =>
        {
            await phone.OpenAsync(crowd, token);
            await phone.CheckInAsync(crowd, token);
        });

    /// <summary>What the box stores of a phone's ballot while voting is open: its sealed bytes, base64.</summary>
    public static string Stored(Phone phone) => Convert.ToBase64String(phone.Sealed);

    /// <param name="AnswersByMessage">Each sealed ballot (base64) by its door message (base64): the answers, as the box holds them.</param>
    public sealed record Contents(Dictionary<string, string> AnswersByMessage, List<string> Messages, List<string> Receipts);

    /// <summary>The evaluation's sealed ballots (by base64 door message) and receipts, as they are on disk now.</summary>
    public static async Task<Contents> ReadAsync(string connectionString, Guid evaluationId)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        var ballots = (await conn.QueryAsync<(byte[] Message, byte[] Ciphertext)>(
            "select door_message, ciphertext from sealed_ballot where evaluation_id = @evaluationId", new { evaluationId }))
            .Select(b => (b.Message, Answers: Convert.ToBase64String(b.Ciphertext))).ToList();
        var receipts = (await conn.QueryAsync<string>(
            "select receipt from ballot_receipt where evaluation_id = @evaluationId", new { evaluationId })).ToList();
        var messages = ballots.Select(b => Convert.ToBase64String(b.Message)).ToList();
        return new Contents(ballots.DistinctBy(b => Convert.ToBase64String(b.Message)).ToDictionary(b => Convert.ToBase64String(b.Message), b => b.Answers),
            messages, receipts);
    }

    /// <summary>Every receipt a phone was shown is stored, with its ballot, holding that phone's answers.</summary>
    public static void AssertAcknowledgedAreStored(Contents stored, IEnumerable<Phone> phones, string when)
    {
        Assert.Multiple(() =>
        {
            foreach (var phone in phones.Where(p => p.ReceiptShown is not null))
            {
                Assert.That(phone.ReceiptShown, Is.EqualTo(phone.ExpectedReceipt), "the receipt is the one of the phone's secret");
                Assert.That(stored.Receipts, Does.Contain(phone.ReceiptShown!.Replace("-", "")), $"{when}: a receipt shown is stored");
                Assert.That(stored.AnswersByMessage.GetValueOrDefault(Convert.ToBase64String(phone.Message)), Is.EqualTo(Stored(phone)),
                    $"{when}: an acknowledged ballot is stored, with its answers");
            }
        });
    }

    /// <summary>The end of every fault: each phone counted exactly once, with its own receipt and answers, and nothing else.</summary>
    public static async Task AssertEachPhoneCountedOnceAsync(string connectionString, Guid evaluationId, IReadOnlyCollection<Phone> phones)
    {
        var stored = await ReadAsync(connectionString, evaluationId);
        Assert.That(phones.Where(p => p.ReceiptShown is null), Is.Empty, "every phone got its receipt in the end");
        Assert.That(stored.Messages, Has.Count.EqualTo(phones.Count), "ballots = phones");
        Assert.That(stored.Messages, Is.Unique, "no message twice");
        Assert.That(stored.Receipts, Has.Count.EqualTo(phones.Count).And.Unique, "receipts = phones");
        Assert.That(stored.AnswersByMessage.Keys, Is.EquivalentTo(phones.Select(p => Convert.ToBase64String(p.Message))), "the ballots are the phones'");
        AssertAcknowledgedAreStored(stored, phones, "at the end");
    }
}
