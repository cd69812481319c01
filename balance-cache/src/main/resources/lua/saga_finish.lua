-- saga_finish: step 3 of a cross-shard transfer, on the source shard, once the destination
-- has decided. 'completed' closes the transfer; 'reversed' returns the amount from this
-- shard's in-transit account to the source wallet (whatever the wallet's status: the money
-- is the owner's). Either way the transfer leaves the pending set and the idempotency record
-- gets its final outcome. A transfer that is no longer pending is left as it is.
--
-- KEYS[1] transfer record     {sNNNN}:x:<transferId>
-- KEYS[2] pending set         {sNNNN}:pending
-- KEYS[3] idempotency         {sNNNN}:idem:<scope hash>   (the record's 'idem' field)
-- KEYS[4] source wallet       {sNNNN}:w:<fromWalletId>
-- KEYS[5] in-transit account  {sNNNN}:a:transit:<currency>
-- KEYS[6] outbox              {sNNNN}:outbox
-- ARGV[1] transfer id   ARGV[2] decision (completed|reversed)   ARGV[3] refusal code when reversed
-- ARGV[4] in-transit account id   ARGV[5] destination decision marker key (retired with the rest)
--
-- Returns {kind, outcome}: the transfer's final outcome; code OK (completed) or the
-- destination's refusal code (status reversed). Raises if the transfer does not exist.

local transfer_key, pending_key, idem_key, from_key, transit_key, outbox =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local transfer_id, decision, refusal_code, transit_id, marker_key = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

local t = redis.call('HMGET', transfer_key, 'state', 'outcome', 'from', 'to', 'amt', 'cur', 'created', 'idem')
if not t[1] then error('no transfer ' .. transfer_id) end
if t[1] ~= 'pending' then return reply('replay', t[2]) end
if t[8] ~= idem_key then error('idempotency key does not match transfer ' .. transfer_id) end
if decision ~= 'completed' and decision ~= 'reversed' then error('bad decision ' .. tostring(decision)) end

local amount, currency = tonumber(t[5]), t[6]
local legs
if decision == 'reversed' then
  local from = load_wallet(from_key)
  if not from then error('source wallet of ' .. transfer_id .. ' is gone') end
  legs = {{acct = from, bucket = 'avail', delta = amount},
          {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = -amount}}
  local code = legs_refusal(legs)
  if code then error('cannot reverse ' .. transfer_id .. ': ' .. code) end
end

local ts = now_ms()
local outcome = {code = 'OK', transferId = transfer_id, status = decision, fromWalletId = t[3],
  toWalletId = t[4], amount = t[5], currency = currency, createdAt = tonumber(t[7]), finishedAt = ts}
if decision == 'reversed' then outcome.code = refusal_code end
local outcome_json = cjson.encode(outcome)

local record = {ref = transfer_id, scope = idem_key, retire = {idem_key, marker_key}}
if legs then record.entries = apply_legs(legs) end
redis.call('HSET', transfer_key, 'state', decision, 'outcome', outcome_json, 'finished', ts, 'code', outcome.code)
redis.call('ZREM', pending_key, transfer_id)
redis.call('HSET', idem_key, 'state', 'done', 'outcome', outcome_json)
emit(outbox, posting(transfer_id .. '.' .. decision, 'transfer_' .. decision, transfer_key, ts, record))
return reply('new', outcome_json)
