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
# missing) on WALLET_PROMETHEUS_PORT (default 9090), keeping its data in WALLET_PROMETHEUS_DIR,
# scraping both edges and the ledger writer every 5 s with the alert rules of
# ops/prometheus/wallet-alerts.yml loaded (docs/operations.md), and tells the edges where it is
# (WALLET_PROMETHEUS_URL) for the console's Live page.
#
#   scripts/run.sh                 # build and run
#   scripts/run.sh --with-prometheus
#   WALLET_SKIP_BUILD=1 scripts/run.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
with_prometheus=""
for arg in "$@"; do
  case $arg in
    --with-prometheus) with_prometheus=1 ;;
    *) die "unknown argument $arg (usage: scripts/run.sh [--with-prometheus])" ;;
  esac
done
export WALLET_MODE=${WALLET_MODE:-development}
export WALLET_CONFIG_FILE=${WALLET_CONFIG_FILE:-$WALLET_ROOT/edge-api/config/edge.yaml}
export WALLET_RISK_RULES_FILE=${WALLET_RISK_RULES_FILE:-$WALLET_ROOT/config/risk-rules.yaml}
edge_ports=(${WALLET_EDGE_PORTS:-8080 8081})
export WALLET_SANDBOX_PORT=${WALLET_SANDBOX_PORT:-8090}
export WALLET_SANDBOX_URL=${WALLET_SANDBOX_URL:-http://127.0.0.1:$WALLET_SANDBOX_PORT}
webhooks=""
for port in "${edge_ports[@]}"; do webhooks+="${webhooks:+,}http://127.0.0.1:$port/v1/webhooks/gateway/sandbox"; done
export WALLET_SANDBOX_WEBHOOK_URLS=${WALLET_SANDBOX_WEBHOOK_URLS:-$webhooks}
logs=$WALLET_DATA_DIR/logs
# one <name>.pid per process while it runs (scripts/bench.sh reads them to measure each one's CPU)
pid_dir=${WALLET_RUN_DIR:-$WALLET_DATA_DIR/run}

"$WALLET_ROOT/scripts/infra-up.sh"
[ -z "$with_prometheus" ] || ensure_ops_tools
# the console's Live page asks this Prometheus for the whole system's figures (docs/console.md)
[ -z "$with_prometheus" ] || export WALLET_PROMETHEUS_URL=${WALLET_PROMETHEUS_URL:-http://127.0.0.1:$WALLET_PROMETHEUS_PORT}
if [ -z "${WALLET_SKIP_BUILD:-}" ]; then
  log "building every module (mvn install -DskipTests)"
  (cd "$WALLET_ROOT" && mvn -B -q install -DskipTests)
fi
mkdir -p "$logs" "$pid_dir"

# The shaded jar of a module (target/<module>-<version>-all.jar), or nothing if it has none.
shaded_jar() {
  local jars=("$WALLET_ROOT/$1"/target/"$1"-*-all.jar)
  [ -f "${jars[0]}" ] && echo "${jars[0]}"
  return 0
}

pids=()
stop_all() {
  local pid
  # each process shuts down gracefully on SIGTERM (in-flight requests finish, sockets close with a reason)
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$pid_dir"/*.pid
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start <name> <log> <env...> -- <java arguments...>: runs a JVM in the background. Its log goes to
# $logs/<log>.log, rolled over by size and day with a cap on old files (each process's log4j2.xml);
# what the JVM itself prints outside the log (a crash, a thread dump) goes to $logs/<log>.out.
start() {
  local name=$1 logfile=$2 envs=()
  shift 2
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" java ${JAVA_OPTS:-} "-Dwallet.log.dir=$logs" "-Dwallet.log.name=$logfile" "$@" \
    >>"$logs/$logfile.out" 2>&1 &
  pids+=($!)
  echo $! >"$pid_dir/$logfile.pid"
  log "$name started (pid $!), logging to $logs/$logfile.log"
}

ledger_jar=$(shaded_jar ledger-writer)
edge_jar=$(shaded_jar edge-api)
[ -n "$edge_jar" ] || die "no edge-api shaded jar after the build"
if [ -n "$ledger_jar" ]; then
  # migrates the ledger's schema, then moves the outbox into PostgreSQL; under the name of its slot,
  # so that a restarted writer finds the batch it had read and not committed at once
  start "ledger writer" ledger-writer WALLET_LEDGER_CONSUMER="${WALLET_LEDGER_CONSUMER:-writer-1}" -- \
    -jar "$ledger_jar"
else
  log "ledger-writer: no shaded jar, not started (GET .../entries has no history without it)"
fi
start "sandbox gateway on :$WALLET_SANDBOX_PORT" sandbox-gateway -- \
  -cp "$edge_jar" dev.wallet.edge.gateway.sandbox.SandboxMain
for port in "${edge_ports[@]}"; do
  start "edge API on :$port" "edge-api-$port" WALLET_HTTP_PORT="$port" -- -jar "$edge_jar"
done

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

for port in "${edge_ports[@]}"; do
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process stopped; see $logs/"; done
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || die "edge on :$port is not ready; see $logs/edge-api-$port.log"
done

cat >&2 <<TXT
[wallet] ready: edge API on $(printf 'http://localhost:%s ' "${edge_ports[@]}")(same data, either will do)
[wallet]        sandbox gateway on http://localhost:$WALLET_SANDBOX_PORT, configuration $WALLET_CONFIG_FILE
[wallet] a development token (roles default to user; add merchant for merchant wallets):
           TOKEN=\$(scripts/dev-token.sh alice)
           curl -s -X POST http://localhost:${edge_ports[0]}/v1/wallets -H "Authorization: Bearer \$TOKEN" \\
                -H 'Content-Type: application/json' -d '{"currency":"USD","type":"personal"}'
[wallet] a guided tour: scripts/demo.sh      the API: http://localhost:${edge_ports[0]}/openapi.yaml
[wallet] Ctrl-C stops the edges, the sandbox and the ledger writer.
TXT
[ -z "$with_prometheus" ] || log "prometheus: http://localhost:$WALLET_PROMETHEUS_PORT (alerts: /alerts; dashboard: ops/grafana, docs/operations.md)"
wait
