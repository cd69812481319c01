-- set_status: freezes, reactivates or closes a wallet. A frozen or closed wallet neither sends
-- nor receives; holds still end and reversals still return money to it. Closing needs a zero
-- balance, nothing held and no movement to another shard in flight (a release or a reversal
-- would bring money back), so no money is ever stranded in a closed wallet.
--
-- KEYS[1] wallet   {sNNNN}:w:<walletId>
-- KEYS[2] outbox   {sNNNN}:outbox
-- ARGV[1] status (active|frozen|closed)   ARGV[2] reason (free text for the audit trail)
--
-- Returns {kind, outcome}: outcome.code is OK (with the status), WALLET_NOT_FOUND,
-- WALLET_INACTIVE (a closed wallet stays closed, but for a credit stripe), BALANCE_NOT_ZERO (money available) or
-- MONEY_IN_FLIGHT (money held, or an outgoing cross-shard movement not finished).
-- Writes (only on a change): the wallet's status and one 'wallet_status' outbox event.

local wallet_key, outbox = KEYS[1], KEYS[2]
local status, reason = ARGV[1], ARGV[2]
if status ~= 'active' and status ~= 'frozen' and status ~= 'closed' then error('bad status ' .. tostring(status)) end

local wallet = load_wallet(wallet_key)
if not wallet then return reply('new', cjson.encode(refusal('WALLET_NOT_FOUND'))) end
if wallet.status == status then
  return reply('replay', cjson.encode({code = 'OK', walletId = wallet.id, status = status}))
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
local version = redis.call('HINCRBY', wallet_key, 'status_version', 1)
emit(outbox, posting(wallet.id .. '.status.' .. version, 'wallet_status', wallet_key, ts,
  {account = {id = wallet.id, status = status, previous = wallet.status, reason = reason}}))
return reply('new', cjson.encode({code = 'OK', walletId = wallet.id, status = status}))
