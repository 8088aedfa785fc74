"""Exports as background jobs: the file is made by a worker and kept on the upload volume.

A finished file is an :class:`ExportFile` row naming a file under ``UPLOAD_FOLDER/exports`` (see
:mod:`hearing.exports.storage`); only the person who asked for it, or an administrator, may download it,
and files older than
``EXPORT_RETENTION_DAYS`` (default 7) are deleted by the next export and by ``flask privacy purge``.

Tasks: ``exports.inputs`` (CSV/XLSX of all inputs), ``exports.process_json`` (backup of a whole
process), ``exports.process_import`` (a backup uploaded by an administrator), ``export.draft`` and
``export.report`` (DOCX, PDF or Markdown of a draft or a report, for the reviewer who asked) and
``export.report_public`` (the files of a published report that anyone may download: kept while the
report is published, deleted when it is taken down, made again when it is published again).
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.config import setting
from hearing.content import page_lang
from hearing.core.errors import DomainError
from hearing.core.text import slugify
from hearing.exports import backup, services, storage
from hearing.jobs import JobError, enqueue, on_give_up, task
from hearing.models import (
    Draft,
    ExportFile,
    HearingReport,
    Job,
    JobStatus,
    Process,
    ReportVersion,
    Role,
    User,
    utcnow,
)

INPUTS = "exports.inputs"
BACKUP = "exports.process_json"
IMPORT = "exports.process_import"
DRAFT = "export.draft"
REPORT = "export.report"
PUBLIC_REPORT = "export.report_public"
#: The yearly revision report of an adopted plan (DOCX or PDF): :mod:`hearing.followup.revision`.
REVISION = "export.revision"
#: Jobs whose file may be downloaded by the person who asked (an uploaded backup may not).
DOWNLOADABLE = (INPUTS, BACKUP, DRAFT, REPORT, REVISION)
KINDS = (INPUTS, BACKUP, IMPORT, DRAFT, REPORT, REVISION)
FORMATS = {"csv": services.CSV_MIMETYPE, "xlsx": services.XLSX_MIMETYPE}


def _builders():
    """The draft and report builders: imported when used, as their packages' views import the export views."""
    from hearing.documents import drafts as draft_exports
    from hearing.documents import reports as report_exports

    return draft_exports, report_exports


def document_formats() -> dict[str, tuple[str, str]]:
    """DOCX, PDF and Markdown of drafts and reports: format -> (MIME type, file extension)."""
    return _builders()[0].FORMATS


class ExportError(DomainError):
    """A request that cannot be served; the message (lazy, in the reader's language) is shown as it is."""


