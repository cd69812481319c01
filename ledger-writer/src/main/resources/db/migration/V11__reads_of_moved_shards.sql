-- A wallet's history and balance at an instant are read from the database its process's placement
-- names. After a shard moved (V10), a process still configured with the old placement would read
-- the database the shard left and find nothing: an empty history, a balance of zero. Those reads
-- ask this first, and are refused instead (WL004) for a shard that moved away from here. A database
-- no shard ever left answers from its move records' index alone.
CREATE FUNCTION ledger_shard_here(shard integer) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_shard_moves m WHERE m.shard = ledger_shard_here.shard)
     AND NOT EXISTS (SELECT 1 FROM ledger_shards_held h WHERE h.shard = ledger_shard_here.shard) THEN
    RAISE EXCEPTION 'the ledger of shard % moved to another database; this process reads it with an out-of-date '
      'WALLET_LEDGER_PLACEMENT', shard USING ERRCODE = 'WL004';
  END IF;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION ledger_shard_here(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_shard_here(integer) TO ${app_role};
