"""Filing responses in the Noark 5 archive: which responses, asking for messages, building and sending them.

Staff choose responses on the archive page; :func:`request_filing` stores a queued message for the
process's case folder (once) and one per chosen response, and queues the job ``archive.build``.
The worker builds each message (the response as PDF/A, its attachments, the arkivmelding checked
against the schema, all in a zip), stores it as "ready", and hands it to the configured transport
(:mod:`hearing.archive.transport`). A reference the archive returns is stored on the message and
on the submission. Plain functions that take a session; the caller commits (the task commits per
message, so one broken message does not undo the others).
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from hearing import audit
from hearing.archive import messages as m
from hearing.archive import pdfa, transport
from hearing.core.errors import ServiceError
from hearing.exports.backup import process_uid
from hearing.jobs import JobError, enqueue, storable, task
from hearing.models import (
    Activity,
    ActivityKind,
    ArchiveKind,
    ArchiveMessage,
    ArchiveStatus,
    Consent,
    Job,
    Process,
    Submission,
    utcnow,
)
from hearing.privacy import records

KIND = "archive.build"
#: Messages that count as filed or on their way (a new request does not make another).
LIVE = (ArchiveStatus.QUEUED, ArchiveStatus.READY, ArchiveStatus.SENT)


# --- what can be filed ---------------------------------------------------------------------------------


def fileable_query(process: Process) -> sa.Select:
    """Responses of the process the municipality files: hearing responses and formal statements on behalf
    of a body, not withdrawn, oldest first."""
    return (
        sa.select(Submission).join(Activity, Activity.id == Submission.activity_id)
        .where(Activity.process_id == process.id, Submission.is_withdrawn.is_(False),
               sa.or_(Activity.kind == ActivityKind.HEARING, Submission.on_behalf_of.is_not(None),
                      Submission.invitation_id.is_not(None)))
        .order_by(Submission.submitted_dt, Submission.id)
    )


def latest_messages(session: Session, process: Process) -> dict[int | None, ArchiveMessage]:
    """Submission id (None for the case folder) -> its newest message."""
    out: dict[int | None, ArchiveMessage] = {}
    for msg in session.scalars(sa.select(ArchiveMessage).where(ArchiveMessage.process_id == process.id)
                               .order_by(ArchiveMessage.id)):
        out[msg.submission_id] = msg
    return out


# --- asking for messages -----------------------------------------------------------------------------


def request_filing(session: Session, actor, process: Process, submission_ids: list[int]) -> Job | None:
    """Queue messages for the case folder (if it has none) and the chosen responses (those without a
    live message); returns the job, or None when everything chosen is filed or on its way already."""
    allowed = {s.id: s for s in session.scalars(fileable_query(process).where(Submission.id.in_(submission_ids or [-1])))}
    unknown = [i for i in submission_ids if i not in allowed]
    if unknown:
        raise ServiceError(_l("Noen av de valgte svarene kan ikke arkiveres (trukket tilbake eller fra en annen prosess)."))
    latest = latest_messages(session, process)
    new: list[ArchiveMessage] = []
    if latest.get(None) is None or latest[None].status not in LIVE:
        new.append(ArchiveMessage(process_id=process.id, kind=ArchiveKind.CASE_FOLDER, status=ArchiveStatus.QUEUED,
                                  created_by_id=getattr(actor, "id", None)))
    for sid in submission_ids:
        current = latest.get(sid)
        if current is not None and current.status in LIVE:
            continue
        new.append(ArchiveMessage(process_id=process.id, submission_id=sid, kind=ArchiveKind.REGISTRATION,
                                  status=ArchiveStatus.QUEUED, created_by_id=getattr(actor, "id", None)))
    if not any(msg.kind == ArchiveKind.REGISTRATION for msg in new):
        if not submission_ids:
            raise ServiceError(_l("Velg minst ett svar som skal arkiveres."))
        return None
    session.add_all(new)
    session.flush()
    job = enqueue(session, KIND, {"process_id": process.id, "message_ids": [msg.id for msg in new]}, created_by=actor)
    for msg in new:
        msg.job_id = job.id
    audit.record(session, actor, "archive.request", process, job_id=job.id,
                 submissions=[msg.submission_id for msg in new if msg.submission_id])
    return job


def set_reference(session: Session, actor, message: ArchiveMessage, reference: str) -> ArchiveMessage:
    """Store the archive's reference (typed by staff after filing a package by hand)."""
    reference = (reference or "").strip()
    if not reference:
        raise ServiceError(_l("Skriv arkivets referanse, for eksempel saksnummeret eller journalpostnummeret."))
    if len(reference) > 100:
        raise ServiceError(_l("Referansen kan være høyst 100 tegn."))
    if message.status not in (ArchiveStatus.READY, ArchiveStatus.SENT):
        raise ServiceError(_l("Meldingen er ikke laget ferdig ennå."))
    message.reference = reference
    if message.submission is not None:
        message.submission.archive_reference = reference
    audit.record(session, actor, "archive.reference", message, process_id=message.process_id, reference=reference)
    return message


