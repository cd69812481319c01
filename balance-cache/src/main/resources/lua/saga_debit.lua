-- saga_debit: step 1 of a cross-shard transfer, on the source shard. Moves the amount from the
-- source wallet into this shard's in-transit account and records the transfer as pending.
--
-- KEYS[1] source wallet       {sNNNN}:w:<fromWalletId>
-- KEYS[2] in-transit account  {sNNNN}:a:transit:<currency>
-- KEYS[3] idempotency         {sNNNN}:idem:<scope hash>
-- KEYS[4] transfer record     {sNNNN}:x:<transferId>
-- KEYS[5] pending set         {sNNNN}:pending   (ZSET transferId -> created ms, read by the sweeper)
-- KEYS[6] outbox              {sNNNN}:outbox
-- ARGV[1] transfer id   ARGV[2] amount   ARGV[3] currency   ARGV[4] request hash   ARGV[5] actor
-- ARGV[6] destination wallet id   ARGV[7] in-transit account id   ARGV[8] refusal retention ms
--
-- Returns {kind, outcome}: outcome.code is PENDING (the transfer record's view) or AMOUNT_INVALID,
-- WALLET_NOT_FOUND, WALLET_INACTIVE, CURRENCY_MISMATCH, INSUFFICIENT_FUNDS, BALANCE_OVERFLOW.
-- The idempotency record stays 'pending' (replays answer in_flight) until saga_finish.
-- Writes (only on PENDING): wallet, in-transit account, transfer record, pending set,
-- idempotency record, one posting.

local from_key, transit_key, idem_key, transfer_key, pending_key, outbox =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local transfer_id, currency, request_hash, actor, to_id, transit_id =
  ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local retention_ms = tonumber(ARGV[8])

local seen = idem_lookup(idem_key, request_hash)
if seen then return seen end

local amount = positive_units(ARGV[2])
local from = load_wallet(from_key)
local code
if not amount then code = 'AMOUNT_INVALID' else code = wallet_refusal(from, currency, actor) end
local legs
if not code then
  legs = {{acct = from, bucket = 'avail', delta = -amount},
          {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = amount}}
  code = legs_refusal(legs)
end
if code then return refuse(idem_key, request_hash, retention_ms, refusal(code, {transferId = transfer_id})) end

local ts = now_ms()
local entries = apply_legs(legs)
redis.call('HSET', transfer_key, 'id', transfer_id, 'from', from.id, 'to', to_id, 'amt', units(amount),
  'cur', currency, 'state', 'pending', 'created', ts, 'idem', idem_key)
redis.call('ZADD', pending_key, ts, transfer_id)
local outcome_json = cjson.encode({code = 'PENDING', transferId = transfer_id, status = 'pending',
  fromWalletId = from.id, toWalletId = to_id, amount = units(amount), currency = currency, createdAt = ts,
  source = wallet_view(from)})
idem_record(idem_key, request_hash, 'pending', outcome_json)
emit(outbox, posting(transfer_id .. '.debit', 'transfer_debit', from_key, ts,
  {ref = transfer_id, scope = idem_key, entries = entries}))
return reply('new', outcome_json)
