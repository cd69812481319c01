-- ledger_posting_ids (V6) holds the first timestamp of every posting id, which is what refuses a
-- posting that comes again with another one (WL002). It had no append-only triggers, unlike every
-- other table of the ledger: the owner role could change or delete a row, and the check was gone for
-- that posting. Its rows now refuse updates, deletes and truncation like the ledger's own; a shard
-- move's delete in its source (ShardMove, wallet.ledger_moving_shards, V10 and V18) still goes
-- through, as it does for the postings the ids belong to.
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_posting_ids
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_posting_ids FOR EACH ROW
  WHEN (current_setting('wallet.ledger_moving_shards', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_posting_ids
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
