# Shared settings for every script; each may be overridden from the environment.
# Sourced, not executed.
WALLET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WALLET_DATA_DIR=${WALLET_DATA_DIR:-$WALLET_ROOT/.data}
export WALLET_REDIS_HOST=${WALLET_REDIS_HOST:-127.0.0.1}
export WALLET_REDIS_FIRST_PORT=${WALLET_REDIS_FIRST_PORT:-7101}
export WALLET_REDIS_NODE_COUNT=${WALLET_REDIS_NODE_COUNT:-7}      # 3 masters, 3 replicas, 1 spare replica
export WALLET_REDIS_NODE_TIMEOUT_MS=${WALLET_REDIS_NODE_TIMEOUT_MS:-3000}
# the longest value a hash keeps as a compact listpack (scripts/infra-up.sh says why 1024)
export WALLET_REDIS_LISTPACK_VALUE=${WALLET_REDIS_LISTPACK_VALUE:-1024}
# how often a replica fsyncs its AOF: everysec, or always (scripts/infra-up.sh says what each costs)
export WALLET_REDIS_REPLICA_FSYNC=${WALLET_REDIS_REPLICA_FSYNC:-everysec}
export WALLET_PG_HOST=${WALLET_PG_HOST:-127.0.0.1}
# Below Linux's ephemeral range (32768-60999): a port in it can be held by any outgoing connection's
# local end, and PostgreSQL then fails to bind it when it starts or restarts.
export WALLET_PG_PORT=${WALLET_PG_PORT:-25432}
export WALLET_PG_DATABASE=${WALLET_PG_DATABASE:-wallet}
# a second database on the same server, for a ledger placed over two (WALLET_LEDGER_PLACEMENT)
export WALLET_PG_DATABASE_2=${WALLET_PG_DATABASE_2:-${WALLET_PG_DATABASE}_2}
export WALLET_PG_SUPERUSER_PASSWORD=${WALLET_PG_SUPERUSER_PASSWORD:-wallet-dev-superuser}
export WALLET_PG_OWNER=${WALLET_PG_OWNER:-wallet_owner}
export WALLET_PG_OWNER_PASSWORD=${WALLET_PG_OWNER_PASSWORD:-wallet-dev-owner}
export WALLET_PG_USER=${WALLET_PG_USER:-wallet_app}
export WALLET_PG_PASSWORD=${WALLET_PG_PASSWORD:-wallet-dev-app}

redis_ports() {
  local i
  for ((i = 0; i < WALLET_REDIS_NODE_COUNT; i++)); do echo $((WALLET_REDIS_FIRST_PORT + i)); done
}

redis_nodes_csv() {
  local p out=""
  for p in $(redis_ports); do out+="${out:+,}redis://$WALLET_REDIS_HOST:$p"; done
  echo "$out"
}
export WALLET_REDIS_NODES=${WALLET_REDIS_NODES:-$(redis_nodes_csv)}

# Region b (issue 12, "regions"): a second, complete wallet on this machine (scripts/run.sh --regions 2)
# with an infrastructure that shares nothing with the one above: a Redis Cluster of as many nodes
# from WALLET_REGION_B_REDIS_FIRST_PORT, a PostgreSQL on WALLET_REGION_B_PG_PORT (same roles and
# passwords), both in WALLET_REGION_B_DATA_DIR. The tests reach it through WALLET_REGION_B_REDIS_NODES
# and WALLET_REGION_B_PG_PORT (scripts/test.sh brings it up).
# The folder is not exported, on purpose: a script that moves WALLET_DATA_DIR to an infrastructure
# of its own (bench.sh, chaos.sh, bench-scaling.sh) gets region b's folder inside its own, so the
# scripts/infra-down.sh it runs never stops or purges the development region b.
WALLET_REGION_B_DATA_DIR=${WALLET_REGION_B_DATA_DIR:-$WALLET_DATA_DIR/region-b}
export WALLET_REGION_B_REDIS_FIRST_PORT=${WALLET_REGION_B_REDIS_FIRST_PORT:-7121}
export WALLET_REGION_B_PG_PORT=${WALLET_REGION_B_PG_PORT:-25442}
export WALLET_REGION_B_REDIS_NODES=${WALLET_REGION_B_REDIS_NODES:-$(WALLET_REDIS_FIRST_PORT=$WALLET_REGION_B_REDIS_FIRST_PORT redis_nodes_csv)}
# Region b's ledger is spread over two databases of its PostgreSQL (docs/architecture.md, "A ledger
# over several databases"): the second half of its shards in WALLET_PG_DATABASE_2. The suite's tests
# of region b (LedgerOverTwoDatabasesTest, RegionsApiTest) place it the same way, so its books stay
# whole whoever wrote them.
export WALLET_REGION_B_LEDGER_PLACEMENT=${WALLET_REGION_B_LEDGER_PLACEMENT:-$((1000 + ${WALLET_SHARDS:-64} / 2))-$((999 + ${WALLET_SHARDS:-64}))=$WALLET_PG_HOST:$WALLET_REGION_B_PG_PORT/$WALLET_PG_DATABASE_2}

