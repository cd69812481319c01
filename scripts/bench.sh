#!/usr/bin/env bash
# The wallet's speed, in one run on this machine, next to what its own Redis and PostgreSQL do
# alone: starts the system as scripts/run.sh does (two edges, the ledger writer, the sandbox
# gateway; its own ports, and risk rules whose limits sit out of the way, scripts/bench/risk-rules.yaml),
# measures each process's CPU while nothing is offered (just started, and again after the load once
# the ledger caught up), then drives the public HTTP API from a
# separate JVM (edge-api's test class dev.wallet.edge.bench.WalletBench) next to redis-benchmark
# running the wallet's own move.lua and pgbench's TPC-B. Prints markdown tables and appends them,
# with the date and the command, to docs/benchmarks.md. One table puts transfers per second through
# POST /v1/transfers/batch (batches of --batch-size=100 same-shard transfers, plain and atomic) next
# to single same-shard requests; `--only=batch` measures just that table. Each scenario is first
# run for --warmup=15 s, then on while the JIT compilers of the measured JVMs are still busy (above
# 5 % of a core, up to --warmup-limit=300 s; --quick does not wait): a JVM measured while C2 compiles
# its hot paths spends two to four times the CPU a request it spends once warm (docs/benchmarks.md).
#
#   scripts/bench.sh            # 3 runs of 10 s per scenario, 10,000 wallets, 10,000 sockets (about 26 min)
#   scripts/bench.sh --quick    # 1 run of 3 s, 1,250 wallets, open loop at 70 % only, idle after the load only (under 3 min once built)
#   WALLET_BENCH_RECORD=0 scripts/bench.sh --quick    # print only, leave docs/benchmarks.md alone
#   WALLET_BENCH_LEDGER_DATABASES=2 scripts/bench.sh  # the ledger over two databases
# Any further --name=value is passed to WalletBench (e.g. --clients=128 --seconds=20).
# For profiling one scenario: --only=same|random|merchant|read (closed loop), with --rate=N for an
# open loop at N requests per second (its tail latency, as the open-loop table measures it); its one
# line of result also gives the Redis commands a request cost, every node's INFO commandstats over the run.
#
# It measures on an infrastructure of its own, fresh every run (WALLET_BENCH_DATA_DIR
# [.data/bench-infra], Redis from WALLET_BENCH_REDIS_FIRST_PORT [7201], PostgreSQL on
# WALLET_BENCH_PG_PORT [25472]; stopped at the end, its data kept until the next run): the
# development infrastructure holds what the suite leaves behind on purpose (broken chains,
# disagreeing movements in the append-only ledger), which halts money in any writer started on it
# within minutes, and a ledger of any age would make runs incomparable. WALLET_BENCH_INFRA=given
# measures the infrastructure env.sh names instead (scripts/bench-scaling.sh brings up its own).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
own_infra=0
if [ "${WALLET_BENCH_INFRA:-own}" = own ]; then
  own_infra=1
  export WALLET_DATA_DIR=${WALLET_BENCH_DATA_DIR:-$here/../.data/bench-infra}
  export WALLET_REDIS_FIRST_PORT=${WALLET_BENCH_REDIS_FIRST_PORT:-7201}
  export WALLET_PG_PORT=${WALLET_BENCH_PG_PORT:-25472}
  # derived again from the ports and folder above; so is region b's folder (scripts/env.sh), which
  # infra-down.sh stops and purges with this one
  unset WALLET_REDIS_NODES WALLET_REGION_B_DATA_DIR
fi
source "$here/env.sh"
# WALLET_BENCH_LEDGER_DATABASES=2: the ledger over two databases of that PostgreSQL, the second half of
# the shards in the second (docs/architecture.md, "A ledger over several databases")
if [ "${WALLET_BENCH_LEDGER_DATABASES:-1}" = 2 ]; then
  export WALLET_LEDGER_PLACEMENT="$((${WALLET_SHARDS:-64} / 2))-$((${WALLET_SHARDS:-64} - 1))=$WALLET_PG_HOST:$WALLET_PG_PORT/$WALLET_PG_DATABASE_2"
fi
# the system under test runs with the published development secrets (see scripts/run.sh)
export WALLET_MODE=${WALLET_MODE:-development}
cd "$WALLET_ROOT"

bench_args=("$@")
quick=0
# as WalletBench reads it: --quick or --quick=true
for arg in "$@"; do case "$arg" in --quick | --quick=true) quick=1 ;; esac; done
if [ $own_infra = 1 ]; then infra_note="a fresh Redis Cluster and PostgreSQL of its own"; else infra_note="the infrastructure in $WALLET_DATA_DIR"; fi
[ -z "${WALLET_LEDGER_PLACEMENT:-}" ] || infra_note+=", the ledger's shards $WALLET_LEDGER_PLACEMENT, the others in $WALLET_PG_DATABASE"
load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' with uncommitted changes')"
edge_ports=(${WALLET_BENCH_EDGE_PORTS:-8180 8181})
metrics_port=${WALLET_BENCH_METRICS_PORT:-9281}
if [ $own_infra = 1 ]; then
  "$WALLET_ROOT/scripts/infra-down.sh" --purge >/dev/null 2>&1 || true
