-- Reconciliation fails closed: a discrepancy that is not about one wallet (the ledger's totals, the
-- in-transit accounts, an unbalanced posting, a system account) halts every money movement until
-- a person releases it with a reason. Every edge polls the open halts (once a second); both tables
-- are append-only, so the halt and its release are the audit trail.
CREATE TABLE money_halts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind           text        NOT NULL,
  subject        text        NOT NULL,
  evidence       text        NOT NULL,
  raised_by      text        NOT NULL,
  run_started_at timestamptz NOT NULL,
  raised_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE money_halt_releases (
  halt_id     bigint      PRIMARY KEY REFERENCES money_halts (id),
  released_by text        NOT NULL CHECK (btrim(released_by) <> ''),
  reason      text        NOT NULL CHECK (btrim(reason) <> ''),
  released_at timestamptz NOT NULL DEFAULT now()
);

-- the open halts, read every second by every edge: few rows, but the table only grows
CREATE INDEX money_halts_by_finding ON money_halts (kind, subject);

CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON money_halts
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON money_halt_releases
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON money_halts
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON money_halt_releases
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON money_halts, money_halt_releases FROM ${app_role};
GRANT SELECT, INSERT ON money_halts, money_halt_releases TO ${app_role};
