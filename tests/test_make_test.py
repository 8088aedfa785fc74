"""`make test-side-by-side` runs the SQLite and PostgreSQL passes at the same time (scripts/test-both.sh): both are
waited for, both logs are printed (SQLite first), and the run fails when either pass fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test-both.sh"
#: A stand-in for pytest: says which database it was given, and fails on PostgreSQL when told to.
PASS = ("import os, sys; on_pg = 'TEST_DATABASE_URL' in os.environ; print('pass on', 'PostgreSQL' if on_pg else 'SQLite'); "
        "sys.exit(3 if on_pg and sys.argv[1] == 'fail-on-pg' else 0)")


def _run(*args: str, **env) -> subprocess.CompletedProcess:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL server is not installed (make test installs it)")
    outside = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "HEARING_TEST_ONE_AT_A_TIME")}
    return subprocess.run([str(SCRIPT), sys.executable, "-c", PASS, *args], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                          timeout=600, env={**outside, **env})


def test_both_passes_run_and_their_logs_are_printed_in_order():
    result = _run("ok")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.index("SQLite pass ==") < out.index("pass on SQLite") < out.index("PostgreSQL pass ==") < out.index("pass on PostgreSQL")
    logs = Path(out.split("tail -f ")[1].split()[0]).parent
    assert not logs.exists()  # removed when both passed


def test_a_failing_pass_fails_the_run_and_keeps_the_logs():
    result = _run("fail-on-pg")
    assert result.returncode == 1
    assert "pass on SQLite" in result.stdout and "pass on PostgreSQL" in result.stdout
    assert "PostgreSQL pass: exit 3" in result.stdout
    kept = result.stderr.split("logs kept in ")[1].split()[0]
    assert (Path(kept) / "postgresql.log").read_text().count("pass on PostgreSQL") == 1
    shutil.rmtree(kept)


def test_one_at_a_time_on_request():
    result = _run("ok", HEARING_TEST_ONE_AT_A_TIME="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.index("pass on SQLite") < result.stdout.index("pass on PostgreSQL")


def _collected(**env) -> str:
    outside = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "HEARING_TEST_EVERY_PASS")}
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0",  # noqa: S603
                             "tests/test_processes.py", "tests/test_fixtures.py"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600, env={**outside, **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_postgresql_pass_runs_only_the_tests_that_use_a_database():
    """A test without a database (here the process helpers' tests) has the same outcome in both passes: the
    PostgreSQL pass leaves it to the SQLite pass; every test that uses one still runs in both."""
    on_sqlite = _collected()
    on_postgresql = _collected(TEST_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")  # only collected
    every_pass = _collected(TEST_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none", HEARING_TEST_EVERY_PASS="1")
    assert "test_processes.py::test_a_server_is_stopped_and_waited_for_when_the_test_fails" in on_sqlite
    assert "test_processes.py::" not in on_postgresql and "3 deselected" in on_postgresql
    assert "test_fixtures.py::test_a_test_changes_data_and_settings" in on_postgresql
    assert [line for line in on_sqlite.splitlines() if "::" in line] == [
        line for line in every_pass.splitlines() if "::" in line]
