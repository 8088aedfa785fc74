#!/usr/bin/env bash
# Run a command against a private PostgreSQL server: a temporary data directory, loopback only,
# started as an unprivileged user and stopped afterwards. Sets TEST_DATABASE_URL for the command.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL server is not installed (apt-get install postgresql)" >&2
  exit 1
fi
port=${PGTEST_PORT:-$((20000 + RANDOM % 20000))}
dir=$(mktemp -d /tmp/hearing-pg.XXXXXX)
as_user=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_user=(runuser -u postgres --)
fi
cleanup() {
  "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_user[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U hearing -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
export TEST_DATABASE_URL="postgresql+psycopg://hearing@127.0.0.1:$port/postgres"
# For scripts that restart the server on purpose (bench/load.py).
export PG_TEST_RESTART="${as_user[*]} $bindir/pg_ctl -D $dir/data -l $dir/log -w -m fast restart"
echo "PostgreSQL on 127.0.0.1:$port"
"$@"
