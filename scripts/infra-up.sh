#!/usr/bin/env bash
# Brings up the wallet's infrastructure on loopback, idempotently:
#   - a Redis Cluster of WALLET_REDIS_NODE_COUNT nodes (by default 3 masters, 3 replicas and a
#     spare replica that Redis moves to whichever master loses its own),
#     AOF on, fsynced with every write on masters and every second on replicas
#     (WALLET_REDIS_REPLICA_FSYNC), in $WALLET_DATA_DIR/redis/<port>;
#   - a PostgreSQL cluster of its own (initdb/pg_ctl) on WALLET_PG_PORT, in $WALLET_DATA_DIR/pg,
#     run by an unprivileged account, with the roles and database the wallet uses, and a second
#     database of the same roles ($WALLET_PG_DATABASE_2) for a ledger placed over two databases
#     (WALLET_LEDGER_PLACEMENT; the tests of that and scripts/bench.sh --scaling use it).
# Missing server binaries are installed with apt when running as root; otherwise the exact
# command to run is printed. Running it again while everything is up changes nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

ensure_binaries() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || install_packages redis-server redis-tools
  require_redis_7
  [ -n "$(pg_bindir)" ] || install_packages postgresql
  # scripts/run.sh and scripts/check-ops.sh ask the edges whether they are ready with it
  command -v curl >/dev/null || install_packages curl
  # scripts/dev-token.sh signs the tokens run.sh and check-ops.sh use with it
  command -v openssl >/dev/null || install_packages openssl
}

# saga_local.lua reaches a second shard of its node with the script flag allow-cross-slot-keys (Redis 7).
require_redis_7() {
  local version
  version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
  [ "${version%%.*}" -ge 7 ] 2>/dev/null || die "Redis 7 or later is needed; this redis-server is ${version:-of unknown version}"
}

# ---------------------------------------------------------------- Redis Cluster

redis_dir() { echo "$WALLET_DATA_DIR/redis/$1"; }

write_redis_conf() {
  local port=$1 dir step=$(($1 - WALLET_REDIS_FIRST_PORT))
  dir=$(redis_dir "$port")
  mkdir -p "$dir"
  cat >"$dir/redis.conf" <<CONF
port $port
bind $WALLET_REDIS_HOST
daemonize yes
dir $dir
pidfile $dir/redis.pid
logfile $dir/redis.log
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $WALLET_REDIS_NODE_TIMEOUT_MS
cluster-require-full-coverage no
appendonly yes
appendfsync always
# An AOF rewrite copies the whole dataset in a child process; with the default (rewrite once the
# commands appended since the last one reach the size of the dataset) the children cost as much
# as a third of Redis's own CPU under sustained writes (measured: 18 s of children per 42 s of
# Redis in a minute of transfers). Rewriting at four times cuts that to a quarter; the price is
# disk (the AOF grows to five times the dataset) and a longer replay when a node restarts.
# Each node's thresholds differ a little: with the same ones, a master and its replicas (which
# receive the same writes) and the masters of an evenly spread load reached them together, and all
# seven rewrote within 46 s of each other on two cores (the 56 errors of a benchmark's atomic
# batches, 2026-11-30, came meanwhile).
auto-aof-rewrite-percentage $((400 + 40 * step))
auto-aof-rewrite-min-size $((64 + 8 * step))mb
save ""
maxmemory-policy noeviction
# Background tasks (expiring keys, the cluster bus's pings and failure detection) run hz times a
# second. At Redis's default of 10 the seven nodes of an idle wallet used 3.6 % of a core between
# them, at 3 about 2.1 % (2026-11-30, docs/benchmarks.md). Nothing on the money path waits for
# them: WAIT's timeout and the AOF's fsync are handled on every turn of the event loop, a key past
# its expiry is gone for any command that reads it, and failure detection checks every third of a
# second against a node timeout of several seconds.
hz 3
# A hash stays one compact listpack while it has at most 512 fields of at most this many bytes,
# and becomes a hash table, about 2.4 times the memory, once any value is longer. At Redis's
# default of 64 every movement record was a hash table (the idempotency record's key it names is
# 78 bytes, an outcome about 300): 1,736 bytes a completed transfer's record, 728 as a listpack
# (2026-12-02, docs/scaling.md, "Memory"). The records' values stay under 1 KB (the longest seen
# 735 bytes), so reading a field scans at most a few KB, next to a script that runs for hundreds
# of microseconds.
hash-max-listpack-value $WALLET_REDIS_LISTPACK_VALUE
# Redis's latency monitor keeps, for each kind of event (an fsync of the AOF, a write to it, the
# fork of a rewrite, one slow command), the seconds in which one took longer than this many
# milliseconds: LATENCY LATEST and LATENCY HISTORY name what stalled a node. 25 ms is issue 8's p99
# target; scripts/bench.sh reports what each open loop saw. It times only what Redis times anyway.
latency-monitor-threshold 25
# keyspace notifications for stream commands: the outbox doorbell wakes the outbox readers with them
notify-keyspace-events Kt
CONF
}

