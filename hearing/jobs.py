"""Background work with stored progress: grouping runs, embeddings, placement of new inputs.

A job is a row in the ``jobs`` table; its status, progress and heartbeat live there, so any app
process can show a progress bar and a restart loses nothing.

- :func:`enqueue` adds a job (the caller commits). Without ``REDIS_URL`` a worker polls the table;
  with ``REDIS_URL`` the job id is also pushed to an RQ queue once the transaction commits.
- :func:`run_job` runs one job in its own app context and session: it claims the job atomically
  (``UPDATE … WHERE status = 'queued'``), so two workers never run the same job, keeps the
  heartbeat fresh, and marks the job done or failed with a reason.
- :func:`recover_stale_jobs` is called when a worker starts: a job still "running" without a
  heartbeat for ``JOBS_STALE_MINUTES`` is queued again (fewer than ``JOBS_MAX_ATTEMPTS`` tries) or
  marked failed with its reason; it never stays "running" forever.
- Tasks register with :func:`task`; a task is ``fn(session, job, progress) -> dict | None`` where
  ``progress(percent, message)`` stores the progress. A task commits its own work.

The embedded default is a daemon thread started by ``create_app`` (config ``JOBS_LOCAL_WORKER``,
default on outside tests and when no ``REDIS_URL``); ``flask --app hearing worker`` runs a worker in
the foreground (RQ when ``REDIS_URL`` is set, else the polling worker).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from hearing.config import setting
from hearing.core.errors import DomainError
from hearing.extensions import db
from hearing.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)

#: Queue name used with RQ.
RQ_QUEUE = "hearing"

Progress = Callable[[int, str], None]
TaskFn = Callable[[Session, Job, Progress], "dict | None"]

#: The process that imported this module (an RQ work horse is a fork of it).
_IMPORT_PID = os.getpid()

#: Task functions by job kind.
TASKS: dict[str, TaskFn] = {}

#: Per job kind, what to clean up when :func:`recover_stale_jobs` gives a job up (its worker stopped too
#: often): ``fn(session, job)``, flushing only (an import takes back the rows it had committed).
GIVE_UP: dict[str, Callable[[Session, Job], None]] = {}


#: Timed work the worker runs every ``JOBS_PERIODIC_SECONDS``: ``fn(session)``, committing its own work
#: (mail retries, invitation reminders).
PERIODIC: list[Callable[[Session], Any]] = []


def periodic(fn: Callable[[Session], Any]) -> Callable[[Session], Any]:
    """Register ``fn`` to run in the worker's timed round."""
    if fn not in PERIODIC:
        PERIODIC.append(fn)
    return fn


def run_periodic(app: Flask | None = None) -> None:
    """One timed round: each registered function in its own app context; one failing stops no other."""
    app = app or current_app._get_current_object()
    _load_tasks()
    for fn in list(PERIODIC):
        with app.app_context():
            try:
                fn(db.session)
            except Exception:
                db.session.rollback()
                log.exception("timed work %s failed", getattr(fn, "__name__", fn))
            finally:
                db.session.remove()


def _periodic_loop(app: Flask, stop: threading.Event) -> None:
    """The timed round beside an RQ worker (the polling worker runs it itself)."""
    while not stop.wait(float(app.config["JOBS_PERIODIC_SECONDS"])):
        run_periodic(app)


class JobError(DomainError):
    """A task failed for a reason a reviewer can act on (the message is shown as it is)."""


def task(kind: str) -> Callable[[TaskFn], TaskFn]:
    """Register ``fn`` as the task that runs jobs of ``kind``."""

    def decorator(fn: TaskFn) -> TaskFn:
        TASKS[kind] = fn
        return fn

    return decorator


def on_give_up(kind: str) -> Callable[[Callable[[Session, Job], None]], Callable[[Session, Job], None]]:
    """Register ``fn`` as the clean-up of a job of ``kind`` that is given up after its worker stopped."""

    def decorator(fn: Callable[[Session, Job], None]) -> Callable[[Session, Job], None]:
        GIVE_UP[kind] = fn
        return fn

    return decorator


def _config(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


# --- enqueueing --------------------------------------------------------------------------------


def enqueue(session: Session, kind: str, payload: dict | None = None, created_by=None) -> Job:
    """Add a queued job of ``kind``; the caller commits (RQ gets the id after the commit)."""
    _load_tasks()
    if kind not in TASKS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, payload=dict(payload or {}), status=JobStatus.QUEUED, progress=0, message="",
              created_by_id=getattr(created_by, "id", None))
    session.add(job)
    session.flush()
    if _config("REDIS_URL", None):
        session.info.setdefault("rq_pending", []).append(job.id)
    return job


