"""Workshop notes typed by facilitators: create once per browser-made id, edit, delete, list since a cursor."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.errors import DomainError
from hearing.models import Activity, Input, InputSource, Prompt, StakeholderGroup, User, utcnow
from hearing.models.processes import ActivityKind, QuestionType

MAX_TEXT = 5000
MAX_LINES = 500
#: Ids made by the browser (crypto.randomUUID) or by the server for the plain form.
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
#: A poll asks again for what changed a little before its cursor: a note committed late is not missed.
POLL_OVERLAP = timedelta(seconds=10)
#: A list bullet before the text of a line ("- ", "• ", "* ").
_BULLET = re.compile(r"^\s*[-*•–·▪◦]\s+")
#: A line that is nothing but a bullet (or dashes): no text, no note.
_BULLET_ONLY = re.compile(r"^\s*[-*•–·▪◦_=]*\s*$")
#: A list number before the text ("1. ", "2) ").
_NUMBER = re.compile(r"^\s*(\d+)[.)]\s+")


class NoteError(DomainError, ValueError):
    """A note cannot be stored as given; the message is for the user."""


@dataclass
class NoteData:
    text: str
    table_label: str = ""
    group_id: int | None = None
    prompt_id: int | None = None
    client_id: str | None = None


def workshop_activity(session: Session, activity_id: int) -> Activity | None:
    activity = session.get(Activity, activity_id)
    return activity if activity is not None and activity.kind == ActivityKind.WORKSHOP else None


def group_options(activity: Activity) -> list[StakeholderGroup]:
    """The activity's invited groups, or all of the process's groups when none are named."""
    return list(activity.groups) or list(activity.process.groups)


def prompt_options(activity: Activity) -> list[Prompt]:
    return [p for p in activity.prompts if p.question_type == QuestionType.FREE_TEXT]


def can_change(user: User, note: Input) -> bool:
    """Authors change and delete their own notes; administrators all."""
    return user.role == "admin" or (note.author_id is not None and note.author_id == user.id)


def can_correct(user: User, note: Input) -> bool:
    """Reviewers may correct a facilitator's note (never delete it): with a reason, recorded with the text
    before and after (see :func:`update_note`)."""
    return can_change(user, note) or user.has_role("reviewer")


def _clean(activity: Activity, data: NoteData) -> NoteData:
    text = (data.text or "").strip()
    if not text:
        raise NoteError(_l("Notatet er tomt."))
    if len(text) > MAX_TEXT:
        raise NoteError(_l("Notatet er for langt (høyst %(max_text)s tegn).", max_text=MAX_TEXT))
    table = (data.table_label or "").strip()[:100]
    if data.group_id and data.group_id not in {g.id for g in group_options(activity)}:
        raise NoteError(_l("Gruppen finnes ikke i dette verkstedet."))
    if data.prompt_id and data.prompt_id not in {p.id for p in activity.prompts}:
        raise NoteError(_l("Spørsmålet finnes ikke i dette verkstedet."))
    client_id = data.client_id or None
    if client_id is not None and not CLIENT_ID.match(client_id):
        raise NoteError(_l("Ugyldig notat-id."))
    return NoteData(text, table, data.group_id or None, data.prompt_id or None, client_id)


def _by_client_id(session: Session, client_id: str) -> Input | None:
    return session.scalar(sa.select(Input).where(Input.client_id == client_id))


def save_note(session: Session, actor: User, activity: Activity, data: NoteData) -> tuple[Input, bool]:
    """Store a note (flushed; the caller commits, then schedules grouping when it was created); a note
    whose ``client_id`` is known returns the stored one (created False)."""
    data = _clean(activity, data)
    if data.client_id and (existing := _by_client_id(session, data.client_id)) is not None:
        if existing.activity_id != activity.id:
            raise NoteError(_l("Notat-id-en er allerede brukt."))
        return existing, False
    note = Input(
        activity=activity, source=InputSource.WORKSHOP, author_id=actor.id, client_id=data.client_id,
        text=data.text, table_label=data.table_label or None, group_id=data.group_id, prompt_id=data.prompt_id,
    )
    session.add(note)
    audit.record(session, actor, "input.create", note, process_id=activity.process_id, source="workshop")
    try:
        session.flush()
    except IntegrityError:
        # The same note arrived twice at once (a retry racing the first send): keep the first.
        session.rollback()
        existing = _by_client_id(session, data.client_id) if data.client_id else None
        if existing is None:
            raise
        return existing, False
    return note, True


def update_note(session: Session, actor: User, note: Input, *, text: str, table_label: str, reason: str = "") -> Input:
    """Change a note's text and table; the caller commits.

    Someone else than the author or an administrator (a reviewer) makes a correction: it needs a reason,
    and the audit trail keeps the masked text before and after with it (``input.correct``).
    """
    data = _clean(note.activity, NoteData(text, table_label, note.group_id, note.prompt_id))
    changed = {k: v for k, v in (("text", data.text), ("table_label", data.table_label or None))
               if getattr(note, k) != v}
    if changed and not can_change(actor, note):
        if not can_correct(actor, note):
            raise NoteError(_l("Du kan bare endre dine egne notater."))
        if not reason.strip():
            raise NoteError(_l("Skriv hvorfor du retter notatet. Rettingen blir lagret sammen med teksten før og etter."))
        before = {"text": note.text_masked, "table_label": note.table_label}
        for key, value in changed.items():
            setattr(note, key, value)
        note.updated_dt = utcnow()
        _unapprove_quote(session, note, changed)
        audit.record(session, actor, "input.correct", note, process_id=note.activity.process_id, fields=sorted(changed),
                     reason=reason.strip()[:500], before=before,
                     after={"text": note.text_masked, "table_label": note.table_label},
                     author_id=note.author_id)
        return note
    if changed:
        for key, value in changed.items():
            setattr(note, key, value)
        note.updated_dt = utcnow()
        _unapprove_quote(session, note, changed)
        audit.record(session, actor, "input.update", note, process_id=note.activity.process_id,
                     fields=sorted(changed))
    return note


def _unapprove_quote(session: Session, note: Input, changed: dict) -> None:
    """A note whose text changed is no longer approved for quoting; stored report versions drop its quote."""
    if "text" in changed and note.quote_approved_dt is not None:
        from hearing.reporting.services import refresh_public_files

        note.quote_approved_dt = note.quote_approved_by_id = None
        session.flush()
        refresh_public_files(session, note.activity.process_id)


def delete_note(session: Session, actor: User, note: Input) -> None:
    """Delete a note; the caller commits. A quote of it leaves stored report versions."""
    process_id, quoted = note.activity.process_id, note.quote_approved_dt is not None
    audit.record(session, actor, "input.delete", note, process_id=process_id, table_label=note.table_label)
    session.delete(note)
    if quoted:
        from hearing.reporting.services import refresh_public_files

        session.flush()
        refresh_public_files(session, process_id)


def paste_lines(text: str) -> list[str]:
    """One note per line with text; list bullets ("- ", "• ") are dropped, and so are lines that are only
    a bullet. A number before the text is dropped when it numbers a list (1., 2., 3. … on two lines or
    more, or a capitalised item among bulleted lines); an ordinal that is part of the text stays:
    "10. klasse-elever trenger …"."""
    raw = [line for line in (text or "").splitlines() if not _BULLET_ONLY.match(line)]
    bulleted = sum(1 for line in raw if _BULLET.match(line))
    lines = [_BULLET.sub("", line).strip() for line in raw]
    numbers = [int(m.group(1)) if (m := _NUMBER.match(line)) else None for line in lines]
    numbered = [n for n in numbers if n is not None]
    is_list = len(numbered) >= 2 and numbered == list(range(numbered[0], numbered[0] + len(numbered))) \
        and numbered[0] in (0, 1)
    out = []
    for line, number in zip(lines, numbers, strict=True):
        if number is not None:
            rest = _NUMBER.sub("", line, count=1).strip()
            if is_list or (bulleted and rest[:1].isupper()):
                line = rest
        if line and not _BULLET_ONLY.match(line):
            out.append(line)
    return out


def fingerprint(lines: list[str]) -> str:
    """Short hash of the previewed lines."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