redis_ping() { redis-cli -h "$WALLET_REDIS_HOST" -p "$1" ping 2>/dev/null | grep -q PONG; }

wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for $what"
    sleep 0.2
  done
}

start_redis_node() {
  local port=$1
  write_redis_conf "$port"
  if ! redis_ping "$port"; then
    redis-server "$(redis_dir "$port")/redis.conf"
    wait_for "redis on port $port" 30 redis_ping "$port"
  fi
}

cluster_field() { redis-cli -h "$WALLET_REDIS_HOST" -p "$1" cluster info | tr -d '\r' | sed -n "s/^$2://p"; }

cluster_is_empty() {
  local port
  for port in $(redis_ports); do
    [ "$(cluster_field "$port" cluster_slots_assigned)" = 0 ] || return 1
  done
}

cluster_is_ok() {
  local port
  for port in $(redis_ports); do
    [ "$(cluster_field "$port" cluster_state)" = ok ] || return 1
    [ "$(cluster_field "$port" cluster_known_nodes)" = "$WALLET_REDIS_NODE_COUNT" ] || return 1
  done
}

node_is_alone() {
  [ "$(cluster_field "$1" cluster_known_nodes)" = 1 ] && [ "$(cluster_field "$1" cluster_slots_assigned)" = 0 ]
}

# A node added to WALLET_REDIS_NODE_COUNT after the cluster was made (e.g. the spare replica of a
# data folder from before it existed) joins as a replica of the master with the fewest.
add_lone_nodes() {
  local port member=$1
  for port in $(redis_ports); do
    if [ "$port" != "$member" ] && node_is_alone "$port"; then
      log "adding 127.0.0.1:$port to the Redis Cluster as a replica"
      redis-cli --cluster add-node "$WALLET_REDIS_HOST:$port" "$WALLET_REDIS_HOST:$member" --cluster-slave \
        >>"$WALLET_DATA_DIR/redis/create.log"
    fi
  done
}

# Fewer than 3 masters (scripts/bench-scaling.sh measures 1 and 2), which redis-cli --cluster
# create refuses: the first half of the nodes are masters sharing the slots evenly, each of the
# others the replica of one of them.
create_small_cluster() {
  local ports=($(redis_ports)) masters=$((WALLET_REDIS_NODE_COUNT / 2)) i first last
  [ "$masters" -ge 1 ] || die "a Redis Cluster needs at least 2 nodes here (a master and its replica)"
  for ((i = 0; i < masters; i++)); do
    first=$((16384 * i / masters)); last=$((16384 * (i + 1) / masters - 1))
    redis-cli -h "$WALLET_REDIS_HOST" -p "${ports[$i]}" cluster addslotsrange "$first" "$last" >/dev/null
  done
  for ((i = 1; i < WALLET_REDIS_NODE_COUNT; i++)); do
    redis-cli -h "$WALLET_REDIS_HOST" -p "${ports[$i]}" cluster meet "$WALLET_REDIS_HOST" "${ports[0]}" >/dev/null
  done
  wait_for "every node to know every other" 30 cluster_is_ok
  for ((i = masters; i < WALLET_REDIS_NODE_COUNT; i++)); do
    redis-cli -h "$WALLET_REDIS_HOST" -p "${ports[$i]}" cluster replicate \
      "$(redis-cli -h "$WALLET_REDIS_HOST" -p "${ports[$((i % masters))]}" cluster myid)" >/dev/null
  done
}

start_redis_cluster() {
  local port addrs=() member=""
  for port in $(redis_ports); do
    start_redis_node "$port"
    addrs+=("$WALLET_REDIS_HOST:$port")
    node_is_alone "$port" || member=${member:-$port}
  done
  if cluster_is_empty; then
    # With one node more than 3 masters and 3 replicas, the spare replica is what keeps every
    # shard writable after a node is lost: Redis migrates it to the master left without one.
    log "creating the Redis Cluster on ${addrs[*]}"
    if [ "$WALLET_REDIS_NODE_COUNT" -ge 6 ]; then
      redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$WALLET_DATA_DIR/redis/create.log"
    else
      create_small_cluster
    fi
  elif [ -n "$member" ]; then
    add_lone_nodes "$member"
  fi
  wait_for "the Redis Cluster to be ok on every node" 60 cluster_is_ok
  replicas_fsync "$WALLET_REDIS_REPLICA_FSYNC"
  log "redis cluster ok: $WALLET_REDIS_NODES"
}

