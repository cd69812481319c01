-- Moving a shard's ledger to another database (docs/architecture.md, "A ledger over several
-- databases"; `LedgerTool move-shards`). Every move is recorded on both sides, append-only: the
-- database a shard left says where it went, the one it arrived in where it came from, with what
-- was moved. Which shards a database holds is what its first writer pinned (V9), changed by its
-- moves, the latest per shard deciding.
CREATE TABLE ledger_shard_moves (
  id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  shard     integer     NOT NULL CHECK (shard >= 0),
  direction text        NOT NULL CHECK (direction IN ('in', 'out')),
  -- the other database of the move, host:port/name
  peer      text        NOT NULL CHECK (btrim(peer) <> ''),
  accounts  bigint      NOT NULL CHECK (accounts >= 0),
  postings  bigint      NOT NULL CHECK (postings >= 0),
  entries   bigint      NOT NULL CHECK (entries >= 0),
  moved_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_shard_moves_by_shard ON ledger_shard_moves (shard, id);

CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON ledger_shard_moves
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_shard_moves
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

CREATE VIEW ledger_shards_held AS
  SELECT shard FROM ledger_shards pinned
   WHERE NOT EXISTS (SELECT 1 FROM ledger_shard_moves m WHERE m.shard = pinned.shard)
  UNION
  SELECT shard FROM (SELECT DISTINCT ON (shard) shard, direction FROM ledger_shard_moves ORDER BY shard, id DESC) latest
   WHERE direction = 'in';

GRANT SELECT ON ledger_shard_moves, ledger_shards_held TO ${app_role};

-- The one exception to append-only: the move takes a shard's rows out of the database it left, in
-- the transaction that records where they went, after the other database has committed the same
-- rows and their hash chains came out identical there. Only the owner role may delete at all (the
-- application role has no DELETE privilege), and it must say it is moving shards. Updates and
-- truncation stay refused without exception.
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' AND current_setting('wallet.ledger_moving_shards', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'WL003', HINT = 'corrections are new postings';
END $$;
