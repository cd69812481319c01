-- finish_hold: ends an active hold. 'settled' pays the held money out to a system account
-- (the withdrawal reached the bank); 'released' returns it to the wallet's available balance
-- (the payout failed) and gives back what the hold counted against the owner's limits. Neither
-- depends on the wallet's status: held money is already spoken for.
-- A hold that has already ended is left as it is and its first ending is returned. Its record
-- expires a retention after the ledger has its ending; an ending asked after that finds no record
-- here (HOLD_NOT_FOUND, kind 'unrecorded': nothing is written) and is answered from the ledger
-- (RedisBalanceCache), as is one whose caller read the record just before it expired.
-- An authorization (see lib.lua) is released by a void or, once past its expiry, by the sweeper
-- (ARGV[4] says which; an expiry release before 'exp' by Redis's clock is refused as NOT_EXPIRED,
-- so a capture and an expiry can never both happen); it leaves the expiry set, and gives back its
-- count only when nothing of it was captured.
--
-- KEYS[1] wallet          {sNNNN}:w:<walletId>
-- KEYS[2] hold record     {sNNNN}:h:<holdId>
-- KEYS[3] outbox          {sNNNN}:outbox
-- KEYS[4] system account  {sNNNN}:a:<name>:<currency>   (the payout's clearing account to settle;
--                         to release: the shard's expiry set {sNNNN}:hexp)
-- KEYS[5] idempotency     {sNNNN}:idem:<scope hash>   (a void's; any key of the shard otherwise, not touched)
-- KEYS[6..] the limit counters the hold counted (the hold record's 'lim' field, in order)
-- ARGV[1] hold id   ARGV[2] ending (settled|released)   ARGV[3] system account id (only to settle)
-- ARGV[4] who releases an authorization: void | expiry ('' otherwise)
-- ARGV[5] a void's request hash ('' for no idempotency record): a void recorded under its caller's
--         key is replayed from it, and the key reused for another request is refused (key_reused)
-- ARGV[6] how long a void's record of an authorization that had already ended lives (ms): the key
--         then names this void too, as a refusal's would (until 2026-12-07 nothing was recorded, and
--         the key voided another authorization next)
--
-- Returns {kind, outcome}: kind 'new' or 'replay'; outcome.code is OK with status settled or
-- released, or NOT_EXPIRED; kind 'unrecorded' with HOLD_NOT_FOUND when the hold has no record.
-- Writes (only on 'new'): the wallet, the system account when settled, the hold record, one posting;
-- on a void's 'replay', its idempotency record (ARGV[6]).

local wallet_key, hold_key, outbox, system_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local idem_key = KEYS[5]
local counter_keys = tail(KEYS, 6)
local hold_id, ending, system_id, released_by, request_hash = ARGV[1], ARGV[2], ARGV[3], ARGV[4] or '', ARGV[5] or ''
local retention_ms = ARGV[6]

if request_hash ~= '' then
  local seen = idem_lookup(idem_key, request_hash)
  if seen then return seen end
end

local h = redis.call('HMGET', hold_key, 'state', 'outcome', 'wallet', 'amt', 'cur', 'ref', 'lim', 'to', 'exp', 'captured')
if not h[1] then return reply('unrecorded', cjson.encode(refusal('HOLD_NOT_FOUND', {holdId = hold_id}))) end
if h[1] ~= 'active' then
  if request_hash ~= '' then
    idem_record(idem_key, request_hash, 'done', h[2])
    redis.call('PEXPIRE', idem_key, retention_ms)
  end
  return reply('replay', h[2])
end
if ending ~= 'settled' and ending ~= 'released' then error('bad ending ' .. tostring(ending)) end
local is_authorization = h[8] ~= false
if is_authorization and ending ~= 'released' then error('an authorization is captured, not settled: ' .. hold_id) end
local ts = now_ms()
-- a void that comes after the expiry, before a sweeper did, releases it as the expiry it is: voiding an
-- expired authorization is refused (until 2026-12-06 it was answered as a void)
if released_by == 'void' and is_authorization and ts >= tonumber(h[9]) then released_by = 'expiry' end
if released_by == 'expiry' and (not is_authorization or ts < tonumber(h[9])) then
  return reply('new', cjson.encode(refusal('NOT_EXPIRED', {holdId = hold_id})))
end
if h[7] and not names_keys(h[7], counter_keys) then error('limit counters do not match hold ' .. hold_id) end

local amount, currency = tonumber(h[4]), h[5]
local wallet = load_wallet(wallet_key)
if not wallet or wallet.id ~= h[3] then error('hold ' .. hold_id .. ' does not belong to ' .. wallet_key) end
local legs = {{acct = wallet, bucket = 'held', delta = -amount}}
if ending == 'settled' then
  legs[2] = {acct = load_system(system_key, system_id, currency), bucket = 'avail', delta = amount}
else
  legs[2] = {acct = wallet, bucket = 'avail', delta = amount}
end
local code = legs_refusal(legs)
if code then error('cannot end hold ' .. hold_id .. ': ' .. code) end

local entries, balances = apply_legs(legs)
local nothing_captured = tonumber(h[10] or '0') == 0
local given_back = ending == 'released' and uncount_limits(counter_keys, amount, nothing_captured and 1 or 0) or nil
if is_authorization then
  redis.call('HSET', hold_key, 'amt', 0, 'by', released_by)
  redis.call('ZREM', system_key, hold_id)
end
local outcome = wallet_view(wallet)
outcome.code, outcome.holdId, outcome.status, outcome.amount, outcome.currency, outcome.reference, outcome.finishedAt =
  'OK', hold_id, ending, h[4], currency, h[6], ts
redis.call('HSET', hold_key, 'state', ending, 'finished', ts)
if is_authorization then outcome.authorization = authorization_view(hold_key) end
local outcome_json = cjson.encode(outcome)
redis.call('HSET', hold_key, 'state', ending, 'outcome', outcome_json, 'finished', ts)
-- An ended hold's record is read again only by a late ending or a read of the authorization, which
-- then find this posting in the ledger (LedgerReader.holdEnding, .authorization): it expires once the
-- ledger has it. An authorization's posting says who released it, which the ledger has nowhere else.
local record = {ref = is_authorization and hold_id or h[6], entries = entries, balances = balances,
                retire = {hold_key}, movement = with_counted(is_authorization and {by = released_by} or nil, given_back)}
if request_hash ~= '' then
  idem_record(idem_key, request_hash, 'done', outcome_json)
  record.scope, record.retire = idem_key, {idem_key, hold_key}
end
emit(outbox, posting(hold_id .. '.' .. ending, 'hold_' .. ending, wallet_key, ts, record))
return reply('new', outcome_json)
