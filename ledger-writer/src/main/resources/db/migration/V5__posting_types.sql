-- The ledger knows what it records: a posting's type is one of the posting vocabulary, owned by
-- balance-cache (outbox/PostingType, the names its Lua scripts write). A script that emits a new
-- type without a migration adding it here is refused at the ledger (that shard's writer keeps its
-- batch, logs each retry, and the stall alert fires) instead of being recorded as something no
-- reader understands. PostingVocabularyTest reads this list back from the catalog and compares it
-- with the enum.
ALTER TABLE postings ADD CONSTRAINT postings_type_known CHECK (type IN (
  'transfer', 'payment', 'refund',
  'transfer_debit', 'transfer_credit', 'transfer_completed', 'transfer_reversed',
  'payment_debit', 'payment_credit', 'payment_completed', 'payment_reversed',
  'refund_debit', 'refund_credit', 'refund_completed', 'refund_reversed',
  'deposit', 'withdrawal_return',
  'hold', 'hold_settled', 'hold_released', 'capture',
  'wallet_opened', 'wallet_status'));
