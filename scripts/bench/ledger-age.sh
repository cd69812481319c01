#!/usr/bin/env bash
# What a ledger append costs as the ledger ages (docs/benchmarks.md, "PostgreSQL's share, and
# appends as the ledger ages"): inserts N postings of a same-shard transfer and their 2N entries through the real
# triggers, in one transaction that is rolled back, once with the months the ledger has and once
# with 23 more monthly partitions, and prints PostgreSQL's own timing of each statement and
# trigger (EXPLAIN ANALYZE). Each row goes in as the ledger writer's inserts do (generic plans).
# Run it with the wallet stopped (creating partitions locks the tables for the run), after
# scripts/infra-up.sh:
#   scripts/bench/ledger-age.sh [runs=3] [postings=3000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
runs=${1:-3}
postings=${2:-3000}
export PGPASSWORD=$WALLET_PG_SUPERUSER_PASSWORD

one_run() { # $1: extra months (0 or 23)
  psql -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U postgres -d "$WALLET_PG_DATABASE" -q -v ON_ERROR_STOP=1 <<SQL 2>&1 |
BEGIN;
SET LOCAL plan_cache_mode = force_generic_plan;
SET LOCAL ROLE $WALLET_PG_OWNER;
SELECT ledger_ensure_month((date_trunc('month', now()) - make_interval(months => m))::date)
  FROM generate_series(1, $1) m;
INSERT INTO accounts (id, kind, owner_id, currency, wallet_type, shard, opened_at)
VALUES ('age:a', 'wallet', 'age', 'USD', 'personal', 'age', now()), ('age:b', 'wallet', 'age', 'USD', 'personal', 'age', now());
CREATE TEMP TABLE age_postings AS
  SELECT g, 'age:p' || g AS id, now() + g * interval '1 microsecond' AS at FROM generate_series(1, $postings) g;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON)
INSERT INTO postings (id, type, shard, reference, idempotency_scope, created_at, stream_id)
SELECT id, 'transfer', 'age', 'ref' || g, 'scope' || g, at, g || '-0' FROM age_postings ORDER BY g;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON)
INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
SELECT id, i, CASE i WHEN 0 THEN 'age:a' ELSE 'age:b' END, 'available', CASE i WHEN 0 THEN -1 ELSE 1 END, 'USD',
       CASE i WHEN 0 THEN -g ELSE g END, g, at
  FROM age_postings, generate_series(0, 1) i ORDER BY age_postings.g, i;
ROLLBACK;
SQL
    awk '/^ Insert on postings/ {what="postings"} /^ Insert on entries/ {what="entries"}
         /Execution Time/ {printf "%s %s ms  ", what, $3}' 
  echo
}

log "$postings postings and $((2 * postings)) entries, $runs runs; months in the ledger now: $(
  psql -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U postgres -d "$WALLET_PG_DATABASE" -Atc \
    "SELECT count(*) FROM pg_inherits WHERE inhparent = 'entries'::regclass")"
for run in $(seq 1 "$runs"); do
  echo "run $run, months as they are:  $(one_run 0)"
  echo "run $run, with 23 more months: $(one_run 23)"
done
