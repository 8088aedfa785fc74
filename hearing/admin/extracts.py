"""The masked text of an attachment, read out by a background job (``attachments.extract``).

A PDF of 200 pages takes pypdf many seconds: never inside a request. The job writes the masked text
beside the attachment (``<storage name>.masked.json``, removed with the attachment); the page shows
the stored progress until it is there. One job per attachment at a time.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing.jobs import JobError, enqueue, task
from hearing.models import Attachment, Job, JobStatus
from hearing.privacy.records import EXTRACT_SUFFIX

EXTRACT = "attachments.extract"


def _path(att: Attachment) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / att.storage_name


def stored_extract(att: Attachment) -> dict | None:
    """{"text", "is_cut"} or {"problem"} when the job has read the attachment, else None."""
    path = _path(att)
    cached = path.with_name(path.name + EXTRACT_SUFFIX)
    if not cached.is_file():
        return None
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def extract_job(session: Session, att: Attachment, actor=None, *, again: bool = False) -> Job:
    """The job reading ``att`` that is waiting, running or failed (a failure is shown, and only tried
    ``again`` when asked), or a new one (the caller commits)."""
    jobs = session.scalars(sa.select(Job).where(Job.kind == EXTRACT, Job.status.in_(
        (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED))).order_by(Job.id.desc()).limit(200))
    for job in jobs:
        if (job.payload or {}).get("attachment_id") == att.id:
            if job.status != JobStatus.FAILED or not again:
                return job
            break
    return enqueue(session, EXTRACT, {"attachment_id": att.id, "process_id": att.submission.activity.process_id},
                   created_by=actor)


@task(EXTRACT)
def extract_task(session: Session, job: Job, progress) -> dict:
    from hearing.privacy.extract import ExtractError, masked_text

    att = session.get(Attachment, (job.payload or {}).get("attachment_id"))
    if att is None or not _path(att).is_file():
        raise JobError(_l("Vedlegget finnes ikke lenger."))
    progress(10, _l("Leser teksten i vedlegget"))
    try:
        extract = masked_text(_path(att).read_bytes(), att.content_type)
        data = {"text": extract.text, "is_cut": extract.is_cut}
    except ExtractError as exc:
        data = {"problem": exc.reason}
    path = _path(att)
    partial = path.with_name(path.name + EXTRACT_SUFFIX + ".part")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path.with_name(path.name + EXTRACT_SUFFIX))
    return {"attachment_id": att.id, "chars": len(data.get("text", ""))}
