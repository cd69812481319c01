-- Reads that ask every database of the ledger and combine the answers (a transfer by its id, a hot
-- merchant's accounts, the AML reports, reconciliation) trust each database with the shards the
-- reading process's placement puts there. After a move (V10) a process with an out-of-date
-- placement would miss the moved shard's rows, and while a move is interrupted between its two
-- commits both databases hold the shard and a read would count its postings twice. Each such read
-- asks this in the same query, with the shards its placement puts here, and is refused (WL004) when
-- the database disagrees: it holds a shard placed elsewhere, or a shard placed here moved away.
-- ledger_shard_here (V11) stays the cheaper check of a read of one shard.
CREATE FUNCTION ledger_placement_current(placed_here int4multirange) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  wrong integer;
BEGIN
  SELECT h.shard INTO wrong FROM ledger_shards_held h WHERE NOT h.shard <@ placed_here ORDER BY h.shard LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'this database holds the ledger of shard %, which this process''s WALLET_LEDGER_PLACEMENT puts '
      'in another database (out of date, or a move not finished)', wrong USING ERRCODE = 'WL004';
  END IF;
  SELECT m.shard INTO wrong FROM ledger_shard_moves m
   WHERE m.shard <@ placed_here AND NOT EXISTS (SELECT 1 FROM ledger_shards_held h WHERE h.shard = m.shard)
   ORDER BY m.shard LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the ledger of shard % moved to another database; this process reads it with an out-of-date '
      'WALLET_LEDGER_PLACEMENT', wrong USING ERRCODE = 'WL004';
  END IF;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION ledger_placement_current(int4multirange) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_placement_current(int4multirange) TO ${app_role};
