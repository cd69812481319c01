#!/usr/bin/env bash
# Checks what operators run the wallet with (ops/, docs/operations.md); part of scripts/test.sh.
#
#   --static  the alert rules (promtool check rules), their unit tests (promtool test rules) and the
#             dashboard's shape: no process needed.
#   --live    scripts/run.sh --with-prometheus on ports of its own (built jars needed: run after
#             mvn verify); waits until Prometheus has scraped both edges and the ledger writer, then
#             asks its HTTP API for wallet figures with real values, for the rules it loaded, and
#             runs every query of the dashboard; asks an edge for the console's Live figures (from
#             that Prometheus). Stops what it started.
#   (none)    both.
#
# Any failure exits non-zero, so the suite fails with it. Prometheus, promtool and jq come from
# Debian's packages, installed with apt when missing (as scripts/infra-up.sh does for its servers).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

RULES=$WALLET_ROOT/ops/prometheus/wallet-alerts.yml
DASHBOARD=$WALLET_ROOT/ops/grafana/dashboards/wallet.json
LIVE_DEADLINE_S=${WALLET_OPS_CHECK_DEADLINE_S:-180}

check_static() {
  log "ops: promtool check rules"
  promtool check rules "$RULES"
  log "ops: promtool test rules"
  (cd "$WALLET_ROOT/ops/prometheus" && promtool test rules wallet-alerts.test.yml)
  log "ops: the dashboard is JSON with a query in every panel, on the provisioned data source"
  jq -e '[.panels[] | select(.type != "row")] | length > 0 and all(.targets | length > 0)' "$DASHBOARD" >/dev/null \
    || die "$DASHBOARD: a panel without a query"
  jq -e '[.panels[] | select(.type != "row") | .datasource.uid] | all(. == "wallet-prometheus")' "$DASHBOARD" \
    >/dev/null || die "$DASHBOARD: a panel on another data source than wallet-prometheus"
}

# ------------------------------------------------------------------ live

prometheus_url() { echo "http://127.0.0.1:$WALLET_PROMETHEUS_PORT"; }

# query EXPR: the result vector of an instant query, as JSON; fails on a query Prometheus refuses.
query() {
  local answer
  answer=$(curl -sf --get "$(prometheus_url)/api/v1/query" --data-urlencode "query=$1") || return 1
  jq -e '.status == "success"' <<<"$answer" >/dev/null || return 1
  jq -c '.data.result' <<<"$answer"
}

# scalar EXPR: the single value of a one-element result, or nothing.
scalar() { query "$1" | jq -r 'if length == 1 then .[0].value[1] else empty end'; }

# until_true WHAT CMD...: polls CMD until it succeeds, up to the live deadline.
until_true() {
  local what=$1 deadline=$((SECONDS + LIVE_DEADLINE_S))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || die "ops: timed out after ${LIVE_DEADLINE_S}s waiting for $what"
    kill -0 "$run_pid" 2>/dev/null || die "ops: scripts/run.sh stopped; see ${WALLET_LOG_DIR:-$WALLET_DATA_DIR/logs}/ and $run_log"
    sleep 1
  done
}

targets_up() { [ "$(scalar 'count(up{job=~"wallet-edge|wallet-ledger-writer"} == 1)')" = 3 ]; }
edges_ready() { local p; for p in $edge_ports; do curl -sf "http://127.0.0.1:$p/health/ready" >/dev/null || return 1; done; }
wallet_opened_seen() {
  [ "$(scalar 'sum(vertx_http_server_requests_total{job="wallet-edge",route="/v1/wallets",code="201"})')" -ge 1 ] \
    2>/dev/null
}
replicas_seen() {
  local lowest
  lowest=$(scalar 'min(wallet_redis_master_online_replicas{job="wallet-edge"})')
  [ -n "$lowest" ] && [ "${lowest%.*}" -ge 1 ]
}

open_wallet() {
  local token port=${edge_ports%% *}
  token=$("$WALLET_ROOT/scripts/dev-token.sh" ops-check)
  curl -sf -X POST "http://127.0.0.1:$port/v1/wallets" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"currency":"USD","type":"personal"}' >/dev/null
}

# The console's Live figures as an edge serves them (a risk session's cookie): Prometheus's, from both
# edges and the writer.
console_live_seen() {
  local token port=${edge_ports%% *}
  token=$("$WALLET_ROOT/scripts/dev-token.sh" ops-check risk)
  curl -sf "http://127.0.0.1:$port/console/live/series" -H "Cookie: wallet_console=$token" \
    | jq -e '.state == "ok" and .edges == 2 and .writers == 1' >/dev/null
}

alert_rules() { curl -sf "$(prometheus_url)/api/v1/rules" | jq -c '[.data.groups[].rules[] | select(.type == "alerting")]'; }

