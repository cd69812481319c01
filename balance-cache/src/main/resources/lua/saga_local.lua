-- saga_local: a movement between two shards that one master serves, its three steps in one script:
-- saga_debit, saga_credit and saga_finish as they are, one after the other, each as a function of its
-- own keys and arguments (LuaScript.sagaInOneScript puts them in front of this). The records and the
-- postings are the saga's; what is saved is two round trips and two replication waits. With no debit
-- arguments it drives a movement already debited (a capture's, or one the sweeper found pending): its
-- credit and finish, one round trip and one replication wait saved.
--
-- Redis routes a script by its declared keys, which must share a slot, so only the debit's keys are
-- declared; the credit's are reached through the flag allow-cross-slot-keys, which lets a script use
-- keys of other slots on the same node. Whether this node serves them is asked first: if it does not
-- (the caller's slot table was stale), nothing is written and the reply is {'elsewhere', ''}, and the
-- caller runs the steps one by one. A slot that moves in between can still refuse the credit's keys:
-- then the movement is left pending after its debit, as a saga whose credit failed, and the sweeper
-- goes on.
--
-- KEYS  saga_debit's keys, or saga_finish's to drive a debited movement
-- ARGV  five lists, each preceded by its length: saga_debit's arguments (none to drive), saga_credit's
--       keys and arguments, saga_finish's keys and arguments (its decision and refusal code, ARGV[2]
--       and ARGV[3], are this script's to fill in)
--
-- Returns the debit's reply when it did not start the movement (a refusal, a replay), otherwise the
-- debit's kind with the finish's outcome. Driving, it returns the finish's reply, and a credit or a
-- finish that fails fails the script, as their own scripts would.

local lists, at = {}, 1
while at <= #ARGV do
  local n = tonumber(ARGV[at])
  lists[#lists + 1] = {unpack(ARGV, at + 1, at + n)}
  at = at + n + 1
end
if #lists ~= 5 then error('saga_local takes five lists, not ' .. #lists) end
local debit_args, credit_keys, credit_args, finish_keys, finish_args = lists[1], lists[2], lists[3], lists[4], lists[5]

local local_check = redis.pcall('EXISTS', credit_keys[1])
if type(local_check) == 'table' and local_check.err then return reply('elsewhere') end

-- lib.lua took the time from the declared keys' shard's clock alone; the credit's postings are the
-- destination shard's, so the time is the later of both clocks, and both keep it (until 2026-12-06 the
-- destination's entries could be stamped before ones it had, and its clock was left behind them)
-- (one SET: the clock behind is the one written)
local credit_clock = tag_of(credit_keys[1]) .. ':clock'
local credit_ms = tonumber(redis.call('GET', credit_clock)) or 0
if credit_ms > script_ms then
  script_ms = credit_ms
  redis.call('SET', SHARD_CLOCK, units(script_ms))
elseif credit_ms < script_ms then
  redis.call('SET', credit_clock, units(script_ms))
end

-- A later step that fails leaves the movement pending, as the saga's would, and the debit's reply
-- (PENDING) is the answer; the sweeper goes on from there.
local function left_pending(step, failure, debited)
  redis.log(redis.LOG_WARNING, 'saga_local left ' .. debit_args[1] .. ' pending at ' .. step .. ': ' .. tostring(failure))
  return debited
end

local function decide(credit_reply)
  local decided = cjson.decode(credit_reply[2]).code
  finish_args[2] = decided == 'OK' and 'completed' or 'reversed'
  finish_args[3] = decided == 'OK' and '' or decided
end

if #debit_args == 0 then
  decide(saga_credit(credit_keys, credit_args))
  return saga_finish(finish_keys, finish_args)
end

local debited = saga_debit(KEYS, debit_args)
if debited[1] ~= 'new' or cjson.decode(debited[2]).code ~= 'PENDING' then return debited end
local credited, credit_reply = pcall(saga_credit, credit_keys, credit_args)
if not credited then return left_pending('saga_credit', credit_reply, debited) end
decide(credit_reply)
local finished, finish_reply = pcall(saga_finish, finish_keys, finish_args)
if not finished then return left_pending('saga_finish', finish_reply, debited) end
return reply(debited[1], finish_reply[2])