def retention_days() -> int:
    return int(setting("EXPORT_RETENTION_DAYS"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "prosess"


def file_name(prefix: str, process: Process, ext: str) -> str:
    """``<prefix>-<process>-<date>.<ext>``; ``prefix`` is a word in the file's language ("innspill", "inputs")."""
    word = slugify(str(prefix)) or "fil"
    return f"{word}-{_slug(process.slug)}-{utcnow().astimezone(services.LOCAL):%Y-%m-%d}.{ext}"


# --- requests (the caller commits) -------------------------------------------------------------


def request_inputs_export(
    session: Session, actor: User, process: Process, fmt: str, *, include_original: bool = False,
    lang: str | None = None,
) -> Job:
    """Queue a CSV or XLSX of all inputs; the original text only for administrators (audited).

    ``lang``: the language the file's headers and words are written in (default: the page's language)."""
    if fmt not in FORMATS:
        raise ExportError(_l("Velg CSV eller Excel."))
    if include_original and actor.role != Role.ADMIN:
        raise ExportError(_l("Bare administratorer kan ta med originalteksten."))
    job = enqueue(
        session,
        INPUTS,
        {"process_id": process.id, "format": fmt, "include_original": include_original,
         "lang": lang or page_lang()},
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
        raise ExportError(_l("Bare administratorer kan ta sikkerhetskopi av en prosess."))
    # "lang": the file is named in the language of the page that asked (#22), as the other downloads are
    job = enqueue(session, BACKUP, {"process_id": process.id, "lang": page_lang()}, created_by=actor)
    audit.record(session, actor, "export.process_backup", process, job_id=job.id)
    return job


#: A backup up to this size (on disk, compressed or not) is checked row by row before its job is queued (a
#: second or so; read as a stream, never whole); a larger one is checked by its head here and row by row by
#: the job, before it stores anything (a request never parses a large upload).
CHECK_WHOLE_BYTES = 2 * 1024 * 1024


def request_import(session: Session, actor: User, path, filename: str) -> Job:
    """Check an uploaded backup (already written to ``path`` in the export folder) and queue its import;
    :class:`backup.BackupError` when it is not importable (the caller removes the file then)."""
    from pathlib import Path

    if actor.role != Role.ADMIN:
        raise ExportError(_l("Bare administratorer kan importere en prosess."))
    path = Path(path)
    size = path.stat().st_size
    if size <= CHECK_WHOLE_BYTES:
        data, _counts = backup.check_stream(session, backup.events(path))
        head = {"process_uid": data["process_uid"], "process_name": str(data.get("process_name", ""))}
    else:
        head = backup.peek(path)
    backup.check_importable(session, head)
    job = enqueue(
        session,
        IMPORT,
        {"process_uid": head["process_uid"], "process_name": head["process_name"][:200]},
        created_by=actor,
    )
    with path.open("rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
    session.add(
        ExportFile(
            job_id=job.id,
            filename=(filename or "prosess.json.gz")[-255:],
            mimetype=backup.GZIP_MIMETYPE if compressed else backup.MIMETYPE,
            size=size,
            data=None,
            storage_name=path.name,
            created_by_id=actor.id,
        )
    )
    audit.record(
        session,
        actor,
        "process.import_request",
        None,
        job_id=job.id,
        uid=head["process_uid"],
        filename=filename,
        size=size,
    )
    return job


def request_document(session: Session, actor: User, obj: Draft | HearingReport, fmt: str) -> Job:
    """Queue the DOCX, PDF or Markdown of a draft or a report for ``actor`` (only they may download it)."""
    if fmt not in document_formats():
        raise ExportError(_l("Velg Word, PDF eller Markdown."))
    kind, key = (DRAFT, "draft_id") if isinstance(obj, Draft) else (REPORT, "report_id")
    payload = {key: obj.id, "fmt": fmt, "process_id": obj.process_id, "title": obj.title[:200], "lang": page_lang()}
    return enqueue(session, kind, payload, created_by=actor)


# --- the public files of a published report (the caller commits) -------------------------------


def publish_report_files(session: Session, report: HearingReport, actor: User | None = None, *,
                         version: ReportVersion | None = None, langs: tuple[str, ...] | None = None) -> list[Job]:
    """Make the public files of a version of a published report (its newest when none is given), in ``langs``.

    The version's old files go at once; a job per format and language makes new ones from the stored version.
    Without ``langs``: every language the version is stored in that REPORT_FILE_LANGUAGES names (all of
    them by default), the default language first, so that a reader in any language finds the files ready.
    """
    version = version or _latest_version(session, report)
    if version is None:
        return []
    storage.delete_where(session, ExportFile.report_version_id == version.id)
    if langs is None:
        langs = report_file_languages(version)
    return [_queue_public_file(session, report, version, fmt, lang, actor) for lang in langs for fmt in document_formats()]


def report_file_languages(version: ReportVersion) -> tuple[str, ...]:
    """The languages a version's public files are made in when it is published (others when asked for)."""
    wanted = setting("REPORT_FILE_LANGUAGES") or setting("LANGUAGES")
    default = setting("BABEL_DEFAULT_LOCALE")
    stored = [lang for lang in (version.snapshot or {}) if lang in wanted] or ["nb"]
    return tuple(sorted(stored, key=lambda lang: (lang != default, wanted.index(lang) if lang in wanted else 99)))


def _queue_public_file(session: Session, report: HearingReport, version: ReportVersion, fmt: str, lang: str,
                       actor: User | None = None) -> Job:
    return enqueue(
        session,
        PUBLIC_REPORT,
        {"report_id": report.id, "version_id": version.id, "fmt": fmt, "lang": lang, "process_id": report.process_id},
        created_by=actor,
    )


def _latest_version(session: Session, report: HearingReport) -> ReportVersion | None:
    return session.scalar(sa.select(ReportVersion).where(ReportVersion.report_id == report.id)
                          .order_by(ReportVersion.number.desc()).limit(1))


def delete_report_files(session: Session, report: HearingReport) -> int:
    """Take the public files of a report away (it is unpublished)."""
    return storage.delete_where(session, ExportFile.public_report_id == report.id)


def drop_files_of_process(session: Session, process_id: int) -> int:
    """Delete the staff's stored exports of a process (inputs, backups, drafts, reports): a response was
    deleted or purged, and a file made before must not keep its text for EXPORT_RETENTION_DAYS. Published
    reports' public files are made anew by the reporting service instead; a hearing's public files (published
    set, document) when next asked for. Returns how many were deleted."""
    from hearing.exports import public_files

    jobs = sa.select(Job.id).where(Job.kind.in_(DOWNLOADABLE))
    return storage.delete_where(
        session, ExportFile.process_id == process_id, ExportFile.public_report_id.is_(None), ExportFile.job_id.in_(jobs),
    ) + public_files.drop_files_of_process(session, process_id)


def public_report_file(session: Session, report: HearingReport, fmt: str, *, version: ReportVersion | None = None,
                       lang: str = "nb") -> ExportFile | None:
    """The public file of a version of a published report in ``fmt`` and ``lang``; None while it is being made.

    A file nobody has asked for yet (another language, or a report published before versions) gets its job
    queued here, once; the file is never made inside the request. The caller commits.
    """
    formats = document_formats()
    if not report.is_published or fmt not in formats:
        return None
    version = version or _latest_version(session, report)
    if version is None:
        return None
    stored = session.scalar(
        sa.select(ExportFile)
        .where(ExportFile.report_version_id == version.id, ExportFile.mimetype == formats[fmt][0],
               ExportFile.lang == lang)
        .order_by(ExportFile.id.desc())
        .limit(1)
    )
    if stored is None and not _public_jobs(session, version, fmt, lang):
        _queue_public_file(session, report, version, fmt, lang)
    return stored


def _public_jobs(session: Session, version: ReportVersion, fmt: str, lang: str) -> list[Job]:
    """Jobs for this file not yet finished or failed (a failed one may be asked for again)."""
    query = (sa.select(Job).where(Job.kind == PUBLIC_REPORT, Job.created_dt >= version.published_dt)
             .order_by(Job.id.desc()))
    return [j for j in session.scalars(query)
            if (j.payload or {}).get("version_id") == version.id and j.payload.get("fmt") == fmt
            and j.payload.get("lang", "nb") == lang and j.status != JobStatus.FAILED]


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
    """Delete export files (and unimported uploads) older than the retention period; returns how many.

    The public files of a published report stay as long as it is published.
    """
    cutoff = utcnow() - timedelta(days=days if days is not None else retention_days())
    published = sa.select(HearingReport.id).where(HearingReport.is_published.is_(True))
    return storage.delete_where(
        session,
        ExportFile.created_dt < cutoff,
        sa.or_(ExportFile.public_report_id.is_(None), ExportFile.public_report_id.not_in(published)),
    )


# --- tasks -------------------------------------------------------------------------------------


def _process(session: Session, job: Job) -> Process:
    process = session.get(Process, (job.payload or {}).get("process_id"))
    if process is None:
        raise JobError(_l("Prosessen finnes ikke lenger."))
    return process


def _keep(
    session: Session,
    job: Job,
    process: Process | None,
    filename: str,
    mimetype: str,
    data: bytes | None,
    *,
    public_report_id: int | None = None,
    storage_name: str | None = None,
) -> ExportFile:
    """List a made file: ``data`` is written to the upload volume, or ``storage_name`` is a file there already."""
    purge_expired_files(session)
    if storage_name is None:
        storage_name, size = storage.write(data or b"")
    else:
        size = (storage.folder() / storage_name).stat().st_size
    stored = ExportFile(
        job_id=job.id,
        process_id=process.id if process else None,
        public_report_id=public_report_id,
        filename=filename,
        mimetype=mimetype,
        size=size,
        data=None,
        storage_name=storage_name,
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
    progress(5, _l("Henter innspillene"))
    # in the language of the page that asked (older jobs: bokmål)
    with force_locale((job.payload or {}).get("lang") or "nb"):
        table = services.input_rows(session, process, include_original=include_original, progress=progress)
        progress(75, _l("Skriver filen"))
        if fmt == "xlsx":
            data = services.to_xlsx(table.headers, table.rows)
        else:
            data = services.to_csv(table.headers, table.rows)
    stored = _keep(
        session, job, process, file_name(_("innspill"), process, fmt), FORMATS.get(fmt, FORMATS["csv"]), data
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
    name = storage.new_name()
    try:  # streamed: read from the database, compressed and written as it goes
        counts = backup.write_gzip(
            session, process, storage.folder() / name, upload_folder=setting("UPLOAD_FOLDER"),
            progress=progress,
        )
        with force_locale((job.payload or {}).get("lang") or "nb"):  # older jobs: bokmål
            named = file_name(_("prosess"), process, "json.gz")
        stored = _keep(session, job, process, named, backup.GZIP_MIMETYPE, None, storage_name=name)
        session.commit()
    except BaseException:
        storage.remove_files([name])
        raise
    return {"filename": stored.filename, "size": stored.size, "counts": counts}


@task(IMPORT)
def import_task(session: Session, job: Job, progress) -> dict:
    """Restore an uploaded backup a batch per commit into a process nobody sees until it is complete (see
    :func:`backup.import_events`): progress and the heartbeat are stored between batches on SQLite too. A job
    started again after its worker stopped first deletes what the stopped one had put in; a failed restore
    deletes its half-restored process: all or nothing, never twice."""
    upload = file_of(session, job)
    if upload is None:
        raise JobError(_l("Den opplastede filen er borte (slettet etter lagringstiden). Last den opp på nytt."))
    actor = session.get(User, job.created_by_id) if job.created_by_id else None
    folder = setting("UPLOAD_FOLDER")
    mark_wait = float(setting("PROCESS_RESTORE_CHECK_SECONDS"))
    job_id = job.id
    if left := backup.discard_restore(session, job_id, upload_folder=folder):  # a stopped worker's batches
        audit.record(session, actor, "process.import_discarded", None, job_id=job_id, reason="restarted",
                     deleted=left)
        session.commit()
    try:
        path = storage.path_of(upload)
        counts: dict = {}
        if path is not None:  # read as a stream (a row at a time), never whole
            process = backup.import_path(session, actor, path, upload_folder=folder, progress=progress,
                                         counts=counts, restoring_job_id=job_id, mark_wait=mark_wait)
        else:  # an upload kept in the database by an older version
            data = backup.loads(upload.data or b"")
            counts.update(data.get("counts") or {})
            backup.validate(data)
            process = backup.import_events(session, actor, lambda: backup.events_of(data), upload_folder=folder,
                                           progress=progress, restoring_job_id=job_id, mark_wait=mark_wait)
        name = upload.storage_name
        session.delete(upload)  # the uploaded copy holds personal data; the process is in place now
        session.commit()
    except Exception as exc:
        session.rollback()
        _discard_failed_restore(session, job_id, actor, folder, exc)
        if isinstance(exc, backup.BackupError):
            raise JobError(str(exc)) from exc
        if isinstance(exc, sa.exc.IntegrityError):
            raise JobError(
                _l("Importen stoppet på en konflikt i databasen, trolig fordi den samme prosessen ble importert "
                   "samtidig. Se om prosessen finnes nå før du prøver igjen.")
            ) from exc
        raise
    storage.remove_files([name])
    return {"process_id": process.id, "process_name": process.name, "counts": counts}


def _discard_failed_restore(session: Session, job_id: int, actor: User | None, folder: str | None,
                            exc: Exception) -> None:
    """Delete what a failed restore had committed (audited when there was something)."""
    try:
        if left := backup.discard_restore(session, job_id, upload_folder=folder):
            audit.record(session, actor, "process.import_discarded", None, job_id=job_id, reason="failed",
                         error=type(exc).__name__, deleted=left)
        session.commit()
    except Exception:  # the database is gone too: the next start of the job, or giving it up, cleans up
        session.rollback()
        import logging

        logging.getLogger(__name__).exception("could not remove the half-restored process of job %s", job_id)


@on_give_up(IMPORT)
def give_up_import(session: Session, job: Job) -> None:
    """A worker stopped too often in this restore: delete the half-restored process it left (flushes only)."""
    actor = session.get(User, job.created_by_id) if job.created_by_id else None
    if left := backup.discard_restore(session, job.id, upload_folder=setting("UPLOAD_FOLDER")):
        audit.record(session, actor, "process.import_discarded", None, job_id=job.id, reason="given_up",
                     deleted=left)


def _document(session: Session, job: Job, obj: Draft | HearingReport, progress) -> ExportFile:
    """Render the draft or report in the job's format and keep the file. A report is written in the language
    of the page that asked (``payload["lang"]``; older jobs: bokmål); so are a draft's headings and table headers,
    while the draft's own text stays as written, tagged with its language."""
    draft_exports, report_exports = _builders()
    fmt = (job.payload or {}).get("fmt")
    if fmt not in draft_exports.FORMATS:
        raise JobError(_l("Ukjent filformat."))
    # older jobs have no language: a draft then comes in its own language, a report in bokmål
    lang = (job.payload or {}).get("lang") or (obj.process.language if isinstance(obj, Draft) else None) or "nb"
    progress(10, _l("Lager filen"))
    with force_locale(lang):
        if isinstance(obj, Draft):
            data, name = draft_exports.render(obj, fmt, lang=lang), draft_exports.file_name(obj, fmt)
        else:
            view = report_exports.build_report(session, obj, lang=lang)
            data, name = report_exports.render(view, fmt, lang=lang), report_exports.file_name(view, fmt, lang=lang)
    progress(90, _l("Lagrer filen"))
    return _keep(
        session,
        job,
        session.get(Process, obj.process_id),
        name,
        draft_exports.FORMATS[fmt][0],
        data,
        public_report_id=obj.id if job.kind == PUBLIC_REPORT else None,
    )


#: What a reviewer's document job is made from: kind -> (model, payload key, why it fails when it is gone).
_SOURCES = {
    DRAFT: (Draft, "draft_id", _l("Utkastet finnes ikke lenger.")),
    REPORT: (HearingReport, "report_id", _l("Tilbakemeldingen finnes ikke lenger.")),
}


@task(DRAFT)
@task(REPORT)
def document_task(session: Session, job: Job, progress) -> dict:
    model, key, gone = _SOURCES[job.kind]
    obj = session.get(model, (job.payload or {}).get(key))
    if obj is None:
        raise JobError(gone)
    stored = _document(session, job, obj, progress)
    session.commit()
    return {"filename": stored.filename, "size": stored.size}


@task(PUBLIC_REPORT)
def public_report_task(session: Session, job: Job, progress) -> dict:
    """A public file of a published report, made from its stored version in the payload's language."""
    payload = job.payload or {}
    report = session.get(HearingReport, payload.get("report_id"))
    if report is None or not report.is_published:
        return {"skipped": "Tilbakemeldingen er ikke publisert (lenger)."}
    version = session.get(ReportVersion, payload.get("version_id")) if payload.get("version_id") else None
    version = version or _latest_version(session, report)
    if version is None:
        return {"skipped": "Tilbakemeldingen har ingen publisert versjon."}
    _draft_exports, report_exports = _builders()
    from hearing.reporting.services import view_of

    fmt, lang = payload.get("fmt"), payload.get("lang") or "nb"
    if fmt not in report_exports.FORMATS:
        raise JobError(_l("Ukjent filformat."))
    progress(10, _l("Lager filen"))
    with force_locale(lang):
        view = view_of(version, lang)
        data, name = report_exports.render(view, fmt, lang=lang), report_exports.file_name(view, fmt, lang=lang)
    progress(90, _l("Lagrer filen"))
    stored = _keep(session, job, session.get(Process, report.process_id), name, report_exports.FORMATS[fmt][0], data,
                   public_report_id=report.id)
    stored.report_version_id, stored.lang = version.id, lang
    # the newest file of this version, format and language serves; older ones go
    storage.delete_where(
        session,
        ExportFile.report_version_id == version.id,
        ExportFile.mimetype == stored.mimetype,
        ExportFile.lang == lang,
        ExportFile.id != stored.id,
    )
    session.commit()
    return {"filename": stored.filename, "size": stored.size, "version": version.number, "lang": lang}


@task(REVISION)
def revision_task(session: Session, job: Job, progress) -> dict:
    from hearing.documents import revisions as revision_files
    from hearing.followup import revision
    from hearing.models import Plan

    payload = job.payload or {}
    plan = session.get(Plan, payload.get("plan_id"))
    if plan is None:
        raise JobError(_l("Planen finnes ikke lenger."))
    if payload.get("fmt") not in revision_files.FORMATS:
        raise JobError(_l("Ukjent filformat."))
    lang = payload.get("lang") or "nb"  # the language of the page that asked (older jobs: bokmål)
    progress(10, _l("Lager filen"))
    with force_locale(lang):
        view = revision.revision_view(session, plan, int(payload.get("year")))
        data = revision_files.render(view, payload["fmt"], lang=lang)
        name = revision_files.file_name(view, payload["fmt"])
    progress(90, _l("Lagrer filen"))
    stored = _keep(session, job, session.get(Process, plan.process_id), name, revision_files.FORMATS[payload["fmt"]][0], data)
    session.commit()
    return {"filename": stored.filename, "size": stored.size}
