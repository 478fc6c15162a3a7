-- Staff, units, evaluation setup and the staff action log.
-- Ballots live in tables of their own (later migrations) with no link to anything here but the evaluation.

create table unit (
    id          uuid primary key,
    name        text not null unique check (length(name) between 1 and 100),
    created_at  timestamptz not null default now()
);

create table staff_account (
    id              uuid primary key,
    user_name       text not null unique check (user_name ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
    display_name    text not null check (length(display_name) between 1 and 50),
    role            text not null check (role in ('admin', 'organizer', 'supervisor', 'auditor')),
    password_hash   text not null,
    -- Changed on password reset, role change and disabling, so cookies issued before stop working.
    security_stamp  uuid not null,
    failed_logins   integer not null default 0,
    locked_until    timestamptz,
    disabled        boolean not null default false,
    created_at      timestamptz not null default now()
);

-- Which units an organiser, supervision group member or auditor covers.
create table staff_unit (
    account_id  uuid not null references staff_account (id) on delete cascade,
    unit_id     uuid not null references unit (id) on delete cascade,
    primary key (account_id, unit_id)
);
create index staff_unit_unit on staff_unit (unit_id);

create table evaluation (
    id              uuid primary key,
    unit_id         uuid not null references unit (id),
    name            text not null check (length(name) between 1 and 100),
    round           text not null check (length(round) between 1 and 50),
    status          text not null default 'draft' check (status in ('draft', 'open', 'closed')),
    -- Canonical JSON (Evaluation.Core FormJson); frozen together with the targets when voting opens.
    questionnaire   text not null,
    frozen_form     text,
    form_hash       text,
    created_at      timestamptz not null default now(),
    opened_at       timestamptz,
    closed_at       timestamptz,
    check ((status = 'draft') = (form_hash is null)),
    check ((status = 'draft') = (frozen_form is null))
);
create index evaluation_unit on evaluation (unit_id);

create table target (
    id                  uuid primary key,
    evaluation_id       uuid not null references evaluation (id) on delete cascade,
    kind                text not null check (kind in ('team', 'member')),
    name                text not null check (length(name) between 1 and 50),
    title               text check (length(title) <= 50),
    transferred_out_on  date,
    position            integer not null
);
create index target_evaluation on target (evaluation_id, position);

create table respondent_category (
    id              uuid primary key,
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    name            text not null check (length(name) between 1 and 50),
    expected_count  integer not null check (expected_count between 0 and 1000000),
    position        integer not null,
    unique (evaluation_id, name)
);

-- Append-only and hash-chained: each row's hash covers the previous row's (Evaluation.Core ActionLog).
create table staff_action (
    seq         bigint primary key,
    at          timestamptz not null,
    actor       text not null,
    action      text not null,
    detail      text not null,
    prev_hash   text not null,
    hash        text not null unique
);

create function staff_action_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'staff_action is append-only';
end $$;

create trigger staff_action_no_update_or_delete
    before update or delete on staff_action
    for each row execute function staff_action_is_append_only();
create trigger staff_action_no_truncate
    before truncate on staff_action
    for each statement execute function staff_action_is_append_only();
