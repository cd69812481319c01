-- credit: moves money from a system account of this shard into a wallet
-- (a deposit settled by a gateway, or an adjustment booked by the system).
--
-- KEYS[1] wallet          {sNNNN}:w:<walletId>
-- KEYS[2] system account  {sNNNN}:a:<name>:<currency>
-- KEYS[3] idempotency     {sNNNN}:idem:<scope hash>
-- KEYS[4] outbox          {sNNNN}:outbox
-- KEYS[5..] the limit counters the credit gives back what it counted to (a returned payout's hold's)
-- ARGV[1] posting id   ARGV[2] amount (minor units)   ARGV[3] currency   ARGV[4] request hash
-- ARGV[5] system account id   ARGV[6] posting type (e.g. deposit)   ARGV[7] reference (e.g. deposit id)
-- ARGV[8] refusal retention ms   ARGV[9] 'on_its_way' for money on its way to the wallet before any
--         freeze: a collected deposit, a returned payout (optional)
--
-- Returns {kind, outcome}: outcome.code is OK (with the wallet's new balance), AMOUNT_INVALID,
-- WALLET_NOT_FOUND, WALLET_INACTIVE, CURRENCY_MISMATCH or BALANCE_OVERFLOW.
-- A frozen wallet takes money that was on its way to it before the freeze (a deposit the gateway
-- collected, a payout the bank returned), as it takes a released hold or a reversed saga, and stays
-- frozen; a closed wallet, emptied for good when it closed, does not.
-- Writes (only on OK): both accounts, the limit counters given back to, the idempotency record, one
-- posting in the outbox (with what it gave back as its movement's 'counted').

local wallet_key, system_key, idem_key, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local posting_id, currency, request_hash = ARGV[1], ARGV[3], ARGV[4]
local system_id, posting_type, reference = ARGV[5], ARGV[6], ARGV[7]
local retention_ms = tonumber(ARGV[8])
local on_its_way = ARGV[9] == 'on_its_way'

local seen = idem_lookup(idem_key, request_hash)
if seen then return seen end

local amount = positive_units(ARGV[2])
if not amount then return refuse(idem_key, request_hash, retention_ms, refusal('AMOUNT_INVALID')) end

local wallet = load_wallet(wallet_key)
local code = wallet_refusal(wallet, currency, '*', on_its_way)
local legs
if not code then
  legs = {{acct = wallet, bucket = 'avail', delta = amount},
          {acct = load_system(system_key, system_id, currency), bucket = 'avail', delta = -amount}}
  code = legs_refusal(legs)
end
if code then return refuse(idem_key, request_hash, retention_ms, refusal(code, {reference = reference})) end

local ts = now_ms()
local entries, balances = apply_legs(legs)
local counter_keys = tail(KEYS, 5)
local given_back = #counter_keys > 0 and uncount_limits(counter_keys, amount, 1) or nil
local outcome = wallet_view(wallet)
outcome.code, outcome.postingId, outcome.reference, outcome.amount, outcome.currency, outcome.createdAt =
  'OK', posting_id, reference, units(amount), currency, ts
local outcome_json = cjson.encode(outcome)
idem_record(idem_key, request_hash, 'done', outcome_json)
emit(outbox, posting(posting_id, posting_type, wallet_key, ts,
  {ref = reference, scope = idem_key, entries = entries, balances = balances, retire = {idem_key},
   movement = with_counted(nil, given_back)}))
return reply('new', outcome_json)
