"""Moderation before publication: staff approve, redact or hide each response before the public sees it.

Every decision is audited. A hidden response keeps its reason (in the response and the audit log); a
redaction is stored beside the original text (``Input.text_redacted``), never instead of it. Late
responses are never approved in bulk: each needs its own decision. Which responses the public then
sees is decided in one place, :func:`hearing.grouping.public_submissions`. No request inside.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.models import Activity, Attachment, Input, Moderation, Process, Submission, User, utcnow
from hearing.pagination import Page, paginate
from hearing.privacy import mask, mask_submission_fields
from hearing.privacy.checklist import CheckItem, check_list

__all__ = ["STATES", "ServiceError", "activities_of", "approve", "approve_many", "counts", "decide", "hide",
           "queue", "redact", "reopen", "review_of"]

#: Filters of the queue: state -> label.
STATES = {
    "pending": _l("Venter på avgjørelse"),
    "approved": _l("Godkjent"),
    "redacted": _l("Godkjent med sladding"),
    "hidden": _l("Skjult"),
    "all": _l("Alle"),
}
#: Longest reason for hiding.
MAX_REASON = 2000


def activities_of(session: Session, process: Process) -> list[tuple[Activity, Counter]]:
    """The process's activities that take responses, each with its responses counted by state (and late pending)."""
    rows = session.execute(
        sa.select(Submission.activity_id, Submission.moderation, Submission.is_late, sa.func.count(Submission.id))
        .join(Activity, Activity.id == Submission.activity_id)
        .where(Activity.process_id == process.id, Submission.is_withdrawn.is_(False))
        .group_by(Submission.activity_id, Submission.moderation, Submission.is_late)
    ).all()
    per: dict[int, Counter] = {}
    for activity_id, state, late, n in rows:
        c = per.setdefault(activity_id, Counter())
        c[state] += n
        c["total"] += n
        if late and state == Moderation.PENDING:
            c["late_pending"] += n
    return [(a, per.get(a.id, Counter())) for a in process.activities if a.kind != "workshop" or a.id in per]


def counts(session: Session, activity: Activity) -> Counter:
    out: Counter = Counter()
    for state, n in session.execute(
        sa.select(Submission.moderation, sa.func.count(Submission.id))
        .where(Submission.activity_id == activity.id, Submission.is_withdrawn.is_(False))
        .group_by(Submission.moderation)
    ):
        out[state] += n
        out["all"] += n
    return out


@dataclass
class Review:
    """A response as staff see it in the queue: masked texts, what the public would see, what to check."""

    submission: Submission
    #: Name or body the public would see beside it (masked; only with consent to publish with name).
    public_name: str | None
    #: (where, masked text, public text, input) per text of the response.
    texts: list[tuple[str | None, str, str, Input]]
    checks: list[CheckItem] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    #: The body a statement was sent on behalf of, and its case reference (masked).
    body: str | None = None
    case_reference: str | None = None

    @property
    def publishable(self) -> bool:
        return self.submission.consent != "not_published"


def _public_name(sub: Submission) -> str | None:
    """The name the public would see: the privacy package's one rule for typed fields."""
    return mask_submission_fields(sub, audience="public").attribution


def review_of(sub: Submission) -> Review:
    texts = []
    checks: list[CheckItem] = []
    for inp in sub.inputs:
        where = inp.section.title if inp.section else inp.prompt.text if inp.prompt else None
        texts.append((where, inp.text_masked, inp.public_text, inp))
        checks += [c for c in check_list(inp.text_masked) if c not in checks]
    for typed in (sub.respondent_name, sub.on_behalf_of, sub.case_reference):
        checks += [c for c in check_list(mask(typed or "")) if c.kind == "health" and c not in checks]
    reviewer = mask_submission_fields(sub, audience="reviewer")
    return Review(sub, _public_name(sub), texts, checks, list(sub.attachments),
                  body=reviewer.on_behalf_of, case_reference=reviewer.case_reference)


def queue(session: Session, activity: Activity, state: str = "pending", page: int = 1) -> Page:
    """One page of the activity's responses in ``state`` ("all" for every state), oldest first, as :class:`Review`."""
    q = (sa.select(Submission)
         .where(Submission.activity_id == activity.id, Submission.is_withdrawn.is_(False))
         .options(selectinload(Submission.inputs).selectinload(Input.section),
                  selectinload(Submission.inputs).selectinload(Input.prompt),
                  selectinload(Submission.attachments), selectinload(Submission.group))
         .order_by(Submission.submitted_dt, Submission.id))
    if state in {m.value for m in Moderation}:
        q = q.where(Submission.moderation == state)
    out = paginate(session, q, page)
    out.items = [review_of(s) for s in out.items]
    return out