# Every node starts with appendfsync always (its configuration file above): one that does not know
# its role yet is safe. A master must keep it: a kill -9 and restart before any failover would
# otherwise come back without what it answered. A replica need not: the money core acknowledges a
# write once a replica holds it (WAIT), in memory, and the master has it on disk. But a replica
# that fsyncs every write answers WAIT only after its fsync, and on this machine's one shared disk
# the replicas' fsyncs stall every node's: at 800 same-shard transfers a second, p99 56-74 ms with
# replicas fsyncing every second against 117-853 ms with every write (2026-12-05, docs/benchmarks.md).
# What it costs (docs/architecture.md, "Durability: what survives what"): a master and the replica
# that holds a write crashing within about 2 s of each other, the replica then promoted, can lose it.
# A replica promoted later is told to fsync every write by the money core before it writes there.
# Set on the replicas of now, at run time: a node restarted later starts with always again.
replicas_fsync() {
  local port policy=$1
  case "$policy" in always | everysec) ;; *) die "WALLET_REDIS_REPLICA_FSYNC is always or everysec, not '$policy'" ;; esac
  for port in $(redis_ports); do
    if [ "$(redis-cli -h "$WALLET_REDIS_HOST" -p "$port" role | head -n 1)" = slave ]; then
      redis-cli -h "$WALLET_REDIS_HOST" -p "$port" config set appendfsync "$policy" >/dev/null
    fi
  done
}

# ---------------------------------------------------------------- PostgreSQL

pg_account() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# PostgreSQL refuses to run as root, so as root its folder belongs to the postgres account.
# When that account cannot reach the project folder (a parent without o+x, such as /root), the
# data lives in /var/lib and the project folder holds a link to it. Prints the real folder.
# Until 2026-12-06 it lived in /var/tmp, which systemd-tmpfiles empties of files unused for 30 days
# on Debian 13: a folder of those days stays where it is, kept from that cleaning.
prepare_pg_dir() {
  local link=$WALLET_DATA_DIR/pg elsewhere
  if [ -L "$link" ]; then
    elsewhere=$(readlink -f "$link")
    # never an empty ledger in place of a lost one: initdb would start one without a word
    [ -d "$elsewhere" ] || die "PostgreSQL's data folder $elsewhere, linked from $link, is gone: restore it, or remove the link to start an empty ledger"
    keep_from_tmp_cleaning "$elsewhere"
    echo "$elsewhere"
    return
  fi
  mkdir -p "$link"
  [ "$(id -u)" = 0 ] && chown "$(pg_account):" "$link"
  chmod 700 "$link"
  if as_pg test -w "$link/."; then
    echo "$link"
    return
  fi
  # a ledger the account cannot reach is never set aside for an empty one (a parent folder lost its o+x)
  [ ! -f "$link/PG_VERSION" ] \
    || die "PostgreSQL's data in $link cannot be reached by the $(pg_account) account: give its parent folders o+x, or move it"
  elsewhere=/var/lib/wallet-pg-$(echo "$WALLET_DATA_DIR" | md5sum | cut -c1-12)
  # nor is one whose link was deleted (rm -rf of the data folder) taken up again beside an empty Redis
  [ ! -f "$elsewhere/PG_VERSION" ] \
    || die "$elsewhere holds the ledger of an earlier $WALLET_DATA_DIR whose link is gone: link it again (ln -s $elsewhere $link) to keep it, or delete it to start an empty ledger"
  log "the $(pg_account) account cannot reach $link; keeping PostgreSQL's data in $elsewhere"
  mkdir -p "$elsewhere" && chown "$(pg_account):" "$elsewhere" && chmod 700 "$elsewhere" \
    || die "could not prepare $elsewhere for PostgreSQL's data"
  rmdir "$link" && ln -s "$elsewhere" "$link" || die "could not link $link to $elsewhere"
  echo "$elsewhere"
}

