#!/usr/bin/env bash
# Two regions with a delay between them (issue 12: "an inter-region delay of 100 to 300 ms does not
# slow same-region traffic"): brings up both regions' Redis Clusters and PostgreSQLs in a data folder
# and on ports of their own (.data/bench-regions, purged first and taken down after), starts both
# regions as `scripts/run.sh --regions 2` does, with bench risk rules and rate limits out of the way,
# and each region's edges naming the other through a proxy in the load generator
# (dev.wallet.edge.bench.DelayProxy) that delays every message between them and its answer. Then
# runs region a's own transfers in an open loop alone, beside transfers to region b over the link
# without delay, and beside the same over the link with the delay, in rounds of turning order
# (dev.wallet.edge.bench.RegionsBench): the last two differ only in the delay. Each transfer between
# regions' settle time is read from region a's ledger, and every process's CPU over each phase's
# load (what a transfer between regions costs in each). Prints a markdown section and appends it,
# with the date and command, to docs/scaling.md.
#
#   scripts/bench-regions.sh                                  # 100 ms each way, 3 rounds (about 8 minutes)
#   WALLET_BENCH_REGION_DELAY_MS=150 scripts/bench-regions.sh --rate=150 --cross-rate=30
#   WALLET_BENCH_RECORD=0 scripts/bench-regions.sh --rounds=1 --seconds=10   # print only
#   scripts/bench-regions.sh --cross=payments   # payments to region b's merchants instead of transfers
#   scripts/bench-regions.sh --loss=5 --jitter-ms=100   # links that lose 5 % of messages and answers and
#                                                       # reorder them; checks each transfer credited once
# Arguments are RegionsBench's (--rate [100], --cross-rate [20], --seconds [20], --rounds [3],
# --warmup [20], --pairs, --wallets, --cross [transfers|payments], --loss [0, percent],
# --jitter-ms [0]). Run it with nothing else measuring on the machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WALLET_DATA_DIR=${WALLET_BENCH_REGIONS_DATA_DIR:-$here/../.data/bench-regions}
export WALLET_REDIS_FIRST_PORT=7231 WALLET_PG_PORT=25482
export WALLET_REGION_B_DATA_DIR=$WALLET_DATA_DIR/region-b WALLET_REGION_B_REDIS_FIRST_PORT=7251 WALLET_REGION_B_PG_PORT=25492
unset WALLET_REDIS_NODES WALLET_REGION_B_REDIS_NODES WALLET_REGION_B_LEDGER_PLACEMENT WALLET_LEDGER_PLACEMENT
source "$here/env.sh"
export WALLET_MODE=${WALLET_MODE:-development}
cd "$WALLET_ROOT"

bench_args=("$@")
delay_ms=${WALLET_BENCH_REGION_DELAY_MS:-100}
edges_a=(8480 8481)
edges_b=(8580 8581)
proxy_a=8380
proxy_b=8381
load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' with uncommitted changes')"
out_dir=$WALLET_DATA_DIR/bench
"$WALLET_ROOT/scripts/infra-down.sh" --purge >/dev/null 2>&1 || true
mkdir -p "$out_dir"
if [ -z "${WALLET_SKIP_BUILD:-}" ]; then
  log "building (mvn install -DskipTests)"
  mvn -B -q install -DskipTests
fi
classpath_file=$(bench_classpath_file)

webhooks() { local list="" port; for port in "$@"; do list+="${list:+,}http://127.0.0.1:$port/v1/webhooks/gateway/sandbox"; done; echo "$list"; }
# Every process reaches the other region through its proxy (the regions' URLs); the proxies are
# RegionsBench's, up from when it starts: until then nothing crosses regions.
WALLET_SKIP_BUILD=1 WALLET_REGIONS="a=http://127.0.0.1:$proxy_a,b=http://127.0.0.1:$proxy_b" \
  WALLET_EDGE_PORTS="${edges_a[*]}" WALLET_RUN_DIR=$WALLET_DATA_DIR/run WALLET_SANDBOX_PORT=8490 \
  WALLET_SANDBOX_WEBHOOK_URLS=$(webhooks "${edges_a[@]}") WALLET_SANDBOX_DELAY_MS=20 WALLET_LEDGER_METRICS_PORT=9581 \
  WALLET_HZ_CLUSTER=wallet-bench-regions WALLET_HZ_PORT=5851 \
  WALLET_REGION_B_EDGE_PORTS="${edges_b[*]}" WALLET_REGION_B_SANDBOX_PORT=8590 WALLET_REGION_B_METRICS_PORT=9681 \
  WALLET_REGION_B_HZ_PORT=5951 \
  WALLET_RISK_RULES_FILE=$WALLET_ROOT/scripts/bench/risk-rules.yaml \
  WALLET_RATE_LIMIT_PER_SECOND=1000000 WALLET_RATE_LIMIT_BURST=1000000 \
  "$WALLET_ROOT/scripts/run.sh" --regions 2 >"$out_dir/run.log" 2>&1 &
