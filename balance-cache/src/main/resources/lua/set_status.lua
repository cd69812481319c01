-- set_status: freezes, reactivates or closes a wallet. A frozen or closed wallet neither sends
-- nor receives; holds still end and reversals still return money to it, and a frozen one still
-- takes back a returned payout (credit.lua) and pays a chargeback (hold.lua). Closing needs a zero
-- balance, nothing held and no movement to another shard in flight (a release or a reversal
-- would bring money back), so no money is ever stranded in a closed wallet.
--
-- KEYS[1] wallet   {sNNNN}:w:<walletId>
-- KEYS[2] outbox   {sNNNN}:outbox
-- ARGV[1] status (active|frozen|closed)   ARGV[2] reason (free text for the audit trail)
-- ARGV[3] 'copy' when a credit stripe takes its merchant wallet's status (optional)
--
-- A stripe frozen or closed for itself (reconciliation's finding about the stripe, an operator)
-- keeps 'status_own': a copy of its merchant's status may make it stricter, never lift it; only a
-- change made for the stripe itself does (until 2026-12-06 a copy of an active merchant reopened a
-- stripe that reconciliation had frozen).
--
-- Returns {kind, outcome}: outcome.code is OK (with the status), WALLET_NOT_FOUND,
-- WALLET_INACTIVE (a closed wallet stays closed, but for a credit stripe), BALANCE_NOT_ZERO (money available) or
-- MONEY_IN_FLIGHT (money held, or an outgoing cross-shard movement not finished).
-- Writes (only on a change, or a stripe's own change to the status it has by a copy): the wallet's
-- status and one 'wallet_status' outbox event.

local wallet_key, outbox = KEYS[1], KEYS[2]
local status, reason, copy = ARGV[1], ARGV[2], ARGV[3] == 'copy'
if status ~= 'active' and status ~= 'frozen' and status ~= 'closed' then error('bad status ' .. tostring(status)) end

-- one 'wallet_status' event, numbered by the wallet's status version as the ledger counts them
local function record_status(wallet)
  local version = redis.call('HINCRBY', wallet_key, 'status_version', 1)
  emit(outbox, posting(wallet.id .. '.status.' .. version, 'wallet_status', wallet_key, now_ms(),
    {account = {id = wallet.id, status = status, previous = wallet.status, reason = reason}}))
end

local wallet = load_wallet(wallet_key)
if not wallet then return reply('new', cjson.encode(refusal('WALLET_NOT_FOUND'))) end
local own_flag = status == 'active' and '0' or '1'
-- a stripe's own change is its own even when its merchant's copy made it so already, and is recorded
-- as one: the ledger is what a rebuild restores 'status_own' from (until 2026-12-07 this wrote no
-- event, and a stripe frozen for itself under a frozen merchant was rebuilt as following it)
if wallet.parent and not copy and wallet.status == status
    and (redis.call('HGET', wallet_key, 'status_own') or '0') ~= own_flag then
  redis.call('HSET', wallet_key, 'status_own', own_flag)
  record_status(wallet)
  return reply('new', cjson.encode({code = 'OK', walletId = wallet.id, status = status}))
end
if wallet.status == status then
  return reply('replay', cjson.encode({code = 'OK', walletId = wallet.id, status = status}))
end
local own = wallet.parent and redis.call('HGET', wallet_key, 'status_own') == '1'
-- a copy may make a stripe stricter than its own status, never less strict: until 2026-12-07 only
-- 'active' was held back, and a frozen merchant's copy turned a stripe closed for itself to frozen
local strictness = {active = 0, frozen = 1, closed = 2}
if copy and own and strictness[status] < strictness[wallet.status] then
  return reply('replay', cjson.encode({code = 'OK', walletId = wallet.id, status = wallet.status}))
end
-- a merchant's credit stripe follows its merchant wallet's status, and may open again after a close
-- of the merchant that another stripe refused (it was empty when it closed)
if wallet.status == 'closed' and not wallet.parent then
  return reply('new', cjson.encode(refusal('WALLET_INACTIVE', {walletId = wallet.id})))
end
if status == 'closed' and wallet.avail ~= 0 then
  return reply('new', cjson.encode(refusal('BALANCE_NOT_ZERO', {walletId = wallet.id})))
end
if status == 'closed' and (wallet.held ~= 0 or wallet.outgoing > 0) then
  return reply('new', cjson.encode(refusal('MONEY_IN_FLIGHT', {walletId = wallet.id})))
end

redis.call('HSET', wallet_key, 'status', status)
if wallet.parent and not copy then
  redis.call('HSET', wallet_key, 'status_own', own_flag)
end
record_status(wallet)
return reply('new', cjson.encode({code = 'OK', walletId = wallet.id, status = status}))
