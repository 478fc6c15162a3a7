-- The sealed ballot box (issue 13, docs/sealed-ballot-box.md). While voting is open the database holds no answer and
-- nothing that can later be matched to an opened ballot: sealed ballots (HPKE ciphertexts to a key only the 监票人's
-- cards rebuild), the door messages that keep one slip to one ballot, and receipts. At 开箱 the ciphertexts and door
-- records are deleted and the opened ballots written in random order.

alter table evaluation drop constraint evaluation_status_check;
-- 'sealed': 结束投票 done, the box not yet opened (待开箱). Results exist only once 'closed'.
alter table evaluation add constraint evaluation_status_check check (status in ('draft', 'open', 'sealed', 'closed'));

-- Key groups: categories expecting fewer than 2k voters share one, so a ballot's credential never proves a small
-- category. Each group has a door key (signs the credential that opens the box's slot) and a ballot key (signs the
-- credential that goes into the audit bundle with the ballot); their private halves are sealed under the key encryption
-- key, bound to (evaluation, group), the door key's binding marked apart from the ballot key's.
create table key_group (
    id                          uuid primary key,
    evaluation_id               uuid not null references evaluation (id) on delete cascade,
    name                        text not null,
    position                    integer not null,
    door_public_key             bytea not null,
    door_private_key_sealed     bytea not null,
    ballot_public_key           bytea not null,
    ballot_private_key_sealed   bytea not null
);
create index key_group_evaluation on key_group (evaluation_id, position);

alter table respondent_category add column key_group_id uuid references key_group (id) on delete set null;

-- Evaluations opened before the sealed box: each category's key becomes a group of its own, with the category's id, so
-- their ballots keep pointing at the right key. The door key is the same key: those evaluations had no door.
insert into key_group (id, evaluation_id, name, position, door_public_key, door_private_key_sealed, ballot_public_key, ballot_private_key_sealed)
select k.category_id, k.evaluation_id, c.name, c.position, k.public_key, k.private_key_sealed, k.public_key, k.private_key_sealed
from signing_key k join respondent_category c on c.id = k.category_id;
update respondent_category c set key_group_id = c.id where exists (select 1 from key_group g where g.id = c.id);
drop table signing_key;

alter table key_group add constraint key_group_private_keys_are_sealed
    check (get_byte(door_private_key_sealed, 0) = 1 and get_byte(ballot_private_key_sealed, 0) = 1) not valid;

-- Opened ballots name their key group, not a category; they carry the phone's key and its signature over the answers,
-- which the audit bundle publishes so nobody (the service included) can change an answer after the phone sealed it.
-- Null only for ballots stored before the sealed box.
alter table ballot drop constraint ballot_category_id_fkey;
alter table ballot rename column category_id to key_group_id;
alter table ballot add constraint ballot_key_group_fkey foreign key (key_group_id) references key_group (id) on delete cascade;
alter index ballot_evaluation rename to ballot_evaluation_group;
alter table ballot add column phone_key bytea, add column answer_signature bytea;
alter table ballot add constraint ballot_proofs_together check ((phone_key is null) = (answer_signature is null));

-- The box's public key and who can open it. 'cards': the private key exists only as the 监票人's Shamir shares; only each
-- card's public point (share·G) is kept, so a wrong card can be named. 'server' (服务器保管, for plain surveys): the
-- private key sealed under the key encryption key, opened by the service itself after 结束投票.
-- Unconfirmed until the organiser has typed back every card's 核对码; a new set replaces an unconfirmed one.
create table ballot_box (
    evaluation_id       uuid primary key references evaluation (id) on delete cascade,
    custody             text not null check (custody in ('cards', 'server')),
    public_key          bytea not null check (length(public_key) = 65),
    threshold           integer not null default 0,
    holders             text[] not null default '{}',
    card_keys           bytea[] not null default '{}',
    private_key_sealed  bytea check (get_byte(private_key_sealed, 0) = 1),
    confirmed           boolean not null default false,
    check ((custody = 'server') = (private_key_sealed is not null)),
    check (custody = 'server' or threshold between 2 and cardinality(card_keys)),
    check (cardinality(holders) = cardinality(card_keys))
);

-- The box while voting is open: one row per door credential, group-committed in shuffled batches. No time, no sequence,
-- no receipt (receipts go to ballot_receipt, shuffled apart). Emptied at 开箱.
create table sealed_ballot (
    door_message    bytea primary key,
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    key_group_id    uuid not null references key_group (id) on delete cascade,
    ciphertext      bytea not null
);
create index sealed_ballot_evaluation on sealed_ballot (evaluation_id);
-- A ciphertext does not compress: stored out of line as it is, PostgreSQL does not spend CPU trying on every ballot.
alter table sealed_ballot alter column ciphertext set storage external;

-- What 开箱 could not count, by reason (undecryptable, unreadable, bad-credential, bad-signature, duplicate): each is
-- someone's ballot, counted as 无效, never silently dropped.
create table box_rejection (
    evaluation_id   uuid not null references evaluation (id) on delete cascade,
    reason          text not null,
    count           integer not null check (count > 0),
    primary key (evaluation_id, reason)
);

-- A check-in now blind-signs two messages, the door's and the ballot's; blinded_hash covers both blinded messages, and
-- blind_signature is the door's. Blindness keeps all of them unlinkable to what the phone later sends or seals.
alter table slip add column ballot_blind_signature bytea;