def save_pasted(session: Session, actor: User, activity: Activity, lines: list[str], base: NoteData) -> list[Input]:
    """Store each line as a note with the same table, group and prompt; the caller commits."""
    if not lines:
        raise NoteError(_l("Lim inn minst én linje med tekst."))
    if len(lines) > MAX_LINES:
        raise NoteError(_l("Lim inn høyst %(max_lines)s linjer om gangen.", max_lines=MAX_LINES))
    notes = []
    for line in lines:
        data = _clean(activity, NoteData(line, base.table_label, base.group_id, base.prompt_id))
        note = Input(
            activity=activity, source=InputSource.WORKSHOP, author_id=actor.id, text=data.text,
            table_label=data.table_label or None, group_id=data.group_id, prompt_id=data.prompt_id,
        )
        session.add(note)
        notes.append(note)
    session.flush()
    audit.record(session, actor, "input.paste", activity, process_id=activity.process_id, count=len(notes))
    return notes


def notes(session: Session, activity: Activity, *, since: datetime | None = None) -> list[Input]:
    """The activity's workshop notes, newest first; with ``since``, only those made or changed after it."""
    query = sa.select(Input).where(Input.activity_id == activity.id, Input.source == InputSource.WORKSHOP)
    if since is not None:
        after = since - POLL_OVERLAP
        query = query.where(sa.or_(Input.created_dt > after, Input.updated_dt > after))
    return list(session.scalars(query.order_by(Input.created_dt.desc(), Input.id.desc())))


def note_ids(session: Session, activity: Activity) -> list[int]:
    return list(session.scalars(sa.select(Input.id).where(
        Input.activity_id == activity.id, Input.source == InputSource.WORKSHOP)))


def table_labels(session: Session, activity: Activity) -> list[str]:
    """Tables already used in this workshop, then Bord 1–10."""
    used = session.scalars(sa.select(Input.table_label).where(
        Input.activity_id == activity.id, Input.table_label.is_not(None)).distinct())
    labels = sorted(set(used) | {f"Bord {n}" for n in range(1, 11)}, key=_natural)
    return labels


def _natural(label: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", label))
