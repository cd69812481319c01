-- A shard arriving in this database (copied, its source not yet retired: a move between its two
-- commits, or interrupted there) is read where it came from, by every reader. V17 refused a reader
-- whose placement put the arriving shard here, but a reader whose placement put it in the source and
-- that reads this database for its other shards got the copy here beside the source's rows: every
-- posting of the shard twice (reconciliation's movement steps then saw each debit doubled and halted
-- money movement). Now any reader of this database is refused while an arrival is unfinished, until
-- the move is run again (ShardMoveTest.anUnfinishedArrivalIsNotReadBesideItsSource).
CREATE OR REPLACE FUNCTION ledger_placement_current(placed_here int4multirange) RETURNS boolean
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
   WHERE NOT EXISTS (SELECT 1 FROM ledger_shards_held h WHERE h.shard = m.shard)
     AND ledger_shard_latest_move(m.shard) = 'arriving'
   ORDER BY m.shard LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the move of shard % into this database has not finished; until it has, its ledger is read '
      'where it came from, and nothing is read here', wrong USING ERRCODE = 'WL004';
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
