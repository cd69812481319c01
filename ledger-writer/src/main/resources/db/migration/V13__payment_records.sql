-- A payment's record in the hot tier (what bounds its refunds) expires a retention after its last
-- change; a refund that finds it gone restores it from the ledger: the posting that opened it and
-- each refund and reversal counted on it since, all on the paid account's shard, each naming the
-- payment in its movement's 'pay' (lib.lua, open_payment_record). This finds them by that name.
CREATE INDEX postings_by_payment ON postings ((movement->>'pay'), shard) WHERE movement ? 'pay';
