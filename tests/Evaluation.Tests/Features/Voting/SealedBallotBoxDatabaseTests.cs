using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Voting;
using Evaluation.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Evaluation.Tests.Features.Voting;

/// <summary>
/// The database administrator's view (issue 13, properties 1 and 2): a meeting of 40 voters on a PostgreSQL cluster of its
/// own, so that its <c>pg_wal</c> holds this meeting's writes and nothing else. Everything written before 开箱 — every
/// table and every WAL file — is read as the administrator would, and searched for every value of the opened ballots
/// and the audit bundle, for hashes of them, for the answers' text and for the key cards' bytes. Then the other way: the
/// opened ballots and the bundle are searched for every receipt and door credential.
/// </summary>
[NonParallelizable]
public sealed class SealedBallotBoxDatabaseTests
{
    private const int Voters = 40;

    private string _root = null!;
    private LocalPostgres _cluster = null!;
    private StaffWorld _world = null!;
    private StaffClient _organizer = null!;
    private SeededEvaluation _evaluation = null!;
    private readonly List<(VotingClient.Credential Credential, string Receipt, string Marker)> _votes = [];
    private List<KeyCards.Card> _cards = null!;

    private byte[] _walBeforeOpening = null!;
    private string _tablesBeforeOpening = null!;
    private string _openedBallots = null!;
    private string _bundle = null!;

