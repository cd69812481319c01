#!/usr/bin/env bash
# Runs the wallet on this machine: the infrastructure (scripts/infra-up.sh), a build, the
# background services that have been built, and the edge API in the foreground. Ctrl-C stops
# the edge and the background services; scripts/infra-down.sh stops Redis and PostgreSQL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
export WALLET_HTTP_PORT=${WALLET_HTTP_PORT:-8080}
logs=$WALLET_DATA_DIR/logs

"$WALLET_ROOT/scripts/infra-up.sh"
log "building every module (mvn install -DskipTests)"
(cd "$WALLET_ROOT" && mvn -B -q install -DskipTests)
mkdir -p "$logs"

# The shaded jar of a module (target/<module>-<version>-all.jar), or nothing if it has none.
shaded_jar() {
  local jars=("$WALLET_ROOT/$1"/target/"$1"-*-all.jar)
  [ -f "${jars[0]}" ] && echo "${jars[0]}"
  return 0
}

background_pids=()
stop_background() {
  local pid
  for pid in "${background_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_background EXIT

# start_in_background <module>: runs the module's shaded jar, logging to $WALLET_DATA_DIR/logs/<module>.log.
start_in_background() {
  local module=$1 jar
  jar=$(shaded_jar "$module")
  if [ -z "$jar" ]; then
    log "$module: no shaded jar yet (target/$module-*-all.jar), not started"
    return 0
  fi
  java ${JAVA_OPTS:-} -jar "$jar" >>"$logs/$module.log" 2>&1 &
  background_pids+=($!)
  log "$module started (pid $!), logging to $logs/$module.log"
}

# One line per background service. The ledger writer (dev.wallet.ledger.LedgerWriterMain)
# migrates the ledger's schema, then moves the outbox into PostgreSQL; until it ships,
# GET /v1/wallets/{id}/entries has no schema to read.
start_in_background ledger-writer

edge_jar=$(shaded_jar edge-api)
[ -n "$edge_jar" ] || die "no edge-api shaded jar after the build"
cat >&2 <<TXT
[wallet] edge API: http://localhost:$WALLET_HTTP_PORT  (readiness: /health/ready)
[wallet] mint a development token (roles default to user; add merchant for merchant wallets):
           TOKEN=\$(scripts/dev-token.sh alice user)
[wallet] then, e.g.:
           curl -s -X POST http://localhost:$WALLET_HTTP_PORT/v1/wallets -H "Authorization: Bearer \$TOKEN" \\
                -H 'Content-Type: application/json' -d '{"currency":"USD","type":"personal"}'
TXT
java ${JAVA_OPTS:-} -jar "$edge_jar"
