-- A reversal the edge learnt by asking the gateway about a movement it had no verdict on: the gateway
-- says it succeeded and was taken back since (a chargeback, a returned payout), both verdicts at once.
-- The movement is applied first and reversed after; the reason is written with the first of those
-- steps, so that a failure between them, or a webhook driving the same row, cannot lose the second
-- (until 2026-12-06 it could, and the wallet kept money the gateway had taken back). A row that
-- carries it moves from applying to completed and on to reversing in one transaction.
ALTER TABLE deposits ADD COLUMN reversal_learnt text;
ALTER TABLE withdrawals ADD COLUMN reversal_learnt text;
