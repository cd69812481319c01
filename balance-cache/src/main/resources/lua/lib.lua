-- lib.lua: helpers shared by every wallet script. The loader prepends this file to each
-- script, so every script is self-contained once loaded.
--
-- Rules every script follows:
--  * Every key it touches carries one shard's hash tag ({s0042}), so it runs on one node. All
--    are among its KEYS but its shard's list of region clearing accounts and a wallet's sweeps in
--    flight ({sNNNN}:sweeps:<wallet>), named from an account key's tag; the scripts that write them
--    name a record they create, which Redis holds back while their slot moves. The shard's clock
--    and account index are named here from the first key's tag too, and the money core declares
--    them after the script's own KEYS (Keys.declared), so that a slot on the move takes the
--    script where they are.
--  * It checks everything before its first write: Redis does not roll back a script that
--    fails half-way, but a script that raises before writing leaves nothing behind. The one
--    write before the checks is the shard's clock (below), which holds no money state.
--  * Amounts travel as decimal strings of minor units. Lua numbers are doubles, exact up to
--    2^53, so every amount and balance is kept within MAX_UNITS.
--  * Replies are {kind, outcomeJson}; kind is one of
--      'new'        the outcome was decided by this call
--      'replay'     the outcome was decided earlier under the same idempotency key
--      'in_flight'  the first request under this key has not reached its outcome yet
--      'key_reused' the key was used before for a different request

local MAX_UNITS = 9007199254740991

-- {s0042} of '{s0042}:w:...': the hash tag that puts a key in its shard's slot, and names the
-- shard's own keys that scripts do not pass among their KEYS.
local function tag_of(key)
  return string.match(key, '^{[^}]+}')
end

local function units(n)
  return string.format('%d', n)
end

local function server_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Every script first writes its shard's clock ({sNNNN}:clock). The money core answers a script
-- only after a replication WAIT on the script's connection, and WAIT waits for that connection's
-- last write: a script that only replays an outcome or refuses writes nothing else, while the write
-- it answers for may have been made on another connection just before a failover. Written here
-- rather than by a command sent after the script, so that a script alone costs the master one
-- write, one AOF fsync and one send to the replicas instead of two of each.
--
-- The clock is the latest time (ms) a script of the shard has taken. A script's time is the
-- master's or that clock, whichever is later, so a shard's timestamps never go back when the next
-- master (after a failover or a slot migration) runs behind the last one; the ledger reads an
-- account's newest entry by its timestamp. Until 2026-12-06 scripts incremented a counter instead
-- ({sNNNN}:commit), which scripts of older edges still do: a key of its own keeps their increments
-- out of the clock.
-- The money core declares the clock and the account index after the script's own KEYS
-- (Keys.declared); they are taken off here, so that a script's KEYS are its own (some end in
-- optional keys).
local ACCOUNT_INDEX = table.remove(KEYS)
local SHARD_CLOCK = table.remove(KEYS)
if SHARD_CLOCK ~= tag_of(KEYS[1]) .. ':clock' or ACCOUNT_INDEX ~= tag_of(KEYS[1]) .. ':accounts' then
  error('the shard clock and account index must follow the keys, not ' .. tostring(SHARD_CLOCK))
end
local script_ms = math.max(server_ms(), tonumber(redis.call('GET', SHARD_CLOCK)) or 0)
redis.call('SET', SHARD_CLOCK, units(script_ms))

local function now_ms()
  return script_ms
end

local function positive_units(text)
  if type(text) ~= 'string' or #text > 16 or not string.match(text, '^[1-9][0-9]*$') then
    return nil
  end
  local n = tonumber(text)
  if n > MAX_UNITS then return nil end
  return n
end

local function reply(kind, outcome_json)
  return {kind, outcome_json or ''}
end

local function refusal(code, extra)
  local outcome = extra or {}
  outcome.code = code
  return outcome
end

---------------------------------------------------------------- idempotency records
-- HASH: rh = hash of the request, state = 'pending' | 'done', outcome = JSON, replays = count,
-- rhn = the request's own hash when rh is an earlier version's (below)

-- A request hash argument is the request's own hash, then any that earlier versions gave the same
-- request, space-separated (RequestHash.java). A record keeps the earliest as 'rh', which every
-- version compares, and the request's own as 'rhn': during a rolling upgrade a retry through an old
-- edge and one through a new edge both find it, and a record written before the upgrade still replays.
local function names_hash(request_hash, recorded)
  return recorded == request_hash or string.find(' ' .. request_hash .. ' ', ' ' .. recorded .. ' ', 1, true) ~= nil
