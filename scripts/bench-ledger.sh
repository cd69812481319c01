#!/usr/bin/env bash
# Measures the ledger writer (see docs/benchmarks.md, "Ledger writer"):
#   1. rows per second committed by each insert mode (multi-row unnest, executeBatch, one statement per row),
#      through the real schema (hash-chain trigger, deferred balance check) in a scratch schema that is dropped
#      afterwards; BENCH_RUNS interleaved runs, medians, ratios to one-by-one measured in the same run;
#   2. the ledger's lag behind the money core at a steady transfer load (BENCH_RATE transfers/s offered for
#      BENCH_SECONDS s, BENCH_LAG_RUNS runs) with the real writer over the real Redis Cluster.
# Knobs (environment): BENCH_RUNS=5 (0 skips the insert modes) BENCH_SHARDS=4 BENCH_BATCHES=4 BENCH_BATCH_SIZE=500 BENCH_RATE=300
#                      BENCH_SECONDS=20 BENCH_LAG_RUNS=3. Brings the infrastructure up first (scripts/infra-up.sh).
# Bounded: every phase has a fixed amount of work or a fixed duration, and stops by itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

"$WALLET_ROOT/scripts/infra-up.sh"
cd "$WALLET_ROOT"
mvn -B -q install -DskipTests -pl ledger-writer -am
log "machine: $(nproc) cores; $(uname -sr); $(java -version 2>&1 | head -n 1)"
exec mvn -B -q -pl ledger-writer org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.wallet.ledger.bench.LedgerBench
