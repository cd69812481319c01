#!/usr/bin/env bash
# The fault suite (issue 9): starts the wallet as scripts/run.sh does (two edges, the ledger writer,
# the sandbox gateway) on an infrastructure of its own, then drives transfers, payments and refunds
# from clients that retry every unanswered request under the same Idempotency-Key while it puts each
# fault on the real processes in turn (edge-api's test class dev.wallet.edge.chaos.ChaosRun, in a
# separate JVM). After each fault it checks: every acknowledged movement is in the ledger exactly
# once, every unknown one reached a definite outcome, each wallet equals the model of its
# acknowledged movements, totals are conserved, nothing is negative, Redis equals the ledger,
# reconciliation ran after the fault and is clean, no saga is left pending. Prints a table; exits
# non-zero on any violation.
#
#   scripts/chaos.sh            # every fault (about 10 min once built); the table goes into docs/reliability.md
#   scripts/chaos.sh --short    # master kill, writer kill, edge kill (under 5 min once built); prints only
#   WALLET_SKIP_BUILD=1 scripts/chaos.sh --short
# Any further --name=value is passed to ChaosRun (e.g. --times=2 --clients=16 --faults=postgres-stop).
#
# Its infrastructure is its own (a fresh data folder each run, stopped at the end), so a fault never
# touches the one scripts/run.sh or the tests use: WALLET_CHAOS_DATA_DIR [.data/chaos],
# WALLET_CHAOS_REDIS_FIRST_PORT [7301], WALLET_CHAOS_PG_PORT [25452], WALLET_CHAOS_EDGE_PORTS
# ["8380 8381"], WALLET_CHAOS_SANDBOX_PORT [8390], WALLET_CHAOS_METRICS_PORT [9381],
# WALLET_CHAOS_HZ_PORT [5851]. WALLET_CHAOS_RECORD=0|1 overrides whether docs/reliability.md is written.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WALLET_DATA_DIR=${WALLET_CHAOS_DATA_DIR:-$here/../.data/chaos}
export WALLET_REDIS_FIRST_PORT=${WALLET_CHAOS_REDIS_FIRST_PORT:-7301}
export WALLET_PG_PORT=${WALLET_CHAOS_PG_PORT:-25452}
# derived again from the ports and folder above; so is region b's folder (scripts/env.sh), which
# infra-down.sh stops and purges with this one
unset WALLET_REDIS_NODES WALLET_REGION_B_DATA_DIR
source "$here/env.sh"
export WALLET_MODE=development
cd "$WALLET_ROOT"

short=0
chaos_args=()
for arg in "$@"; do
  case "$arg" in
    --short) short=1 ;;
    *) chaos_args+=("$arg") ;;
  esac
done
if [ $short = 1 ]; then
  faults=--faults=master-kill,writer-kill,edge-kill
  record=${WALLET_CHAOS_RECORD:-0}
else
  faults=--faults=master-kill,replica-stall-master-kill,writer-kill,postgres-stop,edge-kill,redis-stall
  record=${WALLET_CHAOS_RECORD:-1}
fi
edge_ports=(${WALLET_CHAOS_EDGE_PORTS:-8380 8381})
metrics_port=${WALLET_CHAOS_METRICS_PORT:-9381}
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' with uncommitted changes')"
started=$SECONDS

if [ -z "${WALLET_SKIP_BUILD:-}" ]; then
  log "building (mvn package -DskipTests)"
  mvn -B -q package -DskipTests
fi
edge_jar=$(ls "$WALLET_ROOT"/edge-api/target/edge-api-*-all.jar 2>/dev/null | head -n 1)
[ -n "$edge_jar" ] && [ -d "$WALLET_ROOT/edge-api/target/test-classes/dev/wallet/edge/chaos" ] \
  || die "no edge-api shaded jar and test classes; build first (mvn package -DskipTests)"

# ------------------------------------------------------------------ a fresh infrastructure of its own
"$WALLET_ROOT/scripts/infra-down.sh" --purge >/dev/null 2>&1 || true
"$WALLET_ROOT/scripts/infra-up.sh"
out_dir=$WALLET_DATA_DIR/chaos
rm -f "$out_dir/table.md"
run_dir=$out_dir/run
mkdir -p "$out_dir" "$run_dir"

