-- open_wallet: creates a wallet on this shard, empty and active.
--
-- KEYS[1] wallet        {sNNNN}:w:<walletId>
-- KEYS[2] idempotency   {sNNNN}:idem:<scope hash>
-- KEYS[3] outbox        {sNNNN}:outbox
-- ARGV[1] walletId   ARGV[2] ownerId   ARGV[3] currency (ISO 4217)   ARGV[4] type (personal|merchant)
-- ARGV[5] request hash   ARGV[6] refusal retention ms
-- ARGV[7] parent wallet id: a merchant's credit stripe names its merchant wallet ('' for none)
--
-- Returns {kind, outcome}: outcome.code is OK (with the wallet) or WALLET_EXISTS.
-- Writes: the wallet, the shard's account index, the idempotency record, one 'wallet_opened' outbox entry.

local wallet_key, idem_key, outbox = KEYS[1], KEYS[2], KEYS[3]
local wallet_id, owner, currency, wallet_type, request_hash = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local retention_ms, parent = tonumber(ARGV[6]), ARGV[7] or ''

local seen = idem_lookup(idem_key, request_hash)
if seen then return seen end

if redis.call('EXISTS', wallet_key) == 1 then
  return refuse(idem_key, request_hash, retention_ms, refusal('WALLET_EXISTS', {walletId = wallet_id}))
end

local ts = now_ms()
redis.call('HSET', wallet_key, 'id', wallet_id, 'owner', owner, 'cur', currency, 'type', wallet_type,
  'status', 'active', 'avail', 0, 'held', 0, 'seq', 0, 'created', ts)
if parent ~= '' then redis.call('HSET', wallet_key, 'parent', parent) end
index_account(wallet_key, wallet_id)

local outcome = cjson.encode({code = 'OK', walletId = wallet_id, ownerId = owner, currency = currency,
  type = wallet_type, status = 'active', available = '0', held = '0', seq = '0', createdAt = ts})
idem_record(idem_key, request_hash, 'done', outcome)
emit(outbox, posting(wallet_id .. '.open', 'wallet_opened', wallet_key, ts, {
  account = {id = wallet_id, owner = owner, currency = currency, type = wallet_type, parent = parent ~= '' and parent or nil},
  scope = idem_key, retire = {idem_key}}))
return reply('new', outcome)
