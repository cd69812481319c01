-- A shard moves while the region's writers go on (docs/architecture.md, "A ledger over several
-- databases"; ShardMove). Every writer transaction already took its shards' advisory locks first;
-- now it takes them through this function, which then asks whether a shard it locked has moved out
-- of this database. A move holds the moved shards' locks from its last copy to its commit, so a
-- writer that waited for them sees the move committed: the function's second statement takes a
-- snapshot of its own (a volatile function's statements each do), after the locks were granted.
-- The writer is refused (WL005), follows the move to the database the record names, and commits
-- the same batch there. Nothing of a moved shard is ever committed where it no longer is.
CREATE FUNCTION ledger_lock_shards(shards text[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  gone text;
BEGIN
  -- in the array's order: writers and moves lock in one order, so they never deadlock
  PERFORM pg_advisory_xact_lock(hashtextextended('ledger:shard:' || s.shard, 0))
     FROM unnest(shards) WITH ORDINALITY AS s(shard, n) ORDER BY n;
  -- a name not of a shard's form (s0042) names no shard a move could have taken
  SELECT s.shard INTO gone FROM unnest(shards) AS s(shard)
   WHERE (SELECT m.direction FROM ledger_shard_moves m
           WHERE m.shard = CASE WHEN s.shard ~ '^s[0-9]+$' THEN substr(s.shard, 2)::integer END
           ORDER BY m.id DESC LIMIT 1) = 'out'
   LIMIT 1;
  IF gone IS NOT NULL THEN
    RAISE EXCEPTION 'the ledger of shard % moved to another database', gone
      USING ERRCODE = 'WL005', HINT = 'follow the move (ledger_shard_moves) and write there';
  END IF;
END $$;
REVOKE ALL ON FUNCTION ledger_lock_shards(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_lock_shards(text[]) TO ${app_role};
