-- A shard move (ShardMove) reads and deletes the postings of the shards it moves. Postings had no
-- index by shard, so each of those statements read every posting of the database, every other
-- shard's too: with 500,000 postings of a shard that stays beside the 100,000 moved, the moved
-- shard's writers waited 2.7 s instead of 1.2 (scripts/bench-shard-move.sh, 2026-12-05,
-- docs/benchmarks.md). By shard and recording time, the move's catch-up (postings recorded since
-- shortly before the snapshot's last) is a range of it too. What it costs a writer: about 3 µs a
-- posting inserted (100,000 postings in one statement, 2.2 s without it, 2.5 s with it).
CREATE INDEX postings_by_shard ON postings (shard, recorded_at);
