-- A wallet does not close while a deposit of it may still arrive (AdminHandlers): found by wallet
-- among the deposits not settled.
CREATE INDEX deposits_on_their_way_by_wallet ON deposits (wallet_id)
  WHERE status IN ('pending', 'crediting');