system=$!
stop_all() {
  kill $system 2>/dev/null || true
  wait $system 2>/dev/null || true
  "$WALLET_ROOT/scripts/infra-down.sh" >/dev/null 2>&1 || true
}
trap stop_all EXIT
for _ in $(seq 1 360); do
  grep -q 'ready: edge API' "$out_dir/run.log" && break
  kill -0 $system 2>/dev/null || { cat "$out_dir/run.log" >&2; die "the regions did not start"; }
  sleep 0.5
done
grep -q 'ready: edge API' "$out_dir/run.log" || die "the regions were not ready within 180 s; see $out_dir/run.log"
log "both regions are up (edges ${edges_a[*]} and ${edges_b[*]})"

# every process of both regions, for the CPU each phase costs (PostgreSQL's backends are its children)
pids_file=$out_dir/pids.txt
{
  for file in "$WALLET_DATA_DIR"/run/*.pid; do echo "a/$(basename "$file" .pid) $(cat "$file")"; done
  for file in "$WALLET_REGION_B_DATA_DIR"/run/*.pid; do echo "b/$(basename "$file" .pid) $(cat "$file")"; done
  for port in $(redis_ports); do echo "a/redis-$port $(cat "$WALLET_DATA_DIR/redis/$port/redis.pid")"; done
  for port in $(WALLET_REDIS_FIRST_PORT=$WALLET_REGION_B_REDIS_FIRST_PORT redis_ports); do
    echo "b/redis-$port $(cat "$WALLET_REGION_B_DATA_DIR/redis/$port/redis.pid")"
  done
  echo "a/postgresql $(head -n 1 "$(readlink -f "$WALLET_DATA_DIR/pg")/postmaster.pid")"
  echo "b/postgresql $(head -n 1 "$(readlink -f "$WALLET_REGION_B_DATA_DIR/pg")/postmaster.pid")"
} >"$pids_file"

list() { local out="" port; for port in "$@"; do out+="${out:+,}http://127.0.0.1:$port"; done; echo "$out"; }
section=$(java ${BENCH_JAVA_OPTS:--Xmx1g} -cp "$WALLET_ROOT/edge-api/target/test-classes:$WALLET_ROOT/edge-api/target/classes:$(cat "$classpath_file")" \
  dev.wallet.edge.bench.RegionsBench --region-a="$(list "${edges_a[@]}")" --region-b="$(list "${edges_b[@]}")" \
  --secret="${WALLET_JWT_SECRET:-wallet-dev-only-jwt-secret-never-use-in-production}" --proxy-a-port=$proxy_a \
  --proxy-b-port=$proxy_b --delay-ms="$delay_ms" --pg-host="$WALLET_PG_HOST" --pg-port="$WALLET_PG_PORT" \
  --pg-database="$WALLET_PG_DATABASE" --pg-user="$WALLET_PG_USER" --pg-password="$WALLET_PG_PASSWORD" \
  --pids="$pids_file" "${bench_args[@]}")
errors=$(cat "$WALLET_DATA_DIR"/logs/*.log "$WALLET_REGION_B_DATA_DIR"/logs/*.log | grep -c ' ERROR ' || true)

report="### $(date -u '+%Y-%m-%d %H:%M') UTC: \`$( [ "$delay_ms" = 100 ] || echo "WALLET_BENCH_REGION_DELAY_MS=$delay_ms ")$( [ -z "${WALLET_REGION_MERCHANT_LIFETIME_MS:-}" ] || echo "WALLET_REGION_MERCHANT_LIFETIME_MS=$WALLET_REGION_MERCHANT_LIFETIME_MS ")scripts/bench-regions.sh${bench_args[*]:+ ${bench_args[*]}}\`

Machine: $(nproc) cores, load average $load_before when the command started; code: git $commit; two regions, each
with a Redis Cluster and a PostgreSQL of its own, on this machine; $errors lines logged at ERROR by their processes.

$section"
printf '%s\n' "$report"
if [ "${WALLET_BENCH_RECORD:-1}" = 1 ]; then
  printf '\n%s\n' "$report" >>"$WALLET_ROOT/docs/scaling.md"
  log "appended to docs/scaling.md"
fi
