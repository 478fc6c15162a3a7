-- 调出人员的评议结果转上级单位 (issue 18): "对调出任职不满1年的党员领导干部，一并进行民主评议，评议结果转局党委教育实践活动
-- 办公室". At 开箱 (Features/Transfers, called where an evaluation becomes 'closed') each member marked 调出 gets a row here
-- naming the evaluating unit's parent as it was then; that unit's 组织者 and 督导组 (and those above it) download the
-- member's result sheet. Recorded rather than read from unit.parent_id on each request, so that a unit moved later does
-- not send an old result to a new office, and the report, the log entry and who may download always name the same unit.
-- No row: the unit had no parent at 开箱 (a 局 itself), or the evaluation is a rehearsal; nothing travelled.
create table result_transfer (
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    target_id       uuid not null references target (id) on delete cascade,
    to_unit_id      uuid not null references unit (id),
    transferred_at  timestamptz not null default now(),
    primary key (evaluation_id, target_id)
);
create index result_transfer_to_unit on result_transfer (to_unit_id);

-- Evaluations opened before this script have no row. Their units' parents now are the closest record of where the result
-- belonged at 开箱 (the tree came with 0014, in the same issue); the staff action log has no 转送 entry for these, since
-- only the app writes the hash-chained log.
insert into result_transfer (evaluation_id, target_id, to_unit_id, transferred_at)
select e.id, t.id, u.parent_id, coalesce(e.closed_at, now())
from evaluation e
join unit u on u.id = e.unit_id
join target t on t.evaluation_id = e.id
where e.status = 'closed' and e.rehearsal_of is null and u.parent_id is not null
  and t.kind = 'member' and t.transferred_out_on is not null;
