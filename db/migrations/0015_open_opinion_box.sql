-- The open 征求意见箱 (issue 18): a questionnaire anyone with the unit's public link or QR answers, without a slip. It is
-- kept apart from the slip-based tables on purpose: nothing here is a ballot, counts toward turnout or a rate, or enters
-- the audit bundle.
--
-- public_id is what the link carries (/o/<public_id>): 20 symbols of the slip alphabet, random, never the evaluation's id,
-- so a box cannot be found before its link is handed out. accepting is the organiser's 开放/暂停; answers are taken only
-- while it is true AND the evaluation's voting is open.
create table open_box (
    evaluation_id   uuid primary key references evaluation (id) on delete cascade,
    public_id       text not null unique check (public_id ~ '^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{20}$'),
    accepting       boolean not null default true
);

-- One row per submission, and nothing about who sent it or when: no address, no user agent, no session, no timestamp, no
-- sequence. The id is random (it only names the answers for the triage's keys). Rows are written in shuffled group-commit
-- batches and written again in random order when the box is paused or voting ends, so heap order does not tell arrival
-- order either.
create table open_box_answer (
    id              uuid primary key,
    evaluation_id   uuid not null references open_box (evaluation_id) on delete cascade,
    answers         text not null
);
create index open_box_answer_evaluation on open_box_answer (evaluation_id);
