-- publish_position: the ledger writer publishes the last outbox entry it committed, and the position
-- only moves forward. A round the writer gave up on (past its deadline, its commit ran on) or a second
-- writer behind the first publishes after a later round; until 2026-12-07 its SET took the position
-- back, and what followed it was read and committed again, two rounds of one shard at once.
-- Stream ids compare as <ms>-<seq>, each part a decimal integer compared as digits (by length, then
-- as text), so that no id loses precision as a Lua number. Runs alone, without lib.lua.
--
-- KEYS[1] position   {sNNNN}:ledger-position
-- KEYS[2] outbox     {sNNNN}:outbox
-- ARGV[1] the last entry the ledger committed (a stream id)
-- ARGV[2] '1': trim the outbox below the position (never by length: an entry leaves once the ledger has it)
--
-- Returns 1 when the position moved to ARGV[1]; 0 when it was there or past it already, and nothing
-- was written.

local function greater_digits(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end

local function later(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-(%d+)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-(%d+)$')
  if a_ms ~= b_ms then return greater_digits(a_ms, b_ms) end
  return greater_digits(a_seq, b_seq)
end

local published = redis.call('GET', KEYS[1])
if published and not later(ARGV[1], published) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  redis.call('XTRIM', KEYS[2], 'MINID', '~', ARGV[1])
end
return 1
