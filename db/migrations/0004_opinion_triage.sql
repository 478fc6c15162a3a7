-- The 督导组's consolidation of free-text opinions (梳理汇总). The originals stay in the ballots untouched (原汁原味);
-- an entry is a consolidated wording with tags, and names the opinions it stands for by their tally key, which is
-- derived one-way from a ballot's message and so leads neither to the slip nor to the voter's receipt.
create table opinion_entry (
    id              uuid primary key,
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    text            text not null check (length(text) between 1 and 1000),
    tags            text[] not null default '{}',
    created_at      timestamptz not null default now()
);
create index opinion_entry_evaluation on opinion_entry (evaluation_id);

create table opinion_merge (
    entry_id        uuid not null references opinion_entry (id) on delete cascade,
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    opinion_key     text not null check (length(opinion_key) <= 200),
    primary key (entry_id, opinion_key),
    -- An opinion is consolidated into one line at most.
    unique (evaluation_id, opinion_key)
);
