-- The same ledger, with two holes closed: a posting or an entry that arrives again under an id the
-- ledger holds is always compared with what it holds, and refused as a divergence between the hot
-- tier and the ledger (WL002) when it differs.
--
-- Entries: ledger_entry_link() looked for a redelivery only when the entry's account was already at
-- or past the entry's seq. A row with a taken id but another account, or a seq ahead of its
-- account, went through the chain checks instead: linked, and then dropped without a word by the
-- writer's ON CONFLICT DO NOTHING (the account's chain stalled later on the missing entry), or
-- refused as WL001 "not yet" when it can never be accepted. The probe is now made for every entry:
-- one primary-key lookup.
--
-- Postings: ledger_posting_unique() refused a known id with another timestamp, and let one with the
-- same timestamp through to ON CONFLICT DO NOTHING whatever else it said. Its type, shard,
-- reference and idempotency scope are now compared too (type, reference and scope are part of what
-- each of its entries' hashes commits to). Only a redelivery pays for this.

CREATE OR REPLACE FUNCTION ledger_posting_unique() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  first_at timestamptz;
  same     record;
BEGIN
  INSERT INTO ledger_posting_ids (id, created_at) VALUES (NEW.id, NEW.created_at) ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    SELECT created_at INTO first_at FROM ledger_posting_ids WHERE id = NEW.id;
    IF first_at <> NEW.created_at THEN
      RAISE EXCEPTION 'posting % already exists with another timestamp: the hot tier and the ledger diverged', NEW.id
        USING ERRCODE = 'WL002';
    END IF;
    SELECT type, shard, reference, idempotency_scope INTO same
      FROM postings WHERE id = NEW.id AND created_at = NEW.created_at;
    IF FOUND AND (same.type, same.shard, same.reference, same.idempotency_scope)
                 IS DISTINCT FROM (NEW.type, NEW.shard, NEW.reference, NEW.idempotency_scope) THEN
      RAISE EXCEPTION 'posting % arrived again with other content: the hot tier and the ledger diverged', NEW.id
        USING ERRCODE = 'WL002';
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION ledger_entry_link() RETURNS trigger
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

  SELECT posting_id, idx, seq, hash INTO prev
    FROM entries WHERE account_id = NEW.account_id ORDER BY seq DESC, idx DESC LIMIT 1;
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
