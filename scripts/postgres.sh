#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks, on loopback only.
#
#   scripts/postgres.sh start   # installs Debian's postgresql when initdb is
#                               # missing, starts a cluster, prints its URL
#   scripts/postgres.sh url     # prints the URL of the running cluster
#   scripts/postgres.sh stop    # stops it and deletes its files
#
# The cluster lives in a temporary directory (owned by the postgres user when
# this runs as root: PostgreSQL refuses to run as root) and is tuned for
# speed over durability (fsync off): it holds nothing worth keeping.
# IDP_PG_STATE names the file that remembers the cluster between calls
# (default .scratch/postgres.env in the repository), so several checkouts
# can each run their own.
set -euo pipefail
cd "$(dirname "$0")/.."

state=${IDP_PG_STATE:-$PWD/.scratch/postgres.env}

log() { echo "postgres.sh: $*" >&2; }

# bindir finds initdb and pg_ctl: on PATH, else in Debian's versioned
# directory (the newest version wins).
bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then
    echo "$d"
  fi
}

install_postgres() {
  log "initdb not found: installing Debian's postgresql"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install postgresql"; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
}

# as_owner runs a command as the cluster's owner: postgres when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  if [ -f "$state" ]; then
    # shellcheck disable=SC1090
    . "$state"
    if [ -n "${PGBIN:-}" ] && as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
      echo "$PGURL"
      return
    fi
    rm -f "$state"
  fi
  local bin
  bin=$(bindir)
  if [ -z "$bin" ]; then
    install_postgres
    bin=$(bindir)
    [ -n "$bin" ] || { log "postgresql installed but initdb is still missing"; exit 1; }
  fi
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/idp-postgres.XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { log "no postgres user to run the cluster as"; exit 1; }
    chown postgres:postgres "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  local port=55432 try
  for try in 1 2 3 4 5 6 7 8; do
    if port_free "$port"; then
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" \
        start >/dev/null; then
        local url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
        mkdir -p "$(dirname "$state")"
        printf 'PGBIN=%q\nPGDIR=%q\nPGPORT=%q\nPGURL=%q\n' "$bin" "$dir" "$port" "$url" >"$state"
        echo "$url"
        return
      fi
      tail -5 "$dir/log" >&2 || true
    fi
    port=$((20000 + RANDOM % 40000))
  done
  log "could not start PostgreSQL (see $dir/log)"
  exit 1
}

url() {
  [ -f "$state" ] || { log "not running (no $state)"; exit 1; }
  # shellcheck disable=SC1090
  . "$state"
  echo "$PGURL"
}

stop() {
  [ -f "$state" ] || return 0
  # shellcheck disable=SC1090
  . "$state"
  as_owner "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
  rm -f "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
