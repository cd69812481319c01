-- hold: sets money of a wallet aside (available -> held) for a withdrawal in flight, for the system
-- taking a deposit back (a chargeback, actor '*', from a frozen wallet too), or for a merchant as an
-- authorization (ARGV[9] names the merchant wallet; see lib.lua, authorizations), which expires
-- ARGV[10] ms after it was placed unless captured or voided first.
--
-- KEYS[1] wallet        {sNNNN}:w:<walletId>
-- KEYS[2] hold record   {sNNNN}:h:<holdId>
-- KEYS[3] idempotency   {sNNNN}:idem:<scope hash>
-- KEYS[4] outbox        {sNNNN}:outbox
-- KEYS[5] expiry set   {sNNNN}:hexp   (an authorization enters it; not touched otherwise)
-- KEYS[6..] the sender's limit counters, in the order of ARGV[8]
-- ARGV[1] hold id   ARGV[2] amount   ARGV[3] currency   ARGV[4] request hash   ARGV[5] actor
-- ARGV[6] reference (e.g. withdrawal id)   ARGV[7] refusal retention ms   ARGV[8] limit checks (JSON)
-- ARGV[9] merchant wallet id of an authorization ('' for a withdrawal)   ARGV[10] its lifetime ms
-- ARGV[11] refusal codes not to record, comma-separated (optional; see refuse in lib.lua): a payout
--          from a hot merchant's wallet that is short, gathered from its stripes and asked again
--          (INSUFFICIENT_FUNDS only for a source with stripes or a stripe: unrecorded_for in lib.lua)
--
-- A chargeback short of available money that the wallet's held money would cover is FUNDS_HELD,
-- unrecorded (kind 'unrecorded'): asked again once the holds have ended.
-- Returns {kind, outcome}: outcome.code is OK (hold active) or AMOUNT_INVALID, WALLET_NOT_FOUND,
-- WALLET_INACTIVE, CURRENCY_MISMATCH, SAME_WALLET (an authorization whose payer is the merchant),
-- LIMIT_EXCEEDED, INSUFFICIENT_FUNDS, FUNDS_HELD (above), BALANCE_OVERFLOW.
-- Writes (only on OK): the wallet, the hold record, the counters, the idempotency record, one posting.

local wallet_key, hold_key, idem_key, outbox, expiry_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local counter_keys = tail(KEYS, 6)
local hold_id, currency, request_hash, actor, reference = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local retention_ms = tonumber(ARGV[7])
local checks = cjson.decode(ARGV[8])
local merchant_id, lifetime_ms = ARGV[9] or '', tonumber(ARGV[10] or '0')

local seen = idem_lookup(idem_key, request_hash)
if seen then return seen end

local amount = positive_units(ARGV[2])
local wallet = load_wallet(wallet_key)
local code
if not amount then
  code = 'AMOUNT_INVALID'
elseif actor == '*' and merchant_id == '' then
  -- the system taking money back (a chargeback), from a frozen wallet too (wallet_refusal)
  code = wallet_refusal(wallet, currency, actor, true)
else
  code = source_refusal(wallet, currency, actor, 'hold')
end
-- a merchant cannot authorize a payment to itself, from its wallet or from one of its credit stripes
if not code and merchant_id ~= '' and holder_id(wallet) == merchant_id then code = 'SAME_WALLET' end
local rule = not code and limits_refusal(counter_keys, checks, amount)
if rule then code = 'LIMIT_EXCEEDED' end
local legs
if not code and merchant_id ~= '' and lifetime_ms <= 0 then error('an authorization needs a lifetime') end
if not code then
  legs = {{acct = wallet, bucket = 'avail', delta = -amount}, {acct = wallet, bucket = 'held', delta = amount}}
  code = legs_refusal(legs)
end
if code then
  local unrecorded = unrecorded_for(ARGV[11], wallet)
  -- a chargeback that money held in the wallet would cover (a payout or an authorization in flight)
  -- is not recorded: its caller freezes the wallet and asks again once those holds have ended
  if code == 'INSUFFICIENT_FUNDS' and actor == '*' and merchant_id == '' and wallet.avail + wallet.held >= amount then
    code, unrecorded = 'FUNDS_HELD', 'FUNDS_HELD'
  end
  return refuse(idem_key, request_hash, retention_ms, refusal(code, {holdId = hold_id, rule = rule or nil}),
    unrecorded)
end

local ts = now_ms()
local entries, balances = apply_legs(legs)
local counted = count_limits(counter_keys, checks, amount)
redis.call('HSET', hold_key, 'id', hold_id, 'wallet', wallet.id, 'amt', units(amount), 'cur', currency,
  'state', 'active', 'ref', reference, 'created', ts, 'lim', encode_list(counter_keys))
local movement = {counted = counted}
if merchant_id ~= '' then
  local expires = ts + lifetime_ms
  redis.call('HSET', hold_key, 'to', merchant_id, 'exp', expires, 'auth', units(amount), 'captured', 0)
  redis.call('ZADD', expiry_key, expires, hold_id)
  movement.to, movement.exp, movement.ref = merchant_id, expires, reference
end
local outcome = wallet_view(wallet)
outcome.code, outcome.holdId, outcome.status, outcome.amount, outcome.currency, outcome.reference, outcome.createdAt =
  'OK', hold_id, 'active', units(amount), currency, reference, ts
if merchant_id ~= '' then outcome.authorization = authorization_view(hold_key) end
local outcome_json = cjson.encode(outcome)
idem_record(idem_key, request_hash, 'done', outcome_json)
-- an authorization's steps share its id as their reference (the history's transactionId)
emit(outbox, posting(hold_id .. '.hold', 'hold', wallet_key, ts, {ref = merchant_id ~= '' and hold_id or reference, scope = idem_key,
  entries = entries, balances = balances, movement = movement, retire = {idem_key}}))
return reply('new', outcome_json)