@sa.event.listens_for(Session, "after_commit")
def _push_to_rq(session: Session) -> None:
    pending = session.info.pop("rq_pending", None)
    if not pending:
        return
    try:
        queue = _rq_queue()
        for job_id in pending:
            queue.enqueue("hearing.jobs.rq_run_job", job_id, job_id=f"hearing-job-{job_id}-{time.time_ns()}",
                          job_timeout=int(setting("JOBS_TIMEOUT_SECONDS")))
    except Exception:  # the row is stored: a polling worker or a restart picks it up
        log.exception("Could not push jobs %s to RQ", pending)


@sa.event.listens_for(Session, "after_rollback")
def _forget_rq(session: Session) -> None:
    session.info.pop("rq_pending", None)


def _rq_queue():
    from redis import Redis
    from rq import Queue

    return Queue(RQ_QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"]))


# --- running -----------------------------------------------------------------------------------


def _store(job_id: int, *, wait: bool = True, **values: Any) -> None:
    """Write job fields on a connection of its own, so progress is visible while the task works.

    ``wait=False`` (progress and heartbeat, which are best effort) gives up at once when SQLite is
    locked, typically by the task's own session having written: waiting SQLite's 5 s for each
    progress step made a backup job of a test take minutes.
    """
    with db.engine.begin() as conn:
        quick = not wait and conn.dialect.name == "sqlite"
        if quick:
            before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql("PRAGMA busy_timeout = 0")
        try:
            conn.execute(sa.update(Job).where(Job.id == job_id).values(**values))
        finally:
            if quick:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(before or 5000)}")


def claim(job_id: int) -> bool:
    """Mark a queued job running; False when another worker has it (or it is not queued)."""
    now = utcnow()
    with db.engine.begin() as conn:
        result = conn.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_dt=now, heartbeat_dt=now,
                    error=None, message="")
        )
        return result.rowcount == 1


class _Heartbeat(threading.Thread):
    """Keeps ``heartbeat_dt`` fresh while a long step (a fit without callbacks) runs."""

    def __init__(self, app: Flask, job_id: int, interval: float):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.app, self.job_id, self.interval = app, job_id, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context():
                    _store(self.job_id, wait=False, heartbeat_dt=utcnow())
            except Exception:  # a busy database only delays the beat
                log.debug("heartbeat for job %s skipped", self.job_id, exc_info=True)


def run_job(job_id: int, app: Flask | None = None) -> bool:
    """Claim and run one job in its own app context and session; True if this call ran it."""
    app = app or current_app._get_current_object()
    _load_tasks()
    with app.app_context():
        if not claim(job_id):
            return False
        session = db.session
        job = session.get(Job, job_id)
        beat = _Heartbeat(app, job_id, float(app.config["JOBS_HEARTBEAT_SECONDS"]))
        beat.start()
        last = {"progress": -1, "t": 0.0}

        def progress(percent: int, message: str = "") -> None:
            percent = max(0, min(100, int(percent)))
            now = time.monotonic()
            # store at most every half second unless the value jumps; a page polls every few seconds
            if percent == last["progress"] and now - last["t"] < 0.5:
                return
            last.update(progress=percent, t=now)
            try:
                _store(job_id, wait=False, progress=percent, message=storable(message), heartbeat_dt=utcnow())
            except sa.exc.OperationalError:
                log.debug("progress for job %s not stored (database busy)", job_id)

        try:
            fn = TASKS.get(job.kind)
            if fn is None:
                raise JobError(_l("Ukjent jobbtype «%(kind)s».", kind=job.kind))
            result = fn(session, job, progress) or {}
            session.commit()
            beat.stopped.set()
            _store(job_id, status=JobStatus.DONE, progress=100, message=_done_message(job.kind),
                   result=result, finished_dt=utcnow(), heartbeat_dt=utcnow())
            return True
        except Exception as exc:
            session.rollback()
            beat.stopped.set()
            if isinstance(exc, JobError):
                reason = storable(exc.args[0] if exc.args else "", limit=2000)
            else:
                reason = storable(_l("Uventet feil: %(error)s", error=f"{type(exc).__name__}: {exc}"[:1500]), limit=2000)
            log.exception("job %s (%s) failed", job_id, job.kind)
            _store(job_id, status=JobStatus.FAILED, error=reason, message=storable(_l("Feilet")),
                   finished_dt=utcnow(), heartbeat_dt=utcnow())
            return True
        finally:
            beat.stopped.set()


