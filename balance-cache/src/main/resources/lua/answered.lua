-- answered: whether a request was answered under its idempotency key, without moving anything. The
-- edge asks it of a request the rules refuse now: an earlier attempt may have been applied with its
-- answer lost (and the rules changed since: a tier lowered, a limit cut), and is then sent to the
-- money core all the same, which replays that answer instead of the rules refusing it.
-- Given an answer (ARGV[2]), it records it under the key when nothing was recorded there: a request
-- the money core answers without a script of its own (a void or a capture of an authorization whose
-- record has expired, answered from the ledger) then keeps its key for a retention, as a script's
-- refusal does (until 2026-12-07 nothing was recorded, and the key acted on another authorization next).
--
-- KEYS[1] idempotency  {sNNNN}:idem:<scope hash>
-- ARGV[1] request hash
-- ARGV[2] the answer to record when none was (an outcome's JSON; optional)
-- ARGV[3] how long that record lives (ms; with ARGV[2])
-- ARGV[4] the kind of movement the request makes, as idem_seen takes it (optional)
--
-- Returns {kind, outcome} as idem_seen does (replay, in_flight or key_reused); else kind 'new' with
-- the answer given, now recorded, or kind 'unrecorded' when none was given. Writes nothing else but
-- the shard's clock (lib.lua).

local movement_kind = ARGV[4]
if movement_kind == '' then movement_kind = nil end
local seen = idem_seen(KEYS[1], ARGV[1], movement_kind)
if seen then return seen end
local answer = ARGV[2]
if answer and answer ~= '' then
  idem_record(KEYS[1], ARGV[1], 'done', answer)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return reply('new', answer)
end
return reply('unrecorded', cjson.encode({code = 'IDEMPOTENCY_KEY_UNUSED'}))
