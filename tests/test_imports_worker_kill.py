"""A worker process killed (SIGKILL) in the middle of an import: a new worker goes on from the last committed
batch and no row is stored twice; a worker that stops too often gives the import up and takes back its rows.

The worker is a real process on the test's database (SQLite file or PostgreSQL). It stops inside a batch,
after that batch's rows were written but not committed, and waits there until the test kills it; so the
moment of the kill does not depend on the machine's speed.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from hearing.extensions import db
from hearing.imports import services
from hearing.jobs import recover_stale_jobs
from hearing.models import AuditEvent, ImportedRow, ImportRun, Input, Job, Submission
from tests.processes import kill_where_it_marks, output_of, wait_until, worker_env
from tests.test_imports_reimport import FORMS_ROWS, count, forms_targets, forms_xlsx, survey  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ROWS = 10
BATCH = 3

#: The first worker: batches of BATCH rows; in the second batch it writes the rows, says so in the marker
#: file and waits (the test kills it there).
KILLED_WORKER = """
import os, pathlib, time
from hearing.imports import services
services.BATCH_ROWS = {batch}
real, calls = services.import_batch, []
def held(*args, **kwargs):
    calls.append(1)
    counts = real(*args, **kwargs)
    if len(calls) == 2:
        args[0].flush()
        pathlib.Path(os.environ["KILL_MARKER"]).write_text("in batch 2")
        time.sleep(3600)
    return counts
services.import_batch = held
from hearing import create_app
from hearing.jobs import run_pending_jobs
run_pending_jobs(create_app())
"""


def _rows(n: int) -> list[list]:
    base = FORMS_ROWS[0]
    return [[i, base[1] + timedelta(minutes=i), base[2] + timedelta(minutes=i), "anonymous", f"Person {i}", "Ansatt",
             1 + i % 5, f"Svar nummer {i} om bemanning", ""] for i in range(1, n + 1)]


def _start_import(survey, make_user):  # noqa: F811
    name = "svar.xlsx"
    file_id, table = services.store_upload(current_app.config["UPLOAD_FOLDER"], forms_xlsx(_rows(ROWS)), name)
    targets = forms_targets(survey)
    mapping = services.build_mapping(survey, table, targets, None)
    run = services.start_run(db.session, make_user("reviewer"), survey, file_id, name, table, mapping,
                             services.settings_of(targets, None, {}))
    db.session.commit()
    return run.id, run.job_id


def _kill_in_second_batch(app, tmp_path) -> None:
    log = kill_where_it_marks(app, tmp_path, KILLED_WORKER.format(batch=BATCH), cwd=ROOT)
    # the database notices the lost connection and drops its open transaction
    wait_until(lambda: _committed() == BATCH, what=f"only the first batch is stored ({output_of(log)})")


def _committed() -> int:
    db.session.rollback()
    return count(Submission)


def test_a_worker_killed_inside_a_batch_is_followed_by_one_that_stores_each_row_once(app, survey, make_user,  # noqa: F811
                                                                                     tmp_path):
    run_id, job_id = _start_import(survey, make_user)
    _kill_in_second_batch(app, tmp_path)
    db.session.expire_all()
    run, job = db.session.get(ImportRun, run_id), db.session.get(Job, job_id)
    assert (run.status, run.next_row, job.status) == ("running", BATCH, "running")
    assert (count(ImportedRow), count(Input)) == (BATCH, BATCH)

    # a new worker, as after a restart: it finds the job stale (its heartbeat stopped with the process)
    restarted = subprocess.run([sys.executable, "-m", "flask", "--app", "hearing", "worker", "--burst"], cwd=ROOT,
                               env=worker_env(app, HEARING_JOBS_STALE_MINUTES="0"), capture_output=True, text=True,
                               timeout=600, check=False)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert "Avbrutte jobber: satt i kø på nytt" in restarted.stdout
    db.session.expire_all()
    run, job = db.session.get(ImportRun, run_id), db.session.get(Job, job_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert (run.status, run.next_row, run.counts["new"], run.counts["unchanged"]) == ("done", ROWS, ROWS, 0)
    assert (count(Submission), count(ImportedRow), count(Input)) == (ROWS, ROWS, ROWS)
    names = list(db.session.scalars(sa.select(Submission.respondent_name)))
    assert sorted(names) == sorted(f"Person {i}" for i in range(1, ROWS + 1))
    row_ids = list(db.session.scalars(sa.select(ImportedRow.row_id)))
    assert len(set(row_ids)) == ROWS


def test_an_import_whose_worker_stops_too_often_is_given_up_and_takes_back_its_rows(app, survey, make_user,  # noqa: F811
                                                                                  tmp_path):
    run_id, job_id = _start_import(survey, make_user)
    _kill_in_second_batch(app, tmp_path)
    report = recover_stale_jobs(db.session, stale_minutes=0, max_attempts=1)
    assert report["failed"] == [job_id]
    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    assert run.status == "failed" and db.session.get(Job, job_id).status == "failed"
    assert (count(Submission), count(ImportedRow), count(Input)) == (0, 0, 0)  # all or nothing
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import.failed"))
    assert event.data["run_id"] == run_id and event.data["deleted"] == BATCH


def test_a_stale_import_job_with_nothing_to_take_back_is_failed_quietly(app, survey, make_user):  # noqa: F811
    run_id, job_id = _start_import(survey, make_user)
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(
        status="running", attempts=3, heartbeat_dt=datetime(2020, 1, 1, tzinfo=UTC)))
    db.session.commit()
    assert recover_stale_jobs(db.session)["failed"] == [job_id]
    db.session.expire_all()
    assert db.session.get(ImportRun, run_id).status == "failed"
    assert count(Submission) == 0


@pytest.fixture(autouse=True)
def _no_embeddings(app):
    app.config["THEMES_EMBEDDINGS"] = False
