using Dapper;
using Npgsql;

namespace Evaluation.Web.Features.Units;

/// <summary>A unit in the tree: <see cref="Depth"/> 0 for a root (a 局), 1 for a 直属单位 under it, and so on.</summary>
public sealed record UnitNode(Guid Id, string Name, Guid? ParentId, int Depth)
{
    /// <summary>The name indented by its depth, for a list or a drop-down that shows the tree.</summary>
    public string Indented => new string('　', Depth) + (Depth > 0 ? "└ " : "") + Name;
}

/// <summary>
/// The unit tree (局 → 直属单位 → …), read depth first with siblings by name. Staff assigned to a unit cover it and every
/// unit below it: that rule lives in SQL, <c>staff_reach(account)</c> (db/migrations/0014), which every scope check uses.
/// </summary>
public static class UnitTree
{
    private const string SelectTree =
        """
        with recursive tree as (
            select id, name, parent_id, 0 as depth, array[name] as path from unit where parent_id is null
            union all
            select u.id, u.name, u.parent_id, t.depth + 1, t.path || u.name from unit u join tree t on u.parent_id = t.id
        )
        select id, name, parent_id, depth from tree order by path
        """;

    /// <summary>Every unit.</summary>
    public static async Task<IReadOnlyList<UnitNode>> AllAsync(NpgsqlConnection conn, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<UnitNode>(SelectTree, transaction: tx)).ToList();

    /// <summary>The units an account covers (assigned, and everything below), with depths relative to the whole tree.</summary>
    public static async Task<IReadOnlyList<UnitNode>> ReachOfAsync(NpgsqlConnection conn, Guid accountId)
    {
        var reach = (await conn.QueryAsync<Guid>("select unit_id from staff_reach(@accountId)", new { accountId })).ToHashSet();
        return (await AllAsync(conn)).Where(u => reach.Contains(u.Id)).ToList();
    }

    /// <summary>
    /// <paramref name="root"/> and every unit below it, in tree order, from a list read by <see cref="AllAsync"/>: read depth
    /// first, a unit's subtree is the run of units right after it that lie deeper. Empty when the root is not in the list.
    /// </summary>
    public static IReadOnlyList<UnitNode> Subtree(IReadOnlyList<UnitNode> tree, Guid root)
    {
        var start = tree.ToList().FindIndex(u => u.Id == root);
        if (start < 0) return [];
        return tree.Skip(start).TakeWhile((u, i) => i == 0 || u.Depth > tree[start].Depth).ToList();
    }

    /// <summary>Whether <paramref name="candidate"/> is <paramref name="unit"/> or lies below it: it cannot become its parent.</summary>
    public static Task<bool> IsInSubtreeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid unit, Guid candidate) =>
        conn.ExecuteScalarAsync<bool>(
            """
            with recursive below(id) as (
                select @unit union select u.id from unit u join below b on u.parent_id = b.id
            )
            select exists (select 1 from below where id = @candidate)
            """, new { unit, candidate }, tx);
}
