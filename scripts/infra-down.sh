#!/usr/bin/env bash
# Stops what infra-up.sh started. With --purge, also deletes the data folder.
# Region b's infrastructure (scripts/env.sh, WALLET_REGION_B_*; scripts/run.sh --regions 2 and
# scripts/test.sh start it) is stopped, and purged, with it when its folder exists.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

purge=""
if [ "${1:-}" = --purge ]; then purge=1; fi

# The PostgreSQL of the data folder in WALLET_DATA_DIR (its pg is a link when the data lives elsewhere).
stop_postgres() {
  local pg_dir bin runas
  pg_dir=$(readlink -f "$WALLET_DATA_DIR/pg" 2>/dev/null || echo "$WALLET_DATA_DIR/pg")
  if [ -f "$pg_dir/PG_VERSION" ]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
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

# Region b, in its own settings. Its Redis ports may be answered by a region b of another data
# folder (the development one, while bench.sh or chaos.sh stop theirs): only a node whose data
# folder is in this region b's folder is shut down.
stop_region_b() {
  local port own answered
  [ -d "$WALLET_DATA_DIR" ] || return 0
  for port in $(redis_ports); do
    own=$(cd "$WALLET_DATA_DIR/redis/$port" 2>/dev/null && pwd -P) || continue
    answered=$(redis-cli -h "$WALLET_REDIS_HOST" -p "$port" config get dir 2>/dev/null | sed -n 2p) || continue
    if [ "$answered" = "$own" ]; then
      redis-cli -h "$WALLET_REDIS_HOST" -p "$port" shutdown >/dev/null 2>&1 || true
      log "redis of region b on $port stopped"
    fi
  done
  stop_postgres "region b"
  if [ -n "$purge" ]; then
    rm -rf "$WALLET_DATA_DIR"
    log "removed $WALLET_DATA_DIR"
  fi
}
# first: by default its folder is inside the one --purge deletes below
in_region_b stop_region_b

for port in $(redis_ports); do
  if redis-cli -h "$WALLET_REDIS_HOST" -p "$port" ping >/dev/null 2>&1; then
    redis-cli -h "$WALLET_REDIS_HOST" -p "$port" shutdown >/dev/null 2>&1 || true
    log "redis on $port stopped"
  fi
done

stop_postgres

if [ -n "$purge" ]; then
  rm -rf "$WALLET_DATA_DIR"
  log "removed $WALLET_DATA_DIR"
fi
