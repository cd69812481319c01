#!/usr/bin/env bash
# How the wallet's rate moves with the number of Redis masters and ledger databases on this machine
# (issue 12, "Scaling, measured"): for each shape masters:databases (default 1:1 2:1 3:1 3:2: 1, 2
# and 3 masters, each with one replica, with the ledger in one database, and 3 masters with the
# ledger over two databases of the same PostgreSQL, docs/architecture.md, "A ledger over several
# databases"), brings up a Redis Cluster and a PostgreSQL of that shape in a data folder and on ports
# of their own, runs `scripts/bench.sh` against it without recording (2,000
# wallets, 3 closed-loop runs of 10 s after 15 s of warm-up; WALLET_SCALING_BENCH_ARGS to change),
# and takes down and deletes that infrastructure again, keeping each shape's report and logs in
# .data-scaling/. Prints one table (the closed-loop rates, the move.lua and pgbench baselines of
# the same run, CPU per transfer, the ledger's commit delay) and appends it with the date and
# command to docs/scaling.md, which turns the figures into a machine count.
#
#   scripts/bench-scaling.sh                          # the four shapes (about 28 minutes)
#   WALLET_SCALING_SHAPES="3:1 3:2" scripts/bench-scaling.sh
#   WALLET_SCALING_RECORD=0 scripts/bench-scaling.sh  # print only
# Run it with nothing else measuring on the machine. Both ledger databases are on the one
# PostgreSQL server this machine can run: what the shape shows is the cost of the placement, not the
# rate of a second server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$WALLET_ROOT"

shapes=${WALLET_SCALING_SHAPES:-"1:1 2:1 3:1 3:2"}
# --quick for the short open loop and socket test; closed loops long enough for warmed-up JITs
bench_args=(${WALLET_SCALING_BENCH_ARGS:---quick --runs=3 --seconds=10 --warmup=15 --wallets=2000})
base_dir=$WALLET_ROOT/.data-scaling
mkdir -p "$base_dir"
load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' with uncommitted changes')"

log "building (mvn install -DskipTests)"
mvn -B -q install -DskipTests

# A row of bench.sh's first table whose first cell starts with $2, from report $1: its rate and p99.
rate_of() { awk -F'|' -v what="$2" 'index($2, " " what) == 1 {gsub(/ /, "", $3); split($3, r, "("); print r[1]; exit}' "$1"; }
p99_of() { awk -F'|' -v what="$2" 'index($2, " " what) == 1 {gsub(/ /, "", $7); print $7; exit}' "$1"; }
# CPU ms per request, from the CPU table, of the scenario named $2: all processes ("all"), or of the
# column named $3.
cpu_of() {
  awk -F'|' -v what="$2" -v column="${3:-all}" '
    /^\| scenario \| postgresql/ {for (i = 2; i < NF; i++) {name = $i; gsub(/ /, "", name); if (name == column) c = i}; next}
    c && index($2, " " what) == 1 {gsub(/ /, "", $c); print $c; exit}' "$1"
}

# The ledger's commit delay p99 (ms) of the row whose first cell starts with $2, from report $1.
lag_p99_of() { awk -F'|' -v what="$2" 'index($2, " " what) == 1 {split($10, l, "/"); gsub(/ /, "", l[2]); print l[2]; exit}' "$1"; }

rows=""
for shape in $shapes; do
  masters=${shape%%:*}
  databases=${shape##*:}
  case "$masters:$databases" in [1-9]:[12]) ;; *) die "a shape is masters:databases (databases 1 or 2), not $shape" ;; esac
  shape_dir=$base_dir/masters-$masters-databases-$databases
  log "$masters master(s), $databases ledger database(s): Redis Cluster of $((2 * masters)) nodes and PostgreSQL in $shape_dir"
  report=$shape_dir.report
  (
    unset WALLET_REDIS_NODES WALLET_REGION_B_DATA_DIR   # region b's folder follows WALLET_DATA_DIR (env.sh)
    export WALLET_DATA_DIR=$shape_dir WALLET_REDIS_NODE_COUNT=$((2 * masters))
    export WALLET_REDIS_FIRST_PORT=${WALLET_SCALING_REDIS_FIRST_PORT:-7501} WALLET_PG_PORT=${WALLET_SCALING_PG_PORT:-25532}
    # the shape's data goes; its processes' logs stay beside its report, for a second look
    trap 'mkdir -p "$WALLET_DATA_DIR-logs"; cp -r "$WALLET_DATA_DIR/logs" "$WALLET_DATA_DIR/bench/run.log" \
      "$WALLET_DATA_DIR-logs/" 2>/dev/null || true; "$WALLET_ROOT/scripts/infra-down.sh" --purge >/dev/null 2>&1 || true' EXIT
    "$WALLET_ROOT/scripts/infra-up.sh"
    WALLET_SKIP_BUILD=1 WALLET_BENCH_RECORD=0 WALLET_BENCH_INFRA=given WALLET_BENCH_LEDGER_DATABASES=$databases \
      "$WALLET_ROOT/scripts/bench.sh" "${bench_args[@]}"
  ) >"$report"
  rows+="| $masters | $databases | $(rate_of "$report" "move.lua") | $(rate_of "$report" "pgbench") \
| $(rate_of "$report" "POST /v1/transfers, same shard") | $(cpu_of "$report" "POST /v1/transfers, same shard") \
| $(cpu_of "$report" "POST /v1/transfers, same shard" redis) \
| $(rate_of "$report" "POST /v1/transfers, 2000 wallets") | $(cpu_of "$report" "POST /v1/transfers, 2000 wallets") \
| $(cpu_of "$report" "POST /v1/transfers, 2000 wallets" redis) \
| $(lag_p99_of "$report" "POST /v1/transfers, 2000 wallets") \
| $(rate_of "$report" "POST /v1/payments") | $(cpu_of "$report" "POST /v1/payments") |"$'\n'
done
log "each shape's report and logs: $base_dir"

table="### $(date -u '+%Y-%m-%d %H:%M') UTC: \`scripts/bench-scaling.sh\`

Machine: $(nproc) cores, load average $load_before when the command started; code: git $commit. Each
shape: \`scripts/bench.sh ${bench_args[*]}\` (closed loops of 64 connections, medians; 2,000 wallets
on random shards); with two ledger databases the second half of the shards is in the second, on the
same server. CPU is of all the wallet's processes and of the load generator (bench.sh's "all"; its
own share is in each run's report), Redis's of all its nodes; ledger lag is the p99 of
the commit delay of the random-shard runs' postings.

| masters | ledger databases | move.lua via redis-benchmark /s | pgbench TPC-B /s | same shard /s | CPU ms a transfer | of it Redis | random shards /s | CPU ms a transfer | of it Redis | ledger lag p99 ms | to one merchant /s | CPU ms a payment |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$rows"
printf '%s\n' "$table"
if [ "${WALLET_SCALING_RECORD:-1}" = 1 ]; then
  printf '\n%s' "$table" >>"$WALLET_ROOT/docs/scaling.md"
  log "appended to docs/scaling.md"
fi
