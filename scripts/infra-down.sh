#!/usr/bin/env bash
# Stops what infra-up.sh started. With --purge, also deletes the data folder.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

for port in $(redis_ports); do
  if redis-cli -h "$WALLET_REDIS_HOST" -p "$port" ping >/dev/null 2>&1; then
    redis-cli -h "$WALLET_REDIS_HOST" -p "$port" shutdown >/dev/null 2>&1 || true
    log "redis on $port stopped"
  fi
done

pg_dir=$(readlink -f "$WALLET_DATA_DIR/pg" 2>/dev/null || echo "$WALLET_DATA_DIR/pg")
if [ -f "$pg_dir/PG_VERSION" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ "$(id -u)" = 0 ]; then runas=(runuser -u postgres --); else runas=(); fi
  if "${runas[@]}" "$bin/pg_ctl" -D "$pg_dir" status >/dev/null 2>&1; then
    "${runas[@]}" "$bin/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null
    log "postgresql stopped"
  fi
fi

if [ "${1:-}" = --purge ]; then
  case "$pg_dir" in "$WALLET_DATA_DIR"/*) ;; *) rm -rf "$pg_dir" ;; esac
  rm -rf "$WALLET_DATA_DIR"
  log "removed $WALLET_DATA_DIR"
fi
