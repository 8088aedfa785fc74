"""`make serve-prod`'s gunicorn with gunicorn.conf.py: preloaded app, forked workers that each open their
own connections and run the local job worker, and a killed worker replaced at once."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.jobs import enqueue
from hearing.models import Job, JobStatus
from tests.test_redis_worker import free_port

ROOT = Path(__file__).resolve().parent.parent


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(p) for p in children)


@pytest.fixture
def gunicorn(app):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "HEARING_SECRET_KEY": "serve-prod-test",
           "HEARING_THEMES_EMBEDDINGS": "false", "HEARING_JOBS_POLL_SECONDS": "0.2"}
    env.pop("HEARING_JOBS_LOCAL_WORKER", None)  # the default: a local job worker, as without Redis
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(  # noqa: S603 (our own gunicorn, loopback only)
        [str(ROOT / ".venv/bin/gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "hearing:create_app()"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    for _ in range(150):
        try:
            if _get(port, "/healthz") == 200 and len(_workers(proc.pid)) == 2:
                break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("gunicorn did not start")
    yield proc, port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def test_workers_serve_run_jobs_and_come_back_when_killed(gunicorn):
    proc, port = gunicorn
    assert _get(port, "/readyz") == 200
    assert _get(port, "/") == 200
    # The local job worker runs in the forked workers (never in the master, which only forks).
    job = enqueue(db.session, "themes.place", {})
    db.session.commit()
    for _ in range(100):
        db.session.expire_all()
        if db.session.get(Job, job.id).status == JobStatus.DONE:
            break
        time.sleep(0.1)
    assert db.session.scalar(sa.select(Job.status).where(Job.id == job.id)) == JobStatus.DONE
    # A killed worker is replaced from the preloaded master within a moment, not after a new import.
    before = _workers(proc.pid)
    os.kill(before[0], signal.SIGKILL)
    started = time.monotonic()
    while time.monotonic() - started < 5:
        now = _workers(proc.pid)
        if len(now) == 2 and before[0] not in now:
            break
        time.sleep(0.05)
    assert len(_workers(proc.pid)) == 2 and before[0] not in _workers(proc.pid)
    assert time.monotonic() - started < 3
    assert all(_get(port, "/healthz") == 200 for _ in range(10))
