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
--
-- Returns {kind, outcome}: outcome.code is OK (status completed) or AMOUNT_INVALID, SAME_WALLET,
-- WALLET_NOT_FOUND, WALLET_INACTIVE, CURRENCY_MISMATCH, NOT_A_MERCHANT, PAYMENT_NOT_FOUND,
-- REFUND_EXCEEDS_PAYMENT, LIMIT_EXCEEDED (outcome.rule names the rule), INSUFFICIENT_FUNDS,
-- BALANCE_OVERFLOW. Writes (only on OK): the accounts, the movement record, the payment record,
-- the limit counters, the idempotency record, one posting.

local from_key, to_key, idem_key, record_key, outbox, fees_key, payment_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local counter_keys = tail(KEYS, 8)
local id, kind, currency, request_hash, actor = ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7]
local retention_ms, fees_id, payment_id, reference = tonumber(ARGV[8]), ARGV[9], ARGV[10], ARGV[11]
local checks = cjson.decode(ARGV[12])
if not KINDS[kind] then error('unknown movement kind ' .. tostring(kind)) end

local seen = idem_lookup(idem_key, request_hash)
if seen then return seen end

local amount = positive_units(ARGV[3])
local fee = amount and valid_fee(ARGV[4], amount)
local from, to = load_wallet(from_key), load_wallet(to_key)
local code
if not amount or not fee then code = 'AMOUNT_INVALID'
elseif from_key == to_key then code = 'SAME_WALLET'
else code = wallet_refusal(from, currency, actor) or wallet_refusal(to, currency, '*') end
if not code and kind == 'payment' and to.type ~= 'merchant' then code = 'NOT_A_MERCHANT' end
if not code and kind == 'refund' then code = refund_refusal(payment_key, from.id, amount) end
local rule = not code and limits_refusal(counter_keys, checks, amount)
if rule then code = 'LIMIT_EXCEEDED' end
local legs
if not code then
  legs = add_credit_legs({{acct = from, bucket = 'avail', delta = -amount}}, to,
    load_system(fees_key, fees_id, currency), amount, fee)
  code = legs_refusal(legs)
end
if code then return refuse(idem_key, request_hash, retention_ms, refusal(code, {id = id, rule = rule or nil})) end

local ts = now_ms()
local entries, balances = apply_legs(legs)
count_limits(counter_keys, checks, amount)
if kind == 'payment' then open_payment_record(payment_key, payment_id, amount, fee, from.id, to.id, currency, ts) end
if kind == 'refund' then redis.call('HINCRBY', payment_key, 'refunded', units(amount)) end
local outcome_json = cjson.encode(movement_view(id, kind, from.id, to.id, amount, fee, currency, ts,
  {code = 'OK', status = 'completed', paymentId = payment_id ~= '' and payment_id or nil,
   reference = reference ~= '' and reference or nil, source = wallet_view(from)}))
redis.call('HSET', record_key, 'id', id, 'kind', kind, 'from', from.id, 'to', to.id, 'amt', units(amount),
  'fee', units(fee), 'cur', currency, 'state', 'completed', 'created', ts, 'idem', idem_key, 'pay', payment_id,
  'ref', reference, 'outcome', outcome_json, 'code', 'OK')
idem_record(idem_key, request_hash, 'done', outcome_json)
emit(outbox, posting(id, kind, from_key, ts, {ref = id, scope = idem_key, entries = entries, balances = balances,
  retire = {idem_key}}))
return reply('new', outcome_json)
