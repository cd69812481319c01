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
-- Writes (only on a change): the wallet's status and one 'wallet_status' outbox event.

local wallet_key, outbox = KEYS[1], KEYS[2]
local status, reason, copy = ARGV[1], ARGV[2], ARGV[3] == 'copy'
if status ~= 'active' and status ~= 'frozen' and status ~= 'closed' then error('bad status ' .. tostring(status)) end

local wallet = load_wallet(wallet_key)
if not wallet then return reply('new', cjson.encode(refusal('WALLET_NOT_FOUND'))) end
-- a stripe's own change is its own even when its merchant's copy made it so already
if wallet.parent and not copy and wallet.status == status then
  redis.call('HSET', wallet_key, 'status_own', status == 'active' and '0' or '1')
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

local ts = now_ms()
redis.call('HSET', wallet_key, 'status', status)
if wallet.parent and not copy then
  redis.call('HSET', wallet_key, 'status_own', status == 'active' and '0' or '1')
end
local version = redis.call('HINCRBY', wallet_key, 'status_version', 1)
emit(outbox, posting(wallet.id .. '.status.' .. version, 'wallet_status', wallet_key, ts,
  {account = {id = wallet.id, status = status, previous = wallet.status, reason = reason}}))
return reply('new', cjson.encode({code = 'OK', walletId = wallet.id, status = status}))
