-- move_batch: an atomic batch of movements (transfers or payments; see lib.lua) on one shard: all
-- of them are applied, or none. Every item is decided first, against the balances and limit
-- counters the items before it would leave; only then is anything written. Each applied item gets
-- what move.lua would give it alone: its idempotency record, movement (and payment) record,
-- limit counts and one posting in the outbox, so the ledger records it as a single movement.
--
-- KEYS[1] outbox                {sNNNN}:outbox
-- then per item, in order: source wallet, destination wallet, idempotency record, movement record,
-- fee account, payment record (as move.lua's KEYS[1,2,3,4,6,7]), then its item.nc limit counters
-- ARGV[1] actor (who must own every source)
-- ARGV[2] items (JSON array): {id, kind, amt, fee, cur, rh (request hash), fid (fee account id),
--         pay (payment id), ref (reference), checks (limit checks, see lib.lua), nc (counter count)}
--
-- An item whose key already has a recorded outcome is replayed, as alone; it is not applied again.
-- Returns {'new', {code, failed?, items: [{k: reply kind, o: outcome JSON}]}}. code OK: every item
-- is applied or replayed. code BATCH_REFUSED: nothing was written (not even a refusal record);
-- 'failed' is the first item that refused (its own refusal, a reused or in-flight key, or a replayed
-- refusal), the other new items carry BATCH_REFUSED. Raises before any write on a key used twice.

local outbox, actor = KEYS[1], ARGV[1]
local items = cjson.decode(ARGV[2])

local function movements_of(list)
  local out, next_key, keys_seen = {}, 2, {}
  for i, item in ipairs(list) do
    local k = next_key
    local idem_key = KEYS[k + 2]
    if keys_seen[idem_key] then error('idempotency key used twice in one batch (item ' .. i .. ')') end
    keys_seen[idem_key] = true
    local counters = {}
    for c = 1, item.nc do counters[c] = KEYS[k + 5 + c] end
    out[i] = {from_key = KEYS[k], to_key = KEYS[k + 1], idem_key = idem_key, record_key = KEYS[k + 3],
      fees_key = KEYS[k + 4], payment_key = KEYS[k + 5], counter_keys = counters, id = item.id, kind = item.kind,
      amount_text = item.amt, fee_text = item.fee, currency = item.cur, request_hash = item.rh, actor = actor,
      fees_id = item.fid, payment_id = item.pay, reference = item.ref, checks = item.checks}
    next_key = k + 6 + item.nc
  end
  return out
end

-- Decides every item; returns the index of the first refusal (nil when all may go) and the results.
local function decide_all(movements)
  local state, results = new_state(), {}
  for i, m in ipairs(movements) do
    local seen = idem_seen(m.idem_key, m.request_hash, m.kind)
    if seen then
      results[i] = {k = seen[1], o = seen[2]}
      if seen[1] ~= 'replay' or cjson.decode(seen[2]).code ~= 'OK' then return i, results end
      m.replayed = true
    else
      local code, rule = movement_refusal(m, state)
      if code then
        results[i] = {k = 'new', o = cjson.encode(refusal(code, {id = m.id, rule = rule}))}
        return i, results
      end
    end
  end
  return nil, results
end

local movements = movements_of(items)
local failed, results = decide_all(movements)
if failed then
  for i, m in ipairs(movements) do
    if not results[i] then
      local seen = idem_seen(m.idem_key, m.request_hash, m.kind)
      results[i] = seen and {k = seen[1], o = seen[2]} or {k = 'new', o = cjson.encode(refusal('BATCH_REFUSED', {id = m.id}))}
    end
  end
  return reply('new', cjson.encode({code = 'BATCH_REFUSED', failed = failed, items = results}))
end
for i, m in ipairs(movements) do
  if m.replayed then count_replay(m.idem_key) else results[i] = {k = 'new', o = apply_movement(m, outbox)} end
end
return reply('new', cjson.encode({code = 'OK', items = results}))