# ------------------------------------------------------------------ the system, as scripts/run.sh runs it
webhooks=""
for port in "${edge_ports[@]}"; do webhooks+="${webhooks:+,}http://127.0.0.1:$port/v1/webhooks/gateway/sandbox"; done
WALLET_SKIP_BUILD=1 WALLET_EDGE_PORTS="${edge_ports[*]}" WALLET_RUN_DIR=$run_dir \
  WALLET_SANDBOX_PORT=${WALLET_CHAOS_SANDBOX_PORT:-8390} WALLET_SANDBOX_WEBHOOK_URLS=$webhooks WALLET_SANDBOX_DELAY_MS=20 \
  WALLET_LEDGER_METRICS_PORT=$metrics_port WALLET_HZ_CLUSTER=wallet-chaos WALLET_HZ_PORT=${WALLET_CHAOS_HZ_PORT:-5851} \
  WALLET_RISK_RULES_FILE=$WALLET_ROOT/scripts/bench/risk-rules.yaml \
  WALLET_RATE_LIMIT_PER_SECOND=1000000 WALLET_RATE_LIMIT_BURST=1000000 WALLET_RECONCILE_INTERVAL_MS=2000 \
  WALLET_STRIPED_MERCHANT_OWNERS=chaos-hot-shop WALLET_STRIPE_SWEEP_INTERVAL_MS=1000 \
  "$WALLET_ROOT/scripts/run.sh" >"$out_dir/run.log" 2>&1 &
system=$!

# Stops the system, including the processes the suite started again (their pids are in the pid
# files, which run.sh removes as it stops), then the infrastructure.
stop_everything() {
  local pids pid
  pids=$(cat "$run_dir"/*.pid 2>/dev/null || true)
  kill $system 2>/dev/null || true
  wait $system 2>/dev/null || true
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.3
  done
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  "$WALLET_ROOT/scripts/infra-down.sh" >/dev/null 2>&1 || true
}
trap stop_everything EXIT
for _ in $(seq 1 360); do
  grep -q 'ready: edge API' "$out_dir/run.log" && break
  kill -0 $system 2>/dev/null || { cat "$out_dir/run.log" >&2; die "the system did not start"; }
  sleep 0.5
done
grep -q 'ready: edge API' "$out_dir/run.log" || die "the system was not ready within 180 s; see $out_dir/run.log"
log "the system is up (edges on ${edge_ports[*]}); logs in $WALLET_DATA_DIR/logs"

# ------------------------------------------------------------------ the faults
pg_bin=$(pg_bindir)
pg_dir=$(readlink -f "$WALLET_DATA_DIR/pg")
if [ "$(id -u)" = 0 ]; then pg_ctl="runuser -u postgres -- $pg_bin/pg_ctl -D $pg_dir"; else pg_ctl="$pg_bin/pg_ctl -D $pg_dir"; fi
edges=""
for port in "${edge_ports[@]}"; do edges+="${edges:+,}http://127.0.0.1:$port"; done
set +e
java ${CHAOS_JAVA_OPTS:--Xmx512m} -cp "$WALLET_ROOT/edge-api/target/test-classes:$edge_jar" dev.wallet.edge.chaos.ChaosRun \
  --edges="$edges" --secret="${WALLET_JWT_SECRET:-wallet-dev-only-jwt-secret-never-use-in-production}" "$faults" \
  --run-dir="$run_dir" --log-dir="$WALLET_DATA_DIR/logs" --redis-host="$WALLET_REDIS_HOST" \
  --redis-first-port="$WALLET_REDIS_FIRST_PORT" --redis-nodes="$WALLET_REDIS_NODE_COUNT" \
  --redis-dir="$WALLET_DATA_DIR/redis" --pg-host="$WALLET_PG_HOST" --pg-port="$WALLET_PG_PORT" \
  --pg-database="$WALLET_PG_DATABASE" --pg-user="$WALLET_PG_USER" --pg-password="$WALLET_PG_PASSWORD" \
  --pg-ctl="$pg_ctl" --pg-log="$pg_dir/server.log" --writer-metrics="http://127.0.0.1:$metrics_port/metrics" \
  --table="$out_dir/table.md" "${chaos_args[@]}"
verdict=$?
set -e
log "chaos.sh$([ $short = 1 ] && echo ' --short') took $((SECONDS - started)) s: $([ $verdict = 0 ] && echo clean || echo "VIOLATIONS (exit $verdict)")"

if [ "$record" = 1 ] && [ -s "$out_dir/table.md" ]; then
  {
    printf 'Run %s UTC: `scripts/chaos.sh%s`, git %s, %s cores, %s s.\n\n' "$(date -u '+%Y-%m-%d %H:%M')" \
      "${*:+ $*}" "$commit" "$(nproc)" "$((SECONDS - started))"
    cat "$out_dir/table.md"
  } >"$out_dir/report.md"
  # the report replaces what stands between the two markers of docs/reliability.md
  awk -v report="$out_dir/report.md" '
    /<!-- chaos:begin -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
    /<!-- chaos:end -->/ { skip = 0 }
    !skip' "$WALLET_ROOT/docs/reliability.md" >"$out_dir/reliability.md"
  cp "$out_dir/reliability.md" "$WALLET_ROOT/docs/reliability.md"
  log "the table is in docs/reliability.md"
fi
exit $verdict