def _done_message(kind: str) -> str:
    return storable(_l("Ferdig"))


# --- messages in the reader's language -----------------------------------------------------------


def storable(text, limit: int = 300) -> str:
    """A job message or error as stored. A lazy translation (``_l``) keeps its bokmål source and values
    as JSON, so every reader sees it in their own language (``readable``); other text as it is."""
    if isinstance(text, LazyString) and len(text._args) == 1 and isinstance(text._args[0], str):
        try:
            stored = json.dumps({"msgid": text._args[0], "values": text._kwargs}, ensure_ascii=False)
        except TypeError:
            stored = ""
        if stored and len(stored) <= limit:
            return stored
    return str(text)[:limit]


def readable(stored: str | None) -> str:
    """A stored job message or error in the reader's language (in bokmål outside a request)."""
    if not stored or not stored.startswith('{"msgid"'):
        return stored or ""
    try:
        data = json.loads(stored)
        source, values = data["msgid"], data.get("values") or {}
        return gettext(source, **values)
    except (ValueError, KeyError, TypeError):
        return stored


def progress_view(job: Job | None) -> dict[str, Any]:
    """What a progress bar polls (static/js/progress.js), in the reader's language; no job counts as done."""
    from hearing.labels import job_status_label

    status = job.status if job else JobStatus.DONE
    return {
        "status": status,
        "status_label": job_status_label(status),
        "progress": job.progress if job else 100,
        "message": readable(job.message) if job else "",
        "error": (readable(job.error) or None) if job else None,
        "finished": status in (JobStatus.DONE, JobStatus.FAILED),
    }


def run_pending_jobs(app: Flask | None = None, *, limit: int | None = None) -> int:
    """Run queued jobs, oldest first, until none is left (or ``limit``); returns how many ran."""
    app = app or current_app._get_current_object()
    ran = 0
    while limit is None or ran < limit:
        with app.app_context():
            # a reviewer waits for a grouping run; background embedding can wait for it
            job_id = db.session.scalar(
                sa.select(Job.id).where(Job.status == JobStatus.QUEUED)
                .order_by(sa.case((Job.kind == "themes.embed", 1), else_=0), Job.created_dt, Job.id).limit(1)
            )
            db.session.remove()
        if job_id is None:
            break
        if run_job(job_id, app):
            ran += 1
    return ran


def recover_stale_jobs(session: Session, *, stale_minutes: float | None = None, max_attempts: int | None = None) -> dict:
    """Jobs "running" with a stale heartbeat: queue again (attempts left) or mark failed with a reason."""
    stale_minutes = stale_minutes if stale_minutes is not None else float(setting("JOBS_STALE_MINUTES"))
    max_attempts = max_attempts if max_attempts is not None else int(setting("JOBS_MAX_ATTEMPTS"))
    cutoff = utcnow() - timedelta(minutes=stale_minutes)
    stale = session.scalars(
        sa.select(Job).where(
            Job.status == JobStatus.RUNNING,
            sa.or_(Job.heartbeat_dt < cutoff, sa.and_(Job.heartbeat_dt.is_(None), Job.created_dt < cutoff)),
        )
    ).all()
    requeued, failed = [], []
    for job in stale:
        if job.attempts < max_attempts:
            job.status = JobStatus.QUEUED
            job.message = storable(_l("Startet på nytt etter at arbeideren stoppet"))
            job.progress = 0
            requeued.append(job.id)
            if _config("REDIS_URL", None):
                session.info.setdefault("rq_pending", []).append(job.id)
        else:
            job.status = JobStatus.FAILED
            job.error = storable(_l("Arbeidet stoppet uten å bli ferdig %(n)d ganger (serveren ble trolig startet på nytt). "
                                    "Start det på nytt.", n=job.attempts), limit=2000)
            job.message = storable(_l("Feilet"))
            job.finished_dt = utcnow()
            failed.append(job.id)
            _load_tasks()
            if (clean_up := GIVE_UP.get(job.kind)) is not None:
                clean_up(session, job)
    session.commit()
    if requeued or failed:
        log.warning("stale jobs: requeued %s, failed %s", requeued, failed)
    return {"requeued": requeued, "failed": failed}


# --- workers -----------------------------------------------------------------------------------