# --- building ---------------------------------------------------------------------------------------


def _response_pdf(submission: Submission) -> bytes:
    """The response as received (original texts), as PDF/A-2b."""
    import weasyprint

    with force_locale("nb"):
        html = render_template("archive/response_pdf.html", data=records.export_submission(submission),
                               submission=submission)
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A and leaves closing it to the garbage collector
        warnings.simplefilter("ignore", ResourceWarning)
        return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-2b")


def _sender(submission: Submission) -> m.Sender:
    with_name = submission.consent == Consent.WITH_NAME
    if submission.on_behalf_of:
        # a body's statement is a formal record: the body is the sender, the person who signed its contact
        return m.Sender(name=submission.on_behalf_of, contact=submission.respondent_name or None,
                        email=submission.respondent_email, is_shielded=False, is_person=False,
                        their_reference=submission.case_reference)
    if submission.respondent_name:
        return m.Sender(name=submission.respondent_name, email=submission.respondent_email,
                        is_shielded=not with_name, is_person=True)
    return m.Sender(name="Anonym innsender", email=submission.respondent_email, is_shielded=True, is_person=False)


def case_folder_reference(session: Session, process: Process) -> str | None:
    """The archive's reference of the process's case folder (returned on sending or typed by staff), if known."""
    return session.scalar(
        sa.select(ArchiveMessage.reference)
        .where(ArchiveMessage.process_id == process.id, ArchiveMessage.kind == ArchiveKind.CASE_FOLDER,
               ArchiveMessage.reference.is_not(None), ArchiveMessage.reference != "")
        .order_by(ArchiveMessage.id.desc()).limit(1)
    )


def build_registration(session: Session, message: ArchiveMessage, *, upload_folder: str | None) -> tuple[bytes, str]:
    submission = message.submission
    process = message.process
    activity = submission.activity
    pdf = _response_pdf(submission)
    found = pdfa.problems(pdf)  # what can be checked here of PDF/A-2b (hearing.archive.pdfa says what cannot)
    if found:
        raise JobError(_l("PDF-en av %(reference)s oppfyller ikke PDF/A-2b: %(problems)s.",
                          reference=submission.reference, problems="; ".join(found)))
    main = m.File(title=f"Høringssvar {submission.reference}", filename=f"{submission.reference}.pdf",
                  package_name=m.safe_name(1, f"{submission.reference}.pdf", "pdf"), content=pdf,
                  mimetype="application/pdf", variant="A")
    attachments = []
    for number, att in enumerate(sorted(submission.attachments, key=lambda a: a.id), start=2):
        path = Path(upload_folder or "") / att.storage_name
        if not upload_folder or not path.is_file():
            raise JobError(_l("Vedlegget «%(name)s» til %(reference)s finnes ikke lenger på disken.",
                              name=att.filename, reference=submission.reference))
        attachments.append(m.File(title=f"Vedlegg: {att.filename}"[:300], filename=att.filename,
                                  package_name=m.safe_name(number, att.filename), content=path.read_bytes(),
                                  mimetype=att.content_type))
    sender = _sender(submission)
    who = sender.name if not sender.is_shielded else None
    kind = "Uttalelse" if submission.on_behalf_of else "Høringssvar"
    title = f"{kind} fra {sender.name} – {activity.title}"
    public_title = f"{kind} fra {who} – {activity.title}" if who else f"{kind} – {activity.title}"
    reg = m.Registration(
        title=title[:1000], public_title=public_title[:1000], received=submission.submitted_dt,
        document_date=(submission.meeting_date or submission.submitted_dt.date()), sender=sender,
        key=submission.reference, folder_key=process_uid(session, process), main=main, attachments=attachments,
        description=(f"{process.name}. Kommet for sent." if submission.is_late else process.name), created=utcnow(),
        folder_reference=m.FolderReference.parse(case_folder_reference(session, process)),
    )
    xml = m.registration(reg)
    m.validate(xml)
    return m.package(xml, [main, *attachments]), f"arkivmelding-{submission.reference}.zip"