end

-- The restored record of a movement a rebuild found under way (RedisHotTierAccess): its request's
-- hash is not in the ledger, so a retry of a movement of its kind is told it is in flight, with its id,
-- as a faithful retry was before the loss.
local function restored_under_way(rec, movement_kind)
  return rec[1] == 'rebuilt-from-ledger' and rec[2] == 'pending' and movement_kind ~= nil
    and cjson.decode(rec[3]).kind == movement_kind
end

-- What a key's record says, without writing: nil (unknown), or a reply. A replay is counted by
-- count_replay, once the script knows it will write (a batch decides all of its items first).
-- 'movement_kind': the kind of movement the request makes, for scripts that make one (optional).
local function idem_seen(key, request_hash, movement_kind)
  local rec = redis.call('HMGET', key, 'rh', 'state', 'outcome', 'rhn')
  if not rec[1] then return nil end
  if restored_under_way(rec, movement_kind) then return reply('in_flight', rec[3]) end
  if not names_hash(request_hash, rec[1]) and not (rec[4] and names_hash(request_hash, rec[4])) then
    return reply('key_reused')
  end
  if rec[2] == 'pending' then return reply('in_flight', rec[3]) end
  return reply('replay', rec[3])
end

-- A write, so that a WAIT after a replay also covers the write that decided the outcome.
local function count_replay(key)
  redis.call('HINCRBY', key, 'replays', 1)
end

local function idem_lookup(key, request_hash, movement_kind)
  local seen = idem_seen(key, request_hash, movement_kind)
  if seen and seen[1] == 'replay' then count_replay(key) end
  return seen
end

local function idem_record(key, request_hash, state, outcome_json)
  local own, earliest = string.match(request_hash, '^(%S*)'), string.match(request_hash, '(%S*)$')
  if own == earliest then
    redis.call('HSET', key, 'rh', own, 'state', state, 'outcome', outcome_json)
  else
    redis.call('HSET', key, 'rh', earliest, 'rhn', own, 'state', state, 'outcome', outcome_json)
  end
end

-- A refusal moves no money and never reaches the ledger, so its record gets its lifetime now.
-- Records of postings get theirs from the ledger writer once PostgreSQL has the posting.
-- A refusal whose code is in 'unrecorded' (comma-separated codes the caller named, optional) writes
-- nothing and answers kind 'unrecorded': the caller may change what refused it (e.g. refill a credit
-- stripe) and ask again under the same key.
local function refuse(idem_key, request_hash, retention_ms, outcome, unrecorded)
  local json = cjson.encode(outcome)
  if unrecorded and string.find(',' .. unrecorded .. ',', ',' .. outcome.code .. ',', 1, true) then
    return reply('unrecorded', json)
  end
  idem_record(idem_key, request_hash, 'done', json)
  redis.call('PEXPIRE', idem_key, retention_ms)
  return reply('new', json)
end

---------------------------------------------------------------- accounts
-- Wallet HASH: id, owner, cur, type, status, avail, held, seq, created, and outgoing (below)
-- System account HASH: id, cur, avail, seq (created by its first posting; may go negative)

local function load_wallet(key)
  local f = redis.call('HMGET', key, 'id', 'owner', 'cur', 'status', 'avail', 'held', 'seq', 'type', 'outgoing',
    'parent', 'stripes')
  if not f[1] then return nil end
  return {kind = 'wallet', key = key, id = f[1], owner = f[2], cur = f[3], status = f[4],
          avail = tonumber(f[5]), held = tonumber(f[6]), seq = tonumber(f[7]), type = f[8],
          outgoing = tonumber(f[9] or '0'), parent = f[10] or nil, stripes = f[11] ~= false and f[11] ~= nil}
end

-- The refusal codes not to record for a movement out of 'source': INSUFFICIENT_FUNDS only for a
-- merchant wallet whose credit stripes were opened (its field 'stripes') or a stripe, whose shortfall
-- the caller makes good (gathering the stripes, refilling the stripe) before asking again; any other
-- wallet's is recorded at once, in this run of the script.
local function unrecorded_for(unrecorded, source)
  if not unrecorded or unrecorded == '' or (source and (source.stripes or source.parent)) then return unrecorded end
  return (string.gsub(',' .. unrecorded .. ',', ',INSUFFICIENT_FUNDS,', ','))
