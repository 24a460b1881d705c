#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and prints its DSN:
# Debian's binaries (installed when pg_ctl is missing), initdb into a new
# temporary folder as the postgres user, a free loopback port, trust
# authentication for loopback only. "stop DIR" stops it and removes DIR.
#
#   eval "$(.ci/postgres.sh start)"   # sets VIGIL_TEST_POSTGRES and VIGIL_PG_DIR
#   .ci/postgres.sh stop "$VIGIL_PG_DIR"
set -euo pipefail

bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  return 1
}

# as runs a command as the postgres user when we are root (initdb refuses
# to run as root), as ourselves otherwise.
as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
start)
  if ! BIN=$(bin); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
    BIN=$(bin)
  fi
  DIR=$(mktemp -d /tmp/vigil-pg.XXXXXX)
  chmod 755 "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
  as "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; exit 1; }
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # Loopback only; no Unix socket in a shared folder; sized for tests
  # that open a database each.
  as "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || { cat "$DIR/server.log" >&2; exit 1; }
  echo "export VIGIL_TEST_POSTGRES='postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable'"
  echo "export VIGIL_PG_DIR='$DIR'"
  ;;
stop)
  DIR=${2:?stop needs the cluster folder}
  BIN=$(bin)
  as "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
  ;;
*)
  echo "usage: $0 start | stop DIR" >&2
  exit 2
  ;;
esac
