-- 活动的牵头单位 (issue 18): a campaign is run by a unit, typically the 局 whose 党委 launches it for its 直属单位. The
-- campaign board lists every unit below it, for staff whose reach (staff_reach) includes it, i.e. staff of that unit and
-- above. Nullable: campaigns created before have none until the 管理员 sets it, and no board until then. A unit is never
-- deleted, so a campaign never loses its running unit behind its back.
alter table campaign add column unit_id uuid references unit (id);
create index campaign_unit on campaign (unit_id) where unit_id is not null;
