#!/usr/bin/env bash
# Stops what infra-up.sh started. With --purge, also deletes its data.
# Region b's infrastructure (scripts/env.sh, WALLET_REGION_B_*; scripts/run.sh --regions 2 starts
# it) is stopped, and purged, with it when its folder exists.
# Only what belongs to this data folder is touched: a Redis port answered by a node of another
# folder is left running, and the folders of the infrastructures kept inside this one (the
# benchmark's, the fault suite's, the test suite's: each has a redis/ or pg of its own) are
# neither stopped nor deleted by a purge of this one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

purge=""
if [ "${1:-}" = --purge ]; then purge=1; fi

# The PostgreSQL of the data folder in WALLET_DATA_DIR: its pg is a link when the data lives in
# /var/lib (scripts/infra-up.sh, prepare_pg_dir), and that folder is still this data folder's when the
# link was deleted with it (its name is derived from the data folder's path).
pg_data_dir() {
  local elsewhere=/var/lib/wallet-pg-$(echo "$WALLET_DATA_DIR" | md5sum | cut -c1-12)
  if [ ! -e "$WALLET_DATA_DIR/pg" ] && [ -d "$elsewhere" ]; then
    echo "$elsewhere"
  else
    readlink -f "$WALLET_DATA_DIR/pg" 2>/dev/null || echo "$WALLET_DATA_DIR/pg"
  fi
}

stop_postgres() {
  local pg_dir bin runas
  pg_dir=$(pg_data_dir)
  if [ -f "$pg_dir/PG_VERSION" ]; then
    bin=$(pg_bindir)
    if [ "$(id -u)" = 0 ]; then runas=(runuser -u postgres --); else runas=(); fi
    if "${runas[@]}" "$bin/pg_ctl" -D "$pg_dir" status >/dev/null 2>&1; then
      "${runas[@]}" "$bin/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null
      log "postgresql${1:+ of $1} stopped"
    fi
  fi
  if [ -n "$purge" ]; then
    case "$pg_dir" in "$WALLET_DATA_DIR"/*) ;; *) rm -rf "$pg_dir"; rm -f "/etc/tmpfiles.d/wallet-pg-$(echo "$pg_dir" | md5sum | cut -c1-12).conf" ;; esac
  fi
}

# The Redis nodes of this data folder: a port answered by a node whose folder is elsewhere (another
# infrastructure started on the same ports) is left alone.
stop_redis() {
  local port own answered
  for port in $(redis_ports); do
    own=$(cd "$WALLET_DATA_DIR/redis/$port" 2>/dev/null && pwd -P) || own=$WALLET_DATA_DIR/redis/$port
    answered=$(redis-cli -h "$WALLET_REDIS_HOST" -p "$port" config get dir 2>/dev/null | sed -n 2p) || continue
    # its own folder, or one deleted under it while it ran (Redis answers the path it was started in)
    if [ -n "$answered" ] && { [ "$answered" = "$own" ] || [ "$answered" = "$WALLET_DATA_DIR/redis/$port" ]; }; then
      redis-cli -h "$WALLET_REDIS_HOST" -p "$port" shutdown >/dev/null 2>&1 || true
      log "redis${1:+ of $1} on $port stopped"
    elif [ -n "$answered" ]; then
      log "redis on $port belongs to $answered, not to $WALLET_DATA_DIR: left running"
    fi
  done
}

# Everything in the data folder but the folders of infrastructures of their own kept inside it.
purge_data_dir() {
  local entry
  [ -d "$WALLET_DATA_DIR" ] || return 0
  for entry in "$WALLET_DATA_DIR"/* "$WALLET_DATA_DIR"/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    if [ -d "$entry" ] && [ ! -L "$entry" ] && { [ -d "$entry/redis" ] || [ -e "$entry/pg" ] || [ -L "$entry/pg" ]; }; then
      continue
    fi
    rm -rf "$entry"
  done
  rmdir "$WALLET_DATA_DIR" 2>/dev/null || log "kept in $WALLET_DATA_DIR: $(ls "$WALLET_DATA_DIR" | tr '\n' ' ')(infrastructures of their own)"
  log "purged $WALLET_DATA_DIR"
}

stop_infrastructure() {
  stop_postgres "$@"
  stop_redis "$@"
  if [ -n "$purge" ]; then purge_data_dir; fi
}

# first: by default its folder is inside this one
in_region_b stop_infrastructure "region b"
stop_infrastructure
