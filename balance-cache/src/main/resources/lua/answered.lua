-- answered: whether a request was answered under its idempotency key, without doing anything. The
-- edge asks it of a request the rules refuse now: an earlier attempt may have been applied with its
-- answer lost (and the rules changed since: a tier lowered, a limit cut), and is then sent to the
-- money core all the same, which replays that answer instead of the rules refusing it.
--
-- KEYS[1] idempotency  {sNNNN}:idem:<scope hash>
-- ARGV[1] request hash
--
-- Returns {kind, outcome} as idem_seen does (replay, in_flight or key_reused), or kind 'unrecorded'
-- when nothing was recorded under the key. Writes nothing but the shard's clock (lib.lua).

local seen = idem_seen(KEYS[1], ARGV[1])
if seen then return seen end
return reply('unrecorded', cjson.encode({code = 'IDEMPOTENCY_KEY_UNUSED'}))
