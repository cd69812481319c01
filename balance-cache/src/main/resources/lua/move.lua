-- move: a movement (transfer, payment or refund; see lib.lua) between two wallets of the same
-- shard, in one atomic script, with the sender's limits checked and counted.
--
-- KEYS[1] source wallet        {sNNNN}:w:<walletId>
-- KEYS[2] destination wallet   {sNNNN}:w:<walletId>
-- KEYS[3] idempotency          {sNNNN}:idem:<scope hash>
-- KEYS[4] movement record      {sNNNN}:x:<movementId>
-- KEYS[5] outbox               {sNNNN}:outbox
-- KEYS[6] fee account          {sNNNN}:a:fees:<currency>      (touched by a payment with a fee)
-- KEYS[7] payment record       {sNNNN}:pay:<paymentId>        (created by a payment, bounded by a refund)
-- KEYS[8..] the sender's limit counters, in the order of ARGV[12]
-- ARGV[1] movement id   ARGV[2] kind (transfer|payment|refund)   ARGV[3] amount   ARGV[4] fee (0 but for payments)
-- ARGV[5] currency   ARGV[6] request hash   ARGV[7] actor (who must own the source; '*' for the system)
-- ARGV[8] refusal retention ms   ARGV[9] fee account id   ARGV[10] payment id (a payment's own, a refund's target)
-- ARGV[11] reference (e.g. the merchant's order reference)   ARGV[12] limit checks (JSON, see lib.lua)
-- ARGV[13] refusal codes not to record, comma-separated (optional; see refuse in lib.lua): a refund
--          from a credit stripe that is short, refilled and asked again (INSUFFICIENT_FUNDS is left
--          unrecorded only for a source with stripes or a stripe: unrecorded_for in lib.lua)
-- ARGV[14] for a refund whose payment record has expired, what the ledger holds of the payment (JSON,
--          see refund_bound in lib.lua; optional): without it such a refund answers 'unrecorded'
--          PAYMENT_RECORD_COLD, with what the caller needs to read the ledger (payment_record_cold)
--
-- Returns {kind, outcome}: outcome.code is OK (status completed) or AMOUNT_INVALID, SAME_WALLET,
-- WALLET_NOT_FOUND, WALLET_INACTIVE, CURRENCY_MISMATCH, NOT_A_MERCHANT, MERCHANT_WALLET, PAYMENT_NOT_FOUND,
-- REFUND_EXCEEDS_PAYMENT, LIMIT_EXCEEDED (outcome.rule names the rule), INSUFFICIENT_FUNDS,
-- BALANCE_OVERFLOW. Writes (only on OK): the accounts, the movement record, the payment record
-- (opened, counted, or restored from ARGV[14]), the limit counters, the idempotency record, one posting.

local m = {from_key = KEYS[1], to_key = KEYS[2], idem_key = KEYS[3], record_key = KEYS[4], fees_key = KEYS[6],
  payment_key = KEYS[7], counter_keys = tail(KEYS, 8), id = ARGV[1], kind = ARGV[2], amount_text = ARGV[3],
  fee_text = ARGV[4], currency = ARGV[5], request_hash = ARGV[6], actor = ARGV[7], fees_id = ARGV[9],
  payment_id = ARGV[10], reference = ARGV[11], checks = cjson.decode(ARGV[12]),
  facts = ARGV[14] and ARGV[14] ~= '' and cjson.decode(ARGV[14]) or nil}
local outbox, retention_ms = KEYS[5], tonumber(ARGV[8])
if not KINDS[m.kind] then error('unknown movement kind ' .. tostring(m.kind)) end

local seen = idem_lookup(m.idem_key, m.request_hash, m.kind)
if seen then return seen end

local state = new_state()
local code, rule = movement_refusal(m, state)
if code == 'PAYMENT_RECORD_COLD' then return payment_record_cold(m.id, outbox) end
if code then
  return refuse(m.idem_key, m.request_hash, retention_ms, refusal(code, {id = m.id, rule = rule}),
    unrecorded_for(ARGV[13], cached(state, m.from_key, load_wallet)))
end
return reply('new', apply_movement(m, outbox))
