#!/usr/bin/env bash
# The suite's two passes at the same time: the command as given (SQLite) and the same command on a private
# PostgreSQL server (scripts/with-postgres.sh). Each pass writes its own log; both are waited for, then
# both logs are printed, SQLite first. Fails if either pass fails.
#
# Why at once: a pass alone leaves part of 2 cores idle (browser page loads, live servers, worker and server
# start-ups wait on each other); two passes side by side can fill those gaps. On a busy machine (load 9-16,
# 2026-12-04) both passes together took 28.7 min, no clear win over one after the other, and on a quiet one
# 10 min 46 s against 10 min 17 s in turn (2026-12-05), so `make test` runs them in turn; `make
# test-side-by-side` runs this. Every wait in the suite is generous (another
# `make test` beside this one must stay green too).
# HEARING_TEST_ONE_AT_A_TIME=1 runs the passes one after the other, with their output as it comes.
set -uo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/test-both.sh <pytest command>" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${HEARING_TEST_ONE_AT_A_TIME:-}" ] && [ "${HEARING_TEST_ONE_AT_A_TIME}" != "0" ]; then
  "$@" || exit $?
  exec "$here/with-postgres.sh" "$@"
fi

logs=$(mktemp -d /tmp/hearing-test-logs.XXXXXX)
echo "SQLite and PostgreSQL passes run side by side; follow them with: tail -f $logs/sqlite.log $logs/postgresql.log"

pids=()
stop_both() {
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  echo "stopped; logs in $logs" >&2
  exit 130
}
trap stop_both INT TERM

# Each pass in a process group of its own (set -m), so that an interrupt stops it with everything it started.
set -m
"$@" </dev/null >"$logs/sqlite.log" 2>&1 &
pids+=($!)
"$here/with-postgres.sh" "$@" </dev/null >"$logs/postgresql.log" 2>&1 &
pids+=($!)
set +m

wait "${pids[0]}"; sqlite_status=$?
wait "${pids[1]}"; postgresql_status=$?
trap - INT TERM

echo "================================ SQLite pass ================================"
cat "$logs/sqlite.log"
echo "============================== PostgreSQL pass =============================="
cat "$logs/postgresql.log"
echo "SQLite pass: exit $sqlite_status; PostgreSQL pass: exit $postgresql_status"
if [ "$sqlite_status" -ne 0 ] || [ "$postgresql_status" -ne 0 ]; then
  echo "logs kept in $logs" >&2
  exit 1
fi
rm -rf "$logs"