end

-- The wallet a party sees: a merchant's credit stripe ('parent' set) stands for its merchant wallet.
local function holder_id(w)
  return w.parent or w.id
end

-- A wallet's 'outgoing' counts its cross-shard movements debited and not finished: saga_debit
-- adds one and marks the movement record ('out'), saga_finish takes it back for a marked record.
-- set_status does not close a wallet while it is above zero, because a reversal would return
-- the money into a wallet that can never be reopened. Absent when zero.
local function count_outgoing(wallet_key)
  redis.call('HINCRBY', wallet_key, 'outgoing', 1)
end

local function uncount_outgoing(wallet_key)
  if redis.call('HINCRBY', wallet_key, 'outgoing', -1) <= 0 then redis.call('HDEL', wallet_key, 'outgoing') end
end

-- The shard's index of its accounts (SET {sNNNN}:accounts of ledger ids), which reconciliation
-- lists instead of every key of the slot. Named from the account key's own hash tag, so it is in
-- the script's slot; the money core declares it after the script's own KEYS.
local function index_account(account_key, id)
  redis.call('SADD', tag_of(account_key) .. ':accounts', id)
  -- a region's clearing accounts, also listed apart: the check between regions reads only those
  if string.sub(id, 1, 7) == 'region.' then redis.call('SADD', tag_of(account_key) .. ':regions', id) end
end

local function load_system(key, id, currency)
  local f = redis.call('HMGET', key, 'avail', 'seq')
  return {kind = 'system', key = key, id = id, cur = currency, status = 'active',
          avail = tonumber(f[1] or '0'), held = 0, seq = tonumber(f[2] or '0'), new = (f[2] == false)}
end

-- The refusal a wallet gives to a movement, or nil. Owner '*' is a trusted system actor. With
-- 'settling', the movement settles what the wallet owes or is owed (a chargeback taken back, a
-- returned payout coming back): a frozen wallet takes part, as it does in a released hold or a
-- reversed saga, since freezing stops its owner, not its debts; a closed one, emptied for good, does not.
local function wallet_refusal(wallet, currency, actor, settling)
  if not wallet then return 'WALLET_NOT_FOUND' end
  if actor and actor ~= '*' and wallet.owner ~= actor then return 'WALLET_NOT_FOUND' end
  if wallet.status ~= 'active' and not (settling and wallet.status == 'frozen') then return 'WALLET_INACTIVE' end
  if wallet.cur ~= currency then return 'CURRENCY_MISMATCH' end
  return nil
end

-- The refusal the wallet money leaves gives, or nil. A merchant's credit stripe is its merchant
-- wallet's, not a wallet of its own: it pays out only the refunds of payments that landed on it and
-- the system's sweeps. Named by a client as the source of anything else, it would give its owner
-- the limit windows of another shard (counters are per shard) and a payout its merchant never made.
local function source_refusal(wallet, currency, actor, kind)
  local code = wallet_refusal(wallet, currency, actor)
  if not code and wallet.parent and actor ~= '*' and kind ~= 'refund' then return 'WALLET_NOT_FOUND' end
  return code
end

