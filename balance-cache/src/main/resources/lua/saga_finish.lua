-- saga_finish: step 3 of a movement between shards, on the source shard, once the destination
-- has decided. 'completed' closes the movement; 'reversed' returns the amount from this shard's
-- in-transit account to the source wallet (whatever the wallet's status: the money is the
-- owner's), gives back what the movement counted against the sender's limits (a capture: its amount,
-- against its authorization's counters) and, for a refund,
-- what it reserved on its payment record. Either way the movement leaves the pending set and the
-- idempotency record gets its final outcome, and the source wallet counts one outgoing movement
-- less (it may be closed again). A movement no longer pending is left as it is.
--
-- KEYS[1] movement record     {sNNNN}:x:<movementId>
-- KEYS[2] pending set         {sNNNN}:pending, or {sNNNN}:pending:<region> for a wallet of another region
-- KEYS[3] idempotency         {sNNNN}:idem:<scope hash>   (the record's 'idem' field)
-- KEYS[4] source wallet       {sNNNN}:w:<walletId>
-- KEYS[5] in-transit account  {sNNNN}:a:transit:<currency>
-- KEYS[6] outbox              {sNNNN}:outbox
-- KEYS[7] payment record      {sNNNN}:pay:<paymentId>   (a refund's; not touched otherwise)
-- KEYS[8] owed notices        {sNNNN}:notices           (HASH movementId -> settlement; see ARGV[6])
-- KEYS[9] this region's set   {sNNNN}:pending (a movement to another region listed there by an edge older
--         than the sets by region leaves it too)
-- KEYS[10..] the limit counters the debit counted (the record's 'lim' field, in order)
-- ARGV[1] movement id   ARGV[2] decision (completed|reversed)   ARGV[3] refusal code when reversed
-- ARGV[4] in-transit account id (for a wallet of another region: that region's clearing account)
-- ARGV[5] destination decision marker key (retired with the rest; empty when another region keeps it)
-- ARGV[6] for a movement to another region, the settlement to tell it is finished (so that it lets its
--         marker expire): owed from this finish until that region has it, whatever happens in between
--
-- Returns {kind, outcome}: the movement's final outcome; code OK (completed) or the
-- destination's refusal code (status reversed). Raises if the movement does not exist.

local record_key, pending_key, idem_key, from_key, transit_key, outbox, payment_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local notices_key, listed_before_key = KEYS[8], KEYS[9]
local counter_keys = tail(KEYS, 10)
local id, decision, refusal_code, transit_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local marker_key = ARGV[5] ~= '' and ARGV[5] or nil
local notice = ARGV[6] ~= '' and ARGV[6] or nil

local m = redis.call('HMGET', record_key, 'state', 'outcome', 'kind', 'from', 'to', 'amt', 'fee', 'cur', 'created',
  'idem', 'pay', 'ref', 'lim', 'out', 'auth')
if not m[1] then error('no movement ' .. id) end
if m[1] ~= 'pending' then return reply('replay', m[2]) end
if m[10] ~= idem_key then error('idempotency key does not match movement ' .. id) end
if not names_keys(m[13], counter_keys) then error('limit counters do not match movement ' .. id) end
if decision ~= 'completed' and decision ~= 'reversed' then error('bad decision ' .. tostring(decision)) end

local kind, amount, fee, currency = m[3], tonumber(m[6]), tonumber(m[7]), m[8]
local legs
if decision == 'reversed' then
  local from = load_wallet(from_key)
  if not from then error('source wallet of ' .. id .. ' is gone') end
  legs = {{acct = from, bucket = 'avail', delta = amount},
          {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = -amount}}
  local code = legs_refusal(legs)
  if code then error('cannot reverse ' .. id .. ': ' .. code) end
end

local ts = now_ms()
local outcome = movement_view(id, kind, m[4], m[5], amount, fee, currency, tonumber(m[9]),
  {code = 'OK', status = decision, finishedAt = ts, paymentId = m[11] ~= '' and m[11] or nil,
   reference = m[12] ~= '' and m[12] or nil})
if decision == 'reversed' then outcome.code = refusal_code end
-- a capture's request also answered with its authorization (capture.lua): its replays still do
local asked = redis.call('HGET', idem_key, 'outcome')
if asked then
  local before = cjson.decode(asked)
  outcome.authorizationId, outcome.authorization = before.authorizationId, before.authorization
end
local outcome_json = cjson.encode(outcome)

-- the movement's record expires once the ledger has this posting, and its reads come from there
local retire = retired_with_movement(kind, idem_key, record_key, nil, marker_key)
local record = {ref = id, scope = idem_key, retire = retire}
-- a payment to another region's merchant opened its payment record there: here the ledger learns of
-- it from this posting, and of each refund that comes back from the refund's credit (saga_credit)
if decision == 'completed' and kind == 'payment' and notice then
  record.movement = payment_opened(m[11], amount, fee, m[4], m[5], currency, m[12], nil)
end
if legs then
  record.entries, record.balances = apply_legs(legs)
  -- a capture's authorization counted the payment once, and keeps it counted as a release does
  local given_back = uncount_limits(counter_keys, amount, m[15] and 0 or 1)
  -- a payment record that expired meanwhile is not brought back: the ledger counts the reversal
  if kind == 'refund' and redis.call('EXISTS', payment_key) == 1 then
    redis.call('HINCRBY', payment_key, 'refunded', units(-amount))
    retire[#retire + 1] = payment_key
  end
  record.movement = with_counted(reversal_facts(kind, refusal_code, m, amount), given_back)
end
redis.call('HSET', record_key, 'state', decision, 'outcome', outcome_json, 'finished', ts, 'code', outcome.code)
redis.call('ZREM', pending_key, id)
if listed_before_key ~= pending_key then redis.call('ZREM', listed_before_key, id) end
-- a movement debited before wallets counted them ('out' absent) was never counted
if m[14] == '1' then uncount_outgoing(from_key) end
if kind == 'sweep' then
  redis.call('HDEL', sweeps_key(from_key, m[4]), id)
  note_sweep_step(from_key)
end
redis.call('HSET', idem_key, 'state', 'done', 'outcome', outcome_json)
if notice then redis.call('HSET', notices_key, id, notice) end
emit(outbox, posting(id .. '.' .. decision, kind .. '_' .. decision, record_key, ts, record))
return reply('new', outcome_json)
