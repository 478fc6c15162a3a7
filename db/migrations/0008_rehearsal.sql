-- 演练 (issue 14): a rehearsal is its own evaluation, copied from a draft, with its own slips, keys and ballots, marked on
-- every page, slip, phone screen and report, and purged in one logged click. Deleting the real evaluation takes its
-- rehearsals with it; the real one is never touched by running or purging a rehearsal.
alter table evaluation add column rehearsal_of uuid references evaluation (id) on delete cascade;
create index evaluation_rehearsal_of on evaluation (rehearsal_of) where rehearsal_of is not null;
