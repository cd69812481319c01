-- saga_debit: step 1 of a movement between wallets on different shards, on the source shard.
-- Moves the amount from the source wallet into this shard's in-transit account, checks and
-- counts the sender's limits, reserves a refund against its payment record, and records the
-- movement as pending.
--
-- KEYS[1] source wallet       {sNNNN}:w:<walletId>
-- KEYS[2] in-transit account  {sNNNN}:a:transit:<currency>
-- KEYS[3] idempotency         {sNNNN}:idem:<scope hash>
-- KEYS[4] movement record     {sNNNN}:x:<movementId>
-- KEYS[5] pending set         {sNNNN}:pending, or {sNNNN}:pending:<region> for a wallet of another region
--                             (ZSET movementId -> created ms, read by the sweeper)
-- KEYS[6] outbox              {sNNNN}:outbox
-- KEYS[7] payment record      {sNNNN}:pay:<paymentId>   (a refund's bound; not touched otherwise)
-- KEYS[8..] the sender's limit counters, in the order of ARGV[13]
-- ARGV[1] movement id   ARGV[2] kind   ARGV[3] amount   ARGV[4] fee   ARGV[5] currency   ARGV[6] request hash
-- ARGV[7] actor   ARGV[8] destination wallet id   ARGV[9] in-transit account id   ARGV[10] refusal retention ms
-- ARGV[11] payment id   ARGV[12] reference   ARGV[13] limit checks (JSON, see lib.lua)
-- ARGV[14] for a refund whose payment record has expired, what the ledger holds of the payment (as
--          move.lua's ARGV[14]; optional)
-- ARGV[15] refusal codes not to record, comma-separated (optional; as move.lua's ARGV[13]): a refund
--          from a striped merchant wallet gathering its stripes asks again after a shortfall
--          (INSUFFICIENT_FUNDS only for a source with stripes or a stripe: unrecorded_for in lib.lua)
--
-- Returns {kind, outcome}: outcome.code is PENDING (the movement's view) or AMOUNT_INVALID,
-- WALLET_NOT_FOUND, WALLET_INACTIVE, CURRENCY_MISMATCH, PAYMENT_NOT_FOUND, REFUND_EXCEEDS_PAYMENT,
-- LIMIT_EXCEEDED, INSUFFICIENT_FUNDS, BALANCE_OVERFLOW, or PAYMENT_RECORD_COLD unrecorded (as
-- move.lua's). The idempotency record stays 'pending'
-- (replays answer in_flight) until saga_finish. Writes (only on PENDING): wallet (balance and its
-- count of outgoing movements), in-transit account, movement record, pending set, payment record
-- (refund), counters, idempotency record, one posting.

local from_key, transit_key, idem_key, record_key, pending_key, outbox, payment_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local counter_keys = tail(KEYS, 8)
local id, kind, currency, request_hash, actor, to_id, transit_id =
  ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local retention_ms, payment_id, reference = tonumber(ARGV[10]), ARGV[11], ARGV[12]
local checks = cjson.decode(ARGV[13])
local facts = ARGV[14] and ARGV[14] ~= '' and cjson.decode(ARGV[14]) or nil
if not KINDS[kind] then error('unknown movement kind ' .. tostring(kind)) end

local seen = idem_lookup(idem_key, request_hash, kind)
if seen then return seen end

local amount = positive_units(ARGV[3])
local fee = amount and valid_fee(ARGV[4], amount)
local from = load_wallet(from_key)
local code
if not amount or not fee then code = 'AMOUNT_INVALID' else code = source_refusal(from, currency, actor, kind) end
if not code and kind == 'refund' then code = refund_refusal(payment_key, from.id, amount, facts) end
if code == 'PAYMENT_RECORD_COLD' then return payment_record_cold(id, outbox) end
local rule = not code and limits_refusal(counter_keys, checks, amount)
if rule then code = 'LIMIT_EXCEEDED' end
local legs
if not code then
  legs = {{acct = from, bucket = 'avail', delta = -amount},
          {acct = load_system(transit_key, transit_id, currency), bucket = 'avail', delta = amount}}
  code = legs_refusal(legs)
end
if code then
  return refuse(idem_key, request_hash, retention_ms, refusal(code, {id = id, rule = rule or nil}),
    unrecorded_for(ARGV[15], from))
end

local ts = now_ms()
local entries, balances = apply_legs(legs)
local counted = count_limits(counter_keys, checks, amount)
local refunded = kind == 'refund' and count_refund(payment_key, payment_id, amount, facts).refunded or nil
redis.call('HSET', record_key, 'id', id, 'kind', kind, 'from', from.id, 'to', to_id, 'amt', units(amount),
  'fee', units(fee), 'cur', currency, 'state', 'pending', 'created', ts, 'idem', idem_key, 'pay', payment_id,
  'ref', reference, 'lim', encode_list(counter_keys), 'out', '1')
count_outgoing(from_key)
if kind == 'sweep' then
  redis.call('HSET', sweeps_key(from_key, from.id), id, units(amount) .. ' ' .. to_id)
  note_sweep_step(from_key)
end
redis.call('ZADD', pending_key, ts, id)
local outcome_json = cjson.encode(movement_view(id, kind, from.id, to_id, amount, fee, currency, ts,
  {code = 'PENDING', status = 'pending', paymentId = payment_id ~= '' and payment_id or nil,
   reference = reference ~= '' and reference or nil, source = wallet_view(from)}))
idem_record(idem_key, request_hash, 'pending', outcome_json)
-- the movement's own fields travel with it, so the ledger (and a rebuild from it) needs no read of Redis;
-- a refund's also what it counted on its payment record, which its posting retires (open_payment_record)
emit(outbox, posting(id .. '.debit', kind .. '_debit', from_key, ts, {ref = id, scope = idem_key, entries = entries,
  balances = balances, movement = {kind = kind, to = to_id, fee = units(fee), pay = payment_id, ref = reference,
  refunded = refunded, counted = counted}, retire = refunded and {payment_key} or nil}))
return reply('new', outcome_json)
