#!/usr/bin/env bash
# Transfers per second of the money core on a Redis Cluster, with a baseline measured in the same
# run (the cheapest replicated write). Prints a markdown table.
#   scripts/bench-money-core.sh [seconds per run] [runs] [requests in flight]
#
# On an infrastructure of its own, fresh every run and stopped at the end, as scripts/bench.sh
# measures (the same WALLET_BENCH_DATA_DIR and ports; the two never run at once): the money core
# alone runs no ledger writer, so every transfer it makes stays in its shard's outbox, and a
# development cluster left with hundreds of thousands of them keeps the next writer started on it
# (the suite's) catching up for minutes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WALLET_DATA_DIR=${WALLET_BENCH_DATA_DIR:-$here/../.data/bench-infra}
export WALLET_REDIS_FIRST_PORT=${WALLET_BENCH_REDIS_FIRST_PORT:-7201}
export WALLET_PG_PORT=${WALLET_BENCH_PG_PORT:-25472}
unset WALLET_REDIS_NODES WALLET_REGION_B_DATA_DIR
source "$here/env.sh"

"$WALLET_ROOT/scripts/infra-down.sh" --purge >/dev/null 2>&1 || true
trap '"$WALLET_ROOT/scripts/infra-down.sh" >/dev/null 2>&1 || true' EXIT
"$WALLET_ROOT/scripts/infra-up.sh"
cd "$WALLET_ROOT"
mvn -B -q install -DskipTests -pl balance-cache -am
mvn -B -q -pl balance-cache org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.wallet.balancecache.impl.TransferBenchmark -Dexec.args="${1:-5} ${2:-5} ${3:-32}"
