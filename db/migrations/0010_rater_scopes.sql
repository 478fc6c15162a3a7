-- 评议范围 (issue 14): some categories evaluate only some targets (服务对象代表 rate the 班子, not each member). Null is
-- every target. No foreign key can hang off an array element: ids of targets deleted since are ignored where the scope is
-- read, and a scope left with none is refused when voting opens. At opening the scope is frozen into the hashed form
-- (its "raters" section, per key group), so this column is not read once voting has opened.
alter table respondent_category add column target_ids uuid[];
