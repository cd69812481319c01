#!/usr/bin/env bash
# Measures a shard move under writers (docs/operations.md, "Moving ledger shards to another database"):
# a database of its own holds BENCH_POSTINGS postings (two entries each) of shard 2, recorded one a
# second up to now, generated through the ledger's triggers; while `LedgerTool move-shards 2-2` moves it to a second database, two writers
# commit one posting a transaction as the ledger writer does (the shard's lock through
# ledger_lock_shards first): one on the moved shard 2, one on shard 1, which stays. Prints how long the
# tool ran, how long it held shard 2's writers, and each writer's slowest commit and count, from which
# the moved shard's writer is refused once the move committed (it would follow it).
# BENCH_OTHER_POSTINGS more postings of shard 1, which stays, stand for the other shards a source
# database holds: what a move reads or deletes by shard, it finds among all of them.
# Knobs (environment): BENCH_POSTINGS=100000, BENCH_OTHER_POSTINGS=0. Brings the infrastructure up
# first; drops its databases after.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

postings=${BENCH_POSTINGS:-100000}
others=${BENCH_OTHER_POSTINGS:-0}
from=move_bench_from
to=move_bench_to
work=$(mktemp -d)

"$WALLET_ROOT/scripts/infra-up.sh" >/dev/null
cd "$WALLET_ROOT"
mvn -B -q install -DskipTests -pl ledger-writer -am
jar=("$WALLET_ROOT"/ledger-writer/target/ledger-writer-*-all.jar)

as_superuser() { PGOPTIONS='-c client_min_messages=warning' PGPASSWORD=$WALLET_PG_SUPERUSER_PASSWORD psql -qAt -v ON_ERROR_STOP=1 -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U postgres "$@"; }
as_owner() { PGPASSWORD=$WALLET_PG_OWNER_PASSWORD psql -qAt -v ON_ERROR_STOP=1 -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U "$WALLET_PG_OWNER" -d "$from" "$@"; }
tool() {
  env WALLET_MODE=development WALLET_PG_DATABASE=$from WALLET_LEDGER_PLACEMENT= \
    java -cp "${jar[0]}" dev.wallet.ledger.impl.LedgerTool "$@"
}
cleanup() {
  for db in $from $to; do as_superuser -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for db in $from $to; do
  as_superuser -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  as_superuser -d postgres -c "CREATE DATABASE $db OWNER $WALLET_PG_OWNER"
  as_superuser -d postgres -c "GRANT CONNECT, TEMPORARY ON DATABASE $db TO $WALLET_PG_USER"
done
tool migrate >/dev/null

# history <shard> <postings>: the SQL that records a shard's postings, two entries each, one a second up to now
history() {
  cat <<SQL
INSERT INTO postings (id, type, shard, reference, created_at, stream_id, recorded_at)
  SELECT '$1-p' || n, 'transfer', '$1', 'r' || n, now(), n || '-0', now() - ($2 - n) * interval '1 second'
    FROM generate_series(1, $2) AS g(n);
INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
  SELECT '$1-p' || n, i, CASE i WHEN 0 THEN 'a:USD:$1' ELSE 'b:USD:$1' END, 'available',
         CASE i WHEN 0 THEN -1 ELSE 1 END, 'USD', CASE i WHEN 0 THEN -n ELSE n END, n, now()
    FROM generate_series(1, $2) AS g(n), generate_series(0, 1) AS h(i) ORDER BY g.n, h.i;
SQL
}

started=$(date +%s%N)
as_owner <<SQL
SELECT ledger_ensure_month(date_trunc('month', now())::date);
BEGIN;
INSERT INTO accounts (id, kind, currency, shard, opened_at)
  SELECT a || ':USD:' || s, 'system', 'USD', s, now() FROM unnest('{a,b}'::text[]) a, unnest('{s0001,s0002}'::text[]) s;
-- recorded one a second up to now, as a shard's history is recorded over time
$(history s0002 "$postings")
$(history s0001 "$others")
COMMIT;
SQL
log "generated $postings postings of shard 2 and $others of shard 1 in $(( ($(date +%s%N) - started) / 1000000 )) ms"

# one writer: a posting a transaction on its shard, each timed, until told to stop
writer() {
  local shard=$1 first=$2 out=$3
  {
    echo '\timing on'
    local n=$first
    while [ ! -e "$work/stop" ]; do
      cat <<SQL
BEGIN;
SELECT ledger_lock_shards('{$shard}');
INSERT INTO postings (id, type, shard, reference, created_at, stream_id)
  VALUES ('$shard-p$n', 'transfer', '$shard', 'r$n', now(), '$n-0');
INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
  VALUES ('$shard-p$n', 0, 'a:USD:$shard', 'available', -1, 'USD', -$n, $n, now()),
         ('$shard-p$n', 1, 'b:USD:$shard', 'available', 1, 'USD', $n, $n, now());
COMMIT;
SQL
      n=$((n + 1))
      sleep 0.01
    done
  } | PGPASSWORD=$WALLET_PG_OWNER_PASSWORD psql -At -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U "$WALLET_PG_OWNER" \
      -d "$from" >"$out" 2>&1 || true
}
writer s0002 $((postings + 1)) "$work/moved.log" &
moved_writer=$!
writer s0001 $((others + 1)) "$work/stayed.log" &
stayed_writer=$!

started=$(date +%s%N)
tool move-shards 2-2 "$WALLET_PG_HOST:$WALLET_PG_PORT/$to" | tee "$work/move.log"
took=$(( ($(date +%s%N) - started) / 1000000 ))
sleep 1
touch "$work/stop"
wait $moved_writer $stayed_writer

# psql's \timing prints "Time: N ms" after each statement; the lock's wait is in its statement
slowest() { grep -o 'Time: [0-9.]*' "$1" | awk '{ if ($2 > max) max = $2 } END { printf "%.0f", max }'; }
commits() { grep -c '^COMMIT' "$1" || true; }
refused=$(grep -c 'moved to another database' "$work/moved.log" || true)
echo
echo "| postings of the moved shard, of the other | move took ms | its writers held ms | moved shard's writer: commits, slowest statement ms, refused after | other shard's writer: commits, slowest statement ms |"
echo "|---:|---:|---:|---|---|"
echo "| $postings, $others | $took | $(grep -o 'waited [0-9]* ms' "$work/move.log" | grep -o '[0-9]*') | $(commits "$work/moved.log"), $(slowest "$work/moved.log"), $refused | $(commits "$work/stayed.log"), $(slowest "$work/stayed.log") |"
