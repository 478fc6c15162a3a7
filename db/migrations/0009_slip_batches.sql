-- Slips by batch (issue 14): a batch whose PDF never arrived can be voided without its codes, and a slip burnt by a
-- phone that died after check-in can be replaced, counted and logged. A slip now names its batch; nothing printed on
-- it does, and a batch says who issued it and when, never to whom.
alter table slip_issue add column issued_by text;
alter table slip_issue add column replacement boolean not null default false;
alter table slip_issue add column reason text;
alter table slip_issue add check (replacement = (reason is not null));

-- Null for slips issued before batches were kept: they are voided one by one, by code.
alter table slip add column issue_id uuid references slip_issue (id) on delete cascade;
create index slip_issue_id on slip (issue_id) where issue_id is not null;
