#!/usr/bin/env bash
# A throwaway local PostgreSQL for the test suite: nothing installed, nothing left behind.
#
#   scripts/pg_test_server.sh start DIR   create a cluster in DIR, start it on a free loopback port,
#                                         print `export CCCD_TEST_PG_URL=postgresql+psycopg://…`
#   scripts/pg_test_server.sh stop DIR    stop it and delete DIR
#   scripts/pg_test_server.sh pause DIR   stop it, keeping DIR (a later `start` brings it back on
#                                         the same port: a server restart, for the fault tests)
#
# CCCD_TEST_PG_OPTIONS: more server settings ("-c name=value …"), after the ones below, so they win
# (benchmarks start a server set up as a production one would be).
#
# Needs the Debian `postgresql` package (./dev test installs it).  PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` OS user.  Listens on 127.0.0.1 only, trusts
# local connections (a test cluster: no password), fsync off (its data is thrown away) unless
# CCCD_TEST_PG_DURABLE=1.
set -euo pipefail

usage() { echo "usage: $0 start|pause|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
    pg_config --bindir; return
  fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 69; }
  echo "$d"
}

as_owner() {
  # Run a server command as the cluster's owner: `postgres` when we are root.
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
    else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$action" in
  start)
    BIN=$(bindir)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$dir/data" -U cccd --auth=trust --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if [ -f "$dir/url" ] && as_owner "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "export CCCD_TEST_PG_URL=$(cat "$dir/url")"; exit 0
    fi
    if [ -f "$dir/port" ]; then
      port=$(cat "$dir/port")   # started before: the same address, as after a server restart
    else
      port=${CCCD_TEST_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
      while port_in_use "$port"; do port=$(( port + 1 )); done
    fi
    # Thrown-away data needs no durability; CCCD_TEST_PG_DURABLE=1 keeps PostgreSQL's defaults
    # (fsync, synchronous commit, full pages) for benchmarks that time writes.
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${CCCD_TEST_PG_DURABLE:-0}" = 1 ] && fast=""
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir $fast \
          -c max_connections=200 -c shared_buffers=64MB ${CCCD_TEST_PG_OPTIONS:-}" >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    url="postgresql+psycopg://cccd@127.0.0.1:$port/postgres"
    echo "$port" >"$dir/port"
    echo "$url" >"$dir/url"
    echo "export CCCD_TEST_PG_URL=$url"
    ;;
  pause)
    [ -d "$dir/data" ] || exit 0
    BIN=$(bindir)
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    BIN=$(bindir)
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
