#!/usr/bin/env bash
# Print a PostgreSQL URL the tests can use, starting a server if none answers.
#   1. a server already on 127.0.0.1:5432 that lets user postgres in (this machine kind has one);
#   2. otherwise a throwaway trust-auth cluster under /tmp on port 54329, started now.
set -euo pipefail
PORT_SYSTEM=${READINGROOM_SYSTEM_PG_PORT:-5432}
PORT_OWN=54329
if command -v psql >/dev/null 2>&1 && psql -h 127.0.0.1 -p $PORT_SYSTEM -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:$PORT_SYSTEM/postgres"
  exit 0
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$PGBIN" ]]; then
  echo "postgres.sh: no PostgreSQL installed (scripts/install-test-deps.sh installs it)" >&2
  exit 1
fi
ROOT=/tmp/readingroom-pg
if ! psql -h 127.0.0.1 -p $PORT_OWN -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  RUN=()
  if [[ $(id -u) -eq 0 ]]; then RUN=(su postgres -s /bin/bash -c); fi
  mkdir -p "$ROOT"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$ROOT"
  run() { if ((${#RUN[@]})); then "${RUN[@]}" "$*"; else bash -c "$*"; fi; }
  if [[ ! -f "$ROOT/data/PG_VERSION" ]]; then
    run "$PGBIN/initdb -D $ROOT/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
  fi
  run "$PGBIN/pg_ctl -D $ROOT/data -l $ROOT/log -o '-c listen_addresses=127.0.0.1 -p $PORT_OWN -k $ROOT -c fsync=off -c synchronous_commit=off' -w start" >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PORT_OWN/postgres"
