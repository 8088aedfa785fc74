"""Public files of a hearing, made in the background: its published set (CSV/XLSX) and its document (PDF).

A reader asks for a file by its link (``/delta/N/svar.xlsx?…``, ``/delta/N/dokument.pdf``). The view calls
:func:`find_or_queue`:

- a kept file whose key matches what the hearing shows *now* is served at once;
- else the job already making that file is reused (a second click starts nothing), or one job is queued;
  the reader sees its progress on a page and gets the link when it is done.

The key of a file is "<fingerprint>-<variant>". The fingerprint changes whenever the content would (an answer
approved, hidden, redacted, edited, withdrawn or deleted; the document or its title edited), so a stale file
is never served and the next request makes a new one; the variant is the format, the page's filters and, for
the reader's language (headers and words of the export, headings of the PDF). Keeping a new file deletes the stale files of the hearing. Only approved,
masked content goes into these files: the published set comes from :mod:`hearing.reporting.published`.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing.exports import services, storage
from hearing.jobs import JobError, enqueue, task
from hearing.models import Activity, ExportFile, Input, Job, JobStatus, Submission, utcnow

PUBLISHED_SET = "export.published_set"
DOCUMENT = "export.hearing_document"
KINDS = (PUBLISHED_SET, DOCUMENT)
PDF_MIMETYPE = "application/pdf"
MIMETYPES = {"csv": services.CSV_MIMETYPE, "xlsx": services.XLSX_MIMETYPE, "pdf": PDF_MIMETYPE}


class Busy(Exception):
    """Too many public files are being made; the reader tries again later."""


def _hash(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def variant_of(kind: str, fmt: str, filters: dict | None = None, lang: str = "nb") -> str:
    clean = {k: v for k, v in sorted((filters or {}).items()) if v}
    return _hash(kind, fmt, clean, lang)


def fingerprint(session: Session, activity: Activity, kind: str) -> str:
    """What the file is made from, cheaply: changes whenever the file's content would."""
    if kind == DOCUMENT:
        doc = activity.document
        return _hash(activity.title, activity.closes_dt, activity.process.name, doc.title if doc else None,
                     [(s.level, s.number, s.title, s.body) for s in (doc.sections if doc else [])])
    from hearing.grouping import public_submissions

    subs = public_submissions(utcnow(), activity_id=activity.id).with_only_columns(Submission.id).subquery()
    public_text = sa.func.coalesce(Input.text_redacted, Input.text_masked)
    row = session.execute(
        sa.select(sa.func.count(sa.distinct(Submission.id)), sa.func.sum(Submission.id), sa.func.count(Input.id),
                  sa.func.sum(sa.func.length(public_text)), sa.func.max(Submission.moderated_dt),
                  sa.func.max(Submission.updated_dt), sa.func.max(Input.updated_dt),
                  sa.func.sum(sa.func.length(sa.func.coalesce(Submission.respondent_name, ""))),
                  sa.func.sum(Submission.group_id))
        .select_from(Submission).join(subs, subs.c.id == Submission.id)
        .outerjoin(Input, Input.submission_id == Submission.id)
    ).one()
    groups = [(g.id, g.name) for g in activity.process.groups]
    return _hash(list(row), groups, activity.title)


def _pending(session: Session, activity: Activity, kind: str, variant: str) -> Job | None:
    query = (sa.select(Job).where(Job.kind == kind, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
             .order_by(Job.id.desc()))
    return next((j for j in session.scalars(query)
                 if (j.payload or {}).get("activity_id") == activity.id and j.payload.get("variant") == variant), None)


def current_file(session: Session, activity: Activity, kind: str, variant: str) -> ExportFile | None:
    """The kept file of this variant made from what the hearing shows now; None when there is none."""
    key = f"{fingerprint(session, activity, kind)}-{variant}"
    return session.scalar(sa.select(ExportFile).where(ExportFile.public_activity_id == activity.id,
                                                      ExportFile.content_key == key)
                          .order_by(ExportFile.id.desc()).limit(1))


def find_or_queue(session: Session, activity: Activity, kind: str, fmt: str, *, filters: dict | None = None,
                  lang: str = "nb") -> tuple[ExportFile | None, Job | None]:
    """(the current file, None) or (None, the job making it: an unfinished one reused, else a new one).

    :class:`Busy` when too many public files wait; the caller commits.
    """
    variant = variant_of(kind, fmt, filters, lang)
    stored = current_file(session, activity, kind, variant)
    if stored is not None:
        return stored, None
    job = _pending(session, activity, kind, variant)
    if job is None:
        if any(v for v in (filters or {}).values()):
            _check_room(session, activity)
        job = enqueue(session, kind, {"activity_id": activity.id, "process_id": activity.process_id, "fmt": fmt,
                                      "filters": {k: v for k, v in (filters or {}).items() if v}, "lang": lang,
                                      "variant": variant})
    return None, job


def _check_room(session: Session, activity: Activity) -> None:
    """Raise :class:`Busy` when this hearing, or all hearings together, have too many filtered files waiting.

    A flood of different searches on one hearing must not fill the queue nor keep another hearing's readers
    waiting (settings PUBLIC_FILE_JOBS_PER_HEARING and PUBLIC_FILE_JOBS_WAITING). The whole published set and
    the hearing document are never refused: there are a few of them per hearing (a format and a language
    each), and a second click reuses the job already making one.
    """
    per_hearing = current_app.config["PUBLIC_FILE_JOBS_PER_HEARING"]
    overall = current_app.config["PUBLIC_FILE_JOBS_WAITING"]
    payloads = session.scalars(sa.select(Job.payload).where(
        Job.kind.in_(KINDS), Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))).all()
    filtered = [p or {} for p in payloads if (p or {}).get("filters")]
    if (len(filtered) >= overall
            or sum(1 for p in filtered if p.get("activity_id") == activity.id) >= per_hearing):
        raise Busy


