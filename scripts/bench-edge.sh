#!/usr/bin/env bash
# Requests per second and latency of the edge API over HTTP: same-shard transfers, an
# authenticated read, and the baseline GET /health/live, measured in the same run (see
# edge-api/src/test/java/dev/wallet/edge/EdgeBenchmark.java). Starts its own edge process (the
# shaded jar, as scripts/run.sh does, with the sandbox gateway inside it for the funding deposits
# and a rate limit raised out of the way), runs the load generator in another JVM, prints a
# markdown table, and stops the edge.
#   scripts/bench-edge.sh [seconds per run] [runs] [requests in flight]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
seconds=${1:-5}
runs=${2:-3}
in_flight=${3:-32}
port=${WALLET_BENCH_PORT:-8180}
sandbox_port=${WALLET_BENCH_SANDBOX_PORT:-8190}

"$WALLET_ROOT/scripts/infra-up.sh"
cd "$WALLET_ROOT"
mvn -B -q install -DskipTests
jars=("$WALLET_ROOT"/edge-api/target/edge-api-*-all.jar)
mkdir -p "$WALLET_DATA_DIR/logs"
log "starting an edge on :$port for the benchmark (log: $WALLET_DATA_DIR/logs/edge-bench.log)"
WALLET_CONFIG_FILE=$WALLET_ROOT/edge-api/config/edge.yaml WALLET_HTTP_PORT=$port WALLET_SANDBOX_EMBEDDED=true \
  WALLET_SANDBOX_PORT=$sandbox_port WALLET_SANDBOX_URL=http://127.0.0.1:$sandbox_port \
  WALLET_SANDBOX_WEBHOOK_URLS=http://127.0.0.1:$port/v1/webhooks/gateway/sandbox WALLET_SANDBOX_DELAY_MS=50 \
  WALLET_RATE_LIMIT_PER_SECOND=1000000 WALLET_RATE_LIMIT_BURST=1000000 \
  java ${JAVA_OPTS:-} -jar "${jars[0]}" >"$WALLET_DATA_DIR/logs/edge-bench.log" 2>&1 &
edge=$!
trap 'kill $edge 2>/dev/null || true; wait $edge 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
  kill -0 $edge 2>/dev/null || die "the edge stopped; see $WALLET_DATA_DIR/logs/edge-bench.log"
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || die "the edge is not ready"

mvn -B -q -pl edge-api org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.wallet.edge.EdgeBenchmark \
  -Dexec.args="http://127.0.0.1:$port $seconds $runs $in_flight ${WALLET_JWT_SECRET:-wallet-dev-only-jwt-secret-never-use-in-production}"
