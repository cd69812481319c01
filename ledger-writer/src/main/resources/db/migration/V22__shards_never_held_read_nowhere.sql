-- A read of one shard from a database that never held it answers nothing: a reader whose placement
-- sends the shard to the wrong database (set by hand, or given before a move was planned) read an empty
-- history, a zero balance, and no credit where the ledger has one, so that a deposit driven again after
-- its key's record expired was credited twice. V11 and V17 refused only a shard that moved away or is
-- arriving. Now a database that holds shards (pinned by its first writer, or changed by moves) refuses
-- any shard it does not hold; one that holds none yet (a fresh ledger before its first commit) cannot
-- tell, and answers as before.
CREATE OR REPLACE FUNCTION ledger_shard_here(shard integer) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_shards_held h WHERE h.shard = ledger_shard_here.shard) THEN
    RETURN true;
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_shard_moves m WHERE m.shard = ledger_shard_here.shard) THEN
    IF ledger_shard_latest_move(shard) = 'arriving' THEN
      RAISE EXCEPTION 'the move of shard % into this database has not finished; until it has, its ledger is read '
        'where it came from', shard USING ERRCODE = 'WL004';
    END IF;
    RAISE EXCEPTION 'the ledger of shard % moved to another database; this process reads it with an out-of-date '
      'WALLET_LEDGER_PLACEMENT', shard USING ERRCODE = 'WL004';
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_shards) OR EXISTS (SELECT 1 FROM ledger_shard_moves) THEN
    RAISE EXCEPTION 'this database never held the ledger of shard %; this process reads it with a '
      'WALLET_LEDGER_PLACEMENT that does not match the databases', shard USING ERRCODE = 'WL004';
  END IF;
  RETURN true;
END $$;
