"""Processes the tests start (gunicorn, redis-server): a polled start-up wait with a generous deadline that
reports what the process printed, and a stop that always waits for the process.

A busy machine (another `make test` beside this one) can take many times longer than a quiet one, so no
wait here assumes speed: they poll a condition until a deadline that only a broken server reaches. And
every process is stopped and waited for in a ``finally``: with warnings as errors, a Popen collected
while its process still runs (ResourceWarning) fails whichever test happens to come next.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: How long a server may take to start (or a condition to come true) before the test fails.
START_SECONDS = 120.0
#: How long a process may take to exit after SIGTERM before it gets SIGKILL.
STOP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], *, what: str, timeout: float = START_SECONDS,
               interval: float = 0.05, ignore: tuple[type[BaseException], ...] = (OSError,)):
    """Poll ``condition`` until it returns something true (returned) or ``timeout`` seconds have passed
    (the test fails). Exceptions of the ``ignore`` types count as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := condition():
                return result
        except ignore:
            pass
        if time.monotonic() >= deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def output_of(log: Path, limit: int = 4000) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no output file)"
    return text[-limit:] or "(no output)"


def stop(proc: subprocess.Popen, *, group: bool = False, timeout: float = STOP_SECONDS) -> None:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL and wait: the process is always reaped.
    With ``group`` the signals go to the process group (a server and the workers it forked)."""

    def send(sig: int) -> None:
        try:
            if group:
                os.killpg(proc.pid, sig)
            elif proc.poll() is None:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=timeout)  # SIGKILL cannot be refused
    if group:
        send(signal.SIGKILL)  # anything of the group that outlived its leader


@contextmanager
def running(args: list[str], *, ready: Callable[[subprocess.Popen], object], log: Path, what: str,
            group: bool = False, ignore: tuple[type[BaseException], ...] = (OSError,),
            **popen: object) -> Iterator[subprocess.Popen]:
    """Start ``args`` with its output in ``log``; wait (polled, up to START_SECONDS) until ``ready(proc)``
    is true, failing at once with the output if the process exits first; yield it; always stop it."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,  # noqa: S603
                                start_new_session=group, **popen)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if ready(proc):
                    break
            except ignore:
                pass
            if proc.poll() is not None:
                pytest.fail(f"{what} exited with {proc.returncode} before it was ready; it printed:\n{output_of(log)}")
            if time.monotonic() >= deadline:
                pytest.fail(f"{what} was not ready within {START_SECONDS:.0f} s; it printed:\n{output_of(log)}")
            time.sleep(0.1)
        yield proc
    finally:
        stop(proc, group=group)


def worker_env(app, **more: str) -> dict:
    """The environment of a worker process (``flask worker`` or a script) on ``app``'s database and uploads."""
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "HEARING_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "HEARING_SECRET_KEY": "t",
            "HEARING_JOBS_LOCAL_WORKER": "false", "HEARING_THEMES_EMBEDDINGS": "false", **more}


def kill_where_it_marks(app, tmp_path: Path, script: str, *, cwd: Path) -> Path:
    """Run the worker ``script`` (Python source), which writes the file ``KILL_MARKER`` names at the point to
    be killed and then waits; SIGKILL it there (no handler, no rollback, no goodbye to the database) and wait
    for it. Returns the log of what it printed."""
    marker = tmp_path / "marker"
    log = tmp_path / "killed-worker.log"
    with running([sys.executable, "-c", script], ready=lambda _p: marker.exists(), log=log, what="the first worker",
                 cwd=cwd, env=worker_env(app, KILL_MARKER=str(marker))) as proc:
        proc.kill()
        proc.wait()
    return log
