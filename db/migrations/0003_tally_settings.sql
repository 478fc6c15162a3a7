-- How an evaluation's results are counted (Evaluation.Core TallySettings, canonical JSON): the small-cell threshold k,
-- whether 不了解 counts in D, score coefficients and category weights. Null means the defaults of DESIGN.md §4.
alter table evaluation add column tally_settings text;
