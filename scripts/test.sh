#!/usr/bin/env bash
# The whole test suite, against the real infrastructure that scripts/infra-up.sh brings up
# (a 3-master Redis Cluster and PostgreSQL on loopback, and the same again for region b); never
# against mocks of them.
#
# The suite has an infrastructure of its own, apart from the one scripts/run.sh runs the wallet on:
# its tests leave behind on purpose what the ledger must refuse or report (broken chains, movements
# that disagree), and until 2026-12-06 they left it in run.sh's ledger, whose reconciliation then
# halted money within minutes of a `scripts/run.sh` after a `scripts/test.sh`. Its data is kept in
# WALLET_TEST_DATA_DIR [.data/test] between runs; Redis from WALLET_TEST_REDIS_FIRST_PORT [7401],
# PostgreSQL on WALLET_TEST_PG_PORT [25502], region b's from WALLET_TEST_REGION_B_REDIS_FIRST_PORT
# [7421] and on WALLET_TEST_REGION_B_PG_PORT [25512]; all stopped when the suite ends.
# Running one test against the development infrastructure instead (scripts/infra-up.sh, the
# defaults of scripts/env.sh): `(source scripts/env.sh; mvn test -pl MODULE -Dtest=CLASS)`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WALLET_DATA_DIR=${WALLET_TEST_DATA_DIR:-$(dirname "$here")/.data/test}
export WALLET_REDIS_FIRST_PORT=${WALLET_TEST_REDIS_FIRST_PORT:-7401}
export WALLET_PG_PORT=${WALLET_TEST_PG_PORT:-25502}
export WALLET_REGION_B_REDIS_FIRST_PORT=${WALLET_TEST_REGION_B_REDIS_FIRST_PORT:-7421}
export WALLET_REGION_B_PG_PORT=${WALLET_TEST_REGION_B_PG_PORT:-25512}
# derived again from the ports and folder above (scripts/env.sh)
unset WALLET_REDIS_NODES WALLET_REGION_B_DATA_DIR WALLET_REGION_B_REDIS_NODES WALLET_REGION_B_LEDGER_PLACEMENT
source "$here/env.sh"

trap '"$WALLET_ROOT/scripts/infra-down.sh" >/dev/null' EXIT
# What is left of a suite's infrastructure whose folder was deleted (a new clone at the same path, as
# root, finds its PostgreSQL's data still in /var/lib, which infra-up.sh would refuse to take up
# beside an empty Redis) is deleted: the suite's data is its own, and worth nothing to anyone else.
[ -e "$WALLET_DATA_DIR/pg" ] || [ -L "$WALLET_DATA_DIR/pg" ] || "$WALLET_ROOT/scripts/infra-down.sh" --purge >/dev/null
"$WALLET_ROOT/scripts/infra-up.sh"
# Region b's Redis Cluster and PostgreSQL (scripts/env.sh, WALLET_REGION_B_*), for the tests that
# need a second region; they find it through WALLET_REGION_B_REDIS_NODES and WALLET_REGION_B_PG_PORT
# (same roles and passwords as region a's).
in_region_b "$WALLET_ROOT/scripts/infra-up.sh"
# the risk console's browser tests (ConsoleBrowserTest) drive Debian's headless Chromium
command -v chromium >/dev/null && command -v chromedriver >/dev/null || install_packages chromium chromium-driver
cd "$WALLET_ROOT"
# The alert rules and their unit tests, the dashboard's shape (seconds; fails before the long part)
"$WALLET_ROOT/scripts/check-ops.sh" --static
mvn -B verify "$@"
# A real Prometheus scraping a running wallet (scripts/run.sh --with-prometheus) on ports of its own
"$WALLET_ROOT/scripts/check-ops.sh" --live

# The fault suite's short mode (issue 9), on an infrastructure of its own that it stops at its end,
# so the one above is left as it was. WALLET_SKIP_CHAOS=1 leaves it out.
if [ -z "${WALLET_SKIP_CHAOS:-}" ]; then
  WALLET_SKIP_BUILD=1 "$WALLET_ROOT/scripts/chaos.sh" --short
fi
