using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Ballots;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Slips;
using Evaluation.Tests.Infrastructure;
using Npgsql;

namespace Evaluation.Tests.Features.Reports;

public sealed record ClosedEvaluation(Guid Id, FrozenForm Form, IReadOnlyList<Guid> Categories)
{
    public string Url => $"/evaluations/{Id}";
    public Target Team => Form.Targets.First(t => t.Kind == TargetKind.Team);
    public Target Member(string name) => Form.Targets.First(t => t.Name == name);
}

/// <summary>A voter's ballot for seeding: the index of its respondent category and what it answers.</summary>
public sealed record SeedBallot(int Category, BallotAnswers Answers);

/// <summary>
/// Closed evaluations with ballots, written straight to the database: report tests exercise counting and output,
/// not voting (which the voting tests drive end to end). Every ballot gets a checked-in slip, so turnout adds up.
/// </summary>
public static class ClosedEvaluations
{
    private static readonly Lazy<BlindRsaPrivateKey> PlaceholderKey = new(() => BlindRsaPrivateKey.Generate());

    public static FrozenForm Form(Questionnaire questionnaire, params string[] members) => new(questionnaire,
    [
        .. questionnaire.HasPerTargetQuestions
            ? new[] { new Target { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 } }
            : [],
        .. questionnaire.HasPerTargetQuestions
            ? members.Select((m, i) => new Target { Id = Guid.NewGuid(), Kind = TargetKind.Member, Name = m, Title = "副局长", Position = i + 2 })
            : [],
    ]);

    public static Task<ClosedEvaluation> SeedClosedAsync(this StaffWorld world, Guid unit, FrozenForm form,
        IReadOnlyList<(string Name, int Expected)> categories, IEnumerable<SeedBallot> ballots,
        int unusedSlips = 0, string name = "测试评议", string round = "动员大会后民主评议") =>
        SeedClosedAsync(world.OpenAsync, unit, form, categories, ballots, unusedSlips, name, round);

    /// <param name="open">Opens a connection to the database to seed: a <see cref="StaffWorld"/>'s, or a browser test server's.</param>
    public static async Task<ClosedEvaluation> SeedClosedAsync(Func<Task<NpgsqlConnection>> open, Guid unit, FrozenForm form,
        IReadOnlyList<(string Name, int Expected)> categories, IEnumerable<SeedBallot> ballots,
        int unusedSlips = 0, string name = "测试评议", string round = "动员大会后民主评议")
    {
        var id = Guid.NewGuid();
        var categoryIds = categories.Select(_ => Guid.NewGuid()).ToList();
        await using var conn = await open();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(
            """
            insert into evaluation (id, unit_id, name, round, status, questionnaire, frozen_form, form_hash, opened_at, closed_at)
            values (@id, @unit, @name, @round, 'closed', @questionnaire, @frozen, @hash, now() - interval '1 hour', now())
            """,
            new
            {
                id, unit, name, round, questionnaire = FormJson.Canonical(form.Questionnaire),
                frozen = FormJson.FrozenForm(form.Questionnaire, form.Targets), hash = FormJson.FormHash(form.Questionnaire, form.Targets),
            }, tx);
        await conn.ExecuteAsync(
            """
            insert into target (id, evaluation_id, kind, name, title, transferred_out_on, position)
            values (@Id, @evaluationId, @Kind, @Name, @Title, @TransferredOutOn::date, @Position)
            """,
            form.Targets.Select(t => new
            {
                t.Id, evaluationId = id, Kind = t.Kind == TargetKind.Team ? "team" : "member", t.Name, t.Title,
                // As text: Dapper knows DateOnly only once the app has registered its handler, and a browser test's app runs elsewhere.
                TransferredOutOn = t.TransferredOutOn?.ToString("yyyy-MM-dd"), t.Position,
            }), tx);
        await conn.ExecuteAsync(
            "insert into respondent_category (id, evaluation_id, name, expected_count, position) values (@Id, @evaluationId, @Name, @Expected, @Position)",
            categories.Select((c, i) => new { Id = categoryIds[i], evaluationId = id, c.Name, c.Expected, Position = i + 1 }), tx);
        // One key group per category, with the category's id, as evaluations voted before the sealed box were migrated
        // (0007): reports count per key group. One key stands in for every group: nothing here signs or checks.
        KeyEncryptionKey.TryParse(AppFactory.KeyEncryptionKey, out var keyEncryptionKey);
        var placeholderKey = PlaceholderKey.Value.PublicKey.ExportSpki();
        await conn.ExecuteAsync(
            """
            insert into key_group (id, evaluation_id, name, position, door_public_key, door_private_key_sealed, ballot_public_key, ballot_private_key_sealed)
            values (@Id, @evaluationId, @Name, @Position, @placeholderKey, @SealedKey, @placeholderKey, @SealedKey);
            update respondent_category set key_group_id = @Id where id = @Id;
            """,
            categories.Select((c, i) => new
            {
                Id = categoryIds[i], evaluationId = id, c.Name, Position = i + 1, placeholderKey,
                SealedKey = SealedSigningKey.Seal(keyEncryptionKey!, id, categoryIds[i], PlaceholderKey.Value),
            }), tx);

        // Messages shaped as a phone makes them (from a secret, which gives the receipt); the signatures are not checked here.
        var secrets = new List<byte[]>();
        var rows = ballots.Select(b =>
        {
            var secret = Receipt.NewSecret();
            secrets.Add(secret);
            return new
            {
                Id = Guid.NewGuid(), evaluationId = id, CategoryId = categoryIds[b.Category], Message = BlindRsa.Prepare(Receipt.MessageFor(secret)),
                Signature = RandomNumberGenerator.GetBytes(256), Answers = BallotJson.Canonical(BallotValidator.Normalise(b.Answers)),
            };
        }).ToList();
        await conn.ExecuteAsync(
            "insert into ballot (id, evaluation_id, key_group_id, message, signature, answers) values (@Id, @evaluationId, @CategoryId, @Message, @Signature, @Answers)",
            rows, tx);
        var receipts = secrets.Select(s => Receipt.FromSecret(s)).ToArray();
        RandomNumberGenerator.Shuffle(receipts.AsSpan());
        await conn.ExecuteAsync(
            "insert into ballot_receipt (receipt, evaluation_id) select r, @id from unnest(@receipts) as r on conflict do nothing", new { id, receipts }, tx);
        await conn.ExecuteAsync(
            """
            insert into slip (token_hash, evaluation_id, category_id, blinded_hash, blind_signature)
            values (@TokenHash, @evaluationId, @CategoryId, case when @CheckedIn then @BlindedHash end, case when @CheckedIn then @BlindSignature end)
            """,
            rows.Select(r => (r.CategoryId, CheckedIn: true))
                .Concat(Enumerable.Range(0, unusedSlips).Select(i => (CategoryId: categoryIds[i % categoryIds.Count], CheckedIn: false)))
                .Select(s => new
                {
                    TokenHash = RandomNumberGenerator.GetBytes(32), evaluationId = id, s.CategoryId, s.CheckedIn,
                    BlindedHash = RandomNumberGenerator.GetBytes(32), BlindSignature = RandomNumberGenerator.GetBytes(256),
                }), tx);
        await tx.CommitAsync();
        return new ClosedEvaluation(id, form, categoryIds);
    }

    /// <summary>An answer for a rating or single choice, a multiple/symptom selection, or a text.</summary>
    public static Answer Choice(string choice) => new() { Choice = choice };
    public static Answer Choices(params string[] choices) => new() { Choices = choices };
    public static Answer Text(string text) => new() { Text = text };
}
