#!/usr/bin/env bash
# Transfers per second of the money core on the local Redis Cluster, with a baseline measured in
# the same run (the cheapest replicated write). Prints a markdown table.
#   scripts/bench-money-core.sh [seconds per run] [runs] [requests in flight]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

"$WALLET_ROOT/scripts/infra-up.sh"
cd "$WALLET_ROOT"
mvn -B -q install -DskipTests -pl balance-cache -am
mvn -B -q -pl balance-cache org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.wallet.balancecache.impl.TransferBenchmark -Dexec.args="${1:-5} ${2:-5} ${3:-32}"
