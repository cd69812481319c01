-- The ledger: accounts, postings and their entries, as the money core's outbox reports them.
-- Every row is written once by the ledger writer and never changed; corrections are new postings.
-- ${app_role} is the application's role: it reads and appends, and owns nothing.

CREATE TABLE accounts (
  id          text        PRIMARY KEY,
  kind        text        NOT NULL CHECK (kind IN ('wallet', 'system')),
  owner_id    text,
  currency    char(3)     NOT NULL,
  wallet_type text,
  shard       text        NOT NULL,
  opened_at   timestamptz NOT NULL,
  CHECK ((kind = 'wallet') = (owner_id IS NOT NULL AND wallet_type IS NOT NULL))
);

CREATE TABLE postings (
  id          text        PRIMARY KEY,
  type        text        NOT NULL,
  shard       text        NOT NULL,
  reference   text,
  created_at  timestamptz NOT NULL,
  stream_id   text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX postings_reference ON postings (reference);

CREATE TABLE entries (
  posting_id    text        NOT NULL REFERENCES postings (id),
  idx           smallint    NOT NULL CHECK (idx >= 0),
  account_id    text        NOT NULL REFERENCES accounts (id),
  bucket        text        NOT NULL CHECK (bucket IN ('available', 'held')),
  amount        bigint      NOT NULL CHECK (amount <> 0),
  currency      char(3)     NOT NULL,
  balance_after bigint      NOT NULL,
  seq           bigint      NOT NULL CHECK (seq > 0),
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (posting_id, idx),
  -- a wallet's sequence numbers its postings; a second posting at the same place means the hot
  -- tier and the ledger diverged (e.g. a lost write after a failover), which must stop the writer
  UNIQUE (account_id, bucket, seq)
);
CREATE INDEX entries_history ON entries (account_id, seq DESC, bucket);

-- Status changes and other events about an account that move no money.
CREATE TABLE account_events (
  id          text        PRIMARY KEY,
  account_id  text        NOT NULL REFERENCES accounts (id),
  type        text        NOT NULL,
  status      text,
  previous    text,
  reason      text,
  created_at  timestamptz NOT NULL,
  stream_id   text        NOT NULL
);

GRANT SELECT, INSERT ON accounts, postings, entries, account_events TO ${app_role};
