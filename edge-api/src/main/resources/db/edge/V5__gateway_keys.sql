-- One Idempotency-Key, one gateway movement. Deposits and withdrawals are two tables, each unique
-- on (idem_scope, idem_key) alone, so until 2026-12-07 a caller's key that had started a deposit
-- started a withdrawal too (funds held, payout asked), and the reverse. Every movement now takes its
-- key here as well, by a trigger in the statement that inserts it: a key held by the other table
-- fails that statement with unique_violation (23505), which the edge answers 422
-- idempotency_key_reused. Two requests racing under one key, one per table, meet on this primary
-- key: the second waits for the first to commit and fails, or goes on if the first rolled back.
--
-- ${app_role} reads keys and inserts them (through the trigger, which runs as the caller); it never
-- updates or deletes one, so a key, once taken, stays with its movement.

CREATE TABLE gateway_keys (
  idem_scope  text        NOT NULL,
  idem_key    text        NOT NULL,
  movement    text        NOT NULL CHECK (movement IN ('deposit', 'withdrawal')),
  movement_id text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (idem_scope, idem_key)
);

-- Qualified: the trigger runs with the inserting session's search_path, which need not name "edge".
CREATE FUNCTION gateway_key_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO edge.gateway_keys (idem_scope, idem_key, movement, movement_id)
  VALUES (NEW.idem_scope, NEW.idem_key, TG_ARGV[0], NEW.id);
  RETURN NULL;
END $$;

-- AFTER, so that a row the movement's own ON CONFLICT (idem_scope, idem_key) DO NOTHING skips (a
-- retry of the same kind) takes no key. Created before the backfill: CREATE TRIGGER locks out
-- inserts until this migration commits, so no movement inserted meanwhile is missed.
CREATE TRIGGER deposits_key AFTER INSERT ON deposits
  FOR EACH ROW EXECUTE FUNCTION gateway_key_taken('deposit');
CREATE TRIGGER withdrawals_key AFTER INSERT ON withdrawals
  FOR EACH ROW EXECUTE FUNCTION gateway_key_taken('withdrawal');

-- The keys of the movements recorded before. A key that started both (the bug above) goes to the
-- first of them; the other keeps replaying from its own table, as the edge looks there first.
INSERT INTO gateway_keys (idem_scope, idem_key, movement, movement_id, created_at)
SELECT DISTINCT ON (idem_scope, idem_key) idem_scope, idem_key, movement, id, created_at
FROM (SELECT idem_scope, idem_key, 'deposit' AS movement, id, created_at FROM deposits
      UNION ALL
      SELECT idem_scope, idem_key, 'withdrawal', id, created_at FROM withdrawals) AS used
ORDER BY idem_scope, idem_key, created_at, id;

GRANT SELECT, INSERT ON gateway_keys TO ${app_role};
