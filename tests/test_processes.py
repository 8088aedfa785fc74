"""The helpers that start servers for the tests (tests/processes.py): a server that fails to start fails the test
with what it printed, and every process started is stopped and waited for, whatever the test did."""

from __future__ import annotations

import sys

import pytest

from tests import processes

PRINT_AND_SLEEP = "import sys, time; print('listening soon', flush=True); time.sleep(600)"
PRINT_AND_EXIT = "import sys; print('port already in use', flush=True); sys.exit(3)"


def test_a_server_that_exits_before_it_is_ready_fails_with_what_it_printed(tmp_path):
    started = []

    def ready(proc):
        started.append(proc)
        return False

    with pytest.raises(pytest.fail.Exception) as failed:
        with processes.running([sys.executable, "-c", PRINT_AND_EXIT], ready=ready, log=tmp_path / "out.log",
                               what="the test server"):
            pass
    assert "exited with 3 before it was ready" in str(failed.value) and "port already in use" in str(failed.value)
    assert started[0].returncode == 3  # reaped


def test_a_server_never_ready_fails_with_its_output_and_is_stopped_and_waited_for(tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "START_SECONDS", 0.0)  # the deadline has passed at the first look
    log = tmp_path / "out.log"
    started = []

    def ready(proc):
        started.append(proc)
        processes.wait_until(lambda: "listening soon" in processes.output_of(log), what="its first line")
        return False

    with pytest.raises(pytest.fail.Exception) as failed:
        with processes.running([sys.executable, "-c", PRINT_AND_SLEEP], ready=ready, log=log, what="the test server"):
            pass
    assert "the test server was not ready within 0 s; it printed:\nlistening soon" in str(failed.value)
    assert started[0].returncode is not None  # stopped and reaped, not left running


def test_a_server_is_stopped_and_waited_for_when_the_test_fails(tmp_path):
    with pytest.raises(AssertionError):
        with processes.running([sys.executable, "-c", PRINT_AND_SLEEP], ready=lambda proc: True,
                               log=tmp_path / "out.log", what="the test server", group=True) as proc:
            raise AssertionError("the test's own check failed")
    assert proc.returncode is not None