def poll_forever(app: Flask, *, interval: float | None = None, stop: threading.Event | None = None) -> None:
    """The local worker: recover stale jobs, then run queued jobs as they come."""
    interval = interval if interval is not None else float(app.config["JOBS_POLL_SECONDS"])
    stop = stop or threading.Event()
    last_recovery = last_periodic = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - last_recovery > 300:  # at start, then every five minutes
                with app.app_context():
                    recover_stale_jobs(db.session)
                    db.session.remove()
                last_recovery = time.monotonic()
            if time.monotonic() - last_periodic > float(app.config["JOBS_PERIODIC_SECONDS"]):
                last_periodic = time.monotonic()
                run_periodic(app)
            run_pending_jobs(app)
        except sa.exc.OperationalError:  # no tables yet, or the database is busy
            log.debug("job poll failed", exc_info=True)
        except Exception:
            log.exception("job poll failed")
        stop.wait(interval)


_local_worker: threading.Thread | None = None


def start_local_worker(app: Flask) -> threading.Thread | None:
    """Start the polling worker as a daemon thread in this process (once)."""
    global _local_worker
    if _local_worker is not None and _local_worker.is_alive():
        return _local_worker
    _local_worker = threading.Thread(target=poll_forever, args=(app,), daemon=True, name="hearing-jobs")
    _local_worker.start()
    return _local_worker


def _wants_local_worker(app: Flask) -> bool:
    setting = app.config.get("JOBS_LOCAL_WORKER")
    if setting is None:  # default: on, except in tests, with Redis, and for flask commands other than run
        if app.testing or app.config.get("REDIS_URL"):
            return False
        argv = [a for a in sys.argv[1:] if not a.startswith("-")]
        if sys.argv and sys.argv[0].endswith("flask") and "run" not in argv:
            return False
        return True
    return bool(setting)


def init_app(app: Flask) -> None:
    app.add_template_filter(readable, "job_text")
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_cli)
    if _wants_local_worker(app):
        start_local_worker(app)


# --- commands ----------------------------------------------------------------------------------


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs: an RQ worker when REDIS_URL is set, else the polling worker."""
    app = current_app._get_current_object()
    report = recover_stale_jobs(db.session)
    if report["requeued"] or report["failed"]:
        click.echo(f"Avbrutte jobber: satt i kø på nytt {report['requeued']}, feilet {report['failed']}.")
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Worker

        click.echo(f"RQ-arbeider på køen «{RQ_QUEUE}».")
        threading.Thread(target=_periodic_loop, args=(app, threading.Event()), daemon=True,
                         name="hearing-periodic").start()
        Worker([RQ_QUEUE], connection=Redis.from_url(app.config["REDIS_URL"])).work(burst=burst)
    elif burst:
        run_periodic(app)
        click.echo(f"Kjørte {run_pending_jobs(app)} jobber.")
    else:
        click.echo("Lokal arbeider: venter på jobber (Ctrl+C stopper).")
        poll_forever(app)


@click.group("jobs")
def jobs_cli() -> None:
    """Bakgrunnsjobber: vis og rydd opp."""


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
@with_appcontext
def jobs_list_command(limit: int) -> None:
    """Show the latest jobs with their status and progress."""
    for job in db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)):
        click.echo(f"{job.id:>6} {job.kind:<14} {job.status:<8} {job.progress:>3} % {readable(job.message)}"
                   + (f" – {readable(job.error)}" if job.error else ""))


@jobs_cli.command("recover")
@with_appcontext
def jobs_recover_command() -> None:
    """Queue again or fail jobs left running by a stopped worker."""
    click.echo(str(recover_stale_jobs(db.session)))


def rq_run_job(job_id: int) -> bool:
    """Entry point for RQ workers."""
    try:
        app = current_app._get_current_object()
        if os.getpid() != _IMPORT_PID:
            # RQ runs each job in a forked work horse: never reuse the parent's database connections
            db.engine.dispose(close=False)
    except RuntimeError:
        from hearing import create_app

        app = create_app({"JOBS_LOCAL_WORKER": False})
    return run_job(job_id, app)


def _load_tasks() -> None:
    """Import the modules that register tasks."""
    import hearing.admin.extracts  # noqa: F401
    import hearing.archive.services  # noqa: F401
    import hearing.exports.jobs  # noqa: F401
    import hearing.exports.public_files  # noqa: F401
    import hearing.grouping.confirm  # noqa: F401
    import hearing.grouping.service  # noqa: F401
    import hearing.imports.jobs  # noqa: F401
    import hearing.mail  # noqa: F401
