"""Exports as background jobs: the file is made by a worker and kept in the database.

Several app servers share nothing but the database, so a finished file is an :class:`ExportFile`
row; only the person who asked for it, or an administrator, may download it, and files older than
``EXPORT_RETENTION_DAYS`` (default 7) are deleted by the next export and by ``flask privacy purge``.

Tasks: ``exports.inputs`` (CSV/XLSX of all inputs), ``exports.process_json`` (backup of a whole
process) and ``exports.process_import`` (a backup uploaded by an administrator).
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from hearing import audit
from hearing.exports import backup, services
from hearing.jobs import JobError, enqueue, task
from hearing.models import ExportFile, Job, Process, Role, User, utcnow

INPUTS = "exports.inputs"
BACKUP = "exports.process_json"
IMPORT = "exports.process_import"
#: Jobs whose file may be downloaded (an uploaded backup may not).
DOWNLOADABLE = (INPUTS, BACKUP)
KINDS = (INPUTS, BACKUP, IMPORT)
FORMATS = {"csv": services.CSV_MIMETYPE, "xlsx": services.XLSX_MIMETYPE}


class ExportError(Exception):
    """A request that cannot be served; the message (bokmål) is shown as it is."""


def _setting(name: str, default):
    try:
        return current_app.config.get(name, default)
    except RuntimeError:
        return default


def retention_days() -> int:
    return int(_setting("EXPORT_RETENTION_DAYS", 7))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "prosess"


def file_name(prefix: str, process: Process, ext: str) -> str:
    return f"{prefix}-{_slug(process.slug)}-{utcnow().astimezone(services.LOCAL):%Y-%m-%d}.{ext}"


# --- requests (the caller commits) -------------------------------------------------------------


def request_inputs_export(
    session: Session, actor: User, process: Process, fmt: str, *, include_original: bool = False
) -> Job:
    """Queue a CSV or XLSX of all inputs; the original text only for administrators (audited)."""
    if fmt not in FORMATS:
        raise ExportError("Velg CSV eller Excel.")
    if include_original and actor.role != Role.ADMIN:
        raise ExportError("Bare administratorer kan ta med originalteksten.")
    job = enqueue(
        session,
        INPUTS,
        {"process_id": process.id, "format": fmt, "include_original": include_original},
        created_by=actor,
    )
    audit.record(
        session,
        actor,
        "export.inputs_original" if include_original else "export.inputs",
        process,
        job_id=job.id,
        format=fmt,
    )
    return job


def request_backup(session: Session, actor: User, process: Process) -> Job:
    """Queue a JSON backup of the whole process (administrators only; it holds personal data)."""
    if actor.role != Role.ADMIN:
        raise ExportError("Bare administratorer kan ta sikkerhetskopi av en prosess.")
    job = enqueue(session, BACKUP, {"process_id": process.id}, created_by=actor)
    audit.record(session, actor, "export.process_backup", process, job_id=job.id)
    return job


def request_import(session: Session, actor: User, raw: bytes, filename: str) -> Job:
    """Check an uploaded backup and queue its import; :class:`backup.BackupError` when it is not importable."""
    if actor.role != Role.ADMIN:
        raise ExportError("Bare administratorer kan importere en prosess.")
    data = backup.loads(raw)
    backup.check_importable(session, data)
    job = enqueue(
        session,
        IMPORT,
        {"process_uid": data["process_uid"], "process_name": str(data.get("process_name", ""))[:200]},
        created_by=actor,
    )
    session.add(
        ExportFile(
            job_id=job.id,
            filename=(filename or "prosess.json")[-255:],
            mimetype=backup.MIMETYPE,
            size=len(raw),
            data=raw,
            created_by_id=actor.id,
        )
    )
    audit.record(
        session,
        actor,
        "process.import_request",
        None,
        job_id=job.id,
        uid=data["process_uid"],
        filename=filename,
    )
    return job


# --- access ------------------------------------------------------------------------------------


def export_jobs(
    session: Session, user: User, process_id: int | None = None, *, kinds=DOWNLOADABLE, limit: int = 20
) -> list[Job]:
    """The user's recent export jobs (all users' for an administrator), newest first."""
    query = sa.select(Job).where(Job.kind.in_(kinds)).order_by(Job.id.desc()).limit(200)
    if user.role != Role.ADMIN:
        query = query.where(Job.created_by_id == user.id)
    jobs = session.scalars(query).all()
    if process_id is not None:
        jobs = [j for j in jobs if (j.payload or {}).get("process_id") == process_id]
    return jobs[:limit]


def may_see(user: User, job: Job) -> bool:
    return job.kind in KINDS and (
        user.role == Role.ADMIN or (job.created_by_id is not None and job.created_by_id == user.id)
    )


def file_of(session: Session, job: Job) -> ExportFile | None:
    return session.scalar(sa.select(ExportFile).where(ExportFile.job_id == job.id))


def has_file(session: Session, jobs: list[Job]) -> set[int]:
    """Ids of the jobs whose file is still kept."""
    ids = [j.id for j in jobs]
    if not ids:
        return set()
    return set(session.scalars(sa.select(ExportFile.job_id).where(ExportFile.job_id.in_(ids))))


def purge_expired_files(session: Session, *, days: int | None = None) -> int:
    """Delete export files (and unimported uploads) older than the retention period; returns how many."""
    cutoff = utcnow() - timedelta(days=days if days is not None else retention_days())
    result = session.execute(sa.delete(ExportFile).where(ExportFile.created_dt < cutoff))
    return result.rowcount or 0


# --- tasks -------------------------------------------------------------------------------------


def _process(session: Session, job: Job) -> Process:
    process = session.get(Process, (job.payload or {}).get("process_id"))
    if process is None:
        raise JobError("Prosessen finnes ikke lenger.")
    return process


def _keep(
    session: Session, job: Job, process: Process | None, filename: str, mimetype: str, data: bytes
) -> ExportFile:
    purge_expired_files(session)
    stored = ExportFile(
        job_id=job.id,
        process_id=process.id if process else None,
        filename=filename,
        mimetype=mimetype,
        size=len(data),
        data=data,
        created_by_id=job.created_by_id,
    )
    session.add(stored)
    session.flush()
    return stored


@task(INPUTS)
def inputs_task(session: Session, job: Job, progress) -> dict:
    process = _process(session, job)
    fmt = job.payload.get("format", "csv")
    creator = session.get(User, job.created_by_id) if job.created_by_id else None
    include_original = (
        bool(job.payload.get("include_original")) and creator is not None and creator.role == Role.ADMIN
    )
    progress(5, "Henter innspillene")
    table = services.input_rows(session, process, include_original=include_original, progress=progress)
    progress(75, "Skriver filen")
    if fmt == "xlsx":
        data = services.to_xlsx(table.headers, table.rows)
    else:
        data = services.to_csv(table.headers, table.rows)
    stored = _keep(
        session, job, process, file_name("innspill", process, fmt), FORMATS.get(fmt, FORMATS["csv"]), data
    )
    session.commit()
    return {
        "filename": stored.filename,
        "size": stored.size,
        "rows": len(table.rows),
        "run_id": table.run.id if table.run else None,
        "include_original": include_original,
    }


@task(BACKUP)
def backup_task(session: Session, job: Job, progress) -> dict:
    process = _process(session, job)
    data = backup.export_process(
        session, process, upload_folder=_setting("UPLOAD_FOLDER", None), progress=progress
    )
    stored = _keep(
        session, job, process, file_name("prosess", process, "json"), backup.MIMETYPE, backup.dumps(data)
    )
    session.commit()
    return {"filename": stored.filename, "size": stored.size, "counts": data["counts"]}


@task(IMPORT)
def import_task(session: Session, job: Job, progress) -> dict:
    upload = file_of(session, job)
    if upload is None:
        raise JobError("Den opplastede filen er borte (slettet etter lagringstiden). Last den opp på nytt.")
    actor = session.get(User, job.created_by_id) if job.created_by_id else None
    try:
        data = backup.loads(upload.data)
        progress(3, "Filen er lest")
        # SQLite has one writer: progress stored on another connection would wait for the import's transaction
        step = progress if session.get_bind().dialect.name != "sqlite" else backup.no_progress
        process = backup.import_process(
            session, actor, data, upload_folder=_setting("UPLOAD_FOLDER", None), progress=step
        )
    except backup.BackupError as exc:
        raise JobError(str(exc)) from exc
    except sa.exc.IntegrityError as exc:
        raise JobError(
            "Importen stoppet på en konflikt i databasen, trolig fordi den samme prosessen ble importert "
            "samtidig. Se om prosessen finnes nå før du prøver igjen."
        ) from exc
    session.delete(upload)  # the uploaded copy holds personal data; the process is in place now
    session.commit()
    return {"process_id": process.id, "process_name": process.name, "counts": data.get("counts", {})}