def build_case_folder(session: Session, message: ArchiveMessage) -> tuple[bytes, str]:
    process = message.process
    folder = m.CaseFolder(
        title=process.name, public_title=process.name, key=process_uid(session, process),
        description=(process.description or None), case_date=process.start_date or process.created_dt.date(),
        unit=process.service_area or None, responsible=process.owner or None, keywords=("Høring", "Medvirkning"),
        created=utcnow(),
    )
    xml = m.case_folder(folder)
    m.validate(xml)
    return m.package(xml, []), f"arkivmelding-saksmappe-{process.slug}.zip"


def build(session: Session, message: ArchiveMessage, *, upload_folder: str | None) -> ArchiveMessage:
    if message.kind == ArchiveKind.CASE_FOLDER:
        data, filename = build_case_folder(session, message)
    else:
        data, filename = build_registration(session, message, upload_folder=upload_folder)
    message.data, message.filename, message.size = data, filename, len(data)
    message.sha256 = hashlib.sha256(data).hexdigest()
    message.status, message.error, message.built_dt = ArchiveStatus.READY, None, utcnow()
    return message


def send(session: Session, message: ArchiveMessage) -> ArchiveMessage:
    """Hand a ready message to the configured transport; a returned reference is stored."""
    name, send_fn = transport.configured()
    if send_fn is None:
        return message
    reference = send_fn(message, message.data)
    message.status, message.sent_dt, message.transport = ArchiveStatus.SENT, utcnow(), name
    if reference:
        message.reference = str(reference)[:100]
        if message.submission is not None:
            message.submission.archive_reference = message.reference
    audit.record(session, None, "archive.send", message, process_id=message.process_id, transport=name,
                 reference=message.reference)
    return message


@task(KIND)
def _build_task(session: Session, job: Job, progress) -> dict:
    ids = list(job.payload.get("message_ids") or [])
    upload_folder = current_app.config.get("UPLOAD_FOLDER")
    done = failed = sent = 0
    # the case folder first: the archive must know it before the registrations that point to it
    rows = session.scalars(sa.select(ArchiveMessage).where(ArchiveMessage.id.in_(ids or [-1]))
                           .options(selectinload(ArchiveMessage.submission))
                           .order_by(sa.case((ArchiveMessage.kind == ArchiveKind.CASE_FOLDER, 0), else_=1),
                                     ArchiveMessage.id)).all()
    for n, message in enumerate(rows):
        progress(5 + int(90 * n / max(1, len(rows))), _l("Lager arkivmelding %(n)d av %(total)d", n=n + 1, total=len(rows)))
        if message.status != ArchiveStatus.QUEUED:
            continue
        try:
            build(session, message, upload_folder=upload_folder)
            done += 1
        except (JobError, m.ArchiveMessageError) as exc:
            message.status, message.error = ArchiveStatus.FAILED, storable(exc.args[0] if exc.args else "", limit=2000)
            failed += 1
        session.commit()
        if message.status == ArchiveStatus.READY:
            try:
                send(session, message)
                sent += message.status == ArchiveStatus.SENT
            except transport.TransportError as exc:
                message.error = storable(_l("Sendingen feilet: %(error)s", error=str(exc)[:500]), limit=2000)
            session.commit()
    return {"built": done, "failed": failed, "sent": sent}


def download_allowed(message: ArchiveMessage) -> bool:
    return message.data is not None and message.status in (ArchiveStatus.READY, ArchiveStatus.SENT)
