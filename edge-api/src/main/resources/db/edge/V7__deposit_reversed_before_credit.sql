-- A deposit whose reversal the wallet learnt before it credited the wallet (a chargeback asked of the
-- gateway, or its webhook ahead of the success's) is reversed straight from crediting: its credit is
-- forgone in the money core (BalanceCache.forgoCredit), nothing is booked, and the money never reaches
-- the balance. Until 2026-12-07 it was credited, completed and taken back by a hold, and the money was
-- spendable in between. The guard is V1's with the one transition 'crediting>reversed' added; every
-- other transition stays as it was, and none goes backwards.
CREATE OR REPLACE FUNCTION deposit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.wallet_id, NEW.owner_id, NEW.amount, NEW.currency, NEW.source_type, NEW.gateway, NEW.idem_scope,
      NEW.idem_key, NEW.request_hash, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.wallet_id, OLD.owner_id, OLD.amount, OLD.currency, OLD.source_type, OLD.gateway, OLD.idem_scope,
      OLD.idem_key, OLD.request_hash, OLD.created_at) THEN
    RAISE EXCEPTION 'deposit %: only its state may change', OLD.id;
  END IF;
  IF NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (
       'pending>crediting', 'pending>failed', 'crediting>completed', 'crediting>failed', 'crediting>reversed',
       'completed>reversing', 'reversing>reversed', 'reversing>reversal_unrecovered') THEN
    RAISE EXCEPTION 'deposit %: % -> % is not a legal transition', OLD.id, OLD.status, NEW.status;
  END IF;
  RETURN NEW;
END $$;
