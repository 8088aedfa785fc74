"""Background jobs: stored progress, atomic claims, stale jobs after a restart, embeddings."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from hearing import jobs
from hearing.extensions import db
from hearing.grouping import service
from hearing.models import Activity, Input, InputEmbedding, Job, utcnow


@pytest.fixture
def recorder():
    calls = []

    @jobs.task("test.echo")
    def echo(session, job, progress):
        for p in (10, 50, 90):
            progress(p, f"steg {p}")
            calls.append(session.scalar(sa.select(Job.progress).where(Job.id == job.id)))
        return {"echo": job.payload["value"]}

    @jobs.task("test.fail")
    def fail(session, job, progress):
        raise jobs.JobError("Noe gikk galt med filen.")

    @jobs.task("test.crash")
    def crash(session, job, progress):
        raise ZeroDivisionError("division by zero")

    yield calls
    for kind in ("test.echo", "test.fail", "test.crash"):
        jobs.TASKS.pop(kind, None)


def test_enqueue_and_run_with_progress(app, recorder):
    job = jobs.enqueue(db.session, "test.echo", {"value": 7})
    db.session.commit()
    assert job.status == "queued" and job.progress == 0
    assert jobs.run_pending_jobs() == 1
    db.session.refresh(job)
    assert job.status == "done" and job.progress == 100 and job.result == {"echo": 7}
    assert job.attempts == 1 and job.started_dt and job.finished_dt and job.heartbeat_dt
    # progress was stored while the task ran, visible to other sessions
    assert recorder == [10, 50, 90]
    assert jobs.run_pending_jobs() == 0


def test_failed_job_keeps_its_reason(app, recorder):
    a = jobs.enqueue(db.session, "test.fail", {})
    b = jobs.enqueue(db.session, "test.crash", {})
    db.session.commit()
    jobs.run_pending_jobs()
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.status == "failed" and a.error == "Noe gikk galt med filen."
    assert b.status == "failed" and "ZeroDivisionError" in b.error


def test_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        jobs.enqueue(db.session, "no.such.kind", {})


def test_a_job_is_claimed_once(app, recorder):
    job = jobs.enqueue(db.session, "test.echo", {"value": 1})
    db.session.commit()
    assert jobs.claim(job.id) is True
    assert jobs.claim(job.id) is False  # a second worker gets nothing
    assert jobs.run_job(job.id) is False
    db.session.refresh(job)
    assert job.status == "running" and job.attempts == 1


def test_stale_running_jobs_are_requeued_or_failed(app, recorder):
    old = utcnow() - timedelta(minutes=30)
    retry = Job(kind="test.echo", payload={"value": 2}, status="running", attempts=1, heartbeat_dt=old)
    dead = Job(kind="test.echo", payload={"value": 3}, status="running", attempts=3, heartbeat_dt=old)
    alive = Job(kind="test.echo", payload={"value": 4}, status="running", attempts=1, heartbeat_dt=utcnow())
    db.session.add_all([retry, dead, alive])
    db.session.commit()
    report = jobs.recover_stale_jobs(db.session, stale_minutes=10)
    assert report == {"requeued": [retry.id], "failed": [dead.id]}
    db.session.refresh(dead)
    assert dead.status == "failed" and "startet på nytt" in dead.error
    assert db.session.get(Job, alive.id).status == "running"
    jobs.run_pending_jobs()
    db.session.refresh(retry)
    assert retry.status == "done" and retry.attempts == 2


def test_worker_command_runs_queued_jobs(app, recorder):
    jobs.enqueue(db.session, "test.echo", {"value": 5})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Kjørte 1 jobber" in result.output
    listing = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert "test.echo" in listing.output and "done" in listing.output


def test_local_worker_is_off_in_tests(app):
    assert jobs._wants_local_worker(app) is False
    app.config["JOBS_LOCAL_WORKER"] = True
    assert jobs._wants_local_worker(app) is True


def test_embedding_job_stores_vectors(app, make_process):
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    texts = ["Bussen går for sjelden", "Maten er kald", "Glatte fortau om vinteren",
             "Ring meg på 41234567 om bussen"]
    for t in texts:
        db.session.add(Input(activity_id=activity.id, text=t))
    db.session.commit()
    job = service.schedule_embedding(db.session)
    assert service.schedule_embedding(db.session) is job  # at most one waiting
    db.session.commit()
    jobs.run_pending_jobs()
    db.session.refresh(job)
    assert job.status == "done", job.error
    assert job.result == {"embedded": 4, "more": False}
    rows = db.session.scalars(sa.select(InputEmbedding).order_by(InputEmbedding.input_id)).all()
    assert len(rows) == 4 and all(r.model == service.EMBED_MODEL for r in rows)
    inputs = db.session.scalars(sa.select(Input).order_by(Input.id)).all()
    vectors = service.stored_embeddings(db.session, inputs)
    assert all(v is not None and v.shape == (384,) and v.dtype == np.float32 for v in vectors)
    # the masked text is what is embedded
    assert rows[3].text_hash == service.text_hash(inputs[3].display_text)
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-3
    # nothing left to do: a new job embeds nothing
    service.schedule_embedding(db.session)
    db.session.commit()
    jobs.run_pending_jobs()
    assert db.session.scalars(sa.select(Job).order_by(Job.id.desc())).first().result == {"embedded": 0, "more": False}


def test_with_redis_the_job_goes_to_rq_after_commit(app, recorder, monkeypatch):
    pushed = []

    class FakeQueue:
        def enqueue(self, func, *args, **options):
            assert options["job_id"].startswith("hearing-job-")
            pushed.append((func, *args))

    monkeypatch.setattr(jobs, "_rq_queue", lambda: FakeQueue())
    app.config["REDIS_URL"] = "redis://localhost:6379/0"
    job = jobs.enqueue(db.session, "test.echo", {"value": 1})
    assert pushed == []  # not before the row is committed
    db.session.commit()
    assert pushed == [("hearing.jobs.rq_run_job", job.id)]
    dropped = jobs.enqueue(db.session, "test.echo", {"value": 2})
    assert dropped.id
    db.session.rollback()
    db.session.commit()
    assert len(pushed) == 1
    # what the RQ worker calls
    assert jobs.rq_run_job(job.id) is True
    db.session.refresh(job)
    assert job.status == "done"
    assert jobs._wants_local_worker(app) is False


def test_embedding_jobs_run_after_other_jobs_and_in_chunks(app, recorder, make_process):
    app.config["THEMES_EMBED_CHUNK"] = 2
    process = make_process()
    activity = Activity(process=process, kind="workshop", title="Verksted")
    db.session.add(activity)
    db.session.flush()
    for t in ("Buss", "Mat", "Snø"):
        db.session.add(Input(activity_id=activity.id, text=t))
    db.session.commit()
    service.schedule_embedding(db.session)
    echo = jobs.enqueue(db.session, "test.echo", {"value": 9})
    db.session.commit()
    jobs.run_pending_jobs(limit=1)
    db.session.refresh(echo)
    assert echo.status == "done"
    jobs.run_pending_jobs()
    results = [j.result for j in db.session.scalars(sa.select(Job).where(Job.kind == "themes.embed").order_by(Job.id))]
    assert results == [{"embedded": 2, "more": True}, {"embedded": 1, "more": False}]


def test_job_messages_are_shown_in_the_readers_language(app):
    from flask_babel import lazy_gettext as _l
    from flask_babel import refresh

    @jobs.task("test.lang")
    def lang(session, job, progress):
        raise jobs.JobError(_l("Grupperingen finnes ikke lenger."))

    try:
        job = jobs.enqueue(db.session, "test.lang", {})
        db.session.commit()
        jobs.run_pending_jobs()
        db.session.refresh(job)
    finally:
        jobs.TASKS.pop("test.lang", None)
    assert jobs.readable(job.error) == "Grupperingen finnes ikke lenger."  # outside a request (CLI): bokmål
    progress = jobs.storable(_l("%(done)d av %(total)d innspill", done=2, total=5))
    for lang_code, error, message, step in [
        ("nb", "Grupperingen finnes ikke lenger.", "Feilet", "2 av 5 innspill"),
        ("nn", "Grupperinga finst ikkje lenger.", "Feila", "2 av 5 innspel"),
        ("en", "The grouping no longer exists.", "Failed", "2 of 5 comments"),
    ]:
        with app.test_request_context(f"/?lang={lang_code}"):
            refresh()  # the test's shared app context keeps the last language otherwise
            assert (jobs.readable(job.error), jobs.readable(job.message), jobs.readable(progress)) == (error, message, step)
    assert jobs.readable("Skrevet før meldinger ble lagret slik") == "Skrevet før meldinger ble lagret slik"  # older rows
    assert len(jobs.storable(_l("Uventet feil: %(error)s", error="x" * 400))) <= 300  # too long: stored as text, cut
