-- The same ledger, with a posting's insert whose cost does not grow with the ledger's age. A
-- posting id arriving with another timestamp is a divergence the ledger refuses (V2); the check
-- looked for the id in every monthly partition of postings, so with two years of empty months
-- beside the current ones a posting's insert took 3.4 times as long (docs/benchmarks.md,
-- "PostgreSQL's share, and appends as the ledger ages"). Each posting id now also goes into one
-- unpartitioned table keyed by the id, whose primary key makes the check one probe. What the
-- ledger accepts and refuses is unchanged.
--
-- The table is the trigger's bookkeeping: the trigger runs with the owner's rights (SECURITY
-- DEFINER) and the application role gets no privilege on it.

-- no posting may come in while the table is filled from what is there
LOCK TABLE postings IN SHARE MODE;

CREATE TABLE ledger_posting_ids (
  id         text        PRIMARY KEY,
  created_at timestamptz NOT NULL
);

INSERT INTO ledger_posting_ids (id, created_at) SELECT id, created_at FROM postings;

CREATE OR REPLACE FUNCTION ledger_posting_unique() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  first_at timestamptz;
BEGIN
  INSERT INTO ledger_posting_ids (id, created_at) VALUES (NEW.id, NEW.created_at) ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    SELECT created_at INTO first_at FROM ledger_posting_ids WHERE id = NEW.id;
    IF first_at <> NEW.created_at THEN
      RAISE EXCEPTION 'posting % already exists with another timestamp: the hot tier and the ledger diverged', NEW.id
        USING ERRCODE = 'WL002';
    END IF;
  END IF;
  RETURN NEW;
END $$;

REVOKE ALL ON ledger_posting_ids FROM PUBLIC;
