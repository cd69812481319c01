-- The same ledger, cheaper to append to: an entry's posting and account are checked once, by the
-- chain trigger, instead of twice.
--
-- ledger_entry_link() already refuses an entry whose posting the ledger does not hold (23503) or
-- whose account it does not hold yet (WL001), and it must read both anyway (the posting's type,
-- reference and scope go into the entry's hash; the account's shard must be the posting's). The two
-- foreign keys checked the same again, and each check locked the referenced row (FOR KEY SHARE):
-- a WAL record per entry, and for an account two batches touch at once (a fee account, a hot
-- merchant) a multixact. Together they were about 40 % of what PostgreSQL spent appending a
-- two-entry posting (docs/benchmarks.md).
--
-- What a foreign key's lock guarded against, a posting or account deleted under its entries, the
-- append-only triggers refuse (WL003); the only rows ever deleted are a moved shard's, whose entries
-- go in the same transaction (ShardMove). account_events keeps its foreign key: it is rare.
ALTER TABLE entries DROP CONSTRAINT ledger_entries_posting_fk;
DO $$
DECLARE
  account_key name;
BEGIN
  -- named by PostgreSQL when V2 created the table (entries_account_id_fkey1 where V1's table held the first name)
  SELECT conname INTO STRICT account_key FROM pg_constraint
   WHERE conrelid = 'entries'::regclass AND contype = 'f' AND confrelid = 'accounts'::regclass;
  EXECUTE format('ALTER TABLE entries DROP CONSTRAINT %I', account_key);
END $$;
