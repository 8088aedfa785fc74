"""`make serve-prod`'s gunicorn with gunicorn.conf.py: preloaded app, forked workers that each open their
own connections and run the local job worker, and a killed worker replaced by a fork
 of the preloaded master."""

from __future__ import annotations

import http.client
import os
import signal
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.jobs import enqueue
from hearing.models import Job, JobStatus
from tests.processes import free_port, running, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(p) for p in children)


@pytest.fixture
def gunicorn(app, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "HEARING_SECRET_KEY": "serve-prod-test",
           "HEARING_THEMES_EMBEDDINGS": "false", "HEARING_JOBS_POLL_SECONDS": "0.2"}
    env.pop("HEARING_JOBS_LOCAL_WORKER", None)  # the default: a local job worker, as without Redis
    env.pop("REDIS_URL", None)
    args = [str(Path(sys.executable).parent / "gunicorn"),  # the venv running the tests (a worktree has none)
            "--config", str(ROOT / "gunicorn.conf.py"), "--workers", "2", "--threads", "4",  # as make serve-prod
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "hearing:create_app()"]
    # Its own process group, so that the stop reaches the forked workers too.
    with running(args, ready=lambda proc: _get(port, "/healthz") == 200 and len(_workers(proc.pid)) == 2,
                 log=tmp_path / "gunicorn.log", what="gunicorn", group=True, cwd=ROOT, env=env) as proc:
        yield proc, port


def test_workers_serve_run_jobs_and_come_back_when_killed(gunicorn):
    proc, port = gunicorn
    assert _get(port, "/readyz") == 200
    assert _get(port, "/") == 200
    # The local job worker runs in the forked workers (never in the master, which only forks).
    job = enqueue(db.session, "themes.place", {})
    db.session.commit()

    def job_done() -> bool:
        db.session.expire_all()
        return db.session.get(Job, job.id).status == JobStatus.DONE

    wait_until(job_done, what="the local job worker in a gunicorn worker runs the job")
    assert db.session.scalar(sa.select(Job.status).where(Job.id == job.id)) == JobStatus.DONE
    # A killed worker is replaced from the preloaded master, not after a new import: the master has the
    # app (and numpy, which it imports) loaded, so the new worker is a fork of that memory. Checked by what
    # the master has mapped rather than by a time limit, which a busy machine would break.
    assert "_multiarray_umath" in Path(f"/proc/{proc.pid}/maps").read_text()
    before = _workers(proc.pid)
    os.kill(before[0], signal.SIGKILL)

    def replaced() -> bool:
        now = _workers(proc.pid)
        return len(now) == 2 and before[0] not in now

    wait_until(replaced, what="gunicorn replaces the killed worker")
    assert all(_get(port, "/healthz") == 200 for _ in range(10))
