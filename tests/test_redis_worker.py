"""The scale-out path with a real Redis: jobs go to an RQ worker started as `flask --app hearing worker`.

A private redis-server runs on a loopback port in a temporary folder (`make test` installs Debian's
redis-server when it is missing, as it does PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hearing.extensions import db
from hearing.models import Activity, Input, Job, ThemeRun
from hearing.themes import service
from tests.processes import free_port, running

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
TEXTS = [f"Maten på sykehjemmet er kald {i}" for i in range(8)] + [f"Bussen går for sjelden {i}" for i in range(8)]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not os.path.exists(REDIS_SERVER):
        pytest.fail("redis-server is missing: run `make test` (installs Debian's redis-server) or apt-get install redis-server")
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "", "--appendonly", "no"]

    def answers(_proc) -> bool:
        with redis.Redis(host="127.0.0.1", port=port, socket_timeout=60) as client:
            return client.ping()

    with running(args, ready=answers, log=folder / "redis.log", what="redis-server",
                 ignore=(OSError, redis.ConnectionError, redis.TimeoutError)):
        yield f"redis://127.0.0.1:{port}/0"


def queued(redis_url: str) -> int:
    import redis

    with redis.Redis.from_url(redis_url) as client:
        return client.llen("rq:queue:hearing")


def run_worker(app, redis_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
           "HEARING_JOBS_LOCAL_WORKER": "false", "HEARING_THEMES_EMBEDDINGS": "false", "HEARING_SECRET_KEY": "t"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "hearing", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_theme_run_goes_through_redis_to_an_rq_worker(app, redis_url, make_process, make_user):
    app.config.update(REDIS_URL=redis_url, THEMES_EMBEDDINGS=False)
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    db.session.add_all(Input(activity_id=activity.id, text=t, source="workshop") for t in TEXTS)
    run = service.start_run(db.session, make_user("reviewer"), process, n_themes=2)
    db.session.commit()  # the job reaches Redis only after the commit

    assert queued(redis_url) == 1
    result = run_worker(app, redis_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "RQ-arbeider" in result.stdout

    db.session.expire_all()
    job = db.session.get(Job, run.job_id)
    assert (job.status, job.progress, job.error) == ("done", 100, None)
    run = db.session.get(ThemeRun, run.id)
    assert len(run.themes) >= 2
    assert queued(redis_url) == 0


def test_readyz_checks_redis_when_it_is_configured(app, client, redis_url):
    app.config["REDIS_URL"] = redis_url
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json["checks"] == {"database": "ok", "redis": "ok"}
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["checks"]["redis"].startswith("error")