# A folder under /tmp or /var/tmp is excluded from systemd-tmpfiles' age cleaning (as root only).
keep_from_tmp_cleaning() {
  case "$1" in
    /tmp/*|/var/tmp/*) ;;
    *) return 0 ;;
  esac
  [ "$(id -u)" = 0 ] && [ -d /etc/tmpfiles.d ] || return 0
  echo "x $1" >"/etc/tmpfiles.d/wallet-pg-$(echo "$1" | md5sum | cut -c1-12).conf"
}

init_pg() {
  local dir=$1 bin=$2 pwfile
  [ -f "$dir/PG_VERSION" ] && return
  log "initdb in $dir"
  pwfile=$(mktemp)
  printf '%s\n' "$WALLET_PG_SUPERUSER_PASSWORD" >"$pwfile"
  [ "$(id -u)" = 0 ] && chown "$(pg_account):" "$pwfile"
  as_pg "$bin/initdb" -D "$dir" -U postgres --pwfile="$pwfile" --auth-local=scram-sha-256 \
    --auth-host=scram-sha-256 -E UTF8 --no-locale >/dev/null
  rm -f "$pwfile"
  as_pg sh -c "echo \"include_if_exists = 'wallet.conf'\" >>'$dir/postgresql.conf'"
}

# Written at every start, so that the port and address follow scripts/env.sh and the environment.
write_pg_conf() {
  local dir=$1
  as_pg sh -c "cat >'$dir/wallet.conf'" <<CONF
listen_addresses = '$WALLET_PG_HOST'
port = $WALLET_PG_PORT
unix_socket_directories = '$(cd "$dir" && pwd -P)'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
}

pg_ready() { "$1/pg_isready" -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -q; }

# The port a running server listens on (the fourth line of postmaster.pid).
running_pg_port() { as_pg sed -n 4p "$1/postmaster.pid" 2>/dev/null; }

pg_running() { as_pg "$2/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start_pg() {
  local dir=$1 bin=$2
  write_pg_conf "$dir"
  if pg_running "$dir" "$bin" && [ "$(running_pg_port "$dir")" != "$WALLET_PG_PORT" ]; then
    log "PostgreSQL in $dir runs on port $(running_pg_port "$dir"); restarting it on $WALLET_PG_PORT"
    as_pg "$bin/pg_ctl" -D "$dir" -w -t 60 stop >/dev/null
  fi
  if ! pg_running "$dir" "$bin" && ! as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null; then
    as_pg tail -n 20 "$dir/server.log" >&2 || true
    die "PostgreSQL did not start on port $WALLET_PG_PORT (the end of $dir/server.log is above)"
  fi
  wait_for "PostgreSQL on port $WALLET_PG_PORT" 60 pg_ready "$bin"
}

superuser_psql() {
  PGPASSWORD=$WALLET_PG_SUPERUSER_PASSWORD psql -h "$WALLET_PG_HOST" -p "$WALLET_PG_PORT" -U postgres \
    -v ON_ERROR_STOP=1 -q "$@"
}

# The schema belongs to the owner role, which runs the migrations; the application role
# only gets what the migrations grant it (and never owns the ledger's tables).
create_roles() {
  superuser_psql -d postgres \
    -v owner="$WALLET_PG_OWNER" -v owner_pw="$WALLET_PG_OWNER_PASSWORD" \
    -v app="$WALLET_PG_USER" -v app_pw="$WALLET_PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'owner_pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app', :'app_pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
-- The passwords follow the environment at every start (until 2026-12-07 only the first start set
-- them, and a changed WALLET_PG_PASSWORD left the wallet retrying a login that could never work).
-- The superuser's is set once, by initdb: changing it needs the old one.
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_pw') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_pw') \gexec
-- A session of the application left idle inside a transaction would hold back, for as long as it
-- stays, every reader that follows the ledger in recording order (reconciliation's watermark, the
-- AML monitors: docs/architecture.md): ended after five minutes (no transaction of the wallet's
-- waits that long; the owner role's shard moves are not the application's).
SELECT format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', :'app', '5min') \gexec
SQL
}

create_database() {
  superuser_psql -d postgres -v owner="$WALLET_PG_OWNER" -v app="$WALLET_PG_USER" -v db="$1" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'app') \gexec
-- Short transactions and index probes: a parallel plan's workers cost more to start (about 10 ms
-- of CPU measured for the AML monitor's window query) than the query does alone (under 1 ms).
SELECT format('ALTER DATABASE %I SET max_parallel_workers_per_gather = 0', :'db') \gexec
-- For the same reason no JIT: compiling a plan cost 28 ms for reconciliation's unbalanced-postings
-- check (220 ms in all) and 164 ms for its totals (990 ms), and saves nothing on index probes.
SELECT format('ALTER DATABASE %I SET jit = off', :'db') \gexec
SQL
}

start_postgres() {
  local bin dir
  bin=$(pg_bindir)
  dir=$(prepare_pg_dir)
  init_pg "$dir" "$bin"
  start_pg "$dir" "$bin"
  create_roles
  create_database "$WALLET_PG_DATABASE"
  create_database "$WALLET_PG_DATABASE_2"
  log "postgresql ok: $WALLET_PG_HOST:$WALLET_PG_PORT/$WALLET_PG_DATABASE (and $WALLET_PG_DATABASE_2)"
}

mkdir -p "$WALLET_DATA_DIR/redis"
ensure_binaries
start_redis_cluster
start_postgres
