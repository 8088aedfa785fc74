"""A backup restore (the ``exports.process_import`` job) commits a batch at a time into a process that nobody
sees until it is complete, so its progress and heartbeat are stored from start to end on SQLite as on
PostgreSQL; a restore that fails, is given up, or whose worker is killed leaves nothing behind, and a new
worker restores the process exactly once.

The killed worker is a real process on the test's database (SQLite file or PostgreSQL). It stops inside a
batch, after that batch's rows were written but not committed, and waits there until the test kills it; so
the moment of the kill does not depend on the machine's speed.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from hearing.exports import backup
from hearing.exports import jobs as exports
from hearing.extensions import db
from hearing.jobs import recover_stale_jobs, run_pending_jobs
from hearing.models import Activity, AuditEvent, ContentTranslation, Input, Job, Process, Submission
from tests.conftest import Client, text_of
from tests.processes import kill_where_it_marks, output_of, wait_until, worker_env

ROOT = Path(__file__).resolve().parent.parent
INPUTS = 30
BATCH = 7
COPY_NAME = "Kopien som gjenopprettes"

#: Rows counted in every table a restore writes to (the check that nothing is left behind).
COUNTED = ("processes", "phases", "stakeholder_groups", "activities", "prompts", "submissions", "answers",
           "inputs", "content_translations", "attachments")


def _counts() -> dict[str, int]:
    """Rows per table, read on a connection of its own (what is committed), processes being restored included."""
    with db.engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
                for name in COUNTED}


def _being_restored() -> list[tuple[int, int]]:
    """(process id, restoring job id) of the processes a restore is putting in, as committed."""
    table = Process.__table__
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table.c.id, table.c.restoring_job_id)
                                                .where(table.c.restoring_job_id.is_not(None)))]


def _process_with_inputs(make_process, make_activity):
    """A public process with an open suggestions activity, INPUTS inputs in INPUTS responses, and a
    translated title (a row of a keyed table)."""
    process = make_process(name="Strategiplan som sikkerhetskopieres")
    activity = make_activity("suggestions", process=process, title="Forslag til benker")
    for n in range(INPUTS):
        sub = Submission(activity_id=activity.id, reference=f"S-2026-{n:06d}", submission_key=f"{n:064d}",
                         edit_token_hash=f"{n:064x}")
        db.session.add(sub)
        db.session.flush()
        db.session.add(Input(activity_id=activity.id, submission_id=sub.id, text=f"Forslag nummer {n} om benker",
                             source="web"))
    db.session.add(ContentTranslation(object_type="activity", object_id=activity.id, field="title", lang="en",
                                      text="Bench suggestions"))
    db.session.commit()
    return process, activity


def _upload(admin_client, app, process, tmp_path) -> int:
    """The process's backup as from another installation (new uid, other name and slug), uploaded on the
    restore page: the id of the queued restore job."""
    path = tmp_path / "backup.json.gz"
    backup.write_gzip(db.session, process, path, upload_folder=app.config["UPLOAD_FOLDER"])
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines[0] = json.dumps(json.loads(lines[0]) | {"process_uid": "f" * 32})
    lines = [line.replace(f'"{process.slug}"', f'"{process.slug}-kopi"')
             .replace(f'"{process.name}"', f'"{COPY_NAME}"') for line in lines]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    r = admin_client.submit("/files/import", {"file": (io.BytesIO(packed), "prosess.json.gz")},
                            content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)
    return db.session.scalar(sa.select(Job.id).where(Job.kind == exports.IMPORT).order_by(Job.id.desc()))


@pytest.fixture(autouse=True)
def _no_embeddings(app):
    app.config["THEMES_EMBEDDINGS"] = False


def test_the_restore_job_stores_its_progress_between_batches_and_hides_the_process_meanwhile(
        app, admin_client, make_process, make_activity, make_user, tmp_path, monkeypatch):
    import hearing.jobs as jobs_module
    from tests.test_api import auth, make_token

    process, _activity = _process_with_inputs(make_process, make_activity)
    reviewer = make_user("reviewer")
    reviewer_client = Client(app.test_client())
    assert reviewer_client.login(reviewer.email).status_code == 302
    token = make_token(reviewer)
    public = app.test_client()
    job_id = _upload(admin_client, app, process, tmp_path)
    before = _counts()
    monkeypatch.setattr(backup, "RESTORE_BATCH", BATCH)

    stored: list[tuple[int, str]] = []  # (progress, message) as read back from the database after each store
    seen: dict[str, object] = {}
    real = jobs_module._store

    def recording(job_id_, *, wait=True, **values):
        real(job_id_, wait=wait, **values)
        if "message" not in values or job_id_ != job_id:
            return
        with db.engine.connect() as conn:  # what another reader (the progress page) sees now
            row = conn.execute(sa.select(Job.progress, Job.message).where(Job.id == job_id)).one()
        stored.append((row.progress, jobs_module.readable(row.message)))
        if "pages" not in seen and stored[-1][1].startswith("Legger inn inputs:"):
            [(rid, marker)] = _being_restored()
            with db.engine.connect() as conn:
                aid = conn.execute(sa.select(Activity.__table__.c.id)
                                   .where(Activity.__table__.c.process_id == rid)).scalar()
                sid = conn.execute(sa.select(Submission.__table__.c.id)
                                   .where(Submission.__table__.c.activity_id == aid).limit(1)).scalar()
            seen["marker"] = marker
            seen["rows"] = _counts()
            seen["pages"] = {
                "admin list": COPY_NAME in text_of(admin_client.get("/admin/")),
                "staff list": COPY_NAME in text_of(reviewer_client.get("/staff")),
                "public list": COPY_NAME in text_of(public.get("/")),
                "api list": COPY_NAME in public.get("/api/v1/processes", headers=auth(token)).get_data(as_text=True),
                "admin page": admin_client.get(f"/admin/processes/{rid}").status_code,
                "review page": reviewer_client.get(f"/review/processes/{rid}").status_code,
                "public form": public.get(f"/delta/{aid}").status_code,
                "api process": public.get(f"/api/v1/processes/{rid}", headers=auth(token)).status_code,
                "api activity": public.get(f"/api/v1/activities/{aid}", headers=auth(token)).status_code,
                "api submission": public.get(f"/api/v1/submissions/{sid}", headers=auth(token)).status_code,
            }

    monkeypatch.setattr(jobs_module, "_store", recording)
    run_pending_jobs()
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.status == "done", job.error

    messages = [m for _p, m in stored]
    assert messages[0] == "Kontrollerer radene" and messages[-1] == "Ferdig"
    batches = [m for m in messages if m.startswith("Legger inn inputs:")]
    assert len(batches) >= INPUTS // BATCH, messages  # stored batch by batch, not only at the end
    assert batches[-1].endswith(f"av {sum(job.result['counts'].values())} rader"), batches
    percents = [p for p, _m in stored]
    assert percents == sorted(percents) and len(set(percents)) > 5

    # half-way, the process and its rows were committed but marked with the job, and nobody saw them
    assert seen["marker"] == job_id and seen["rows"]["inputs"] > INPUTS
    assert seen["pages"] == {"admin list": False, "staff list": False, "public list": False, "api list": False,
                             "admin page": 404, "review page": 404, "public form": 404, "api process": 404,
                             "api activity": 404, "api submission": 404}
    # complete: one copy, visible, every row there once
    copy = db.session.scalar(sa.select(Process).where(Process.name == COPY_NAME))
    assert copy is not None and copy.restoring_job_id is None and _being_restored() == []
    assert COPY_NAME in text_of(reviewer_client.get("/staff"))
    assert reviewer_client.get(f"/review/processes/{copy.id}").status_code == 200
    assert _counts() == {name: 2 * n for name, n in before.items()}


def test_a_restore_that_fails_half_way_leaves_no_process_and_no_rows(app, admin_client, make_process, make_activity,
                                                                     tmp_path, monkeypatch):
    process, _activity = _process_with_inputs(make_process, make_activity)
    job_id = _upload(admin_client, app, process, tmp_path)
    before = _counts()
    monkeypatch.setattr(backup, "RESTORE_BATCH", BATCH)
    real, committed = backup._Restore._rows, []

    def failing(self, name, rows):
        if name == "inputs" and self.new_ids["inputs"]:  # the second batch of inputs: the first is committed
            committed.append(_counts())
            raise sa.exc.OperationalError("INSERT INTO inputs", {}, Exception("disk I/O error"))
        return real(self, name, rows)

    monkeypatch.setattr(backup._Restore, "_rows", failing)
    run_pending_jobs()
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.status == "failed" and "OperationalError" in job.error
    assert committed and committed[0]["processes"] == before["processes"] + 1  # batches were committed
    assert committed[0]["inputs"] == before["inputs"] + BATCH
    assert _counts() == before and _being_restored() == []  # all or nothing
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "process.import_discarded"))
    assert event.data["job_id"] == job_id and event.data["reason"] == "failed" and event.data["deleted"]["inputs"] == BATCH
    # the upload is kept: the administrator may start the restore again from the same file
    assert exports.file_of(db.session, job) is not None


def test_a_backup_refused_at_its_last_table_stores_nothing(app, admin_client, make_process, make_activity, tmp_path,
                                                          monkeypatch):
    """Every other table is committed when the translations are refused: all of it goes again."""
    process, _activity = _process_with_inputs(make_process, make_activity)
    job_id = _upload(admin_client, app, process, tmp_path)
    before = _counts()
    monkeypatch.setattr(backup, "RESTORE_BATCH", BATCH)
    late: list[dict] = []

    def refused(self, name, rows):
        late.append(_counts())
        raise backup.BackupError("Tabellen «content_translations» i sikkerhetskopien er skadet.")

    monkeypatch.setattr(backup._Restore, "_keyed", refused)
    run_pending_jobs()
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.status == "failed" and "content_translations" in job.error
    assert late[0]["inputs"] == 2 * INPUTS  # the inputs were all committed before
    assert _counts() == before and _being_restored() == []


#: The first worker: batches of BATCH rows; in the second batch of inputs it writes the rows, says so in the
#: marker file and waits (the test kills it there).
KILLED_WORKER = """
import os, pathlib, time
from hearing.exports import backup
backup.RESTORE_BATCH = {batch}
real = backup._Restore._rows
def held(self, name, rows):
    first_done = name == "inputs" and bool(self.new_ids["inputs"])
    real(self, name, rows)
    if first_done:
        self.session.flush()
        pathlib.Path(os.environ["KILL_MARKER"]).write_text("in inputs batch 2")
        time.sleep(3600)
