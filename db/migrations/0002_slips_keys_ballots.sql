-- Slips, signing keys and ballots (DESIGN.md §2).
-- A slip authorises one check-in; a check-in yields one blind signature; a ballot proves its category by that
-- signature and nothing else. Ballots carry no reference to a slip, no timestamp, no sequence and no request data.

-- One signing key per evaluation and respondent category, made when voting opens.
create table signing_key (
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    category_id     uuid not null references respondent_category (id) on delete cascade,
    public_key      bytea not null,   -- SubjectPublicKeyInfo DER (rsaEncryption), as the phone imports it
    private_key     bytea not null,   -- PKCS#8 DER
    primary key (evaluation_id, category_id)
);

-- Slips exist only as hashes of their tokens; the token itself is shown once, on the printed slip.
-- No serial number, no issue time per slip: nothing tells one slip from another but the token.
create table slip (
    token_hash      bytea primary key check (length(token_hash) = 32),
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    category_id     uuid not null references respondent_category (id) on delete cascade,
    voided          boolean not null default false,
    -- Set together at check-in. Kept so a retry with the same blinded message gets the same signature;
    -- blindness makes neither linkable to the ballot's message and signature.
    blinded_hash    bytea check (length(blinded_hash) = 32),
    blind_signature bytea,
    check ((blinded_hash is null) = (blind_signature is null)),
    check (not (voided and blinded_hash is not null))
);
create index slip_evaluation_category on slip (evaluation_id, category_id);

-- What the organiser did, in aggregate: how many slips each issue produced.
create table slip_issue (
    id              uuid primary key,
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    category_id     uuid not null references respondent_category (id) on delete cascade,
    slip_count      integer not null check (slip_count > 0),
    issued_at       timestamptz not null default now()
);

-- Random ids, no timestamp, no sequence, no slip, session or request reference. Written in shuffled batches.
create table ballot (
    id              uuid primary key,
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    category_id     uuid not null references respondent_category (id) on delete cascade,
    message         bytea not null unique,
    signature       bytea not null,
    answers         text not null,
    receipt         text not null unique
);
create index ballot_evaluation on ballot (evaluation_id, category_id);
