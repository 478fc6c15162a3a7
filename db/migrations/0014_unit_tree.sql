-- 单位树 (issue 18): a 局 over its 直属单位, and further levels as needed. Staff assigned to a unit cover it and every
-- unit below it. The units of before become roots. The 管理员 moves units (Features/Units), refusing a move under a unit's
-- own subtree, so the tree has no cycle; the recursions below use UNION and would stop even if one slipped in.
alter table unit add column parent_id uuid references unit (id);
alter table unit add constraint unit_not_its_own_parent check (parent_id <> id);
create index unit_parent on unit (parent_id) where parent_id is not null;

-- The units an account covers: those assigned to it and everything below them. Every scope check goes through here.
create function staff_reach(account uuid) returns table (unit_id uuid) language sql stable as $$
    with recursive reach(unit_id) as (
        select su.unit_id from staff_unit su where su.account_id = account
        union
        select u.id from unit u join reach r on u.parent_id = r.unit_id
    )
    select unit_id from reach
$$;
