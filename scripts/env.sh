# Shared settings for every script; each may be overridden from the environment.
# Sourced, not executed.
WALLET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WALLET_DATA_DIR=${WALLET_DATA_DIR:-$WALLET_ROOT/.data}
export WALLET_REDIS_HOST=${WALLET_REDIS_HOST:-127.0.0.1}
export WALLET_REDIS_FIRST_PORT=${WALLET_REDIS_FIRST_PORT:-7101}
export WALLET_REDIS_NODE_COUNT=${WALLET_REDIS_NODE_COUNT:-7}      # 3 masters, 3 replicas, 1 spare replica
export WALLET_REDIS_NODE_TIMEOUT_MS=${WALLET_REDIS_NODE_TIMEOUT_MS:-3000}
export WALLET_PG_HOST=${WALLET_PG_HOST:-127.0.0.1}
# Below Linux's ephemeral range (32768-60999): a port in it can be held by any outgoing connection's
# local end, and PostgreSQL then fails to bind it when it starts or restarts.
export WALLET_PG_PORT=${WALLET_PG_PORT:-25432}
export WALLET_PG_DATABASE=${WALLET_PG_DATABASE:-wallet}
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

# Prometheus (scripts/run.sh --with-prometheus, scripts/check-ops.sh): its HTTP port and its folder
export WALLET_PROMETHEUS_PORT=${WALLET_PROMETHEUS_PORT:-9090}
export WALLET_PROMETHEUS_DIR=${WALLET_PROMETHEUS_DIR:-$WALLET_DATA_DIR/prometheus}

log() { printf '[wallet] %s\n' "$*" >&2; }
die() { printf '[wallet] ERROR: %s\n' "$*" >&2; exit 1; }

# Debian packages the scripts need, installed with apt when running as root; otherwise the exact
# command is printed.
install_packages() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    die "missing packages; install them with: sudo apt-get install -y $*"
  fi
  log "installing $* with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "$@" >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$@" >/dev/null; } \
    || die "apt-get install $* failed"
}

# Prometheus and promtool (Debian's prometheus package), and jq for reading their answers.
ensure_ops_tools() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v jq >/dev/null \
    || install_packages prometheus jq
}
