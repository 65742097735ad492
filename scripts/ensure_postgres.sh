#!/usr/bin/env bash
# A PostgreSQL for the class round's tests and benchmark (app/classroom/store.py on ATTENTION_LENS_DB=postgresql://…):
# Debian's postgresql, installed when missing and allowed (root, or sudo without a password), running a private
# cluster in $AL_PG_DIR (default /tmp/attention-lens-pg) on 127.0.0.1:$AL_PG_PORT (default 55432), trust
# authentication for connections from this machine only. Debian's own postgresql service is not started.
#
#   scripts/ensure_postgres.sh          start it when it is not running (and create the database)
#   scripts/ensure_postgres.sh --url    the same, then print its URL on the last line
#   scripts/ensure_postgres.sh --stop   stop it
set -euo pipefail

DIR="${AL_PG_DIR:-/tmp/attention-lens-pg}"
PORT="${AL_PG_PORT:-55432}"
DB=attention_lens

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN="$(find_bin)"
if [ -z "$BIN" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "No PostgreSQL found, and no apt-get to install it." >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "No PostgreSQL found, and installing it needs root: sudo apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "Installing Debian's postgresql..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  BIN="$(find_bin)"
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
if [ "$(id -u)" -eq 0 ]; then
  AS=(runuser -u postgres --)
else
  AS=()
fi

if [ "${1:-}" = "--stop" ]; then
  [ -f "$DIR/PG_VERSION" ] && "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

if [ ! -f "$DIR/PG_VERSION" ]; then
  mkdir -p "$DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
  chmod 700 "$DIR"
  "${AS[@]}" "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if ! "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  echo "started PostgreSQL in $DIR (stop it: $0 --stop)" >&2
fi
if ! "${AS[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  "${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi
if [ "${1:-}" = "--url" ]; then
  echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
fi
