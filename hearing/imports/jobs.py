"""The background import: ``imports.run`` reads the stored upload's parsed rows and imports them in batches.

Each batch is committed with the row it reached (``ImportRun.next_row``), so a worker that stops (a
restart, a deploy) goes on from there when :func:`hearing.jobs.recover_stale_jobs` queues the job again,
and a row is never stored twice (its source key is unique per activity). A failure undoes what the run
had stored, so an import is all or nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing.imports import services
from hearing.jobs import JobError, on_give_up, task
from hearing.models import ImportRun, ImportStatus, Job

RUN = "imports.run"


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Oslo"))


@task(RUN)
def import_task(session: Session, job: Job, progress) -> dict:
    run = session.get(ImportRun, (job.payload or {}).get("run_id"))
    if run is None or run.status in (ImportStatus.UNDONE, ImportStatus.DONE):
        return {"skipped": True}
    folder = current_app.config["UPLOAD_FOLDER"]
    try:
        loaded = services.load_upload(folder, run.file_id)
    except services.ImportFileError as exc:
        raise JobError(str(exc)) from exc
    if loaded is None:
        run.status = ImportStatus.FAILED
        session.commit()
        raise JobError(_l("Den opplastede filen er borte (slettet etter et døgn). Last den opp på nytt."))
    _name, table = loaded
    progress(1, _l("Filen er lest"))
    try:
        run = services.execute_run(session, run, table, zone=_zone(), progress=progress)
    except services.MappingError as exc:
        raise JobError(str(exc)) from exc
    services.discard_upload(folder, run.file_id)  # the rows are stored; the file holds personal data
    from hearing.grouping.service import schedule_after_commit

    schedule_after_commit(session)
    return {"run_id": run.id, **run.counts}


@on_give_up(RUN)
def give_up_import(session: Session, job: Job) -> None:
    """A worker stopped too often in this import: take back the batches it had committed (all or nothing)."""
    run = session.scalar(sa.select(ImportRun).where(ImportRun.job_id == job.id))
    if run is not None and run.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        services.abandon_run(session, run)


READ = "imports.read"
PREVIEW = "imports.preview"


@task(READ)
def read_task(session: Session, job: Job, progress) -> dict:
    """Read an uploaded export once and keep its rows (the mapping page waits for this, never parses)."""
    folder = current_app.config["UPLOAD_FOLDER"]
    file_id = (job.payload or {}).get("file_id", "")
    state = services.upload_state(folder, file_id)
    if state == "gone":
        raise JobError(_l("Den opplastede filen er borte (slettet etter et døgn). Last den opp på nytt."))
    if state == "read":
        return {"file_id": file_id}
    progress(5, _l("Leser filen"))
    try:
        table = services.parse_upload(folder, file_id)
    except services.ImportFileError as exc:
        raise JobError(exc.args[0] if exc.args else str(exc)) from exc
    return {"file_id": file_id, "rows": len(table.rows)}


@task(PREVIEW)
def preview_task(session: Session, job: Job, progress) -> dict:
    """The dry run of an upload with a mapping: what would be new, updated, skipped; nothing is stored."""
    from zoneinfo import ZoneInfo

    from hearing.models import Activity

    payload = job.payload or {}
    activity = session.get(Activity, payload.get("activity_id"))
    loaded = services.load_upload(current_app.config["UPLOAD_FOLDER"], payload.get("file_id", ""), parse=False)
    if activity is None or loaded is None:
        raise JobError(_l("Den opplastede filen er borte (slettet etter et døgn). Last den opp på nytt."))
    _name, table = loaded
    try:
        mapping = services.mapping_of(activity, table, payload.get("settings") or {})
    except services.MappingError as exc:
        raise JobError(exc.args[0] if exc.args else str(exc)) from exc
    zone = ZoneInfo(payload.get("zone") or "Europe/Oslo")
    result = services.preview(session, activity, table, mapping, zone=zone, progress=progress)
    session.rollback()  # a dry run stores nothing
    return services.preview_as_data(result)
