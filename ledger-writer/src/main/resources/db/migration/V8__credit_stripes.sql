-- Credit stripes for hot merchants (docs/architecture.md, "Hot merchants: credit stripes"): a
-- merchant's wallet gets one more wallet of the same owner on each other shard, where payments
-- from that shard land in one script, and sweeps move the money between them as a saga of their
-- own kind. The ledger records each stripe as a sub-account of its merchant's account.

ALTER TABLE postings DROP CONSTRAINT postings_type_known;
ALTER TABLE postings ADD CONSTRAINT postings_type_known CHECK (type IN (
  'transfer', 'payment', 'refund',
  'transfer_debit', 'transfer_credit', 'transfer_completed', 'transfer_reversed',
  'payment_debit', 'payment_credit', 'payment_completed', 'payment_reversed',
  'refund_debit', 'refund_credit', 'refund_completed', 'refund_reversed',
  'sweep_debit', 'sweep_credit', 'sweep_completed', 'sweep_reversed',
  'deposit', 'withdrawal_return',
  'hold', 'hold_settled', 'hold_released', 'capture',
  'wallet_opened', 'wallet_status'));

-- The merchant wallet a stripe belongs to; NULL for every other account. Not a foreign key: the
-- stripe's opening and its merchant's are on different shards, whose writers commit independently.
ALTER TABLE accounts ADD COLUMN parent_id text;
CREATE INDEX accounts_parent ON accounts (parent_id) WHERE parent_id IS NOT NULL;
