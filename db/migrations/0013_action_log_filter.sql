-- Which evaluation an entry concerns, so the 审计's log page can filter by it (Features/AuditLog). A filter aid OUTSIDE the
-- hash: the chain covers seq, at, actor, action, detail and prev (Evaluation.Core ActionLog), and the detail already names
-- the evaluation, so a wrong id here can mislead the filter but can never hide an entry from the chain check.
-- No foreign key: a purged rehearsal's entries keep its id, and the append-only trigger would refuse "on delete set null".
alter table staff_action add column evaluation_id uuid;
create index staff_action_evaluation on staff_action (evaluation_id, seq);

-- Backfill only where the entry says unambiguously which evaluation it is about. The trigger refuses every update, so it
-- is off for this statement only, inside this script's transaction; nothing the chain covers is touched.
create temporary table action_log_backfill (seq bigint primary key, evaluation_id uuid not null) on commit drop;

-- 1. Entries that carry the evaluation's id ("，编号 <id>", "（编号 <id>）"): the id, when exactly one id other than a
--    source's ("复制自编号", "演练自编号") appears. A name typed to contain a second "编号 <id>" makes the entry ambiguous.
insert into action_log_backfill (seq, evaluation_id)
select a.seq, min(m.id)::uuid
from staff_action a
cross join lateral (
    select (regexp_matches(a.detail, '(^|[^自])编号 ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', 'g'))[2] as id
) m
where a.action in ('创建评议', '修改评议', '开始投票', '结束投票', '开箱', '导出审计包', '清除演练', '创建演示数据', '梳理意见')
group by a.seq
having count(distinct m.id) = 1;

-- 2. Entries that begin with 《name》 and carry no id: the evaluation of that name, when every evaluation in the table and
--    every id-carrying entry above agree that one id alone ever bore the name (names repeat across rounds; a rename or a
--    purged rehearsal leaves its old name in the log). Names holding 《 or 》 are left alone: they cannot be read back.
with known (name, id) as (
    select name, id from evaluation where name !~ '[《》]'
    union
    select n.m[2], b.evaluation_id
    from action_log_backfill b join staff_action a on a.seq = b.seq
    cross join lateral regexp_matches(a.detail, '(从)?《([^《》]+)》', 'g') as n(m)
    where n.m[1] is null
), unique_name (name, id) as (
    select name, min(id::text)::uuid from known group by name having count(distinct id) = 1
)
insert into action_log_backfill (seq, evaluation_id)
select a.seq, u.id
from staff_action a
join unique_name u on starts_with(a.detail, '《' || u.name || '》')
where a.action not in ('创建评议', '修改评议', '开始投票', '结束投票', '开箱', '导出审计包', '清除演练', '创建演示数据', '梳理意见')
on conflict (seq) do nothing;

alter table staff_action disable trigger staff_action_no_update_or_delete;
update staff_action a set evaluation_id = b.evaluation_id from action_log_backfill b where b.seq = a.seq;
alter table staff_action enable trigger staff_action_no_update_or_delete;
