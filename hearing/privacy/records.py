"""Retention, a person's own data, and deletion. Plain functions on a session (no Flask inside)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.signals import responses_changed
from hearing.models import Activity, ArchiveMessage, Attachment, Input, Process, Submission, utcnow


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_deadline(process: Process) -> date | None:
    """The day personal data is to be deleted: end date plus the retention period."""
    return add_months(process.end_date, process.retention_months) if process.end_date else None


def _remove_files(folder: str, attachments: list[Attachment]) -> int:
    removed = 0
    for att in attachments:
        path = Path(folder) / att.storage_name
        if path.is_file():
            path.unlink()
            removed += 1
        path.with_name(path.name + EXTRACT_SUFFIX).unlink(missing_ok=True)  # its masked text (hearing.admin.extracts)
    return removed


#: Beside an attachment: its masked text, made by the ``attachments.extract`` job.
EXTRACT_SUFFIX = ".masked.json"


@dataclass
class PurgeReport:
    processes: list[str] = field(default_factory=list)
    submissions: int = 0
    inputs: int = 0
    attachments: int = 0

    def __str__(self) -> str:
        if not self.processes:
            return "Ingen prosesser har passert lagringstiden."
        return (f"Slettet personopplysninger i {len(self.processes)} prosess(er) ({', '.join(self.processes)}): "
                f"{self.submissions} svar, {self.inputs} innspill fikk bare maskert tekst, {self.attachments} vedlegg slettet.")


def purge_expired(session: Session, upload_folder: str, *, today: date | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete names, contact details, attachments and unmasked text of processes past retention.

    Masked text, groups, answers and counts stay, so statistics and the report back still work.
    """
    today = today or utcnow().date()
    report = PurgeReport()
    for process in session.scalars(sa.select(Process).where(Process.end_date.is_not(None))):
        deadline = retention_deadline(process)
        if deadline is None or deadline > today:
            continue
        activity_ids = sa.select(Activity.id).where(Activity.process_id == process.id)
        subs = session.scalars(sa.select(Submission).where(Submission.activity_id.in_(activity_ids), Submission.purged_dt.is_(None))).all()
        inputs = session.scalars(sa.select(Input).where(Input.activity_id.in_(activity_ids), Input.text != Input.text_masked)).all()
        if not subs and not inputs:
            continue
        report.processes.append(process.name)
        report.submissions += len(subs)
        report.inputs += len(inputs)
        if dry_run:
            report.attachments += sum(len(s.attachments) for s in subs)
            continue
        now = utcnow()
        for sub in subs:
            report.attachments += _remove_files(upload_folder, sub.attachments)
            sub.attachments.clear()
            sub.respondent_name = sub.respondent_email = None
            sub.purged_dt = now
        for inp in inputs:
            inp.text = inp.text_masked
        process.purged_dt = now
        # archive packages carry names and original texts; once filed, the archive keeps the record
        session.execute(sa.update(ArchiveMessage).where(ArchiveMessage.process_id == process.id)
                        .values(data=None, size=0))
        audit.record(session, None, "privacy.purge", process, submissions=len(subs), inputs=len(inputs))
        _refresh_reports(session, process.id)
    return report


def export_submission(submission: Submission) -> dict[str, Any]:
    """Everything stored about one response, for the respondent."""
    def iso(value: date | datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "referanse": submission.reference,
        "aktivitet": submission.activity.title,
        "prosess": submission.activity.process.name,
        "mottatt": iso(submission.submitted_dt),
        "endret": iso(submission.updated_dt),
        "trukket": iso(submission.withdrawn_dt),
        "for_sent": submission.is_late,
        "navn": submission.respondent_name,
        "epost": submission.respondent_email,
        "paa_vegne_av": submission.on_behalf_of,
        "motedato": iso(submission.meeting_date),
        "saksnummer": submission.case_reference,
        "publisering": submission.consent,
        "gruppe": submission.group.name if submission.group else None,
        "innspill": [
            {"avsnitt": i.section.title if i.section else None, "sporsmal": i.prompt.text if i.prompt else None,
             "tekst": i.text, "sted": i.place_name, "spraak": i.lang}
            for i in submission.inputs
        ],
        "svar": [{"sporsmal": a.prompt.text, "vurdering": a.rating, "valg": a.choices} for a in submission.answers],
        "vedlegg": [{"filnavn": a.filename, "type": a.content_type, "bytes": a.size, "sha256": a.sha256} for a in submission.attachments],
    }


def delete_submission(session: Session, actor, submission: Submission, upload_folder: str, *, reason: str) -> None:
    """Delete a response with its inputs, answers and files; the audit trail keeps only the reference."""
    _remove_files(upload_folder, submission.attachments)
    process_id = submission.activity.process_id
    audit.record(session, actor, "submission.delete", submission, process_id=process_id, reference=submission.reference, reason=reason)
    for inp in list(submission.inputs):
        session.delete(inp)
    session.delete(submission)
    session.flush()
    _refresh_reports(session, process_id)


def _refresh_reports(session: Session, process_id: int) -> None:
    """Published reports' stored files are made anew without what was deleted or purged, and the staff's
    stored exports of the process, made before, are deleted (they could hold the deleted text)."""
    from hearing.exports.jobs import drop_files_of_process

    responses_changed.send(session, process_id=process_id)
    if dropped := drop_files_of_process(session, process_id):
        audit.record(session, None, "export.files_deleted", None, process_id=process_id, files=dropped,
                     reason="response deleted or purged")


def submissions_by_email(session: Session, email: str) -> list[Submission]:
    email = email.strip().lower()
    if not email:
        return []
    return list(session.scalars(sa.select(Submission).where(Submission.respondent_email == email).order_by(Submission.submitted_dt)))