# Every rule evaluated at least once, none with an error (a rule that does not evaluate never fires).
rules_evaluated() {
  alert_rules | jq -e 'length > 0 and all(.health == "ok" and .lastEvaluation != "0001-01-01T00:00:00Z")' >/dev/null
}

check_rules_loaded() {
  local loaded expected
  expected=$(grep -c '^      - alert:' "$RULES")
  loaded=$(alert_rules | jq length)
  [ "$loaded" = "$expected" ] || die "ops: Prometheus loaded $loaded alert rules, the file has $expected"
  until_true "every alert rule to be evaluated without error" rules_evaluated
  log "ops: Prometheus evaluates the $loaded alert rules, each without error"
}

check_dashboard_queries() {
  local expr count=0
  while IFS= read -r expr; do
    query "$expr" >/dev/null || die "ops: Prometheus refuses the dashboard's query: $expr"
    count=$((count + 1))
  done < <(jq -r '.panels[] | select(.type != "row") | .targets[].expr' "$DASHBOARD")
  log "ops: Prometheus answers all $count queries of the dashboard"
}

stop_run() {
  if kill -0 "$run_pid" 2>/dev/null; then
    kill "$run_pid"
    wait "$run_pid" 2>/dev/null || true
  fi
}

check_live() {
  # ports of its own, so that a wallet a developer runs meanwhile is left alone
  export WALLET_EDGE_PORTS=${WALLET_OPS_CHECK_EDGE_PORTS:-18180 18181}
  export WALLET_SANDBOX_PORT=${WALLET_OPS_CHECK_SANDBOX_PORT:-18190}
  export WALLET_SANDBOX_URL=http://127.0.0.1:$WALLET_SANDBOX_PORT WALLET_SANDBOX_WEBHOOK_URLS=""
  export WALLET_LEDGER_METRICS_PORT=${WALLET_OPS_CHECK_LEDGER_METRICS_PORT:-18191}
  export WALLET_HZ_PORT=${WALLET_OPS_CHECK_HZ_PORT:-18201} WALLET_HZ_CLUSTER=wallet-ops-check
  export WALLET_PROMETHEUS_PORT=${WALLET_OPS_CHECK_PROMETHEUS_PORT:-19190}
  export WALLET_PROMETHEUS_DIR=$WALLET_DATA_DIR/ops-check/prometheus
  export WALLET_RUN_DIR=$WALLET_DATA_DIR/ops-check/run
  # logs and the sandbox's journal of its own (until 2026-12-07 it shared a running wallet's, and its
  # sandbox rewrote that journal under the running sandbox, which then lost what it recorded)
  export WALLET_LOG_DIR=$WALLET_DATA_DIR/ops-check/logs
  # No reconciliation in this writer: over a database the test suite has just used it would find
  # the damage some tests leave in the append-only ledger on purpose and halt money for the next run.
  export WALLET_RECONCILE_INTERVAL_MS=0
  edge_ports=$WALLET_EDGE_PORTS
  rm -rf "$WALLET_PROMETHEUS_DIR"
  mkdir -p "$WALLET_DATA_DIR/ops-check"
  run_log=$WALLET_DATA_DIR/ops-check/run.log
  log "ops: scripts/run.sh --with-prometheus (edges on $WALLET_EDGE_PORTS, Prometheus on $WALLET_PROMETHEUS_PORT)"
  WALLET_SKIP_BUILD=1 "$WALLET_ROOT/scripts/run.sh" --with-prometheus >"$run_log" 2>&1 &
  run_pid=$!
  trap stop_run EXIT
  until_true "both edges to be ready" edges_ready
  open_wallet
  until_true "Prometheus to scrape both edges and the ledger writer" targets_up
  until_true "Prometheus to have scraped the wallet just opened" wallet_opened_seen
  until_true "Prometheus to have every Redis master's replicas from the edges" replicas_seen
  [ -n "$(scalar 'max(wallet_ledger_lag_entries{job="wallet-ledger-writer"})')" ] \
    || die "ops: no wallet_ledger_lag_entries from the ledger writer"
  log "ops: Prometheus has the edges' and the writer's figures (a wallet opened, every master with a replica)"
  until_true "the console's Live figures from Prometheus (both edges, the writer)" console_live_seen
  log "ops: the console's Live page has Prometheus's figures of both edges and the writer"
  check_rules_loaded
  check_dashboard_queries
  stop_run
  trap - EXIT
}

ensure_ops_tools
case ${1:-all} in
  --static) check_static ;;
  --live) check_live ;;
  all) check_static; check_live ;; # not &&: set -e does not apply on the left of one
  *) die "usage: scripts/check-ops.sh [--static|--live]" ;;
esac
log "ops: checks passed"
