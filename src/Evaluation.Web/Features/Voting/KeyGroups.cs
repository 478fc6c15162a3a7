using Dapper;
using Evaluation.Core.Crypto;
using Evaluation.Web.Features.Evaluations;
using Evaluation.Web.Features.Raters;
using Npgsql;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// Key groups (DESIGN.md §2.1): made when voting opens, each expecting at least 2k voters, so the credential a ballot
/// carries into the audit bundle never proves a category small enough to single anyone out. A category whose 应到 is 2k or
/// more stands alone; the smaller ones share one group, which joins the smallest other group while it still expects fewer
/// than 2k. Each group has a door key and a ballot key (docs/sealed-ballot-box.md); their private halves are sealed.
/// </summary>
public static class KeyGroups
{
    public sealed record KeyGroup(Guid Id, string Name, IReadOnlyList<CategoryRow> Members, byte[] DoorPublicKey, byte[] BallotPublicKey);

    /// <summary>
    /// Categories that rate different targets (评议范围) never share a group: the ballot proves its group, and the tally
    /// knows from the group alone which targets the ballot may answer about. Pass scopes as <see cref="RaterScopes.Effective"/>
    /// made them; <see cref="RaterScopes.OpeningProblems"/> refuses a scope whose group would expect fewer than 2k.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<CategoryRow>> Form(IReadOnlyList<CategoryRow> categories, int k) =>
        categories.GroupBy(RaterScopes.Key).SelectMany(alike => FormAlike(alike.ToList(), k))
            .OrderBy(g => g[0].Position).ThenBy(g => g[0].Name, StringComparer.Ordinal).ToList();

    private static IEnumerable<IReadOnlyList<CategoryRow>> FormAlike(IReadOnlyList<CategoryRow> categories, int k)
    {
        var least = 2 * k;
        var groups = categories.Where(c => c.ExpectedCount >= least).Select(c => new List<CategoryRow> { c }).ToList();
        var small = categories.Where(c => c.ExpectedCount < least).ToList();
        if (small.Count > 0)
        {
            if (small.Sum(c => c.ExpectedCount) >= least || groups.Count == 0) groups.Add(small);
            else groups.MinBy(g => g.Sum(c => c.ExpectedCount))!.AddRange(small);
        }
        return groups.Select(g => (IReadOnlyList<CategoryRow>)g.OrderBy(c => c.Position).ThenBy(c => c.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>Forms the groups, makes and seals their keys, and points every category at its group.</summary>
    public static async Task<IReadOnlyList<KeyGroup>> CreateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyEncryptionKey keyEncryptionKey,
        Guid evaluationId, IReadOnlyList<CategoryRow> categories, int k)
    {
        var created = new List<KeyGroup>();
        foreach (var (members, position) in Form(categories, k).Select((g, i) => (g, i + 1)))
        {
            var id = Guid.NewGuid();
            var door = BlindRsaPrivateKey.Generate();
            var ballot = BlindRsaPrivateKey.Generate();
            var group = new KeyGroup(id, string.Join("、", members.Select(c => c.Name)), members,
                door.PublicKey.ExportSpki(), ballot.PublicKey.ExportSpki());
            await conn.ExecuteAsync(
                """
                insert into key_group (id, evaluation_id, name, position, door_public_key, door_private_key_sealed, ballot_public_key, ballot_private_key_sealed)
                values (@id, @evaluationId, @Name, @position, @DoorPublicKey, @DoorSealed, @BallotPublicKey, @BallotSealed)
                """,
                new
                {
                    id, evaluationId, group.Name, position, group.DoorPublicKey, group.BallotPublicKey,
                    DoorSealed = SealedSigningKey.Seal(keyEncryptionKey, evaluationId, id, door, door: true),
                    BallotSealed = SealedSigningKey.Seal(keyEncryptionKey, evaluationId, id, ballot),
                }, tx);
            await conn.ExecuteAsync("update respondent_category set key_group_id = @id where id = any(@Members)",
                new { id, Members = members.Select(c => c.Id).ToArray() }, tx);
            created.Add(group);
        }
        return created;
    }
}