fi
out_dir=$WALLET_DATA_DIR/bench
run_dir=$out_dir/run
mkdir -p "$out_dir" "$run_dir"
system=""
stop_all() {
  if [ -n "$system" ]; then
    kill $system 2>/dev/null || true
    wait $system 2>/dev/null || true
  fi
  if [ $own_infra = 1 ]; then "$WALLET_ROOT/scripts/infra-down.sh" >/dev/null 2>&1 || true; fi
}
trap stop_all EXIT # set before anything starts: a failed build left the bench's Redis and PostgreSQL running
"$WALLET_ROOT/scripts/infra-up.sh"
if [ -z "${WALLET_SKIP_BUILD:-}" ]; then
  log "building (mvn install -DskipTests)"
  mvn -B -q install -DskipTests
fi

# ------------------------------------------------------------------ the system, as scripts/run.sh runs it
webhooks=""
for port in "${edge_ports[@]}"; do webhooks+="${webhooks:+,}http://127.0.0.1:$port/v1/webhooks/gateway/sandbox"; done
WALLET_SKIP_BUILD=1 WALLET_EDGE_PORTS="${edge_ports[*]}" WALLET_RUN_DIR=$run_dir \
  WALLET_SANDBOX_PORT=${WALLET_BENCH_SANDBOX_PORT:-8190} WALLET_SANDBOX_WEBHOOK_URLS=$webhooks WALLET_SANDBOX_DELAY_MS=20 \
  WALLET_LEDGER_METRICS_PORT=$metrics_port WALLET_HZ_CLUSTER=wallet-bench WALLET_HZ_PORT=${WALLET_BENCH_HZ_PORT:-5801} \
  WALLET_RISK_RULES_FILE=$WALLET_ROOT/scripts/bench/risk-rules.yaml \
  WALLET_RATE_LIMIT_PER_SECOND=1000000 WALLET_RATE_LIMIT_BURST=1000000 WALLET_STRIPED_MERCHANT_OWNERS=bench-striped-merchant \
  "$WALLET_ROOT/scripts/run.sh" >"$out_dir/run.log" 2>&1 &
system=$!
# while the system starts (its JVMs take half a minute): the load generator's classpath and pgbench's tables
classpath_file=$(bench_classpath_file)

superuser_psql() {
  PGPASSWORD=$WALLET_PG_SUPERUSER_PASSWORD psql -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"
}
# pgbench's own database, initialised once at scale 10 (its tables are rewritten by every run's updates only)
if [ "$(superuser_psql -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'pgbench'")" = 0 ]; then
  superuser_psql -d postgres -c "CREATE DATABASE pgbench"
fi
if [ "$(superuser_psql -d pgbench -c "SELECT count(*) FROM pg_tables WHERE tablename = 'pgbench_branches'")" = 0 ]; then
  log "initialising pgbench at scale 10"
  PGPASSWORD=$WALLET_PG_SUPERUSER_PASSWORD pgbench -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U postgres -i -s 10 -q pgbench >/dev/null 2>&1
fi

for _ in $(seq 1 240); do
  grep -q 'ready: edge API' "$out_dir/run.log" && break
  kill -0 $system 2>/dev/null || { cat "$out_dir/run.log" >&2; die "the system did not start"; }
  sleep 0.5
done
grep -q 'ready: edge API' "$out_dir/run.log" || die "the system was not ready within 120 s; see $out_dir/run.log"
log "the system is up (edges on ${edge_ports[*]})"

