-- The same ledger, cheaper to append to: nothing the ledger stores or refuses changes, only how
-- much work PostgreSQL does per entry (measured with scripts/bench.sh, docs/benchmarks.md).

-- 1. The chain's canonical text is built by functions that call STABLE functions (concat_ws, and
--    extract() from a timestamptz). Declared IMMUTABLE, PostgreSQL refuses to inline them and
--    instead parses and plans their SQL bodies again for every entry the chain trigger links (a
--    sixth of the database's CPU under load). STABLE is what they are; inlined, their text is the
--    same, character for character (LedgerChain verifies it).
ALTER FUNCTION ledger_field(text) STABLE;
ALTER FUNCTION ledger_entry_canonical(text, bigint, smallint, text, text, text, text, text, bigint, text, bigint,
                                      timestamptz) STABLE;

-- 2. The triggers' queries name the partition key by parameter (created_at), and the default
--    plan cache mode kept planning them afresh for each row (over a quarter of the database's CPU
--    under load). A generic plan prunes partitions when it runs; the lookups stay index probes.
ALTER FUNCTION ledger_entry_link() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_posting_unique() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_posting_balanced() SET plan_cache_mode = force_generic_plan;
