-- A shard move's delete in the source (ShardMove.retire, the one exception to append-only, V10) is
-- what the moved shards' writers wait for longest. The ledger's four tables refused updates and
-- deletes with one row trigger, which called ledger_refuse_change() for every row a move deletes
-- only to let it through: on a shard of 100,000 postings and 200,000 entries, the deletes took
-- 782 ms with those calls and 306 ms without (EXPLAIN ANALYZE, 2026-12-05, docs/benchmarks.md).
--
-- Updates stay refused by the same function, always. A delete now calls it only when the
-- transaction is not a move's (wallet.ledger_moving_shards), and the function refuses it as before;
-- in a move's transaction the trigger's condition lets the row go without a call. Who may delete
-- is unchanged: only the owner role has the privilege, and only a move sets the setting.
DO $$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['accounts', 'postings', 'entries', 'account_events'] LOOP
    EXECUTE format('DROP TRIGGER ledger_no_change ON %I', tbl);
    EXECUTE format('CREATE TRIGGER ledger_no_update BEFORE UPDATE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()', tbl);
    EXECUTE format('CREATE TRIGGER ledger_no_delete BEFORE DELETE ON %I FOR EACH ROW '
                   'WHEN (current_setting(''wallet.ledger_moving_shards'', true) IS DISTINCT FROM ''on'') '
                   'EXECUTE FUNCTION ledger_refuse_change()', tbl);
  END LOOP;
END $$;