-- The refusal the destination gives a movement of this kind, or nil: a payment goes to a merchant
-- wallet, and a transfer does not (a merchant is paid with a payment, its fee and the rules on
-- paying it, such as a merchant's own limits, applied; a transfer would pass them by).
local function receiver_refusal(kind, to)
  if kind == 'payment' and to.type ~= 'merchant' then return 'NOT_A_MERCHANT' end
  if kind == 'transfer' and to.type == 'merchant' then return 'MERCHANT_WALLET' end
  return nil
end

---------------------------------------------------------------- postings
-- A leg is {acct = <loaded account>, bucket = 'avail' | 'held', delta = <signed units>}.

local BUCKET_NAMES = {avail = 'available', held = 'held'}

-- A wallet's money, available and held together, as the legs decided so far would leave it.
local function wallet_total(a, projected)
  return (projected[a.key .. '|avail'] or a.avail) + (projected[a.key .. '|held'] or a.held)
end

-- The refusal the legs give, or nil. Raises (before any write) when the legs do not balance,
-- which is a bug in the caller, not a business outcome. 'projected' (optional) holds the balances
-- earlier postings of the same script would leave (a batch decides all of them before writing).
-- A wallet's available and held together stay within MAX_UNITS, not each alone: a release moves held
-- money back to available, and (until 2026-12-07) one then took available past 2^53-1, where Lua's
-- numbers are no longer exact, or could not be applied at all and stayed held.
local function legs_refusal(legs, projected)
  local sum = 0
  projected = projected or {}
  for _, leg in ipairs(legs) do
    local a = leg.acct
    local slot = a.key .. '|' .. leg.bucket
    local after = (projected[slot] or a[leg.bucket]) + leg.delta
    if a.kind == 'wallet' and after < 0 then
      return leg.bucket == 'avail' and 'INSUFFICIENT_FUNDS' or 'HOLD_EXCEEDED'
    end
    if after > MAX_UNITS or after < -MAX_UNITS then return 'BALANCE_OVERFLOW' end
    projected[slot] = after
    sum = sum + leg.delta
  end
  if sum ~= 0 then error('unbalanced posting: legs sum to ' .. units(sum)) end
  for _, leg in ipairs(legs) do
    if leg.acct.kind == 'wallet' and leg.delta > 0 and wallet_total(leg.acct, projected) > MAX_UNITS then
      return 'BALANCE_OVERFLOW'
    end
  end
  return nil
end

-- Applies checked legs; every account touched advances its sequence once per posting. Returns
-- the posting's entries and the balances of the wallets it touched (both buckets: live balance
-- feeds read them from the outbox).
local function apply_legs(legs)
  local entries, advanced, wallets = {}, {}, {}
  for _, leg in ipairs(legs) do
    local a = leg.acct
    if not advanced[a.key] then
      a.seq = redis.call('HINCRBY', a.key, 'seq', 1)
      if a.kind == 'system' and a.new then
        redis.call('HSET', a.key, 'id', a.id, 'cur', a.cur)
        index_account(a.key, a.id)
      end
      if a.kind == 'wallet' then wallets[#wallets + 1] = a end
      advanced[a.key] = true
    end
    local after = redis.call('HINCRBY', a.key, leg.bucket, units(leg.delta))
    a[leg.bucket] = after
    entries[#entries + 1] = {account = a.id, bucket = BUCKET_NAMES[leg.bucket], amount = units(leg.delta),
                             currency = a.cur, balanceAfter = units(after), seq = units(a.seq)}
  end
  local balances = {}
  for _, w in ipairs(wallets) do
    balances[#balances + 1] = {wallet = w.id, available = units(w.avail), held = units(w.held), seq = units(w.seq)}
  end
  return entries, balances
end

-- Appends one outbox entry (a posting, or an event when entries is nil) to the shard's stream.
-- The ledger writer turns it into rows, then gives the keys in 'retire' their lifetime.
local function emit(outbox, record)
  redis.call('XADD', outbox, '*', 'p', cjson.encode(record))
end

local function wallet_view(w)
  return {walletId = w.id, available = units(w.avail), held = units(w.held), seq = units(w.seq)}
end

local function shard_of(key)
  return string.match(key, '^{(s%d+)}')
end

local function posting(id, type, shard_key, ts, fields)
  local p = fields or {}
  p.v, p.id, p.type, p.shard, p.ts = 1, id, type, shard_of(shard_key), ts
  return p
end

---------------------------------------------------------------- limits
-- Limit checks travel as JSON in one ARGV, [{"r": rule, "a": max minor units (-1: none),
-- "n": max count (-1: none), "t": window ms}, ...], and their counters as the last KEYS, in the
-- same order. A counter is a HASH (amt, cnt) per owner, in the shard of the debited wallet: the
-- owner's home shard, which holds every wallet of the owner, so one counter sees all its debits.
-- It expires with its window.

-- 'counted' (optional) holds what earlier movements of the same script will add, by counter key.
local function limits_refusal(counter_keys, checks, amount, counted)
  counted = counted or {}
  for i, check in ipairs(checks) do
    local c = redis.call('HMGET', counter_keys[i], 'amt', 'cnt')
    local more = counted[counter_keys[i]] or {amt = 0, cnt = 0}
    local amt, cnt = tonumber(c[1] or '0') + more.amt, tonumber(c[2] or '0') + more.cnt
    if (check.a >= 0 and amt + amount > check.a) or (check.n >= 0 and cnt + 1 > check.n) then
      return check.r
    end
  end
  return nil
end

-- Notes what a decided movement will count, for the movements decided after it in the same script.
local function project_limits(counted, counter_keys, amount)
  for _, key in ipairs(counter_keys) do
    local more = counted[key] or {amt = 0, cnt = 0}
    counted[key] = {amt = more.amt + amount, cnt = more.cnt + 1}
  end
end

-- What a posting counted against its owner's limits (negative: gave back), as its movement's
-- 'counted': each counter with the instant its window ends (Redis's clock), so that a rebuild
-- from the ledger restores the counters of the windows still open. Nil when nothing was counted.
local function counted_view(amount, count, windows)
  if #windows == 0 then return nil end
  return {amt = units(amount), cnt = count, keys = windows}
end

-- A posting's movement fields with what it counted, if anything.
local function with_counted(movement, counted)
  if not counted then return movement end
  local fields = movement or {}
  fields.counted = counted
  return fields
end

local function count_limits(counter_keys, checks, amount)
  local windows = {}
  for i, check in ipairs(checks) do
    local key = counter_keys[i]
    redis.call('HINCRBY', key, 'amt', units(amount))
    redis.call('HINCRBY', key, 'cnt', 1)
    local ends = redis.call('PEXPIRETIME', key)
    if ends < 0 then
      redis.call('PEXPIRE', key, check.t)
      ends = redis.call('PEXPIRETIME', key)
    end
    windows[i] = {key, units(ends)}
  end
  return counted_view(amount, 1, windows)
end

-- A reversed or released movement gives back what it counted (a counter whose window has
-- ended is gone, and stays gone). An authorization released after part of it was captured gives
-- back the rest of its amount but not its count (count 0): one payment did happen.
local function uncount_limits(counter_keys, amount, count)
  local uncounted = count or 1
  local windows = {}
  for _, key in ipairs(counter_keys) do
    local ends = redis.call('PEXPIRETIME', key)
    if ends ~= -2 then
      if amount > 0 then redis.call('HINCRBY', key, 'amt', units(-amount)) end
      if uncounted > 0 then redis.call('HINCRBY', key, 'cnt', -uncounted) end
      if ends > 0 then windows[#windows + 1] = {key, units(ends)} end
    end
  end
  return counted_view(-amount, -uncounted, windows)
end

-- A fee of 'bps' basis points of an amount, rounded half up, as the edge's Fees.feeMinor works it out.
local function fee_at(amount, bps)
  local wholes, rest = math.floor(amount / 10000), amount % 10000
  return wholes * bps + math.floor((rest * bps + 5000) / 10000)
end

-- A list as JSON; an empty one as [] (cjson would write {}).
local function encode_list(list)
  if #list == 0 then return '[]' end
  return cjson.encode(list)
end

-- Whether a record's counter list (JSON, as its debit wrote it or a rebuild from the ledger restored
-- it) names exactly these keys, in order. Compared as lists, not as text: two JSON encoders agree on
-- the text of plain keys only.
local function names_keys(encoded, keys)
  if not encoded then return false end
  local named = cjson.decode(encoded)
  if #named ~= #keys then return false end
  for i = 1, #keys do
    if named[i] ~= keys[i] then return false end
  end
  return true
end

local function tail(list, from)
  local out = {}
  for i = from, #list do out[#out + 1] = list[i] end
  return out
end

---------------------------------------------------------------- movements
-- A movement takes money from a source wallet to a destination wallet. Its kind decides the legs:
--   transfer  source -A, destination +A
--   payment   payer -A, merchant +(A - fee), the shard's fee account +fee; the merchant's shard
--             keeps a payment record so refunds can be bounded by what was paid
--   refund    merchant -A, payer +A, within what the payment record still allows
--   sweep     a merchant's own money between its wallet and one of its credit stripes (wallets of
--             the same owner on the other shards, see Stripes.java): source -A, destination +A.
--             Always a saga: a stripe never shares its merchant wallet's shard

local KINDS = {transfer = true, payment = true, refund = true, sweep = true}

-- A sweep in flight is listed on its source (HASH {sNNNN}:sweeps:<walletId>, movement id ->
-- '<amount> <destination wallet id>') from its debit to its finish, and each of its steps adds one
-- to the 'swv' of the wallet it touches. A reader of a merchant's total over all its shards counts
-- what is listed and not yet credited (the destination's decision marker says), and reads again
-- when a 'swv' moved while it read.
local function sweeps_key(wallet_key, wallet_id)
  return tag_of(wallet_key) .. ':sweeps:' .. wallet_id
end

local function note_sweep_step(wallet_key)
  redis.call('HINCRBY', wallet_key, 'swv', 1)
end

-- The payment record (HASH on the merchant's shard): id, amt, fee, refunded, payer, merchant, cur,
-- created. It bounds the payment's refunds while the hot tier keeps it, and it is kept only so long:
-- every posting that opens or changes it retires it, so it expires a retention after the ledger
-- has its last change. The ledger keeps every payment: the posting that opens a record carries its
-- fields (payment_opened), each refund and reversal what it changed 'refunded' by (refund_counted),
-- and a refund that finds the record gone restores it from there (refund_bound).
local function open_payment_record(key, payment_id, amount, fee, payer, merchant, currency, ts)
  redis.call('HSET', key, 'id', payment_id, 'amt', units(amount), 'fee', units(fee), 'refunded', 0,
    'payer', payer, 'merchant', merchant, 'cur', currency, 'created', ts)
end

-- What the posting that opens a payment record tells the ledger of it (the posting's 'movement'), and
-- what a payment read from the ledger needs besides: the merchant's order reference ('ref', when the
-- opening script has it: a saga's debit carries it otherwise) and, for a credit stripe, its merchant
-- wallet ('parent').
local function payment_opened(payment_id, amount, fee, payer, merchant, currency, reference, parent)
  return {pay = payment_id, payer = payer, merchant = merchant, amt = units(amount), fee = units(fee), cur = currency,
          ref = (reference and reference ~= '') and reference or nil, parent = parent}
end

-- What a refund (positive) or its reversal (negative) tells the ledger it changed on its payment record.
local function refund_counted(payment_id, delta)
  return {pay = payment_id, refunded = units(delta)}
end

-- The last entry of a shard's outbox, '0-0' when it holds none.
local function last_outbox_entry(outbox)
  local last = redis.call('XREVRANGE', outbox, '+', '-', 'COUNT', 1)
  return last[1] and last[1][1] or '0-0'
end

-- A refund's payment record as the refund decides on it: the hot record, or, when it has expired,
-- the one 'facts' restore: what the ledger held of the payment ({found, amt, fee, refunded, payer,
-- merchant, cur, created, at}). The caller read them once the ledger had every entry this shard's
-- outbox held when the record was found gone, at 'at' (payment_record_cold): so every change ever
-- made to the record is in them. They serve for FACTS_SERVE_MS after 'at' only: a record restored
-- meanwhile by another refund expires no sooner than the ledger writer's retention (a day; never
-- below this but in tests) after that refund reached the ledger, so a record still gone was not
-- restored and changed in between.
-- Returns {amt, refunded, merchant}, {} when the ledger has no such payment, or nil: the record is
-- cold and the caller must read the ledger.
local FACTS_SERVE_MS = 30000
local function refund_bound(key, facts)
  local p = redis.call('HMGET', key, 'amt', 'refunded', 'merchant')
  if p[1] then return {amt = tonumber(p[1]), refunded = tonumber(p[2]), merchant = p[3]} end
  if not facts or now_ms() - tonumber(facts.at) >= FACTS_SERVE_MS then return nil end
  if not facts.found then return {} end
  return {amt = tonumber(facts.amt), refunded = tonumber(facts.refunded), merchant = facts.merchant}
end

-- The refusal a refund gets from its payment record (refund_bound), or nil.
local function refund_refusal(key, merchant_id, amount, facts)
  local p = refund_bound(key, facts)
  if not p then return 'PAYMENT_RECORD_COLD' end
  if p.merchant ~= merchant_id then return 'PAYMENT_NOT_FOUND' end
  if p.refunded + amount > p.amt then return 'REFUND_EXCEEDS_PAYMENT' end
  return nil
end

-- Counts an applied refund on its payment record, restoring the record from the facts the refund was
-- decided on when it has expired (refund_bound). Returns the posting's 'movement' for the ledger.
local function count_refund(key, payment_id, amount, facts)
  if facts and facts.found and redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'id', payment_id, 'amt', facts.amt, 'fee', facts.fee, 'refunded', facts.refunded,
      'payer', facts.payer, 'merchant', facts.merchant, 'cur', facts.cur, 'created', facts.created)
  end
  redis.call('HINCRBY', key, 'refunded', units(amount))
  return refund_counted(payment_id, amount)
end

-- A refund whose payment record has expired, asked without facts: nothing is written. The caller waits
-- until the ledger has committed this shard's outbox up to 'seen', reads the payment there and asks
-- again with the facts, stamped 'at'.
local function payment_record_cold(id, outbox)
  return reply('unrecorded', cjson.encode(refusal('PAYMENT_RECORD_COLD',
    {id = id, at = units(now_ms()), seen = last_outbox_entry(outbox)})))
end

-- Adds the legs crediting a movement's destination side: the destination, and the fee account
-- for a payment's fee. The caller adds the balancing leg (the source wallet, or in-transit).
local function add_credit_legs(legs, to, fees, amount, fee)
  -- a fee of the whole amount leaves the merchant nothing: no line of zero (the ledger refuses them)
  if amount > fee then legs[#legs + 1] = {acct = to, bucket = 'avail', delta = amount - fee} end
  if fee > 0 then legs[#legs + 1] = {acct = fees, bucket = 'avail', delta = fee} end
  return legs
end

local function movement_view(id, kind, from_id, to_id, amount, fee, currency, ts, extra)
  local view = extra or {}
  view.id, view.kind, view.fromWalletId, view.toWalletId = id, kind, from_id, to_id
  view.amount, view.fee, view.currency, view.createdAt = units(amount), units(fee), currency, ts
  return view
end

-- The fee of a movement: a decimal string of minor units, at most the amount; nil when malformed.
local function valid_fee(text, amount)
  if type(text) ~= 'string' or #text > 16 or not string.match(text, '^[0-9]+$') then return nil end
  local fee = tonumber(text)
  if fee > amount then return nil end
  return fee
end

---------------------------------------------------------------- authorizations
-- An authorization is a hold (HASH {sNNNN}:h:<id>, see hold.lua) that names a merchant wallet
-- ('to') and an expiry ('exp', ms); 'auth' is the amount authorized, 'amt' what is still held,
-- 'captured' what was paid to the merchant so far, 'by' who released it (void or expiry).
-- Open authorizations sit in the shard's expiry set (ZSET id -> exp ms) read by the sweeper.

local AUTH_FIELDS = {'id', 'wallet', 'to', 'auth', 'amt', 'captured', 'cur', 'state', 'by', 'ref', 'created', 'exp'}

-- The authorization as its record holds it (strings, as in an HGETALL), for outcomes.
local function authorization_view(hold_key)
  local values = redis.call('HMGET', hold_key, unpack(AUTH_FIELDS))
  local view = {}
  for i, field in ipairs(AUTH_FIELDS) do
    if values[i] then view[field] = values[i] end
  end
  return view
end

---------------------------------------------------------------- deciding and applying a movement
-- What move.lua does for one movement and move_batch.lua for many on one shard. A movement 'm':
--   keys: from_key, to_key, idem_key, record_key, fees_key, payment_key, counter_keys
--   args: id, kind, amount_text, fee_text, currency, request_hash, actor, fees_id, payment_id,
--         reference, checks (decoded limit checks, in the order of counter_keys)
-- 'state' is shared by the movements of one script: accounts loaded once per key (so a wallet in
-- several movements is one table, and each posting advances its seq), the balances and limit
-- counters the movements decided so far would leave.

local function new_state()
  return {accounts = {}, balances = {}, counted = {}}
end

local function cached(state, key, load)
  if state.accounts[key] == nil then state.accounts[key] = load(key) or false end
  return state.accounts[key] or nil
end

-- The refusal code and rule of a movement, or nil after noting its legs and amounts in 'm'
-- and what it would change in 'state'. Writes nothing.
local function movement_refusal(m, state)
  if not KINDS[m.kind] then error('unknown movement kind ' .. tostring(m.kind)) end
  if m.kind == 'sweep' then error('a sweep is always a saga: a stripe never shares its merchant\'s shard') end
  local amount = positive_units(m.amount_text)
  local fee = amount and valid_fee(m.fee_text, amount)
  local from, to = cached(state, m.from_key, load_wallet), cached(state, m.to_key, load_wallet)
  local code
  if not amount or not fee then code = 'AMOUNT_INVALID'
  elseif m.from_key == m.to_key then code = 'SAME_WALLET'
  else code = source_refusal(from, m.currency, m.actor, m.kind) or wallet_refusal(to, m.currency, '*') end
  if not code then code = receiver_refusal(m.kind, to) end
  if not code and m.kind == 'refund' then
    code = refund_refusal(m.payment_key, from.id, amount, m.facts)
  end
  local rule = not code and limits_refusal(m.counter_keys, m.checks, amount, state.counted)
  if rule then return 'LIMIT_EXCEEDED', rule end
  if code then return code end
  local fees = cached(state, m.fees_key, function(key) return load_system(key, m.fees_id, m.currency) end)
  local legs = add_credit_legs({{acct = from, bucket = 'avail', delta = -amount}}, to, fees, amount, fee)
  code = legs_refusal(legs, state.balances)
  if code then return code end
  project_limits(state.counted, m.counter_keys, amount)
  m.from, m.to, m.amount, m.fee, m.legs = from, to, amount, fee, legs
  return nil
end

-- What a reversal's posting tells the ledger, so that reads of the movement come from there once its
-- record has expired: the destination's refusal code; for a payment, the payment as its record said
-- it ('m': saga_finish's read of the record); for a refund, what it gives back to its payment record.
local function reversal_facts(kind, code, m, amount)
  local facts = kind == 'refund' and refund_counted(m[11], -amount) or {}
  facts.code = code
  if kind == 'payment' then
    facts.pay, facts.payer, facts.merchant, facts.amt, facts.fee, facts.cur, facts.ref, facts.created =
      m[11], m[4], m[5], m[6], m[7], m[8], m[12], m[9]
  end
  return facts
end

-- What a completed movement's posting lets expire once the ledger has committed it: its idempotency
-- record, its movement record (a transfer, a payment and a refund are read from the ledger once it is
-- gone), and the payment record a payment opens or a refund changes (open_payment_record).
local function retired_with_movement(kind, idem_key, record_key, payment_key, ...)
  local keys = {idem_key, record_key, ...}
  if (kind == 'payment' or kind == 'refund') and payment_key then keys[#keys + 1] = payment_key end
  return keys
end

-- Applies a decided movement: the accounts, its limit counters, its records (movement, payment,
-- idempotency) and one posting in the outbox. Returns the outcome's JSON.
local function apply_movement(m, outbox)
  local ts = now_ms()
  local entries, balances = apply_legs(m.legs)
  local counted = count_limits(m.counter_keys, m.checks, m.amount)
  local payment_change
  if m.kind == 'payment' then
    open_payment_record(m.payment_key, m.payment_id, m.amount, m.fee, m.from.id, m.to.id, m.currency, ts)
    payment_change = payment_opened(m.payment_id, m.amount, m.fee, m.from.id, m.to.id, m.currency, m.reference,
      m.to.parent)
  end
  if m.kind == 'refund' then payment_change = count_refund(m.payment_key, m.payment_id, m.amount, m.facts) end
  local outcome_json = cjson.encode(movement_view(m.id, m.kind, holder_id(m.from), holder_id(m.to), m.amount, m.fee,
    m.currency, ts,
    {code = 'OK', status = 'completed', paymentId = m.payment_id ~= '' and m.payment_id or nil,
     reference = m.reference ~= '' and m.reference or nil, source = wallet_view(m.from)}))
  -- No copy of the outcome here: replays answer from the idempotency record, and only a saga's
  -- record needs its own (saga_finish replays it). Every byte written is also appended to the AOF,
  -- sent to each replica and copied again by each AOF rewrite.
  redis.call('HSET', m.record_key, 'id', m.id, 'kind', m.kind, 'from', m.from.id, 'to', m.to.id,
    'amt', units(m.amount), 'fee', units(m.fee), 'cur', m.currency, 'state', 'completed', 'created', ts,
    'idem', m.idem_key, 'pay', m.payment_id, 'ref', m.reference, 'code', 'OK')
  -- through a credit stripe: 'from' and 'to' name the accounts moved, these the wallets the parties see
  if m.from.parent then redis.call('HSET', m.record_key, 'from_parent', m.from.parent) end
  if m.to.parent then redis.call('HSET', m.record_key, 'to_parent', m.to.parent) end
  idem_record(m.idem_key, m.request_hash, 'done', outcome_json)
  emit(outbox, posting(m.id, m.kind, m.from_key, ts, {ref = m.id, scope = m.idem_key, entries = entries,
    balances = balances, movement = with_counted(payment_change, counted),
    retire = retired_with_movement(m.kind, m.idem_key, m.record_key, m.payment_key)}))
  return outcome_json
end