def _decided(sub: Submission, actor: User | None, state: Moderation, reason: str = "") -> None:
    sub.moderation = state
    sub.moderation_reason = reason
    sub.moderated_by_id = getattr(actor, "id", None)
    sub.moderated_dt = utcnow()


def _drop_public_files(session: Session, sub: Submission) -> None:
    """A hidden, redacted or reopened response must not stay in a kept file of the published set."""
    from hearing.exports.public_files import drop_published_set

    drop_published_set(session, sub.activity_id)


def _attachments(sub: Submission, public_ids: set[int] | None) -> list[int]:
    """Mark the response's attachments public or not (None: leave them as they are); the ids made public."""
    if public_ids is None:
        return [a.id for a in sub.attachments if a.is_public]
    for att in sub.attachments:
        att.is_public = att.id in public_ids
    return [a.id for a in sub.attachments if a.is_public]


def _check_open(sub: Submission) -> None:
    if sub.is_withdrawn:
        raise ServiceError(_l("Svaret er trukket av avsenderen og kan ikke publiseres."))


def approve(session: Session, actor: User | None, sub: Submission, *, public_attachment_ids: set[int] | None = None,
            bulk: bool = False) -> Submission:
    """Approve the response as it is (masked): a redaction made earlier is set aside (it stays stored)."""
    _check_open(sub)
    if bulk and sub.is_late and sub.moderation == Moderation.PENDING:
        raise ServiceError(_l("Et svar som kom etter fristen må avgjøres for seg."))
    for inp in sub.inputs:
        inp.text_redacted = None
    _decided(sub, actor, Moderation.APPROVED)
    public = _attachments(sub, public_attachment_ids)
    session.flush()
    audit.record(session, actor, "submission.approve", sub, process_id=sub.activity.process_id,
                 reference=sub.reference, late=sub.is_late, bulk=bulk, attachments=public)
    return sub


def approve_many(session: Session, actor: User | None, activity: Activity, ids: list[int]) -> tuple[int, int]:
    """Approve the chosen pending responses of the activity; late ones are left for their own decision.

    Returns (approved, left because late).
    """
    subs = session.scalars(
        sa.select(Submission).where(Submission.activity_id == activity.id, Submission.id.in_(ids or [-1]),
                                    Submission.is_withdrawn.is_(False))
        .options(selectinload(Submission.inputs))
    ).all()
    done = late = 0
    for sub in subs:
        if sub.is_late and sub.moderation == Moderation.PENDING:
            late += 1
            continue
        if sub.moderation == Moderation.APPROVED:
            continue
        approve(session, actor, sub, bulk=True)
        done += 1
    return done, late


def hide(session: Session, actor: User | None, sub: Submission, reason: str) -> Submission:
    """Keep the response out of everything public; the reason is kept with it and in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Skriv hvorfor svaret skjules. Begrunnelsen lagres i loggen."))
    if len(reason) > MAX_REASON:
        raise ServiceError(_l("Begrunnelsen kan ha høyst %(max)d tegn.", max=MAX_REASON))
    _decided(sub, actor, Moderation.HIDDEN, reason)
    for att in sub.attachments:
        att.is_public = False
    session.flush()
    _drop_public_files(session, sub)
    audit.record(session, actor, "submission.hide", sub, process_id=sub.activity.process_id,
                 reference=sub.reference, reason=reason, late=sub.is_late)
    return sub


def redact(session: Session, actor: User | None, sub: Submission, texts: dict[int, str], *,
           public_attachment_ids: set[int] | None = None) -> Submission:
    """Publish the response with staff's redaction of its texts (input id -> text as published).

    The redaction is stored beside the original and the masked text; a text left as it was is not redacted.
    """
    _check_open(sub)
    changed = []
    for inp in sub.inputs:
        if inp.id not in texts:
            continue
        new = (texts[inp.id] or "").strip()
        if new == inp.text_masked.strip():
            inp.text_redacted = None
            continue
        inp.text_redacted = new or str(_l("[Fjernet av kommunen]"))
        changed.append(inp.id)
    if not changed:
        raise ServiceError(_l("Ingen tekst er endret. Stryk eller erstatt det som ikke skal publiseres, "
                              "eller godkjenn svaret som det er."))
    _decided(sub, actor, Moderation.REDACTED)
    public = _attachments(sub, public_attachment_ids)
    session.flush()
    _drop_public_files(session, sub)
    audit.record(session, actor, "submission.redact", sub, process_id=sub.activity.process_id,
                 reference=sub.reference, inputs=changed, late=sub.is_late, attachments=public)
    return sub


def reopen(session: Session, actor: User | None, sub: Submission) -> Submission:
    """Take the decision back: the response waits in the queue again and is no longer public."""
    _decided(sub, actor, Moderation.PENDING)
    for att in sub.attachments:
        att.is_public = False
    session.flush()
    _drop_public_files(session, sub)
    audit.record(session, actor, "submission.reopen", sub, process_id=sub.activity.process_id, reference=sub.reference)
    return sub


def decide(session: Session, actor: User | None, sub: Submission, data: dict[str, Any]) -> Submission:
    """One decision from the response's own page: ``decision`` is approve, redact, hide or reopen."""
    decision = data.get("decision")
    attachments = set(data.get("attachment_ids") or [])
    if decision == "approve":
        return approve(session, actor, sub, public_attachment_ids=attachments)
    if decision == "redact":
        return redact(session, actor, sub, data.get("texts") or {}, public_attachment_ids=attachments)
    if decision == "hide":
        return hide(session, actor, sub, data.get("reason") or "")
    if decision == "reopen":
        return reopen(session, actor, sub)
    raise ServiceError(_l("Velg hva som skal skje med svaret."))


