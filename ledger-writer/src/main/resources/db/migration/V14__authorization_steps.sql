-- An authorization's record in the hot tier expires a retention after the ledger has the posting that
-- ended it (a capture that took the rest, or a release); reads of it are then answered from its
-- postings: the hold that placed it, its release, found by id, and its captures, each naming the
-- authorization in its movement's 'auth' (capture.lua). This finds the captures by that name.
CREATE INDEX postings_by_authorization ON postings ((movement->>'auth'), shard) WHERE movement ? 'auth';
