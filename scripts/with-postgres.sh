#!/usr/bin/env bash
# Run a command against a private PostgreSQL server: a temporary data directory, loopback only,
# started as an unprivileged user and stopped afterwards. Sets TEST_DATABASE_URL for the command.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL server is not installed (apt-get install postgresql)" >&2
  exit 1
fi
# A port nothing listens on now (asked of the kernel), rather than a random guess that another server of a
# test run beside this one (redis, gunicorn, a second PostgreSQL) may already hold.
port=${PGTEST_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/hearing-pg.XXXXXX)
as_user=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_user=(runuser -u postgres --)
fi
# Start and stop waits are generous: a busy machine (another `make test` beside this one) is slow, not broken.
wait_seconds=${PGTEST_WAIT_SECONDS:-120}
cleanup() {
  status=$?
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    # pg_ctl stop waits until the server has exited; if it cannot stop it, kill it and wait for that.
    if ! "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t "$wait_seconds" stop >/dev/null 2>&1; then
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq "$wait_seconds"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    fi
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Tests need no durability; PGTEST_DURABLE=1 (bench/load.py) keeps PostgreSQL's defaults: every commit
# waits until its WAL is on disk (fsync, synchronous_commit), as in production.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if [ "${PGTEST_DURABLE:-0}" = "1" ]; then durability=""; fi
"${as_user[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U hearing -E UTF8 --locale=C.UTF-8 >/dev/null
if ! "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t "$wait_seconds" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=200" start >/dev/null; then
  echo "PostgreSQL did not start within $wait_seconds s; its log:" >&2
  tail -n 50 "$dir/log" >&2 || true
  exit 1
fi
export TEST_DATABASE_URL="postgresql+psycopg://hearing@127.0.0.1:$port/postgres"
# For scripts that restart the server on purpose (bench/load.py).
export PG_TEST_RESTART="${as_user[*]} $bindir/pg_ctl -D $dir/data -l $dir/log -w -t $wait_seconds -m fast restart"
echo "PostgreSQL on 127.0.0.1:$port"
"$@"
