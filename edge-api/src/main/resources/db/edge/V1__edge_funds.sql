-- The edge's own records of money crossing the wallet's boundary: deposits and withdrawals as
-- state machines, and every gateway event the edge applied. The money itself moves only in the
-- money core (Redis); these rows say what was asked of a gateway and how far each request got, so
-- that nothing is applied twice and nothing is left half-done.
--
-- They live in their own schema, "edge" (Flyway runs with it as the default schema, history in
-- edge.edge_schema_history), so that the ledger's migrations, which own "public", never find
-- tables they do not know there, whichever of the two runs first on a new database.
--
-- ${app_role} reads, inserts, and moves deposits and withdrawals from one state to the next; it
-- never deletes, never edits an event, and a trigger refuses any change except a legal state
-- transition (and the few columns a transition fills in).

CREATE TABLE deposits (
  id             text        PRIMARY KEY,
  wallet_id      text        NOT NULL,
  owner_id       text        NOT NULL,
  amount         bigint      NOT NULL CHECK (amount > 0),
  currency       char(3)     NOT NULL,
  source_type    text        NOT NULL CHECK (source_type IN ('bank', 'card', 'sandbox')),
  source_account text,
  gateway        text        NOT NULL,
  -- pending: asked of the gateway; crediting: the gateway confirmed, the credit is being booked;
  -- reversing: the gateway took the money back (chargeback), the wallet is being debited
  status         text        NOT NULL CHECK (status IN ('pending', 'crediting', 'completed', 'failed',
                                                        'reversing', 'reversed', 'reversal_unrecovered')),
  gateway_ref    text,
  failure_reason text,
  reversal_hold  text,
  idem_scope     text        NOT NULL,
  idem_key       text        NOT NULL,
  request_hash   text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  -- a client's retry under the same Idempotency-Key finds this row instead of making another
  UNIQUE (idem_scope, idem_key)
);
CREATE INDEX deposits_unsettled ON deposits (updated_at)
  WHERE status IN ('pending', 'crediting', 'reversing');

CREATE TABLE withdrawals (
  id                  text        PRIMARY KEY,
  wallet_id           text        NOT NULL,
  owner_id            text        NOT NULL,
  amount              bigint      NOT NULL CHECK (amount > 0),
  currency            char(3)     NOT NULL,
  destination_type    text        NOT NULL CHECK (destination_type IN ('bank', 'card', 'sandbox')),
  destination_account text        NOT NULL,
  gateway             text        NOT NULL,
  -- holding: the hold is being placed; held: funds held, payout not yet acknowledged;
  -- submitted: the gateway took the payout; settling/releasing: its answer is being booked;
  -- returning: the gateway paid, then the payout came back, and the wallet is being credited
  status              text        NOT NULL CHECK (status IN ('holding', 'held', 'submitted', 'settling', 'completed',
                                                             'releasing', 'failed', 'returning', 'returned')),
  hold_id             text,
  gateway_ref         text,
  failure_reason      text,
  idem_scope          text        NOT NULL,
  idem_key            text        NOT NULL,
  request_hash        text        NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (idem_scope, idem_key),
  CHECK (status IN ('holding', 'failed') OR hold_id IS NOT NULL)
);
CREATE INDEX withdrawals_unsettled ON withdrawals (updated_at)
  WHERE status IN ('holding', 'held', 'submitted', 'settling', 'releasing', 'returning');

-- One row per gateway event applied. The primary key is what makes "each event id is applied at
-- most once" true: the row is inserted in the same transaction as the state transition it causes.
CREATE TABLE gateway_events (
  gateway     text        NOT NULL,
  event_id    text        NOT NULL,
  type        text        NOT NULL,
  reference   text        NOT NULL,
  body        text        NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gateway, event_id)
);
CREATE INDEX gateway_events_reference ON gateway_events (reference);

CREATE FUNCTION deposit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.wallet_id, NEW.owner_id, NEW.amount, NEW.currency, NEW.source_type, NEW.gateway, NEW.idem_scope,
      NEW.idem_key, NEW.request_hash, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.wallet_id, OLD.owner_id, OLD.amount, OLD.currency, OLD.source_type, OLD.gateway, OLD.idem_scope,
      OLD.idem_key, OLD.request_hash, OLD.created_at) THEN
    RAISE EXCEPTION 'deposit %: only its state may change', OLD.id;
  END IF;
  IF NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (
       'pending>crediting', 'pending>failed', 'crediting>completed', 'crediting>failed',
       'completed>reversing', 'reversing>reversed', 'reversing>reversal_unrecovered') THEN
    RAISE EXCEPTION 'deposit %: % -> % is not a legal transition', OLD.id, OLD.status, NEW.status;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER deposits_guard BEFORE UPDATE ON deposits FOR EACH ROW EXECUTE FUNCTION deposit_guard();

CREATE FUNCTION withdrawal_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.wallet_id, NEW.owner_id, NEW.amount, NEW.currency, NEW.destination_type, NEW.destination_account,
      NEW.gateway, NEW.idem_scope, NEW.idem_key, NEW.request_hash, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.wallet_id, OLD.owner_id, OLD.amount, OLD.currency, OLD.destination_type, OLD.destination_account,
      OLD.gateway, OLD.idem_scope, OLD.idem_key, OLD.request_hash, OLD.created_at)
     OR (OLD.hold_id IS NOT NULL AND NEW.hold_id IS DISTINCT FROM OLD.hold_id) THEN
    RAISE EXCEPTION 'withdrawal %: only its state may change', OLD.id;
  END IF;
  IF NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (
       'holding>held', 'holding>failed', 'held>submitted', 'held>settling', 'held>releasing',
       'submitted>settling', 'submitted>releasing', 'settling>completed', 'releasing>failed',
       'completed>returning', 'returning>returned') THEN
    RAISE EXCEPTION 'withdrawal %: % -> % is not a legal transition', OLD.id, OLD.status, NEW.status;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER withdrawals_guard BEFORE UPDATE ON withdrawals FOR EACH ROW EXECUTE FUNCTION withdrawal_guard();

GRANT USAGE ON SCHEMA edge TO ${app_role};
GRANT SELECT, INSERT, UPDATE ON deposits, withdrawals TO ${app_role};
GRANT SELECT, INSERT ON gateway_events TO ${app_role};
