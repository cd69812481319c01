-- The AML structuring monitor reads an owner's movements near a threshold (MADE_BY_OWNER) by
-- accounts.owner_id, which had no index: each owner it looked at cost a scan of every account, in the
-- monitors' transaction. At volume, build it beforehand without blocking account inserts
-- (CREATE INDEX CONCURRENTLY accounts_owner ON accounts (owner_id)); this migration then finds it.
CREATE INDEX IF NOT EXISTS accounts_owner ON accounts (owner_id);
