-- transfer: moves money between two wallets of the same shard, atomically.
--
-- KEYS[1] source wallet       {sNNNN}:w:<fromWalletId>
-- KEYS[2] destination wallet  {sNNNN}:w:<toWalletId>
-- KEYS[3] idempotency         {sNNNN}:idem:<scope hash>
-- KEYS[4] transfer record     {sNNNN}:x:<transferId>
-- KEYS[5] outbox              {sNNNN}:outbox
-- ARGV[1] transfer id   ARGV[2] amount   ARGV[3] currency   ARGV[4] request hash
-- ARGV[5] actor (owner the source must belong to, '*' for the system)   ARGV[6] refusal retention ms
--
-- Returns {kind, outcome}: outcome.code is OK (status completed) or AMOUNT_INVALID, SAME_WALLET,
-- WALLET_NOT_FOUND, WALLET_INACTIVE, CURRENCY_MISMATCH, INSUFFICIENT_FUNDS, BALANCE_OVERFLOW.
-- Writes (only on OK): both wallets, the transfer record, the idempotency record, one posting.

local from_key, to_key, idem_key, transfer_key, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local transfer_id, currency, request_hash, actor = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
local retention_ms = tonumber(ARGV[6])

local seen = idem_lookup(idem_key, request_hash)
if seen then return seen end

local amount = positive_units(ARGV[2])
local from, to = load_wallet(from_key), load_wallet(to_key)
local code
if not amount then code = 'AMOUNT_INVALID'
elseif from_key == to_key then code = 'SAME_WALLET'
else code = wallet_refusal(from, currency, actor) or wallet_refusal(to, currency, '*') end
local legs
if not code then
  legs = {{acct = from, bucket = 'avail', delta = -amount}, {acct = to, bucket = 'avail', delta = amount}}
  code = legs_refusal(legs)
end
if code then return refuse(idem_key, request_hash, retention_ms, refusal(code, {transferId = transfer_id})) end

local ts = now_ms()
local entries = apply_legs(legs)
redis.call('HSET', transfer_key, 'id', transfer_id, 'from', from.id, 'to', to.id, 'amt', units(amount),
  'cur', currency, 'state', 'completed', 'created', ts, 'idem', idem_key)
local outcome_json = cjson.encode({code = 'OK', transferId = transfer_id, status = 'completed',
  fromWalletId = from.id, toWalletId = to.id, amount = units(amount), currency = currency, createdAt = ts,
  source = wallet_view(from)})
idem_record(idem_key, request_hash, 'done', outcome_json)
emit(outbox, posting(transfer_id, 'transfer', from_key, ts, {ref = transfer_id, scope = idem_key,
  entries = entries, retire = {idem_key}}))
return reply('new', outcome_json)
