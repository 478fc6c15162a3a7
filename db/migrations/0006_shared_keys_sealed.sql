-- Several replicas on one database (issue 6, scale-out): nothing secret stays in one process or on one disk,
-- and nothing secret sits in the database in the clear.

-- ASP.NET data-protection keys, which sign staff cookies, antiforgery tokens and TempData. Kept here so a cookie
-- issued by one replica is read by every other. Each key's XML is sealed (AES-256-GCM under the configured key
-- encryption key, bound to its name), so a database copy alone cannot forge a staff sign-in.
create table data_protection_key (
    name            text primary key,   -- the framework's friendly name, "key-<guid>"
    xml_sealed      bytea not null
);

-- Signing keys: the PKCS#8 is sealed under the configured key encryption key and bound to (evaluation, category).
-- The column is renamed rather than replaced: keys stored before this migration are sealed by the app at start-up
-- (migrations are SQL and never see the key). A sealed value starts with its format version 1, a PKCS#8 (DER) with
-- 0x30: from now on the database itself refuses a plain key. NOT VALID lets rows written before this migration stand
-- until start-up seals them.
alter table signing_key rename column private_key to private_key_sealed;
alter table signing_key add constraint signing_key_private_key_is_sealed
    check (get_byte(private_key_sealed, 0) = 1) not valid;
