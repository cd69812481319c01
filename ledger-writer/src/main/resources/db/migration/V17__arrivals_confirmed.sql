-- A move commits the target first and the source second (ShardMove). Until 2026-12-04 the target
-- recorded 'in' at its commit and held the shard from then on. A move interrupted between the two
-- commits left the shard in both databases, the source's writers going on there (its record says
-- nothing yet); a process given the new placement meanwhile would have passed the fence in the
-- target and written there too, and the shard's history would have split in two.
--
-- Now the target records 'arriving' at its commit, and 'in' only once the source has committed
-- 'out'. An arriving shard is held by no database's reckoning here: the target refuses its writers
-- (WL006) and its reads (WL004) until the move, run again if it was interrupted, confirms it.
ALTER TABLE ledger_shard_moves DROP CONSTRAINT ledger_shard_moves_direction_check;
ALTER TABLE ledger_shard_moves ADD CONSTRAINT ledger_shard_moves_direction_check
  CHECK (direction IN ('in', 'out', 'arriving'));

-- the latest record of a shard here, if any ('in', 'out' or 'arriving')
CREATE FUNCTION ledger_shard_latest_move(shard_number integer) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT m.direction FROM ledger_shard_moves m WHERE m.shard = shard_number ORDER BY m.id DESC LIMIT 1
$$;
REVOKE ALL ON FUNCTION ledger_shard_latest_move(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_shard_latest_move(integer) TO ${app_role};

CREATE OR REPLACE FUNCTION ledger_lock_shards(shards text[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  refused record;
BEGIN
  -- in the array's order: writers and moves lock in one order, so they never deadlock
  PERFORM pg_advisory_xact_lock(hashtextextended('ledger:shard:' || s.shard, 0))
     FROM unnest(shards) WITH ORDINALITY AS s(shard, n) ORDER BY n;
  -- this statement's snapshot is taken after the locks were granted (a volatile function's are)
  -- (the latest record read in line, as V16 did: this runs in every writer transaction)
  SELECT s.shard, m.direction AS latest INTO refused
    FROM unnest(shards) AS s(shard),
         LATERAL (SELECT direction FROM ledger_shard_moves
                   WHERE ledger_shard_moves.shard = CASE WHEN s.shard ~ '^s[0-9]+$' THEN substr(s.shard, 2)::integer END
                   ORDER BY id DESC LIMIT 1) m
   WHERE m.direction IN ('out', 'arriving')
   LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  ELSIF refused.latest = 'out' THEN
    RAISE EXCEPTION 'the ledger of shard % moved to another database', refused.shard
      USING ERRCODE = 'WL005', HINT = 'follow the move (ledger_shard_moves) and write there';
  ELSIF refused.latest = 'arriving' THEN
    RAISE EXCEPTION 'the move of shard % into this database has not finished', refused.shard
      USING ERRCODE = 'WL006', HINT = 'run the move again (LedgerTool move-shards): it finishes or confirms it';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION ledger_shard_here(shard integer) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_shard_moves m WHERE m.shard = ledger_shard_here.shard)
     AND NOT EXISTS (SELECT 1 FROM ledger_shards_held h WHERE h.shard = ledger_shard_here.shard) THEN
    IF ledger_shard_latest_move(shard) = 'arriving' THEN
      RAISE EXCEPTION 'the move of shard % into this database has not finished; until it has, its ledger is read '
        'where it came from', shard USING ERRCODE = 'WL004';
    END IF;
    RAISE EXCEPTION 'the ledger of shard % moved to another database; this process reads it with an out-of-date '
      'WALLET_LEDGER_PLACEMENT', shard USING ERRCODE = 'WL004';
  END IF;
  RETURN true;
END $$;

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
   WHERE m.shard <@ placed_here AND NOT EXISTS (SELECT 1 FROM ledger_shards_held h WHERE h.shard = m.shard)
   ORDER BY m.shard LIMIT 1;
  IF FOUND AND ledger_shard_latest_move(wrong) = 'arriving' THEN
    RAISE EXCEPTION 'the move of shard % into this database has not finished; until it has, its ledger is read '
      'where it came from', wrong USING ERRCODE = 'WL004';
  ELSIF FOUND THEN
    RAISE EXCEPTION 'the ledger of shard % moved to another database; this process reads it with an out-of-date '
      'WALLET_LEDGER_PLACEMENT', wrong USING ERRCODE = 'WL004';
  END IF;
  RETURN true;
END $$;