    [OneTimeSetUp]
    public async Task HoldAMeetingAndOpenTheBox()
    {
        _root = Path.Combine("/tmp", $"evaluation-sealed-{Guid.NewGuid():N}");
        _cluster = await LocalPostgres.StartAsync(_root, LocalPostgres.FreeLoopbackPort());
        _world = await StaffWorld.StartAsync(connectionString: _cluster.ConnectionString);
        _organizer = await _world.SignInAsync("organizer-a");
        _evaluation = await _world.SeedDraftAsync(_world.UnitA, expectedCount: 60);

        BoxKeys.PrintedCards printed;
        await using (var conn = await _world.OpenAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            printed = await BoxKeys.MakeCardsAsync(conn, tx, _evaluation.Id, ["张监票", "李监票", "王监票"], 2);
            await tx.CommitAsync();
        }
        _cards = printed.Cards.Select(c => KeyCards.TryRead(c.Code, out var card, out _) ? card! : throw new AssertionException(c.Code)).ToList();
        using (var open = await _organizer.PostFormAsync($"{_evaluation.Url}/open",
                   [new("custody", "cards"), .. printed.Cards.Select(c => new KeyValuePair<string, string>("checkCodes", c.CheckCode))]))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        var tokens = await OrganizerSession.IssueSlipsAsync(_organizer, _evaluation, Voters);
        foreach (var token in tokens)
        {
            // Each voter on a connection of their own, one after another, as a meeting's phones arrive: the worst case
            // for linking, every box batch holds one ballot.
            using var phone = new VotingClient(_world.App.CreateClient());
            var credential = await phone.CheckInAsync(token);
            var marker = $"marker-{Guid.NewGuid():N}";
            using var response = await phone.SubmitAsync(credential, _evaluation.CompleteAnswers(opinion: marker));
            var body = await VotingClient.JsonAsync(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
            _votes.Add((credential, body.GetProperty("receipt").GetString()!, marker));
        }

        using (var close = await _organizer.PostFormAsync($"{_evaluation.Url}/close", []))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        _tablesBeforeOpening = await DumpTablesAsync();
        _walBeforeOpening = ReadWal();

        var result = await BoxOpening.UnsealWithCardsAsync(_world.App.Services.GetRequiredService<NpgsqlDataSource>(), _evaluation.Id,
            [_cards[0] is var a ? KeyCards.Code(a) : null, KeyCards.Code(_cards[2])], Staff("organizer-a"), CancellationToken.None);
        Assert.That(result.Opened, Is.True, string.Join("；", result.Errors));
        Assert.That(result.OpenedCount, Is.EqualTo(Voters));

        _openedBallots = await DumpAsync("ballot");
        using var auditor = await _world.SignInAsync("auditor-a");
        using var bundle = await auditor.GetAsync($"{_evaluation.Url}/audit-bundle");
        _bundle = await StaffClient.BodyAsync(bundle);
        Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK), _bundle);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _organizer?.Dispose();
        if (_world is not null) await _world.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Test]
    public void SealedBallotBox_BeforeOpening_TheTablesAndTheWal_HoldNoAnswerText()
    {
        Assert.That(_votes.Select(v => v.Marker).Where(m => _tablesBeforeOpening.Contains(m, StringComparison.Ordinal)), Is.Empty, "in the tables");
        Assert.That(_votes.Select(v => v.Marker).Where(m => Contains(_walBeforeOpening, Encoding.UTF8.GetBytes(m))), Is.Empty, "in pg_wal");
        // The searches can find what is there: the opened ballots hold the texts; the WAL holds every receipt and door message.
        Assert.That(_votes.Select(v => v.Marker).All(m => _openedBallots.Contains(m, StringComparison.Ordinal)), Is.True);
        Assert.That(_votes.All(v => Contains(_walBeforeOpening, Encoding.ASCII.GetBytes(v.Receipt.Replace("-", "")))), Is.True, "receipts in pg_wal");
        Assert.That(_votes.All(v => Contains(_walBeforeOpening, v.Credential.DoorMessage)), Is.True, "door messages in pg_wal");
        Assert.That(_votes.All(v => _tablesBeforeOpening.Contains(Convert.ToHexStringLower(v.Credential.DoorMessage), StringComparison.Ordinal)), Is.True,
            "door messages in the tables");
    }

    [Test]
    public async Task SealedBallotBox_BeforeOpening_NothingInTheTablesOrTheWal_IsAValueOfTheOpenedBallotsOrTheBundle_OrAHashOfOne()
    {
        var values = new List<byte[]>();
        await using (var conn = await _world.OpenAsync())
            foreach (var b in await conn.QueryAsync<(byte[] Message, byte[] Signature, byte[] PhoneKey, string Answers, byte[] AnswerSignature)>(
                         "select message, signature, phone_key, answers, answer_signature from ballot where evaluation_id = @Id", new { _evaluation.Id }))
                values.AddRange([b.Message, b.Signature, b.PhoneKey, b.AnswerSignature, Encoding.UTF8.GetBytes(b.Answers)]);
        Assert.That(values, Has.Count.EqualTo(5 * Voters));
        values.AddRange(BundleValues());

        var found = values.SelectMany(v => new[] { (What: "value", Bytes: v) }.Concat(Hashes(v).Select(h => (What: "hash", Bytes: h))))
            .Where(v => Contains(_walBeforeOpening, v.Bytes) || _tablesBeforeOpening.Contains(Convert.ToHexStringLower(v.Bytes), StringComparison.Ordinal))
            .Select(v => $"{v.What} {Convert.ToHexStringLower(v.Bytes)[..16]}…").ToList();
        Assert.That(found, Is.Empty);
    }

    [Test]
    public void SealedBallotBox_NoKeyOrShareByte_EverReachesTheDatabaseOrTheWal()
    {
        using var key = KeyCards.Combine([_cards[0], _cards[1]]);
        var secrets = _cards.Select(c => c.Share).Append(key.ExportScalar()).ToList();
        var tablesNow = DumpTablesAsync().GetAwaiter().GetResult();
        var walNow = ReadWal();
        foreach (var secret in secrets)
        {
            Assert.That(Contains(walNow, secret), Is.False, "a key or share in pg_wal");
            Assert.That(tablesNow.Contains(Convert.ToHexStringLower(secret), StringComparison.Ordinal), Is.False, "a key or share in a table");
        }
        foreach (var code in _cards.Select(KeyCards.Code))
            Assert.That(tablesNow.Contains(code.Replace(" ", ""), StringComparison.Ordinal) || Contains(walNow, Encoding.ASCII.GetBytes(code.Replace(" ", ""))),
                Is.False, "a card's code");
    }

    [Test]
    public void SealedBallotBox_TheOpenedBallotsAndTheBundle_HoldNoReceiptNoDoorCredentialNoSecret_NorAHashOfOne()
    {
        var bundleValues = BundleValues().Select(Convert.ToHexStringLower).ToHashSet();
        foreach (var (credential, receipt, _) in _votes)
        {
            Assert.That(_openedBallots.Contains(receipt.Replace("-", ""), StringComparison.Ordinal) || _bundle.Contains(receipt.Replace("-", ""), StringComparison.Ordinal),
                Is.False, "a receipt");
            foreach (var value in new[] { credential.DoorMessage, credential.DoorSignature, credential.Secret! })
                foreach (var form in Hashes(value).Prepend(value))
                {
                    var hex = Convert.ToHexStringLower(form);
                    Assert.That(_openedBallots.Contains(hex, StringComparison.Ordinal) || _bundle.Contains(hex, StringComparison.Ordinal)
                                || _bundle.Contains(Convert.ToBase64String(form), StringComparison.Ordinal) || bundleValues.Contains(hex),
                        Is.False, "a door credential, a secret or a hash of one");
                }
        }
        Assert.That(_world.ScalarAsync<long>("select count(*) from sealed_ballot").GetAwaiter().GetResult(), Is.Zero, "the ciphertexts are deleted at 开箱");
    }

    private IEnumerable<byte[]> BundleValues()
    {
        using var bundle = JsonDocument.Parse(_bundle);
        foreach (var group in bundle.RootElement.GetProperty("groups").EnumerateArray())
            foreach (var ballot in group.GetProperty("ballots").EnumerateArray())
                foreach (var property in ballot.EnumerateObject())
                {
                    var text = property.Value.GetString()!;
                    yield return text.Length % 2 == 0 && text.All(Uri.IsHexDigit) ? Convert.FromHexString(text) : Encoding.UTF8.GetBytes(text);
                }
    }

    private static IEnumerable<byte[]> Hashes(byte[] value) => [SHA256.HashData(value), SHA384.HashData(value), SHA512.HashData(value)];

    private static System.Security.Claims.ClaimsPrincipal Staff(string name) =>
        new(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Name, name)], "test"));

    /// <summary>Every row of every table, as text, bytea as \x hex: what a database administrator reads.</summary>
    private async Task<string> DumpTablesAsync()
    {
        await using var conn = await _world.OpenAsync();
        var tables = await conn.QueryAsync<string>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
        var all = new StringBuilder();
        foreach (var table in tables) all.AppendLine(await DumpAsync(table));
        return all.ToString();
    }

    private async Task<string> DumpAsync(string table)
    {
        await using var conn = await _world.OpenAsync();
        // Table names come from information_schema, never from input.
        return string.Join('\n', await conn.QueryAsync<string>($"select to_jsonb(t)::text from \"{table}\" t"));
    }

    /// <summary>Every WAL segment's used part, concatenated.</summary>
    private byte[] ReadWal()
    {
        using (var conn = new NpgsqlConnection(_cluster.ConnectionString))
        {
            conn.Open();
            conn.Execute("select pg_switch_wal()");
        }
        var wal = new MemoryStream();
        foreach (var file in Directory.GetFiles(Path.Combine(_root, "pgdata", "pg_wal")).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            var used = bytes.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
            wal.Write(bytes, 0, used);
        }
        return wal.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
