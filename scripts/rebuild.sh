#!/usr/bin/env bash
# Disaster recovery and audit over the ledger (PostgreSQL), with the ledger writer's jar:
#   scripts/rebuild.sh                 restores the Redis hot tier from the ledger: wallets (balances, seq,
#                                      status, owner, currency, type), system accounts, pending cross-shard
#                                      transfers (records, pending sets, credit decisions), active holds, and
#                                      idempotency records that refuse retries of recent postings.
#                                      Stop the edge and the ledger writers first; the hot tier must not hold
#                                      the ledger's wallets any more (e.g. after a FLUSHALL or on new nodes).
#                                      Exit 1: refused, nothing written; exit 3: failed or did not finish
#                                      (30 min), Redis may hold part of the hot tier (empty it, then run it
#                                      again). Before emptying Redis, let the ledger writers drain every
#                                      shard's outbox (ledger lag 0) or what they had not committed is lost.
#   scripts/rebuild.sh --verify-chain  recomputes every account's hash chain and names the first broken link
#                                      (exit 2), or says it is intact (exit 0).
#   scripts/rebuild.sh --move-shards FIRST-LAST host:port/database|home
#                                      moves those shards' ledger to that database while the region runs (its
#                                      writers and edges follow the move) and prints the WALLET_LEDGER_PLACEMENT
#                                      to give every process of the region for its next start; exit 1
#                                      when refused, nothing changed; 2 when a database failed it (run it again)
#                                      (docs/operations.md, "Moving ledger shards to another database").
# Addresses and credentials come from scripts/env.sh (overridable from the environment).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# the passwords scripts/env.sh publishes are refused outside development mode (a real deployment sets
# WALLET_MODE=production and its own WALLET_PG_PASSWORD / WALLET_PG_OWNER_PASSWORD)
export WALLET_MODE=${WALLET_MODE:-development}

jar() {
  local jars=("$WALLET_ROOT"/ledger-writer/target/ledger-writer-*-all.jar)
  if [ ! -f "${jars[0]}" ]; then
    log "building the ledger writer (mvn install -DskipTests)"
    (cd "$WALLET_ROOT" && mvn -B -q install -DskipTests -pl ledger-writer -am)
    jars=("$WALLET_ROOT"/ledger-writer/target/ledger-writer-*-all.jar)
  fi
  echo "${jars[0]}"
}

case "${1:-}" in
  "") exec java ${JAVA_OPTS:-} -cp "$(jar)" dev.wallet.ledger.impl.LedgerTool rebuild ;;
  --verify-chain) exec java ${JAVA_OPTS:-} -cp "$(jar)" dev.wallet.ledger.impl.LedgerTool verify-chain ;;
  --move-shards)
    [ $# = 3 ] || die "usage: scripts/rebuild.sh --move-shards FIRST-LAST host:port/database|home"
    exec java ${JAVA_OPTS:-} -cp "$(jar)" dev.wallet.ledger.impl.LedgerTool move-shards "$2" "$3" ;;
  *) die "usage: scripts/rebuild.sh [--verify-chain | --move-shards FIRST-LAST host:port/database|home]" ;;
esac
