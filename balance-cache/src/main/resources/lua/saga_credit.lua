-- saga_credit: step 2 of a cross-shard transfer, on the destination shard. Credits the
-- destination wallet from this shard's in-transit account, at most once per transfer: the
-- first decision (credited or refused) is kept in a marker and every later call returns it.
--
-- KEYS[1] destination wallet  {sNNNN}:w:<toWalletId>
-- KEYS[2] in-transit account  {sNNNN}:a:transit:<currency>
-- KEYS[3] decision marker     {sNNNN}:in:<transferId>
-- KEYS[4] outbox              {sNNNN}:outbox
-- ARGV[1] transfer id   ARGV[2] amount   ARGV[3] currency   ARGV[4] in-transit account id
--
-- Returns {kind, outcome}: outcome.code is OK (credited), or WALLET_NOT_FOUND, WALLET_INACTIVE,
-- CURRENCY_MISMATCH, BALANCE_OVERFLOW, AMOUNT_INVALID: refusals that are final, after which the
-- source shard reverses step 1.
-- Writes: the marker always; on OK also the wallet, the in-transit account and one posting.

local to_key, transit_key, marker_key, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local transfer_id, currency, transit_id = ARGV[1], ARGV[3], ARGV[4]

local decided = redis.call('HGET', marker_key, 'outcome')
if decided then return reply('replay', decided) end

local amount = positive_units(ARGV[2])
local to = load_wallet(to_key)
local code
if not amount then code = 'AMOUNT_INVALID' else code = wallet_refusal(to, currency, '*') end
local legs
if not code then
  legs = {{acct = to, bucket = 'avail', delta = amount},
          {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = -amount}}
  code = legs_refusal(legs)
end
if code then
  local refused = cjson.encode(refusal(code, {transferId = transfer_id}))
  redis.call('HSET', marker_key, 'outcome', refused)
  return reply('new', refused)
end

local ts = now_ms()
local entries = apply_legs(legs)
local outcome_json = cjson.encode({code = 'OK', transferId = transfer_id, createdAt = ts, destination = wallet_view(to)})
redis.call('HSET', marker_key, 'outcome', outcome_json)
emit(outbox, posting(transfer_id .. '.credit', 'transfer_credit', to_key, ts,
  {ref = transfer_id, entries = entries}))
return reply('new', outcome_json)
