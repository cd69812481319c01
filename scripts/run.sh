#!/usr/bin/env bash
# Runs the wallet on this machine: the infrastructure (scripts/infra-up.sh), a build, then in the
# background the ledger writer, the sandbox gateway (its own process, like a real gateway) and two
# edge API instances (ports 8080 and 8081, as behind a load balancer), each logging JSON lines to
# $WALLET_DATA_DIR/logs/. It waits until both edges are ready, prints how to use them, and stays
# in the foreground: Ctrl-C stops everything it started (scripts/infra-down.sh stops Redis and
# PostgreSQL).
#
# It runs in development mode (WALLET_MODE=development): a secret that is not set takes the
# development value published in this repository. Outside that mode every process refuses to start
# without real secrets (WALLET_JWT_SECRET, WALLET_SANDBOX_WEBHOOK_SECRET, WALLET_SANDBOX_API_KEY, the
# PostgreSQL passwords).
#
# With --with-prometheus it also starts a local Prometheus (Debian's package, installed with apt when
# missing) on WALLET_PROMETHEUS_PORT (default 9190), keeping its data in WALLET_PROMETHEUS_DIR,
# scraping both edges and the ledger writer every 5 s with the alert rules of
# ops/prometheus/wallet-alerts.yml loaded (docs/operations.md), and tells the edges where it is
# (WALLET_PROMETHEUS_URL) for the console's Live page.
#
# With --regions 2 it runs two complete regions on this machine (issue 12, "regions"), each owning
# its own wallets: region a exactly as above, and region b with everything of its own: its Redis
# Cluster and PostgreSQL (scripts/env.sh: Redis from WALLET_REGION_B_REDIS_FIRST_PORT [7121],
# PostgreSQL on WALLET_REGION_B_PG_PORT [25442], data in WALLET_REGION_B_DATA_DIR [.data/region-b],
# where its logs/ and run/ (pid files) are too; its ledger over two databases of that PostgreSQL,
# WALLET_REGION_B_LEDGER_PLACEMENT), its ledger writer (metrics on
# WALLET_REGION_B_METRICS_PORT [9481]), its sandbox gateway (WALLET_REGION_B_SANDBOX_PORT [8290],
# webhooks to region b's edges), its Hazelcast cluster (WALLET_REGION_B_HZ_CLUSTER
# [<WALLET_HZ_CLUSTER or wallet>-b] on WALLET_REGION_B_HZ_PORT [5751]) and its edges
# (WALLET_REGION_B_EDGE_PORTS ["8280 8281"]). Every process gets its region's name as WALLET_REGION
# and the same WALLET_REGIONS (default a=http://127.0.0.1:8080,b=http://127.0.0.1:8280, from the
# first edge of each; when set, its first two names are the regions' names). --with-prometheus
# watches region a only. Ctrl-C stops both regions' processes; scripts/infra-down.sh stops both
# infrastructures.
#
#   scripts/run.sh                 # build and run
#   scripts/run.sh --with-prometheus
#   scripts/run.sh --regions 2     # regions a (edges 8080 8081) and b (edges 8280 8281)
#   WALLET_SKIP_BUILD=1 scripts/run.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
with_prometheus=""
regions=1
usage="usage: scripts/run.sh [--with-prometheus] [--regions 1|2]"
while [ $# -gt 0 ]; do
  case $1 in
    --with-prometheus) with_prometheus=1 ;;
    --regions) [ $# -ge 2 ] || die "--regions needs a count ($usage)"; regions=$2; shift ;;
    --regions=*) regions=${1#--regions=} ;;
    *) die "unknown argument $1 ($usage)" ;;
  esac
  shift