# in_region_b CMD...: runs CMD in a subshell whose infrastructure settings are region b's, e.g.
# `in_region_b "$WALLET_ROOT/scripts/infra-up.sh"`. Everything else (host, node count, passwords) is
# the same in both regions.
in_region_b() {
  (
    export WALLET_DATA_DIR=$WALLET_REGION_B_DATA_DIR WALLET_REDIS_FIRST_PORT=$WALLET_REGION_B_REDIS_FIRST_PORT \
      WALLET_PG_PORT=$WALLET_REGION_B_PG_PORT WALLET_REDIS_NODES=$WALLET_REGION_B_REDIS_NODES
    "$@"
  )
}

# Prometheus (scripts/run.sh --with-prometheus, scripts/check-ops.sh): its HTTP port and its folder.
# Not Prometheus's own 9090: installing Debian's package starts the system's Prometheus there, where
# systemd runs, and the wallet's could not bind it.
export WALLET_PROMETHEUS_PORT=${WALLET_PROMETHEUS_PORT:-9190}
export WALLET_PROMETHEUS_DIR=${WALLET_PROMETHEUS_DIR:-$WALLET_DATA_DIR/prometheus}

log() { printf '[wallet] %s\n' "$*" >&2; }
die() { printf '[wallet] ERROR: %s\n' "$*" >&2; exit 1; }

# The load generators' classpath (edge-api's test scope) in edge-api/target/bench.classpath, printed.
# Resolved again only when a pom changed since: Maven spends about 10 s of CPU on it, which the JVMs
# starting beside it share (the jars it lists keep their paths when the modules are built again).
bench_classpath_file() {
  local file=$WALLET_ROOT/edge-api/target/bench.classpath
  if [ ! -s "$file" ] || [ -n "$(find "$WALLET_ROOT" -maxdepth 2 -name pom.xml -newer "$file")" ]; then
    (cd "$WALLET_ROOT" && mvn -B -q -pl edge-api dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$file" >/dev/null)
    touch "$file"
  fi
  echo "$file"
}

# The newest installed PostgreSQL that has a server (a newer client-only major has no initdb or pg_ctl).
# The loop's status is 0 whatever the last folder holds: under pipefail, a last one without a server
# would fail the caller.
pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
  done | sort -V | tail -n 1
}

# Debian packages the scripts need, installed with apt when running as root; otherwise the exact
# command is printed.
install_packages() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    die "missing packages; install them with: sudo apt-get install -y $*"
  fi
  log "installing $* with apt"
  export DEBIAN_FRONTEND=noninteractive
  # a machine just booted may be running its daily apt jobs: wait for their lock rather than fail
  local wait=(-o DPkg::Lock::Timeout=600)
  apt-get "${wait[@]}" install -y --no-install-recommends "$@" >/dev/null \
    || { apt-get "${wait[@]}" update >/dev/null && apt-get "${wait[@]}" install -y --no-install-recommends "$@" >/dev/null; } \
    || die "apt-get install $* failed"
}

# Prometheus and promtool (Debian's prometheus package), and jq for reading their answers.
ensure_ops_tools() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v jq >/dev/null \
    || install_packages prometheus jq
}
