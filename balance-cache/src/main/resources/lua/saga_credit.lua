-- saga_credit: step 2 of a movement between shards, on the destination shard. Credits the
-- destination (and, for a payment, the fee account) from this shard's in-transit account, at
-- most once per movement: the first decision (credited or refused) is kept in a marker and
-- every later call returns it. A credited payment opens its payment record here, on the
-- merchant's shard, where refunds are bounded.
--
-- KEYS[1] destination wallet  {sNNNN}:w:<walletId>
-- KEYS[2] in-transit account  {sNNNN}:a:transit:<currency>
-- KEYS[3] decision marker     {sNNNN}:in:<movementId>
-- KEYS[4] outbox              {sNNNN}:outbox
-- KEYS[5] fee account         {sNNNN}:a:fees:<currency>
-- KEYS[6] payment record      {sNNNN}:pay:<paymentId>   (opened by a payment); for a refund from another
--         region, the payment's movement record {sNNNN}:x:<paymentId> on its payer's shard, which counts
--         what came back ('refunded'): the merchant's region keeps the payment record and its bound
-- ARGV[1] movement id   ARGV[2] kind   ARGV[3] amount   ARGV[4] fee   ARGV[5] currency
-- ARGV[6] in-transit account id   ARGV[7] fee account id   ARGV[8] source wallet id   ARGV[9] payment id
-- ARGV[10] a refusal decided outside the script (optional; the receiver's limits, for a movement from
--          another region): recorded as the decision unless the movement was decided before
-- ARGV[11] '1' for a refund from another region (KEYS[6] is then the payment's movement record), else
--          '' or absent
--
-- Returns {kind, outcome}: outcome.code is OK (credited), or WALLET_NOT_FOUND, WALLET_INACTIVE,
-- CURRENCY_MISMATCH, NOT_A_MERCHANT, MERCHANT_WALLET, BALANCE_OVERFLOW, AMOUNT_INVALID: refusals that are final,
-- after which the source shard reverses step 1.
-- Writes: the marker always; on OK also the accounts, the payment record (or what a payment's movement record
-- counts as refunded) and one posting.

local to_key, transit_key, marker_key, outbox, fees_key, payment_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id, kind, currency, transit_id, fees_id, from_id, payment_id =
  ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if not KINDS[kind] then error('unknown movement kind ' .. tostring(kind)) end

local decided = redis.call('HGET', marker_key, 'outcome')
if decided then return reply('replay', decided) end

local amount = positive_units(ARGV[3])
local fee = amount and valid_fee(ARGV[4], amount)
local to = load_wallet(to_key)
local code
if not amount or not fee then code = 'AMOUNT_INVALID' else code = wallet_refusal(to, currency, '*') end
if not code and ARGV[10] and ARGV[10] ~= '' then code = ARGV[10] end
if not code then code = receiver_refusal(kind, to) end
local legs
if not code then
  legs = add_credit_legs({}, to, load_system(fees_key, fees_id, currency), amount, fee)
  legs[#legs + 1] = {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = -amount}
  code = legs_refusal(legs)
end
if code then
  local refused = cjson.encode(refusal(code, {id = id}))
  redis.call('HSET', marker_key, 'outcome', refused)
  return reply('new', refused)
end

local ts = now_ms()
local entries, balances = apply_legs(legs)
local opened
if kind == 'payment' then
  open_payment_record(payment_key, payment_id, amount, fee, from_id, to.id, currency, ts)
  opened = payment_opened(payment_id, amount, fee, from_id, to.id, currency, '', to.parent)
end
-- a refund from another region: counted on the payment's record while it lasts, and in the ledger
local counted
if kind == 'refund' and ARGV[11] == '1' then
  if redis.call('HGET', payment_key, 'kind') == 'payment' then
    redis.call('HINCRBY', payment_key, 'refunded', units(amount))
  end
  counted = refund_counted(payment_id, amount)
end
if kind == 'sweep' then note_sweep_step(to_key) end
local outcome_json = cjson.encode({code = 'OK', id = id, createdAt = ts, destination = wallet_view(to)})
redis.call('HSET', marker_key, 'outcome', outcome_json)
emit(outbox, posting(id .. '.credit', kind .. '_credit', to_key, ts,
  {ref = id, entries = entries, balances = balances, movement = opened or counted,
   retire = opened and {payment_key} or nil}))
return reply('new', outcome_json)
