#!/usr/bin/env bash
# Prints the path of the Chromium the console's browser tests drive,
# installing Debian's chromium package with apt-get when there is none (as
# scripts/postgres.sh does for PostgreSQL). IDP_CHROMIUM, when set, names
# the browser to use instead.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

find_chromium() {
  local c
  for c in "${IDP_CHROMIUM:-}" chromium /usr/bin/chromium; do
    if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return
    fi
  done
}

path=$(find_chromium)
if [ -z "$path" ]; then
  log "Chromium not found: installing Debian's chromium"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install chromium"; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
  path=$(find_chromium)
  [ -n "$path" ] || { log "chromium installed but not found"; exit 1; }
fi
echo "$path"