# ------------------------------------------------------------------ CPU while nothing is offered
# utime + stime of a process and its live children, in clock ticks, plus cutime + cstime: the
# children it reaped (PostgreSQL's ended backends), whose time would otherwise leave the sum when
# they end and make a window's difference negative (as ProcessCpu does for the load's figures).
ticks() {
  local pid total=0 child
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")))
    for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do total=$((total + $(ticks "$child"))); done
  done
  echo $total
}
declare -A idle_pids=()
for file in "$run_dir"/*.pid; do idle_pids[$(basename "$file" .pid)]=$(cat "$file"); done
for port in $(redis_ports); do idle_pids[redis-$port]=$(cat "$WALLET_DATA_DIR/redis/$port/redis.pid"); done
idle_pids[postgresql]=$(head -n 1 "$(readlink -f "$WALLET_DATA_DIR/pg")/postmaster.pid")
for name in "${!idle_pids[@]}"; do echo "$name ${idle_pids[$name]}"; done >"$out_dir/pids.txt"
idle_seconds=${WALLET_BENCH_IDLE_SECONDS:-10}
# --quick settles for 5 s only, and measures idle after the load alone (where the target is judged)
settle_seconds=${WALLET_BENCH_SETTLE_SECONDS:-$([ $quick = 1 ] && echo 5 || echo 30)}
hz=$(getconf CLK_TCK)

# The CPU each process uses in $idle_seconds with nothing offered: sets idle_cpu_table (markdown,
# titled $1) and idle_percent (the whole system's share of one core).
idle_cpu() {
  local name used total=0 table
  declare -A before=()
  for name in "${!idle_pids[@]}"; do before[$name]=$(ticks "${idle_pids[$name]}"); done
  sleep "$idle_seconds"
  table="| process ($1, ${idle_seconds} s) | CPU, % of one core |"$'\n'"|---|---:|"$'\n'
  for name in $(printf '%s\n' "${!idle_pids[@]}" | sort); do
    used=$(( $(ticks "${idle_pids[$name]}") - before[$name] ))
    total=$((total + used))
    table+="| $name | $(awk -v t="$used" -v hz="$hz" -v s="$idle_seconds" 'BEGIN{printf "%.1f", 100*t/hz/s}') |"$'\n'
  done
  idle_percent=$(awk -v t="$total" -v hz="$hz" -v s="$idle_seconds" 'BEGIN{printf "%.1f", 100*t/hz/s}')
  idle_cpu_table="$table| **all together** | **$idle_percent** |"
}

# The ledger writer's lag (outbox entries not yet in PostgreSQL), from its /metrics.
ledger_lag() {
  curl -sf "http://127.0.0.1:$metrics_port/metrics" | awk '$1 == "wallet_ledger_lag_entries" {print $2}'
}

# Just started: start-up work (JIT compilation of the start-up paths, Hazelcast's partition set-up,
# the first reconciliation and AML runs) goes on for about 20 s after "ready"; the window starts
# after $settle_seconds. Runs up to 351e47d measured from 5 s after ready, during that work.
started_table=""
if [ $quick = 0 ]; then
  sleep "$settle_seconds"
  idle_cpu "just started, ${settle_seconds} s after ready"
  started_table="$idle_cpu_table"$'\n\n'
  log "idle after start: the whole system used $idle_percent % of one core"
fi

# ------------------------------------------------------------------ the load
edges=""
for port in "${edge_ports[@]}"; do edges+="${edges:+,}http://127.0.0.1:$port"; done
tables=$(java ${BENCH_JAVA_OPTS:--Xmx2g} -cp "$WALLET_ROOT/edge-api/target/test-classes:$WALLET_ROOT/edge-api/target/classes:$(cat "$classpath_file")" \
  dev.wallet.edge.bench.WalletBench --edges="$edges" --secret="${WALLET_JWT_SECRET:-wallet-dev-only-jwt-secret-never-use-in-production}" \
  --redis="$WALLET_REDIS_HOST:$WALLET_REDIS_FIRST_PORT" --pg-host="$WALLET_PG_HOST" --pg-port="$WALLET_PG_PORT" \
  --pg-super-password="$WALLET_PG_SUPERUSER_PASSWORD" --pg-user="$WALLET_PG_USER" --pg-password="$WALLET_PG_PASSWORD" \
  --pg-database="$WALLET_PG_DATABASE" --ledger-placement="${WALLET_LEDGER_PLACEMENT:-}" --writer-metrics="http://127.0.0.1:$metrics_port/metrics" --pids="$out_dir/pids.txt" "${bench_args[@]}")

# ------------------------------------------------------------------ CPU while nothing is offered, after the load
# The steady state between busy periods: the writer has written everything to the ledger, then
# $settle_seconds more pass (reconciliation reads the wallets that moved once, then only its slices).
for _ in $(seq 1 120); do [ "$(ledger_lag)" = 0 ] && break; sleep 1; done
[ "$(ledger_lag)" = 0 ] || log "the ledger had not caught up 120 s after the load (lag $(ledger_lag))"
sleep "$settle_seconds"
idle_cpu "after the load, ledger caught up, then ${settle_seconds} s"
log "idle after the load: the whole system used $idle_percent % of one core"
idle_table="$started_table$idle_cpu_table

Idle target (< 5 % of one core for everything, judged after the load): $(awk -v p="$idle_percent" 'BEGIN{print (p < 5) ? "met" : "not met"}') ($idle_percent %).

The command took $SECONDS s from its start to this report$([ $quick = 0 ] || echo " (--quick: under 180 s is issue 8's target; $([ $SECONDS -lt 180 ] && echo met || echo "**not met**"))")."

report="### $(date -u '+%Y-%m-%d %H:%M') UTC: \`scripts/bench.sh${bench_args[*]:+ ${bench_args[*]}}\`

Machine: $(nproc) cores, load average $load_before when the command started; code: git $commit; $infra_note.

$tables

$idle_table"
printf '%s\n' "$report"
if [ "${WALLET_BENCH_RECORD:-1}" = 1 ]; then
  printf '\n%s\n' "$report" >>"$WALLET_ROOT/docs/benchmarks.md"
  log "appended to docs/benchmarks.md"
fi
