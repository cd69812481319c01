-- A wallet does not close while a returned payout of it is still to be credited back (AdminHandlers,
-- WithdrawalKind.bringsMoneyIn): found by wallet among the withdrawals returning, as V4 finds deposits.
CREATE INDEX withdrawals_returning_by_wallet ON withdrawals (wallet_id)
  WHERE status = 'returning';
