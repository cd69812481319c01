-- V2: the ledger becomes partitioned by month, append-only by construction, balanced by the
-- database itself, and tamper-evident (a hash chain per account). V1's rows move forward into
-- the new tables, each entry linked into its account's chain in sequence order.
--
-- Keys: a posting is identified by its id; its created_at is the money core's timestamp, taken
-- from the outbox record and the same on every redelivery, so the primary key (id, created_at)
-- sends a redelivered posting to the partition that already holds it and ON CONFLICT finds it.
-- A posting id arriving again with another timestamp is refused by a trigger (a divergence).
--
-- Order: every account lives on one shard, every posting touches one shard, and an entry is
-- only accepted right after its predecessor in the account's sequence, under a per-shard
-- transaction lock. So the chain has one order (seq, idx), whatever writer instance commits.

---------------------------------------------------------------- V1 steps aside

ALTER TABLE entries RENAME TO entries_v1;
ALTER TABLE postings RENAME TO postings_v1;

---------------------------------------------------------------- new tables

CREATE TABLE postings (
  id                text        NOT NULL,
  type              text        NOT NULL,
  shard             text        NOT NULL,
  reference         text,
  -- the idempotency record (Redis key) of the request behind the posting; none for system-driven steps
  idempotency_scope text,
  -- the other wallet of a transfer, where the posting's own entries do not show it (a pending
  -- cross-shard transfer's destination): what a rebuild of the hot tier needs
  counterparty      text,
  -- for a cross-shard movement's debit (kind, to, fee, pay, ref, lim) or a hold (lim): fields of the hot
  -- tier's record as the writer found it, which a rebuild needs and the outbox entry lacks
  movement          jsonb,
  created_at        timestamptz NOT NULL,
  stream_id         text        NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_postings_pk PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX ledger_postings_by_reference ON postings (reference);
CREATE INDEX ledger_postings_by_id ON postings (id);
CREATE INDEX ledger_postings_by_recorded ON postings (recorded_at);

CREATE TABLE entries (
  posting_id    text        NOT NULL,
  idx           smallint    NOT NULL CHECK (idx >= 0),
  account_id    text        NOT NULL REFERENCES accounts (id),
  bucket        text        NOT NULL CHECK (bucket IN ('available', 'held')),
  amount        bigint      NOT NULL CHECK (amount <> 0),
  currency      char(3)     NOT NULL,
  balance_after bigint      NOT NULL,
  seq           bigint      NOT NULL CHECK (seq > 0),
  created_at    timestamptz NOT NULL,
  -- sha256(previous entry's hash of the same account || canonical content), set by ledger_entry_link()
  hash          bytea       NOT NULL CHECK (length(hash) = 32),
  CONSTRAINT ledger_entries_pk PRIMARY KEY (posting_id, idx, created_at),
  CONSTRAINT ledger_entries_posting_fk FOREIGN KEY (posting_id, created_at) REFERENCES postings (id, created_at),
  -- per partition; across partitions ledger_entry_link() keeps (account_id, seq) to one posting
  CONSTRAINT ledger_entries_account_seq UNIQUE (account_id, seq, bucket, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX ledger_entries_balance_at ON entries (account_id, bucket, created_at);

-- Reconciliation publishes each run here, so any process (the edge's /admin/reconciliation) reads the last one.
CREATE TABLE reconciliation_runs (
  finished_at timestamptz NOT NULL,
  instance    text        NOT NULL,
  started_at  timestamptz NOT NULL,
  ok          boolean     NOT NULL,
  result      jsonb       NOT NULL,
  PRIMARY KEY (finished_at, instance)
);

---------------------------------------------------------------- monthly partitions

-- Creates the month's partitions of postings and entries unless they exist. SECURITY DEFINER:
-- the application role may extend the ledger into a new month, and nothing else.
CREATE FUNCTION ledger_ensure_month(month date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  first_day date := date_trunc('month', month)::date;
  next_day  date := (date_trunc('month', month) + interval '1 month')::date;
  suffix    text := to_char(first_day, '"y"YYYY"m"MM');
  tbl       text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('ledger:partitions', 0));
  -- qualified by the ledger's own schema, so that a same-named table elsewhere on the search path never counts
  FOREACH tbl IN ARRAY ARRAY['postings', 'entries'] LOOP
    IF to_regclass(format('%I.%I', current_schema(), tbl || '_' || suffix)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                     current_schema(), tbl || '_' || suffix, current_schema(), tbl, first_day, next_day);
      -- statement triggers are not inherited: a partition refuses TRUNCATE on its own
      EXECUTE format('CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON %I.%I '
                     'FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()', current_schema(), tbl || '_' || suffix);
    END IF;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION ledger_ensure_month(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_ensure_month(date) TO ${app_role};

---------------------------------------------------------------- append-only

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'WL003', HINT = 'corrections are new postings';
END $$;

CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON postings
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON account_events
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON reconciliation_runs
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON postings
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON account_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON reconciliation_runs
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

---------------------------------------------------------------- one posting id, one timestamp

CREATE FUNCTION ledger_posting_unique() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM postings WHERE id = NEW.id AND created_at <> NEW.created_at) THEN
    RAISE EXCEPTION 'posting % already exists with another timestamp: the hot tier and the ledger diverged', NEW.id
      USING ERRCODE = 'WL002';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_posting_unique BEFORE INSERT ON postings
  FOR EACH ROW EXECUTE FUNCTION ledger_posting_unique();

---------------------------------------------------------------- the hash chain

-- Length-prefixed, so no choice of text can make two different entries read alike.
CREATE FUNCTION ledger_field(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN value IS NULL THEN '~' ELSE length(value) || ':' || value END
$$;

-- What the chain commits to for one entry; LedgerChain (Java) computes the same text to verify.
CREATE FUNCTION ledger_entry_canonical(account_id text, seq bigint, idx smallint, posting_id text, posting_type text,
                                       reference text, scope text, bucket text, amount bigint, currency text,
                                       balance_after bigint, created_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws('|', ledger_field(account_id), seq, idx, ledger_field(posting_id), ledger_field(posting_type),
                   ledger_field(reference), ledger_field(scope), bucket, amount, currency, balance_after,
                   (extract(epoch FROM created_at) * 1000000)::bigint)
$$;

-- Accepts an entry only right after its predecessor in the account's (seq, idx) order and links
-- it to that predecessor's hash. WL001 (retry later): the predecessor, or the account, is not there yet. WL002:
-- the place is taken by another posting, a divergence that must stop the writer.
CREATE FUNCTION ledger_entry_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p       record;
  same    record;
  prev    record;
  shard   text;
BEGIN
  SELECT type, reference, idempotency_scope, postings.shard INTO p
    FROM postings WHERE id = NEW.posting_id AND created_at = NEW.created_at;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'entry %/% has no posting', NEW.posting_id, NEW.idx USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT accounts.shard INTO shard FROM accounts WHERE id = NEW.account_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % is not in the ledger yet', NEW.account_id USING ERRCODE = 'WL001';
  END IF;
  IF shard <> p.shard THEN
    RAISE EXCEPTION 'entry %/% on account % of shard % belongs to a posting of shard %',
      NEW.posting_id, NEW.idx, NEW.account_id, shard, p.shard USING ERRCODE = 'WL002';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('ledger:shard:' || p.shard, 0));

  SELECT posting_id, idx, seq, hash INTO prev
    FROM entries WHERE account_id = NEW.account_id ORDER BY seq DESC, idx DESC LIMIT 1;
  -- only an account already at or past this seq can hold this very entry: look for a redelivery there
  IF FOUND AND prev.seq >= NEW.seq THEN
    SELECT account_id, bucket, amount, currency, balance_after, seq INTO same
      FROM entries WHERE posting_id = NEW.posting_id AND idx = NEW.idx AND created_at = NEW.created_at;
    IF FOUND THEN
      IF (same.account_id, same.bucket, same.amount, same.currency, same.balance_after, same.seq)
         IS DISTINCT FROM (NEW.account_id, NEW.bucket, NEW.amount, NEW.currency, NEW.balance_after, NEW.seq) THEN
        RAISE EXCEPTION 'entry %/% arrived again with other content', NEW.posting_id, NEW.idx USING ERRCODE = 'WL002';
      END IF;
      NEW.hash := decode(repeat('00', 32), 'hex');  -- a redelivery: ON CONFLICT DO NOTHING drops this row
      RETURN NEW;
    END IF;
  END IF;

  IF prev IS NULL THEN
    IF NEW.seq <> 1 THEN
      RAISE EXCEPTION 'account % has no entry before seq %', NEW.account_id, NEW.seq USING ERRCODE = 'WL001';
    END IF;
  ELSIF prev.seq = NEW.seq THEN
    IF prev.posting_id <> NEW.posting_id OR prev.idx >= NEW.idx THEN
      RAISE EXCEPTION 'account % seq % is taken by posting %', NEW.account_id, NEW.seq, prev.posting_id
        USING ERRCODE = 'WL002';
    END IF;
  ELSIF prev.seq < NEW.seq - 1 THEN
    RAISE EXCEPTION 'account % is at seq %, not yet at %', NEW.account_id, prev.seq, NEW.seq - 1
      USING ERRCODE = 'WL001';
  ELSIF prev.seq > NEW.seq THEN
    RAISE EXCEPTION 'account % is already at seq %, past %', NEW.account_id, prev.seq, NEW.seq
      USING ERRCODE = 'WL002';
  END IF;

  NEW.hash := sha256(coalesce(prev.hash, ''::bytea) || convert_to(ledger_entry_canonical(NEW.account_id, NEW.seq,
    NEW.idx, NEW.posting_id, p.type, p.reference, p.idempotency_scope, NEW.bucket, NEW.amount, NEW.currency,
    NEW.balance_after, NEW.created_at), 'UTF8'));
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_link BEFORE INSERT ON entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_link();

---------------------------------------------------------------- every posting balances

CREATE FUNCTION ledger_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced record;
BEGIN
  SELECT currency, sum(amount) AS total INTO unbalanced
    FROM entries WHERE posting_id = NEW.posting_id AND created_at = NEW.created_at
   GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'posting % does not balance: its % entries sum to %', NEW.posting_id, unbalanced.currency,
      unbalanced.total USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

---------------------------------------------------------------- V1's rows move forward

DO $$
DECLARE
  month date;
BEGIN
  FOR month IN
    SELECT DISTINCT date_trunc('month', created_at)::date FROM postings_v1
    UNION SELECT date_trunc('month', now())::date
    UNION SELECT (date_trunc('month', now()) + interval '1 month')::date
  LOOP
    PERFORM ledger_ensure_month(month);
  END LOOP;
END $$;

INSERT INTO postings (id, type, shard, reference, created_at, stream_id, recorded_at)
SELECT id, type, shard, reference, created_at, stream_id, recorded_at FROM postings_v1;

-- in each account's sequence order, so that ledger_entry_link() chains them as it would have
INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at, hash)
SELECT posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at, ''::bytea
  FROM entries_v1 ORDER BY account_id, seq, idx;

DROP TABLE entries_v1;
DROP TABLE postings_v1;

-- created after the copy, and checked once over everything copied
CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_posting_balanced();

DO $$
DECLARE
  unbalanced record;
BEGIN
  SELECT posting_id, currency, sum(amount) AS total INTO unbalanced
    FROM entries GROUP BY posting_id, created_at, currency HAVING sum(amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'V1 posting % does not balance (% %): fix it before migrating', unbalanced.posting_id,
      unbalanced.total, unbalanced.currency;
  END IF;
END $$;

---------------------------------------------------------------- the application role

REVOKE ALL ON accounts, postings, entries, account_events, reconciliation_runs FROM ${app_role};
GRANT SELECT, INSERT ON accounts, postings, entries, account_events, reconciliation_runs TO ${app_role};
