-- A password someone else has seen (generated for a new account, reset by a 管理员, printed at first start) must be
-- replaced by its owner before any other staff page opens (Features/Accounts/PasswordChangeRequired).
alter table staff_account add column must_change_password boolean not null default false;