backup._Restore._rows = held
from hearing import create_app
from hearing.jobs import run_pending_jobs
run_pending_jobs(create_app())
"""


def _kill_in_second_inputs_batch(app, tmp_path, before: dict) -> None:
    log = kill_where_it_marks(app, tmp_path, KILLED_WORKER.format(batch=BATCH), cwd=ROOT)
    # the database notices the lost connection and drops its open transaction: the first batch stays
    wait_until(lambda: _counts()["inputs"] == before["inputs"] + BATCH,
               what=f"only the first batch of inputs is stored ({output_of(log)})")


def test_a_worker_killed_inside_a_restore_is_followed_by_one_that_restores_the_process_once(
        app, admin_client, make_process, make_activity, tmp_path):
    process, _activity = _process_with_inputs(make_process, make_activity)
    job_id = _upload(admin_client, app, process, tmp_path)
    before = _counts()
    _kill_in_second_inputs_batch(app, tmp_path, before)
    assert _being_restored()[0][1] == job_id and _counts()["processes"] == before["processes"] + 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Process)) == before["processes"]  # hidden

    # a new worker, as after a restart: it finds the job stale (its heartbeat stopped with the process)
    restarted = subprocess.run([sys.executable, "-m", "flask", "--app", "hearing", "worker", "--burst"], cwd=ROOT,
                               env=worker_env(app, HEARING_JOBS_STALE_MINUTES="0"), capture_output=True, text=True,
                               timeout=600, check=False)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert "Avbrutte jobber: satt i kø på nytt" in restarted.stdout
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts) == ("done", 2), job.error
    after = _counts()
    assert after == {name: 2 * n for name, n in before.items()}, (before, after)  # exactly one complete copy
    copies = db.session.scalars(sa.select(Process).where(Process.name == COPY_NAME)).all()
    assert len(copies) == 1 and _being_restored() == []
    texts = db.session.scalars(sa.select(Input.text).join(Activity).where(Activity.process_id == copies[0].id)).all()
    assert sorted(texts) == sorted(f"Forslag nummer {n} om benker" for n in range(INPUTS))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "process.import_discarded"))
    assert event.data["reason"] == "restarted" and event.data["deleted"]["inputs"] == BATCH


def test_a_restore_whose_worker_stops_too_often_is_given_up_and_leaves_nothing(app, admin_client, make_process,
                                                                              make_activity, tmp_path):
    process, _activity = _process_with_inputs(make_process, make_activity)
    job_id = _upload(admin_client, app, process, tmp_path)
    before = _counts()
    _kill_in_second_inputs_batch(app, tmp_path, before)
    report = recover_stale_jobs(db.session, stale_minutes=0, max_attempts=1)
    assert report["failed"] == [job_id]
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "failed"
    assert _counts() == before and _being_restored() == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "process.import_discarded"))
    assert event.data["reason"] == "given_up" and event.data["deleted"]["processes"] == 1


def test_links_that_citizens_hold_find_nothing_of_a_process_being_restored(app, make_process, make_activity):
    """An invitation link or a response's edit link from the installation a backup came from finds nothing
    while the restore is putting its process in, and works once it is complete."""
    from hearing.participation import services

    process = make_process(name="Prosess med lenker")
    activity = make_activity("hearing", process=process, audience="invited")
    _invitation, token = services.create_invitation(db.session, None, activity, body_name="Eldrerådet", group=None)
    sub = Submission(activity_id=activity.id, reference="H-2026-000777", submission_key="q" * 64,
                     edit_token_hash=services.token_hash("endre-lenken"))
    db.session.add(sub)
    db.session.commit()
    table, process_id = Process.__table__, process.id

    def marked(job_id):
        db.session.execute(sa.update(table).where(table.c.id == process_id).values(restoring_job_id=job_id))
        db.session.commit()
        db.session.expunge_all()  # nothing loaded before may answer from the identity map

    marked(4711)
    assert services.find_invitation(db.session, token) is None
    assert services.find_submission(db.session, "endre-lenken") is None
    assert app.test_client().get(f"/invitasjon/{token}").status_code == 404
    assert app.test_client().get("/svar/endre-lenken/endre").status_code == 404
    assert app.test_client().get("/svar/endre-lenken").status_code == 404  # the receipt
    marked(None)
    assert services.find_invitation(db.session, token) is not None
    assert services.find_submission(db.session, "endre-lenken") is not None
    assert app.test_client().get(f"/invitasjon/{token}").status_code == 200
    assert app.test_client().get("/svar/endre-lenken").status_code == 200