# --- workshop notes: approved for quoting ----------------------------------------------------------
# A note has no respondent and no consent: it may be quoted in a public report (masked) only when staff
# approve it here; taking the approval back, or correcting or deleting the note, takes the quote out of
# stored report versions (:func:`hearing.reporting.services.refresh_public_files`).

NOTE_STATES = {"pending": _l("Ikke godkjent for sitat"), "approved": _l("Godkjent for sitat"), "all": _l("Alle")}


def workshops_of(session: Session, process: Process) -> list[tuple[Activity, int, int]]:
    """The process's workshops with notes: (activity, notes, approved for quoting)."""
    rows = dict((a, (n, k)) for a, n, k in session.execute(
        sa.select(Input.activity_id, sa.func.count(Input.id), sa.func.count(Input.quote_approved_dt))
        .join(Activity, Activity.id == Input.activity_id)
        .where(Activity.process_id == process.id, Activity.kind == "workshop", Input.submission_id.is_(None))
        .group_by(Input.activity_id)))
    return [(a, *rows[a.id]) for a in process.activities if a.id in rows]


@dataclass
class NoteReview:
    note: Input
    #: The note as a report would quote it (masked).
    text: str
    checks: list[CheckItem]


def notes_queue(session: Session, activity: Activity, state: str = "pending", page: int = 1) -> Page:
    """One page of the workshop's notes (masked, with what the masking could not decide), oldest first."""
    q = (sa.select(Input).where(Input.activity_id == activity.id, Input.submission_id.is_(None))
         .options(selectinload(Input.group), selectinload(Input.prompt)).order_by(Input.created_dt, Input.id))
    if state == "pending":
        q = q.where(Input.quote_approved_dt.is_(None))
    elif state == "approved":
        q = q.where(Input.quote_approved_dt.is_not(None))
    out = paginate(session, q, page)
    out.items = [NoteReview(n, n.public_text, check_list(n.text_masked)) for n in out.items]
    return out


def _notes(session: Session, activity: Activity, ids: list[int]) -> list[Input]:
    if activity.kind != "workshop":
        raise ServiceError(_l("Bare notater fra verksteder godkjennes for sitat her."))
    return list(session.scalars(sa.select(Input).where(Input.id.in_(ids[:500]), Input.activity_id == activity.id,
                                                       Input.submission_id.is_(None))))


def approve_notes(session: Session, actor: User | None, activity: Activity, ids: list[int]) -> int:
    """Approve the notes for quoting in public reports (masked); returns how many were not approved before."""
    now, done = utcnow(), []
    for note in _notes(session, activity, ids):
        if note.quote_approved_dt is None:
            note.quote_approved_dt, note.quote_approved_by_id = now, getattr(actor, "id", None)
            done.append(note.id)
    session.flush()
    if done:
        audit.record(session, actor, "input.quote_approve", activity, process_id=activity.process_id, inputs=done)
    return len(done)


def withdraw_notes(session: Session, actor: User | None, activity: Activity, ids: list[int]) -> int:
    """Take the approval back: the notes are no longer quoted, also not in published report versions."""
    from hearing.reporting.services import refresh_public_files

    done = []
    for note in _notes(session, activity, ids):
        if note.quote_approved_dt is not None:
            note.quote_approved_dt = note.quote_approved_by_id = None
            done.append(note.id)
    session.flush()
    if done:
        audit.record(session, actor, "input.quote_withdraw", activity, process_id=activity.process_id, inputs=done)
        refresh_public_files(session, activity.process_id)
    return len(done)
