-- capture: pays part or all of an authorization's held money to its merchant, on the payer's
-- shard. The capture is a payment (kind 'payment', its id the payment's id), so refunds, the
-- payment's view and the saga treat it like any other: with the merchant on this shard the money
-- goes to the merchant (less the fee) in this script and the payment record opens here; with the
-- merchant on another shard it goes into this shard's in-transit account and the movement is
-- pending, driven on by the saga (saga_credit, saga_finish) and its sweeper. A striped merchant
-- on another shard is paid here too, on its credit stripe on this shard: the movement and payment
-- records then name the stripe, and the merchant wallet as 'to_parent', as move.lua's do. What is not captured
-- is released to the payer (with its limits given back), unless the request keeps the rest open.
-- Limits are not counted again: the authorization counted them.
--
-- KEYS[1] payer wallet        {sNNNN}:w:<walletId>
-- KEYS[2] authorization       {sNNNN}:h:<holdId>
-- KEYS[3] idempotency         {sNNNN}:idem:<scope hash>
-- KEYS[4] movement record     {sNNNN}:x:<paymentId>
-- KEYS[5] outbox              {sNNNN}:outbox
-- KEYS[6] expiry set          {sNNNN}:hexp
-- KEYS[7] pending set         {sNNNN}:pending[:<region>]    (merchant on another shard; its region's set)
-- KEYS[8] in-transit account  {sNNNN}:a:transit:<currency> (merchant on another shard)
-- KEYS[9] merchant wallet     {sNNNN}:w:<walletId>         (merchant, or its credit stripe, on this shard;
--                                                           else any key, not touched)
-- KEYS[10] fee account        {sNNNN}:a:fees:<currency>    (merchant on this shard)
-- KEYS[11] payment record     {sNNNN}:pay:<paymentId>      (merchant on this shard)
-- KEYS[12..] the limit counters the authorization counted (its 'lim' field, in order)
-- ARGV[1] payment id   ARGV[2] authorization id   ARGV[3] amount   ARGV[4] fee   ARGV[5] request hash
-- ARGV[6] actor: '*' when the caller checked that it may capture (the merchant's owner), else the
--         payer's owner   ARGV[7] keep the rest open (1|0)
-- ARGV[8] refusal retention ms   ARGV[9] merchant on this shard (1|0)   ARGV[10] in-transit account id
-- ARGV[11] fee account id
-- ARGV[12] for a capture of the whole (the request named no amount), the merchant's fee rate in basis
--          points: what is held now is captured, its fee at that rate, whatever ARGV[3] and ARGV[4] read
--          before another capture took part of it; empty otherwise
--
-- Returns {kind, outcome}: outcome.code is OK (completed here), PENDING (the saga goes on), or
-- AUTHORIZATION_NOT_FOUND, AUTHORIZATION_NOT_ACTIVE, AUTHORIZATION_EXPIRED, AMOUNT_INVALID,
-- CAPTURE_EXCEEDS_AUTHORIZATION, WALLET_INACTIVE, CURRENCY_MISMATCH, NOT_A_MERCHANT, SAME_WALLET, BALANCE_OVERFLOW;
-- kind 'unrecorded' (AUTHORIZATION_NOT_FOUND, nothing written) when the authorization has no record.
-- Writes (only when accepted): the accounts, the authorization, the movement record, the payment
-- record or the pending set, the expiry set, the counters (the rest given back), the idempotency
-- record, one posting for the capture and one for the release of the rest.

local payer_key, auth_key, idem_key, record_key, outbox, expiry_key, pending_key, transit_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local merchant_key, fees_key, payment_key = KEYS[9], KEYS[10], KEYS[11]
local counter_keys = tail(KEYS, 12)
local id, auth_id, request_hash, actor, keep_open = ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7] == '1'
local retention_ms, same_shard, transit_id, fees_id = tonumber(ARGV[8]), ARGV[9] == '1', ARGV[10], ARGV[11]
local whole_bps = ARGV[12] ~= nil and ARGV[12] ~= '' and tonumber(ARGV[12]) or nil

local seen = idem_lookup(idem_key, request_hash, 'payment')
if seen then return seen end

local a = redis.call('HMGET', auth_key, 'state', 'wallet', 'to', 'amt', 'cur', 'exp', 'lim', 'ref')
-- No record: the authorization ended and its record expired after the caller read it. The caller
-- answers a missing record itself, from the ledger, and records nothing; so nothing is written here.
if not a[1] then
  return reply('unrecorded', cjson.encode(refusal('AUTHORIZATION_NOT_FOUND', {id = id, authorizationId = auth_id})))
end
local payer = load_wallet(payer_key)
local ts = now_ms()
local code
local visible = a[1] and a[3] and payer and payer.id == a[2] and (actor == '*' or payer.owner == actor)
if not visible then
  code = 'AUTHORIZATION_NOT_FOUND'
elseif a[1] ~= 'active' then code = 'AUTHORIZATION_NOT_ACTIVE'
elseif ts >= tonumber(a[6]) then code = 'AUTHORIZATION_EXPIRED'
-- a frozen payer sends nothing, its held money included: the merchant captures once it is active again
-- (its hold stays, and expires or is voided as any other)
elseif payer.status ~= 'active' then code = 'WALLET_INACTIVE' end
if not code and not names_keys(a[7], counter_keys) then error('limit counters do not match authorization ' .. auth_id) end
local held, currency, merchant_id = tonumber(a[4]), a[5], a[3]
local amount, fee
if not code and whole_bps then
  amount = held > 0 and held or nil
  fee = amount and fee_at(amount, whole_bps)
elseif not code then
  amount = positive_units(ARGV[3])
  fee = amount and valid_fee(ARGV[4], amount)
end
if not code and (not amount or not fee) then code = 'AMOUNT_INVALID' end
if not code and amount > held then code = 'CAPTURE_EXCEEDS_AUTHORIZATION' end
local merchant
if not code and same_shard then
  merchant = load_wallet(merchant_key)
  code = wallet_refusal(merchant, currency, '*')
  if not code and merchant.type ~= 'merchant' then code = 'NOT_A_MERCHANT' end
  -- an authorization from the merchant to itself (refused by hold since 2026-12-06): one wallet on both
  -- sides of the legs would be written twice over under one sequence number
  if not code and merchant.key == payer.key then code = 'SAME_WALLET' end
  if not code and holder_id(merchant) ~= merchant_id then error('wallet ' .. merchant.id .. ' does not receive for '
    .. merchant_id) end
end
-- the account paid: the merchant wallet, its stripe on this shard, or (another shard) the merchant
local payee_id = merchant and merchant.id or merchant_id
local legs
if not code then
  legs = {{acct = payer, bucket = 'held', delta = -amount}}
  if same_shard then
    add_credit_legs(legs, merchant, load_system(fees_key, fees_id, currency), amount, fee)
  else
    legs[2] = {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = amount}
  end
  code = legs_refusal(legs)
end
if code then
  return refuse(idem_key, request_hash, retention_ms, refusal(code, {id = id, authorizationId = auth_id,
    authorization = visible and authorization_view(auth_key) or nil}))
end

local rest = held - amount
-- what the capture leaves held stays authorized (keep open), else the authorization ends here and its
-- record is read from the ledger once the last posting of this script is committed
local ends = not (rest > 0 and keep_open)
local release_legs
if rest > 0 and not keep_open then
  release_legs = {{acct = payer, bucket = 'held', delta = -rest}, {acct = payer, bucket = 'avail', delta = rest}}
end
local entries, balances = apply_legs(legs)
local status = same_shard and 'completed' or 'pending'
redis.call('HINCRBY', auth_key, 'captured', units(amount))
if not ends then
  redis.call('HSET', auth_key, 'amt', units(rest))
else
  redis.call('HSET', auth_key, 'amt', 0, 'state', 'captured', 'finished', ts)
  redis.call('ZREM', expiry_key, auth_id)
end
local release
if release_legs then
  release = {}
  release.entries, release.balances = apply_legs(release_legs)
  release.given_back = uncount_limits(counter_keys, rest, 0)
end

-- what the ledger (and a rebuild from it) needs to know of the authorization after this capture
local after = {auth = auth_id, to = merchant_id, held = ends and '0' or units(rest),
               captured = redis.call('HGET', auth_key, 'captured')}
local view = movement_view(id, 'payment', payer.id, merchant_id, amount, fee, currency, ts,
  {code = same_shard and 'OK' or 'PENDING', status = status, paymentId = id, reference = a[8] ~= '' and a[8] or nil,
   authorizationId = auth_id, source = wallet_view(payer), authorization = authorization_view(auth_key)})
local outcome_json = cjson.encode(view)
if ends then
  redis.call('HSET', auth_key, 'outcome', outcome_json)
end
-- the capture's movement record, as move.lua or saga_debit.lua writes it: refunds and the saga read it.
-- Its counters are the authorization's, so that a reversal gives back what it captured (until
-- 2026-12-06 they were none, and a capture the merchant refused stayed counted against the payer)
redis.call('HSET', record_key, 'id', id, 'kind', 'payment', 'from', payer.id, 'to', payee_id, 'amt', units(amount),
  'fee', units(fee), 'cur', currency, 'state', status, 'created', ts, 'idem', idem_key, 'pay', id,
  'ref', a[8], 'lim', a[7], 'auth', auth_id)
if payee_id ~= merchant_id then redis.call('HSET', record_key, 'to_parent', merchant_id) end
if same_shard then
  open_payment_record(payment_key, id, amount, fee, payer.id, payee_id, currency, ts)
  for field, value in pairs(payment_opened(id, amount, fee, payer.id, payee_id, currency, a[8], merchant.parent)) do
    after[field] = value
  end
  redis.call('HSET', record_key, 'outcome', outcome_json, 'code', 'OK')
  idem_record(idem_key, request_hash, 'done', outcome_json)
  emit(outbox, posting(id, 'capture', payer_key, ts, {ref = id, scope = idem_key, entries = entries,
    balances = balances, movement = after,
    retire = retired_with_movement('payment', idem_key, record_key, payment_key, ends and not release and auth_key or nil)}))
else
  redis.call('HSET', record_key, 'out', '1')
  count_outgoing(payer_key)
  redis.call('ZADD', pending_key, ts, id)
  idem_record(idem_key, request_hash, 'pending', outcome_json)
  emit(outbox, posting(id .. '.debit', 'payment_debit', payer_key, ts, {ref = id, scope = idem_key, entries = entries,
    balances = balances, movement = {kind = 'payment', to = merchant_id, fee = units(fee), pay = id, ref = a[8],
    auth = auth_id, held = after.held, captured = after.captured, lim = a[7]},
    retire = ends and not release and {auth_key} or nil}))
end
if release then
  emit(outbox, posting(auth_id .. '.released', 'hold_released', payer_key, ts, {ref = auth_id, entries = release.entries,
    balances = release.balances, movement = with_counted(nil, release.given_back), retire = {auth_key}}))
end
return reply('new', outcome_json)