def drop_stale(session: Session, activity_id: int, keep_fingerprints: dict[str, str]) -> int:
    """Delete the hearing's public files made from content it no longer shows."""
    stale = [f for f in session.scalars(sa.select(ExportFile).where(ExportFile.public_activity_id == activity_id))
             if not any((f.content_key or "").startswith(fp + "-") and (f.job and f.job.kind == kind)
                        for kind, fp in keep_fingerprints.items())]
    if not stale:
        return 0
    return storage.delete_where(session, ExportFile.id.in_([f.id for f in stale]))


def drop_published_set(session: Session, activity_id: int) -> int:
    """Delete the hearing's published-set files at once (an answer was hidden or redacted: no file may keep it)."""
    jobs = sa.select(Job.id).where(Job.kind == PUBLISHED_SET)
    return storage.delete_where(session, ExportFile.public_activity_id == activity_id, ExportFile.job_id.in_(jobs))


def drop_files_of_process(session: Session, process_id: int) -> int:
    """Delete every public hearing file of a process (a response was deleted or purged; made anew when asked)."""
    activities = sa.select(Activity.id).where(Activity.process_id == process_id)
    return storage.delete_where(session, ExportFile.public_activity_id.in_(activities))


# --- tasks -------------------------------------------------------------------------------------


def _activity(session: Session, job: Job) -> Activity:
    from hearing.reporting.published import published_activity

    activity = published_activity(session, (job.payload or {}).get("activity_id"))
    if activity is None:
        raise JobError(_l("Høringen er ikke offentlig (lenger)."))
    return activity


def _keep(session: Session, job: Job, activity: Activity, kind: str, fp: str, filename: str, data: bytes) -> ExportFile:
    name, size = storage.write(data)
    stored = ExportFile(job_id=job.id, process_id=activity.process_id, public_activity_id=activity.id,
                        content_key=f"{fp}-{job.payload['variant']}", filename=filename,
                        mimetype=MIMETYPES[job.payload["fmt"]], size=size, data=None, storage_name=name,
                        lang=job.payload.get("lang"))
    session.add(stored)
    session.flush()
    # files of this hearing made from content it no longer shows go now
    other = DOCUMENT if kind == PUBLISHED_SET else PUBLISHED_SET
    drop_stale(session, activity.id, {kind: fp, other: fingerprint(session, activity, other)})
    return stored


def _in_request(lang: str):
    """A request context on the site's address: templates and links are built as for a reader."""
    from hearing.links import DEVELOPMENT_URL

    return current_app.test_request_context(base_url=current_app.config.get("BASE_URL") or DEVELOPMENT_URL,
                                            headers={"Accept-Language": lang})


@task(PUBLISHED_SET)
def published_set_task(session: Session, job: Job, progress) -> dict:
    from hearing.core.text import slugify
    from hearing.links import external_url
    from hearing.reporting import published as pub

    activity = _activity(session, job)
    fmt, filters = job.payload.get("fmt"), dict(job.payload.get("filters") or {})
    if fmt not in ("csv", "xlsx"):
        raise JobError(_l("Ukjent filformat."))
    fp = fingerprint(session, activity, PUBLISHED_SET)  # before reading: a change while it runs makes it stale
    progress(10, _l("Henter de publiserte svarene"))
    with force_locale(job.payload.get("lang") or "nb"):
        rows = pub.export_rows(session, activity,
                               lambda ref: external_url("participation.published_one", activity_id=activity.id,
                                                        reference=ref), **filters)
        progress(60, _l("Skriver filen"))
        headers = [str(h) for h in pub.EXPORT_HEADERS]
        data = (services.to_xlsx(headers, rows, title=str(_l("Svar"))) if fmt == "xlsx"
                else services.to_csv(headers, rows))
        what = slugify(str(_l("publiserte svar")))  # in the file's language
        name = (slugify(activity.title)[:60].strip("-") or "svar") + f"-{what}.{fmt}"
    stored = _keep(session, job, activity, PUBLISHED_SET, fp, name, data)
    session.commit()
    return {"filename": stored.filename, "size": stored.size, "rows": len(rows)}


@task(DOCUMENT)
def document_task(session: Session, job: Job, progress) -> dict:
    from flask import render_template
    from weasyprint import HTML

    from hearing.core.text import slugify

    activity = _activity(session, job)
    document = activity.document
    if document is None:
        raise JobError(_l("Høringen har ikke noe dokument."))
    fp = fingerprint(session, activity, DOCUMENT)
    lang = job.payload.get("lang") or "nb"
    progress(10, _l("Lager PDF-en"))
    with _in_request(lang) as ctx, force_locale(lang):
        html = render_template("participation/document_pdf.html", activity=activity, document=document)
        data = HTML(string=html, base_url=ctx.request.url_root).write_pdf(pdf_variant="pdf/ua-1")
    progress(90, _l("Lagrer filen"))
    name = (slugify(document.title)[:80].strip("-") or "hoeringsdokument") + ".pdf"
    stored = _keep(session, job, activity, DOCUMENT, fp, name, data)
    session.commit()
    return {"filename": stored.filename, "size": stored.size}
