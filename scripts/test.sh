#!/usr/bin/env bash
# The whole test suite, against the real infrastructure that scripts/infra-up.sh brings up
# (a 3-master Redis Cluster and PostgreSQL on loopback); never against mocks of them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

"$WALLET_ROOT/scripts/infra-up.sh"
cd "$WALLET_ROOT"
mvn -B verify "$@"
