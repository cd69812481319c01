-- What came into each wallet, by minute of the movements' creation, as the AML monitor passed it:
-- written in the monitor's transaction with its position, so each movement is counted once. The
-- rapid in-and-out monitor reads a window's total from here (a row a minute) instead of summing
-- every credit of the window in the ledger for every batch.
CREATE TABLE limits.aml_credits (
  wallet_id text        NOT NULL,
  currency  text        NOT NULL,
  minute    timestamptz NOT NULL,
  credited  bigint      NOT NULL CHECK (credited > 0),
  PRIMARY KEY (wallet_id, currency, minute)
);
CREATE INDEX aml_credits_minute ON limits.aml_credits (minute);

-- The sums hold every movement created at or after this instant: a monitor that had read postings
-- before the sums existed did not count those, so a window that starts earlier is read from the
-- ledger. A monitor that starts from the ledger's beginning counts everything.
ALTER TABLE limits.aml_position ADD COLUMN credits_from timestamptz NOT NULL DEFAULT '-infinity';
-- a movement is created before it is recorded; a minute covers the clocks of the money core and
-- the ledger disagreeing
UPDATE limits.aml_position SET credits_from = recorded_at + interval '1 minute';

GRANT SELECT, INSERT, UPDATE, DELETE ON limits.aml_credits TO ${app_role};
