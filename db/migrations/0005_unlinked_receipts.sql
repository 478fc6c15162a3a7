-- Receipts apart from ballots (DESIGN.md §3): a receipt shows that a ballot was counted, never which one.
-- With ballot.receipt beside the answers, whoever held the database and a voter's receipt could read that voter's
-- answers. Here a receipt names only its evaluation: no ballot id, no time, nothing that points to a ballot row.
-- Ballot writes insert their receipts in the same transaction, in an order shuffled apart from the ballots'.
create table ballot_receipt (
    receipt         text primary key check (length(receipt) = 10),
    evaluation_id   uuid not null references evaluation (id) on delete cascade
);

-- Receipts given out before this migration still check as counted. They were derived from the ballot's message,
-- so they stay computable from it; receipts from now on are derived from a secret only the phone held.
-- Copied in random order, so the heap order here does not follow the ballots'.
insert into ballot_receipt (receipt, evaluation_id)
select receipt, evaluation_id from ballot order by random();

alter table ballot drop column receipt;
