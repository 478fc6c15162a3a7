-- 活动 (issue 15): the campaign an evaluation belongs to, e.g. 党的群众路线教育实践活动, so the roll-up groups the units'
-- rounds by campaign rather than by their free-text round labels. Named by the 管理员 (Features/Campaigns); an evaluation
-- may belong to none. Nothing is ever deleted here, so an evaluation never loses its campaign behind its back.
create table campaign (
    id          uuid primary key,
    name        text not null unique check (length(name) between 1 and 100),
    created_at  timestamptz not null default now()
);

alter table evaluation add column campaign_id uuid references campaign (id);
create index evaluation_campaign on evaluation (campaign_id) where campaign_id is not null;