done
case $regions in 1 | 2) ;; *) die "--regions takes 1 or 2, not $regions ($usage)" ;; esac
export WALLET_MODE=${WALLET_MODE:-development}
export WALLET_CONFIG_FILE=${WALLET_CONFIG_FILE:-$WALLET_ROOT/edge-api/config/edge.yaml}
export WALLET_RISK_RULES_FILE=${WALLET_RISK_RULES_FILE:-$WALLET_ROOT/config/risk-rules.yaml}
edge_ports=(${WALLET_EDGE_PORTS:-8080 8081})
export WALLET_SANDBOX_PORT=${WALLET_SANDBOX_PORT:-8090}
export WALLET_SANDBOX_URL=${WALLET_SANDBOX_URL:-http://127.0.0.1:$WALLET_SANDBOX_PORT}
webhooks=""
for port in "${edge_ports[@]}"; do webhooks+="${webhooks:+,}http://127.0.0.1:$port/v1/webhooks/gateway/sandbox"; done
export WALLET_SANDBOX_WEBHOOK_URLS=${WALLET_SANDBOX_WEBHOOK_URLS:-$webhooks}
# each process's log, and beside it the sandbox's journal (a second run, such as check-ops.sh --live,
# gives a folder of its own: a sandbox started on another's journal rewrites it under the running one)
logs=${WALLET_LOG_DIR:-$WALLET_DATA_DIR/logs}
# one <name>.pid per process while it runs (scripts/bench.sh reads them to measure each one's CPU)
pid_dir=${WALLET_RUN_DIR:-$WALLET_DATA_DIR/run}
# what each process of the region being started gets on top of the environment (env(1) arguments)
# and the prefix of its messages: nothing for one region, as before regions existed
region_env=()
who=""

if [ "$regions" = 2 ]; then
  b_edge_ports=(${WALLET_REGION_B_EDGE_PORTS:-8280 8281})
  b_sandbox_port=${WALLET_REGION_B_SANDBOX_PORT:-8290}
  b_logs=$WALLET_REGION_B_DATA_DIR/logs
  b_pid_dir=$WALLET_REGION_B_DATA_DIR/run
  # Every process of every region must read the same list: a region's position in it decides which
  # shard numbers it owns (1000 x position onwards). Given to each process with its WALLET_REGION.
  WALLET_REGIONS=${WALLET_REGIONS:-a=http://127.0.0.1:${edge_ports[0]},b=http://127.0.0.1:${b_edge_ports[0]}}
  region_names=($(tr ',' '\n' <<<"$WALLET_REGIONS" | cut -d= -f1 | tr -d ' '))
  [ "${#region_names[@]}" -ge 2 ] || die "WALLET_REGIONS names fewer than two regions: $WALLET_REGIONS"
  b_webhooks=""
  for port in "${b_edge_ports[@]}"; do b_webhooks+="${b_webhooks:+,}http://127.0.0.1:$port/v1/webhooks/gateway/sandbox"; done
  region_a_env=(WALLET_REGION="${region_names[0]}" WALLET_REGIONS="$WALLET_REGIONS")
  # Region b shares nothing with region a: its infrastructure (the in_region_b settings of env.sh),
  # its writer's metrics port, its sandbox, its Hazelcast cluster name and ports (on a's ports its
  # edges would take the free ones of the range and join region a's risk-rules cluster).
  # WALLET_HZ_MEMBERS, when set, lists region a's members; the Prometheus of --with-prometheus
  # scrapes region a only, so region b's console says it has none.
  region_b_env=(-u WALLET_HZ_MEMBERS -u WALLET_PROMETHEUS_URL
    WALLET_REGION="${region_names[1]}" WALLET_REGIONS="$WALLET_REGIONS"
    WALLET_DATA_DIR="$WALLET_REGION_B_DATA_DIR" WALLET_REDIS_FIRST_PORT="$WALLET_REGION_B_REDIS_FIRST_PORT"
    WALLET_REDIS_NODES="$WALLET_REGION_B_REDIS_NODES" WALLET_PG_PORT="$WALLET_REGION_B_PG_PORT"
    WALLET_LEDGER_PLACEMENT="$WALLET_REGION_B_LEDGER_PLACEMENT"
    WALLET_LEDGER_METRICS_PORT="${WALLET_REGION_B_METRICS_PORT:-9481}"
    WALLET_HZ_CLUSTER="${WALLET_REGION_B_HZ_CLUSTER:-${WALLET_HZ_CLUSTER:-wallet}-${region_names[1]}}"
    WALLET_HZ_PORT="${WALLET_REGION_B_HZ_PORT:-5751}"
    WALLET_SANDBOX_PORT="$b_sandbox_port" WALLET_SANDBOX_URL="http://127.0.0.1:$b_sandbox_port"
    WALLET_SANDBOX_WEBHOOK_URLS="$b_webhooks")
fi

"$WALLET_ROOT/scripts/infra-up.sh"
[ "$regions" = 1 ] || in_region_b "$WALLET_ROOT/scripts/infra-up.sh"
[ -z "$with_prometheus" ] || ensure_ops_tools
# the console's Live page asks this Prometheus for the whole system's figures (docs/console.md)
[ -z "$with_prometheus" ] || export WALLET_PROMETHEUS_URL=${WALLET_PROMETHEUS_URL:-http://127.0.0.1:$WALLET_PROMETHEUS_PORT}
if [ -z "${WALLET_SKIP_BUILD:-}" ]; then
  log "building every module (mvn install -DskipTests)"
  (cd "$WALLET_ROOT" && mvn -B -q install -DskipTests)
fi
mkdir -p "$logs" "$pid_dir"
[ "$regions" = 1 ] || mkdir -p "$b_logs" "$b_pid_dir"
pid_dirs=("$pid_dir")
[ "$regions" = 1 ] || pid_dirs+=("$b_pid_dir")

# The shaded jar of a module (target/<module>-<version>-all.jar), or nothing if it has none.
shaded_jar() {
  local jars=("$WALLET_ROOT/$1"/target/"$1"-*-all.jar)
  [ -f "${jars[0]}" ] && echo "${jars[0]}"
  return 0
}

pids=()
stop_all() {
  local pid dir
  # each process shuts down gracefully on SIGTERM (in-flight requests finish, sockets close with a reason)
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for dir in "${pid_dirs[@]}"; do rm -f "$dir"/*.pid; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start <name> <log> <env...> -- <java arguments...>: runs a JVM in the background, in the region
# being started (region_env, logs, pid_dir). Its log goes to
# $logs/<log>.log, rolled over by size and day with a cap on old files (each process's log4j2.xml);
# what the JVM itself prints outside the log (a crash, a thread dump) goes to $logs/<log>.out.
# -XX:-UsePerfData: the JVM's performance counters (read by jps and jstat, which nothing here uses;
# jcmd and JFR work without them) are sampled every 50 ms, 0.13-0.18 % of a core per idle JVM;
# JAVA_OPTS=-XX:+UsePerfData brings them back.
# -XX:-TieredCompilation: C2 alone, compiling from the interpreter's profiles. Alternated runs of
# `bench.sh --only=same` (docs/benchmarks.md, 2026-12-05) moved 1,101 -> 1,279 transfers/s (medians)
# and an edge's CPU a request 0.39 -> 0.33 ms (a full run after it did not show the gain on its own);
# idle after a load read about a point of a core higher.
# JAVA_OPTS=-XX:+TieredCompilation brings tiered compilation back.
start() {
  local name=$1 logfile=$2 envs=()
  shift 2
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${region_env[@]}" "${envs[@]}" java -XX:-UsePerfData -XX:-TieredCompilation ${JAVA_OPTS:-} "-Dwallet.log.dir=$logs" "-Dwallet.log.name=$logfile" "$@" \
    >>"$logs/$logfile.out" 2>&1 &
  pids+=($!)
  echo $! >"$pid_dir/$logfile.pid"
  log "$who$name started (pid $!), logging to $logs/$logfile.log"
}

ledger_jar=$(shaded_jar ledger-writer)
edge_jar=$(shaded_jar edge-api)
[ -n "$edge_jar" ] || die "no edge-api shaded jar after the build"

# start_region <sandbox port> <edge ports...>: the ledger writer, the sandbox gateway and the edges
# of the region being started.
start_region() {
  local sandbox_port=$1 port
  shift
  if [ -n "$ledger_jar" ]; then
    # migrates the ledger's schema, then moves the outbox into PostgreSQL from each shard's published
    # position; its name is what its logs and reconciliation call it
    start "ledger writer" ledger-writer WALLET_LEDGER_CONSUMER="${WALLET_LEDGER_CONSUMER:-writer-1}" -- \
      -jar "$ledger_jar"
  else
    log "${who}ledger-writer: no shaded jar, not started (GET .../entries has no history without it)"
  fi
  # it remembers what it took across its restarts, like a real gateway, in the region's data folder
  start "sandbox gateway on :$sandbox_port" sandbox-gateway \
    WALLET_SANDBOX_JOURNAL="$(dirname "$logs")/sandbox/journal.jsonl" -- \
    -cp "$edge_jar" dev.wallet.edge.gateway.sandbox.SandboxMain
  for port in "$@"; do
    start "edge API on :$port" "edge-api-$port" WALLET_HTTP_PORT="$port" -- -jar "$edge_jar"
  done
}
if [ "$regions" = 1 ]; then
  start_region "$WALLET_SANDBOX_PORT" "${edge_ports[@]}"
else
  a_logs=$logs a_pid_dir=$pid_dir
  region_env=("${region_a_env[@]}") who="region ${region_names[0]}: "
  start_region "$WALLET_SANDBOX_PORT" "${edge_ports[@]}"
  region_env=("${region_b_env[@]}") who="region ${region_names[1]}: " logs=$b_logs pid_dir=$b_pid_dir
  start_region "$b_sandbox_port" "${b_edge_ports[@]}"
  # back to region a's, which the Prometheus below belongs to
  region_env=() who="" logs=$a_logs pid_dir=$a_pid_dir
fi

# The scrape configuration of this run's processes, with the alert rules of the repository.
write_prometheus_config() {
  local edges="" port
  for port in "${edge_ports[@]}"; do edges+="${edges:+, }'127.0.0.1:$port'"; done
  cat >"$WALLET_PROMETHEUS_DIR/prometheus.yml" <<YAML
# written by scripts/run.sh --with-prometheus; edit ops/prometheus/ or the script, not this file
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - $WALLET_ROOT/ops/prometheus/wallet-alerts.yml
scrape_configs:
  - job_name: wallet-edge
    static_configs:
      - targets: [$edges]
  - job_name: wallet-ledger-writer
    static_configs:
      - targets: ['127.0.0.1:${WALLET_LEDGER_METRICS_PORT:-9181}']
YAML
}

start_prometheus() {
  mkdir -p "$WALLET_PROMETHEUS_DIR/data"
  write_prometheus_config
  promtool check config "$WALLET_PROMETHEUS_DIR/prometheus.yml" >/dev/null || die "the Prometheus configuration is invalid"
  prometheus --config.file="$WALLET_PROMETHEUS_DIR/prometheus.yml" --storage.tsdb.path="$WALLET_PROMETHEUS_DIR/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$WALLET_PROMETHEUS_PORT" \
    >>"$logs/prometheus.log" 2>&1 &
  pids+=($!)
  echo $! >"$pid_dir/prometheus.pid"
  log "prometheus started (pid $!) on http://localhost:$WALLET_PROMETHEUS_PORT, logging to $logs/prometheus.log"
}
[ -z "$with_prometheus" ] || start_prometheus

# wait_ready <logs> <edge ports...>: until each edge of a region answers /health/ready
wait_ready() {
  local logs=$1 port
  shift
  for port in "$@"; do
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process stopped; see $logs/"; done
      sleep 0.5
    done
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || die "edge on :$port is not ready; see $logs/edge-api-$port.log"
  done
}
wait_ready "$logs" "${edge_ports[@]}"
[ "$regions" = 1 ] || wait_ready "$b_logs" "${b_edge_ports[@]}"

if [ "$regions" = 1 ]; then
  cat >&2 <<TXT
[wallet] ready: edge API on $(printf 'http://localhost:%s ' "${edge_ports[@]}")(same data, either will do)
[wallet]        sandbox gateway on http://localhost:$WALLET_SANDBOX_PORT, configuration $WALLET_CONFIG_FILE
TXT
else
  # "ready: edge API" first, as scripts that start run.sh wait for it
  cat >&2 <<TXT
[wallet] ready: edge API of region ${region_names[0]} on $(printf 'http://localhost:%s ' "${edge_ports[@]}")(same data, either will do)
[wallet]        edge API of region ${region_names[1]} on $(printf 'http://localhost:%s ' "${b_edge_ports[@]}")(same data, either will do)
[wallet]        each region holds its own wallets; WALLET_REGIONS=$WALLET_REGIONS
[wallet]        sandbox gateways on http://localhost:$WALLET_SANDBOX_PORT (region ${region_names[0]}) and http://localhost:$b_sandbox_port (region ${region_names[1]}), configuration $WALLET_CONFIG_FILE
[wallet]        logs: region ${region_names[0]} in $logs/, region ${region_names[1]} in $b_logs/
TXT
fi
cat >&2 <<TXT
[wallet] a development token (roles default to user; add merchant for merchant wallets):
           TOKEN=\$(scripts/dev-token.sh alice)
           curl -s -X POST http://localhost:${edge_ports[0]}/v1/wallets -H "Authorization: Bearer \$TOKEN" \\
                -H 'Content-Type: application/json' -d '{"currency":"USD","type":"personal"}'
[wallet] a guided tour: scripts/demo.sh      the API: http://localhost:${edge_ports[0]}/openapi.yaml
TXT
if [ "$regions" = 1 ]; then
  log "Ctrl-C stops the edges, the sandbox and the ledger writer."
else
  log "Ctrl-C stops both regions' edges, sandboxes and ledger writers."
fi
[ -z "$with_prometheus" ] || log "prometheus: http://localhost:$WALLET_PROMETHEUS_PORT (alerts: /alerts; dashboard: ops/grafana, docs/operations.md)"
wait
