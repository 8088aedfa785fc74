"""Answering activities: access, submitting once, editing, withdrawing, published responses, results.

Functions take a session and plain data and never look at the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.attributes import set_committed_value

from hearing.core.errors import DomainError
from hearing.core.signals import responses_changed
from hearing.models import (
    Activity,
    Answer,
    Attachment,
    Audience,
    Consent,
    Input,
    InputSource,
    Invitation,
    Process,
    Prompt,
    QuestionType,
    StakeholderGroup,
    Submission,
    utcnow,
)
from hearing.models.submissions import mask_place
from hearing.participation import form_cache
from hearing.participation.form_cache import ActivityView
from hearing.participation.uploads import CheckedFile, store


class ResponseError(DomainError, ValueError):
    """Something the respondent must fix; ``errors`` maps field names to messages (lazy: shown in the reader's language)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(errors=errors)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def key_hash(submission_key: str) -> str:
    """What the database keeps of a form's one-time key: its SHA-256, never the key (which, with the app
    secret, gives the edit link; see :func:`edit_token_for`)."""
    return hashlib.sha256(f"submission:{submission_key}".encode()).hexdigest()


def bind_key(secret_key: str, browser_secret: str) -> str:
    """A new one-time key for an answer form, bound to the browser's session secret (its CSRF secret).

    The key is ``nonce.mac``; :func:`key_is_bound` tells later whether a POST that repeats it comes
    from the same browser session, which alone may be led back to the receipt and its edit link.
    """
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_key_mac(secret_key, nonce, browser_secret)}"


def key_is_bound(secret_key: str, submission_key: str, browser_secret: str | None) -> bool:
    nonce, dot, mac = submission_key.partition(".")
    return bool(dot and browser_secret) and hmac.compare_digest(mac, _key_mac(secret_key, nonce, browser_secret))


def _key_mac(secret_key: str, nonce: str, browser_secret: str) -> str:
    digest = hmac.new(secret_key.encode(), f"key:{nonce}:{browser_secret}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def edit_token_for(secret_key: str, submission_key: str) -> str:
    """The secret edit link's token, derived from the form's one-time key with the app secret.

    Deriving it (rather than storing it) lets a replayed POST show the same receipt and link,
    while the database only holds its hash.
    """
    return hmac.new(secret_key.encode(), f"edit:{submission_key}".encode(), hashlib.sha256).hexdigest()


# --- invitations -----------------------------------------------------------------------------


def invitation_token(secret_key: str, seed: str) -> str:
    """An invitation link's token, derived from a seed (the creating form's one-time key) with the app
    secret: the page that shows it and a later reminder can make the same link, while only its hash
    and the seed (useless without the secret) are stored."""
    digest = hmac.new(secret_key.encode(), f"invitation:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class InvitationAnswered(ResponseError):
    """The invited body has already sent its statement through this link."""

    def __init__(self, submission: Submission):
        super().__init__({"statement": _l(
            "%(body)s har allerede sendt en uttalelse gjennom denne lenken (referanse %(reference)s). Det kan bare "
            "være én uttalelse per invitasjon. Den som sendte den, kan endre den med lenken i kvitteringen; ellers kan "
            "dere kontakte kommunen.", body=submission.on_behalf_of or "", reference=submission.reference)})
        self.submission = submission


def invitation_answer(session: Session, invitation: Invitation) -> Submission | None:
    """The statement given through the invitation (a withdrawn one does not count), or None."""
    return session.scalar(
        sa.select(Submission).where(Submission.invitation_id == invitation.id, Submission.is_withdrawn.is_(False))
    )


def create_invitation(session: Session, actor, activity: Activity, *, body_name: str, group: StakeholderGroup | None,
                      token: str | None = None, seed: str | None = None, email: str | None = None,
                      remind_days_before: int | None = None, secret_key: str | None = None,
                      link_for: Callable[[str], str] | None = None, lang: str | None = None) -> tuple[Invitation, str]:
    """A new invitation link; the token (256 bits) is returned and only its hash is stored.

    The token comes from ``seed`` and ``secret_key`` (see :func:`invitation_token`), is ``token``, or is
    random. With ``email`` the invitation is put in the outbox with its link (``link_for(token)``), and a
    reminder goes ``remind_days_before`` days before the deadline if no statement has come; both in ``lang``
    (the invited body's language; None: the process's). The caller commits.
    """
    from hearing import audit

    if seed and secret_key:
        token = invitation_token(secret_key, seed)
    token = token or secrets.token_urlsafe(32)
    email = (email or "").strip().lower() or None
    invitation = Invitation(activity=activity, group=group, body_name=body_name.strip(), token_hash=token_hash(token),
                            created_by_id=getattr(actor, "id", None), email=email,
                            token_seed=seed if seed and secret_key else None, remind_days_before=remind_days_before,
                            lang=lang if lang in ("nb", "nn", "en", "da") else None)
    session.add(invitation)
    session.flush()
    audit.record(session, actor, "invitation.create", invitation, process_id=activity.process_id, body_name=body_name,
                 email=email, remind_days_before=remind_days_before, lang=invitation.lang)
    if email and link_for is not None:
        queue_invitation_mail(session, invitation, link_for(token))
        invitation.sent_dt = utcnow()
    return invitation, token


@dataclass
class InvitationRow:
    """One invitation on the activity's list: the link, its e-mails and the statement given through it."""

    invitation: Invitation
    answer: Submission | None
    mail: Any = None  # the invitation's MailMessage, if e-mailed
    reminder: Any = None  # the reminder's MailMessage, if one went


def invitation_rows(session: Session, activity: Activity) -> list[InvitationRow]:
    """Every invitation of the activity with its answer and e-mails, in three queries."""
    from hearing.models import MailMessage

    invitations = session.scalars(
        sa.select(Invitation).where(Invitation.activity_id == activity.id).order_by(Invitation.created_dt, Invitation.id)
    ).all()
    ids = [i.id for i in invitations]
    answers = {s.invitation_id: s for s in session.scalars(
        sa.select(Submission).where(Submission.invitation_id.in_(ids), Submission.is_withdrawn.is_(False)))} if ids else {}
    refs = [f"invitation:{i}" for i in ids] + [f"invitation-reminder:{i}" for i in ids]
    mails = {m.ref: m for m in session.scalars(sa.select(MailMessage).where(MailMessage.ref.in_(refs)))} if ids else {}
    return [InvitationRow(i, answers.get(i.id), mails.get(f"invitation:{i.id}"), mails.get(f"invitation-reminder:{i.id}"))
            for i in invitations]


def invitation_summary(session: Session, activity: Activity) -> tuple[int, int]:
    """(answered, total) of the activity's invitations that are not revoked."""
    live = sa.select(Invitation.id).where(Invitation.activity_id == activity.id, Invitation.revoked_dt.is_(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(live.subquery()))
    answered = session.scalar(sa.select(sa.func.count(sa.distinct(Submission.invitation_id))).where(
        Submission.invitation_id.in_(live), Submission.is_withdrawn.is_(False)))
    return answered or 0, total or 0


def queue_invitation_mail(session: Session, invitation: Invitation, link: str, *, reminder: bool = False) -> bool:
    """The invitation (or its reminder) with the link, in the outbox, in the invited body's language (else the
    process's); the link opens the form in that language. True when queued now (once each)."""
    from hearing.content import content
    from hearing.mail import link_in_language, queue_mail, recipient_language

    activity = invitation.activity
    lang = recipient_language(invitation.lang, activity.process)
    link = link_in_language(link, lang, activity.process.language)
    deadline = activity.closes_dt
    queued = queue_mail(
        session, to=invitation.email, template="invitation", lang=lang,
        kind="invitation_reminder" if reminder else "invitation",
        ref=f"invitation-reminder:{invitation.id}" if reminder else f"invitation:{invitation.id}",
        process_id=activity.process_id, body_name=invitation.body_name,
        activity_title=content(activity, "title", lang), process_name=content(activity.process, "name", lang),
        deadline=deadline, link=link, reminder=reminder,
    )
    return queued is not None


def queue_invitation_reminders(session: Session, *, now: datetime | None = None) -> int:
    """The worker's timed round: remind invited bodies that have not answered, the chosen number of days
    before the deadline (once each; a revoked, answered or link-less invitation gets none). Commits."""
    from flask import current_app

    from hearing.mail import external_url

    now = now or utcnow()
    candidates = session.scalars(
        sa.select(Invitation).join(Activity, Activity.id == Invitation.activity_id).where(
            Invitation.email.is_not(None), Invitation.revoked_dt.is_(None), Invitation.reminded_dt.is_(None),
            Invitation.remind_days_before.is_not(None), Invitation.token_seed.is_not(None),
            Activity.closes_dt.is_not(None), Activity.closes_dt > now,
        )
    ).all()
    sent = 0
    for invitation in candidates:
        if now < invitation.activity.closes_dt - timedelta(days=invitation.remind_days_before):
            continue
        if invitation_answer(session, invitation) is not None:
            continue
        token = invitation_token(current_app.config["SECRET_KEY"], invitation.token_seed)
        queue_invitation_mail(session, invitation, external_url("participation.invitation", token=token), reminder=True)
        invitation.reminded_dt = now
        sent += 1
    session.commit()
    return sent


def revoke_invitation(session: Session, actor, invitation: Invitation) -> None:
    from hearing import audit

    invitation.revoked_dt = utcnow()
    audit.record(session, actor, "invitation.revoke", invitation, process_id=invitation.activity.process_id)


def find_invitation(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    # joined with its activity: one of a process still being restored is not found (hearing.models.processes)
    return session.scalar(sa.select(Invitation).join(Activity, Activity.id == Invitation.activity_id)
                          .where(Invitation.token_hash == token_hash(token)))


# --- what a respondent may answer --------------------------------------------------------------


def public_activity(session: Session, activity_id: int, *, max_age: float = 0) -> ActivityView | None:
    """A public, non-workshop activity of a public process (an immutable snapshot), or None.

    With ``max_age`` the snapshot may come from this process's form cache (at most that many seconds old).
    """
    activity = form_cache.get(session, activity_id, max_age)
    if activity is None or activity.kind == "workshop" or activity.audience != Audience.PUBLIC:
        return None
    if not activity.process.is_public:
        return None
    return activity


def group_choices(activity: Activity) -> list[StakeholderGroup]:
    return list(activity.process.groups)


# --- submitting ------------------------------------------------------------------------------


@dataclass
class ResponseData:
    """What a respondent typed, read from the form; kept whole so an error page can show it again."""

    respondent_name: str = ""
    respondent_email: str = ""
    consent: str = ""
    group_id: int | None = None
    statement: str = ""
    place_name: str = ""
    on_behalf_of: str = ""
    meeting_date: date | None = None
    case_reference: str = ""
    #: section id -> comment
    sections: dict[int, str] = field(default_factory=dict)
    #: prompt id -> text, rating (str) or list of choices
    prompts: dict[int, Any] = field(default_factory=dict)
    files: list[CheckedFile] = field(default_factory=list)
    #: Opt-ins: a receipt with the secret link by e-mail; a message when the report back is published.
    send_receipt: bool = False
    wants_report_notice: bool = False


MAX_TEXT = 20_000


def validate(activity: Activity, data: ResponseData, *, invitation: Invitation | None) -> None:
    errors: dict[str, str] = {}
    if data.consent not in {c.value for c in Consent}:
        errors["consent"] = _l("Velg om svaret kan publiseres.")
    if data.consent == Consent.WITH_NAME and not data.respondent_name.strip():
        errors["respondent_name"] = _l("Skriv navnet ditt, eller velg at svaret publiseres uten navn.")
    if invitation is not None and not data.respondent_name.strip():
        errors["respondent_name"] = _l("Skriv navnet på den som sender uttalelsen.")
    if data.respondent_email and ("@" not in data.respondent_email or len(data.respondent_email) > 254
                                  or any(c in data.respondent_email for c in " ,;<>")):
        errors["respondent_email"] = _l("Skriv en gyldig e-postadresse, eller la feltet stå tomt.")
    elif (data.send_receipt or data.wants_report_notice) and not data.respondent_email.strip():
        errors["respondent_email"] = _l("Skriv e-postadressen vi skal sende til, eller fjern krysset for e-post.")
    if data.group_id is not None and data.group_id not in {g.id for g in activity.process.groups}:
        errors["group_id"] = _l("Velg en gruppe fra listen.")
    texts = [data.statement, *data.sections.values(), *(v for v in data.prompts.values() if isinstance(v, str))]
    if any(len(t) > MAX_TEXT for t in texts):
        errors["statement"] = _l("Et svar kan ha høyst %(max_text)s tegn.", max_text=MAX_TEXT)
    prompts = {p.id: p for p in activity.prompts}
    for pid, prompt in prompts.items():
        value = data.prompts.get(pid)
        if prompt.question_type == QuestionType.RATING and value not in (None, "") and str(value) not in {"1", "2", "3", "4", "5"}:
            errors[f"prompt-{pid}"] = _l("Velg et tall fra 1 til 5.")
        if prompt.question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            chosen = value if isinstance(value, list) else [value] if value else []
            if any(c not in prompt.options for c in chosen):
                errors[f"prompt-{pid}"] = _l("Velg blant alternativene.")
        if prompt.is_required and not value:
            errors[f"prompt-{pid}"] = _l("Dette spørsmålet må besvares.")
    has_content = (
        data.statement.strip()
        or any(v.strip() for v in data.sections.values())
        or any(v for v in data.prompts.values())
        or data.files
    )
    if not has_content and "statement" not in errors:
        errors["statement"] = {
            "suggestions": _l("Skriv forslaget ditt."),
            "survey": _l("Svar på minst ett spørsmål."),
        }.get(activity.kind, _l("Skriv en kommentar til minst ett avsnitt, eller en samlet uttalelse."))
    if errors:
        raise ResponseError(errors)


def _reference(kind: str, submitted: datetime, submission_id: int | None) -> str:
    """The reference number, e.g. "H-2026-000123". Without an id, what is stored for the database to finish:
    "H-2026-{id}" gets the new row's id in the INSERT itself (migration b8d4f6a0c2e3), the same text as here."""
    letter = {"hearing": "H", "survey": "S", "suggestions": "F", "workshop": "V"}[kind]
    return f"{letter}-{submitted:%Y}-" + ("{id}" if submission_id is None else f"{submission_id:06d}")


Slot = tuple[str, int | None]


def _input_slots(activity: Activity, data: ResponseData) -> dict[Slot, dict[str, Any]]:
    """The free texts of a response by where they belong: a section, a question, or the statement."""
    slots: dict[Slot, dict[str, Any]] = {}
    sections = {s.id: s for s in activity.document.sections} if getattr(activity, "document", None) else {}
    for sid, text in data.sections.items():
        if text.strip() and sid in sections:
            slots[("section", sid)] = {"section_id": sid, "text": text.strip()}
    for prompt in activity.prompts:
        value = data.prompts.get(prompt.id)
        if prompt.question_type == QuestionType.FREE_TEXT and value and str(value).strip():
            slots[("prompt", prompt.id)] = {"prompt_id": prompt.id, "text": str(value).strip()}
    if data.statement.strip():
        slots[("statement", None)] = {"text": data.statement.strip(), "place_name": data.place_name.strip() or None}
    return slots


def _slot_of(item: Input) -> Slot:
    if item.section_id:
        return ("section", item.section_id)
    if item.prompt_id:
        return ("prompt", item.prompt_id)
    return ("statement", None)


_STORED_TEXTS = (sa.select(Input.__table__.c.id, Input.__table__.c.section_id, Input.__table__.c.prompt_id,
                            Input.__table__.c.text, Input.__table__.c.place_name, Input.__table__.c.lang,
                            Input.__table__.c.group_id)
                  .where(Input.__table__.c.submission_id == sa.bindparam("sid")).order_by(Input.__table__.c.id))


def _write_texts(session: Session, submission_id: int, activity: Activity | ActivityView, data: ResponseData, *,
                 group_id: int | None, process_lang: str | None, is_new: bool, now: datetime | None = None) -> None:
    """The one way a response's texts are written, new or changed: statements on the inputs table with the
    values :meth:`Input.insert_values` builds (the one place an input's text is masked; a short text's language
    is guessed with the process's), without the unit of work (it cost more than the statements).

    A new response's texts go in one INSERT. On an edit, a text that stays keeps its row, and with it the review
    group's work on it (theme, assessment, links from the draft): its row is updated, and only when its text or
    place changed is it masked again (in the language it has, a reviewer's correction included) and its redaction
    dropped (staff's redaction was of the old text). Texts the person removed are deleted (the database removes
    their theme placements, assessments and draft links); new ones are inserted."""
    wanted = _input_slots(activity, data)
    table = Input.__table__
    touched: set[int] = set()
    removed: list[int] = []
    if not is_new:
        now = now or utcnow()
        for row in session.execute(_STORED_TEXTS, {"sid": submission_id}):
            fields = wanted.pop(_slot_of(row), None)
            if fields is None:
                removed.append(row.id)
                continue
            place = mask_place(fields.get("place_name", row.place_name))
            values: dict[str, Any] = {}
            if row.text != fields["text"] or row.place_name != place:
                values = Input.insert_values(text=fields["text"], place_name=place, lang=row.lang,
                                             default_lang=process_lang, updated_dt=now)
                if row.text != fields["text"]:
                    values["text_redacted"] = None
            if row.group_id != group_id:
                values["group_id"] = group_id
            if values:
                session.execute(table.update().where(table.c.id == row.id).values(values))
                touched.add(row.id)
        if removed:
            session.execute(table.delete().where(table.c.id.in_(removed)))
    rows = [Input.insert_values(**{"section_id": None, "prompt_id": None, "place_name": None, **fields},
                                activity_id=activity.id, submission_id=submission_id, group_id=group_id,
                                source=InputSource.WEB, default_lang=process_lang)
            for fields in wanted.values()]
    if rows:
        # The table's INSERT (the ORM's bulk INSERT walked every attribute of every row again); every row has
        # the same columns, a None included, so the texts go in one statement.
        session.execute(table.insert(), rows)
    if not is_new:
        _forget_stale(session, submission_id, Input, touched, removed)


def _write_answers(session: Session, submission_id: int, activity: Activity | ActivityView, data: ResponseData, *,
                   is_new: bool) -> None:
    """Ratings and choices become Answers, written the way the texts are: on an edit the old ones go and the
    given ones go in (one INSERT)."""
    table = Answer.__table__
    rows = []
    for prompt in activity.prompts:
        value = data.prompts.get(prompt.id)
        if not value or prompt.question_type == QuestionType.FREE_TEXT:
            continue
        if prompt.question_type == QuestionType.RATING:
            rows.append({"submission_id": submission_id, "prompt_id": prompt.id, "rating": int(value), "choices": []})
        else:
            rows.append({"submission_id": submission_id, "prompt_id": prompt.id, "rating": None,
                         "choices": value if isinstance(value, list) else [value]})
    removed: list[int] = []
    if not is_new:
        removed = list(session.scalars(sa.select(table.c.id).where(table.c.submission_id == submission_id)))
        if removed:
            session.execute(table.delete().where(table.c.id.in_(removed)))
    if rows:
        session.execute(table.insert(), rows)
    if not is_new:
        _forget_stale(session, submission_id, Answer, set(), removed)


def _forget_stale(session: Session, submission_id: int, model: type, touched: set[int], removed: list[int]) -> None:
    """After statements that bypassed the unit of work: the objects of ``model`` the session holds are read again
    when next used (``touched``), or leave it (``removed``: their rows are gone), and so does the submission's list
    of them. Found by their identity, which an expired object keeps."""
    name = "inputs" if model is Input else "answers"
    gone = set(removed)
    for obj in list(session.identity_map.values()):
        ident = sa.inspect(obj).identity
        if isinstance(obj, Submission) and ident == (submission_id,):
            session.expire(obj, [name])
        elif isinstance(obj, model) and ident is not None:
            if ident[0] in gone:
                session.expunge(obj)
            elif ident[0] in touched:
                session.expire(obj)


# --- reading the receipt: statements built once ----------------------------------------------------
# Core statements on the tables, prebuilt: SQLAlchemy then skips building, ORM compiling and cache-key
# work on every request (the receipt follows every answer of a large hearing). Answers are written only
# by :func:`submit_response` and :func:`update_response`: the submission through the session, its texts and
# ratings by :func:`_write_texts` and :func:`_write_answers` (one way for both; :meth:`Input.insert_values` masks).

_submissions, _inputs = Submission.__table__, Input.__table__
_attachments = Attachment.__table__
_SUBMISSION_BY_TOKEN = (
    sa.select(
        # What the page shows of the submission (a third of its columns: each costs decoding on every receipt).
        *(_submissions.c[name] for name in (
            "id", "activity_id", "reference", "consent", "submitted_dt", "updated_dt", "is_late", "is_withdrawn",
            "withdrawn_dt", "on_behalf_of", "meeting_date", "case_reference")),
        # Whether there are attachments to list: most answers have none, and then they cost no query of their own.
        sa.exists().where(_attachments.c.submission_id == _submissions.c.id).label("has_attachments"),
        # Its texts, in the order they were written, in the same statement (a round trip less per receipt).
        *(_inputs.c[name].label(f"text_{name}") for name in ("id", "section_id", "prompt_id", "place_name", "text")),
    )
    .select_from(_submissions.outerjoin(_inputs, _inputs.c.submission_id == _submissions.c.id))
    .where(_submissions.c.edit_token_hash == sa.bindparam("token_hash"))
    .order_by(_inputs.c.id)
)


def _receipt_columns() -> tuple:
    """What the receipt (the page right after an answer) says of the e-mails the response asked for: the receipt in
    the outbox (to which address) and the respondent's wish to hear of the report (see :class:`ReceiptMail`)."""
    from hearing.models import MailMessage

    mail = MailMessage.__table__
    return (_submissions.c.wants_report_notice, _submissions.c.respondent_email,
            sa.select(mail.c.to_address)
            .where(mail.c.ref == sa.literal("receipt:") + sa.cast(_submissions.c.id, sa.String))
            .scalar_subquery().label("receipt_to"))


#: The receipt's statement: the page's, and in the same round trip what :class:`ReceiptMail` says.
_RECEIPT_BY_TOKEN = _SUBMISSION_BY_TOKEN.add_columns(*_receipt_columns())


class ReceiptText(NamedTuple):
    """One text of a response as its page shows it (the original text: the page is the respondent's own)."""

    id: int
    section_id: int | None
    prompt_id: int | None
    place_name: str | None
    text: str

_ANSWERS_OF = (sa.select(Answer.__table__.c.prompt_id, Answer.__table__.c.rating, Answer.__table__.c.choices)
               .where(Answer.__table__.c.submission_id == sa.bindparam("sid")).order_by(Answer.__table__.c.id))
_ATTACHMENTS_OF = (sa.select(Attachment.__table__.c.id, Attachment.__table__.c.filename, Attachment.__table__.c.size)
                   .where(Attachment.__table__.c.submission_id == sa.bindparam("sid")).order_by(Attachment.__table__.c.id))


def _add_attachments(session: Session, submission: Submission, files: list[CheckedFile], upload_folder: str) -> None:
    for checked in files:
        session.add(Attachment(submission=submission, filename=checked.filename, content_type=checked.content_type,
                               size=len(checked.data), sha256=checked.sha256, storage_name=store(upload_folder, checked)))


def submit_response(
    session: Session,
    activity: Activity | ActivityView,
    data: ResponseData,
    *,
    submission_key: str,
    secret_key: str,
    upload_folder: str,
    invitation: Invitation | None = None,
    now: datetime | None = None,
    lang: str | None = None,
    receipt_link: Callable[[str], str] | None = None,
) -> tuple[int, str, bool]:
    """Store a response once per ``submission_key``; flushed, the caller commits.

    Returns the submission's id, its edit token, and whether it was created now (False for a replay,
    which changes nothing). A response after the deadline is stored and flagged late, never refused.
    When the respondent asked for a receipt, it is put in the outbox in the same transaction
    (``receipt_link(token)`` makes the secret link), in ``lang``.
    """
    now = now or utcnow()
    token = edit_token_for(secret_key, submission_key)
    validate(activity, data, invitation=invitation)
    group_id = invitation.group_id if invitation and invitation.group_id else data.group_id
    # Read before the submission is added: loading the process later would flush it early, and a refused
    # second statement (unique invitation) would then escape the IntegrityError handling below.
    process_lang = activity.process.language
    submission = Submission(
        activity_id=activity.id,
        invitation_id=invitation.id if invitation else None,
        group_id=group_id,
        # The database puts the id in as the row goes in: no UPDATE once the id is known.
        reference=_reference(activity.kind, now, None),
        submission_key=key_hash(submission_key),
        edit_token_hash=token_hash(token),
        respondent_name=data.respondent_name.strip() or None,
        respondent_email=data.respondent_email.strip().lower() or None,
        on_behalf_of=invitation.body_name if invitation else None,  # locked to the invited body
        meeting_date=data.meeting_date if invitation else None,
        case_reference=(data.case_reference.strip() or None) if invitation else None,
        consent=data.consent,
        is_late=bool(activity.closes_dt and now > activity.closes_dt),
        submitted_dt=now,
        wants_report_notice=bool(data.wants_report_notice and data.respondent_email.strip()),
        lang=lang,
    )
    session.add(submission)
    _add_attachments(session, submission, data.files, upload_folder)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        # The unique submission key refused a replayed or double-clicked POST (no lookup first: the
        # busy path saves a query): give back the stored submission, and with it the same receipt.
        session.rollback()
        existing = session.scalar(sa.select(Submission.id).where(Submission.submission_key == key_hash(submission_key)))
        if existing is None:
            if invitation is not None and (answered := invitation_answer(session, invitation)) is not None:
                raise InvitationAnswered(answered) from None  # another member sent one a moment ago
            raise
        return existing, token, False
    # What the database made of the reference, known without reading it back (and without an UPDATE).
    set_committed_value(submission, "reference", _reference(activity.kind, now, submission.id))
    _write_texts(session, submission.id, activity, data, group_id=group_id, process_lang=process_lang, is_new=True)
    _write_answers(session, submission.id, activity, data, is_new=True)
    if data.send_receipt and data.respondent_email.strip() and receipt_link is not None:
        queue_receipt(session, submission.id, data.respondent_email.strip().lower(), reference=submission.reference,
                      activity=activity, link=receipt_link(token), lang=lang)
    session.flush()
    return submission.id, token, True


def queue_receipt(session: Session, submission_id: int, email: str, *, reference: str, activity: Activity, link: str,
                  lang: str | None) -> None:
    """The receipt with the reference and the secret link, in the outbox (once per submission), in the language
    the respondent answered in."""
    from hearing.content import content
    from hearing.mail import queue_mail, recipient_language

    lang = recipient_language(lang, activity.process)
    queue_mail(session, to=email, template="receipt", lang=lang, ref=f"receipt:{submission_id}",
               process_id=activity.process_id, reference=reference,
               activity_title=content(activity, "title", lang, process=activity.process), link=link)


def find_submission(session: Session, token: str) -> Submission | None:
    if not token or len(token) > 100:
        return None
    # joined with its activity: one of a process still being restored is not found (hearing.models.processes)
    return session.scalar(sa.select(Submission).join(Activity, Activity.id == Submission.activity_id)
                          .where(Submission.edit_token_hash == token_hash(token)))


def can_change(submission: Submission, now: datetime | None = None, activity: Activity | None = None) -> bool:
    """The respondent may change or withdraw until the deadline."""
    now = now or utcnow()
    closes = (activity or submission.activity).closes_dt
    return not submission.is_withdrawn and (closes is None or now < closes)


def response_page(session: Session, token: str, *, max_age: float = 0, receipt: bool = False) -> dict[str, Any] | None:
    """What the response page (and the receipt, which follows every answer) shows, or None.

    Plain rows from statements built once, not ORM objects, and the activity with its sections and
    questions from the form cache: the receipt is one of the three requests of every citizen. With
    ``receipt``, its ``receipt_mail`` (:class:`ReceiptMail`, else None) is read in the same statement.
    """
    if not token or len(token) > 100:
        return None
    with _reading(session) as reader:
        # The submission and its texts in one statement: a row per text (one row with no text when it has none).
        rows = reader.execute(_RECEIPT_BY_TOKEN if receipt else _SUBMISSION_BY_TOKEN,
                              {"token_hash": token_hash(token)}).all()
        if not rows:
            return None
        submission = rows[0]
        activity = form_cache.get(session, submission.activity_id, max_age)
        if activity is None:
            return None
        sections = {s.id: s for s in activity.document.sections} if getattr(activity, "document", None) else {}
        prompts = {p.id: p for p in activity.prompts}
        texts = [ReceiptText(r.text_id, r.text_section_id, r.text_prompt_id, r.text_place_name, r.text_text)
                 for r in rows if r.text_id is not None]
        answers = reader.execute(_ANSWERS_OF, {"sid": submission.id}).all() if prompts else []
        attachments = reader.execute(_ATTACHMENTS_OF, {"sid": submission.id}).all() if submission.has_attachments else []
    return {
        "submission": submission,
        "activity": activity,
        "texts": [(row, sections.get(row.section_id) or prompts.get(row.prompt_id)) for row in texts],
        "answers": [(a, prompts.get(a.prompt_id)) for a in answers],
        "attachments": attachments,
        "can_change": can_change(submission, activity=activity),
        "receipt_mail": ReceiptMail.of(submission) if receipt else None,
    }


class ReceiptMail(NamedTuple):
    """What the receipt page says of the e-mails a response asked for."""

    #: The address the receipt goes to, masked as the staff page masks it (None: no receipt was asked for).
    receipt_to: str | None
    #: The respondent asked to be told when the report back is published (and gave an address).
    report_notice: bool

    @classmethod
    def of(cls, row) -> ReceiptMail:
        """From a row with the columns of :func:`_receipt_columns` (the receipt's own statement): whether a
        receipt e-mail is in the outbox for the submission (and to which address, masked), and whether the
        respondent will be told of the report. The receipt page says so, so that a person who closes the tab
        knows where the link went."""
        from hearing.mail import masked_address

        return cls(masked_address(row.receipt_to) if row.receipt_to else None,
                   bool(row.wants_report_notice and row.respondent_email))


@contextmanager
def _reading(session: Session) -> Iterator[Session | sa.Connection]:
    """Where plain reads go: the session when it has a transaction open (it may hold what they must see),
    else a connection outside any transaction, so no BEGIN goes before them and no ROLLBACK after."""
    if (session() if isinstance(session, scoped_session) else session).in_transaction():
        yield session
        return
    with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def response_data_of(submission: Submission) -> ResponseData:
    """The stored response as form data, for the edit form."""
    data = ResponseData(
        respondent_name=submission.respondent_name or "", respondent_email=submission.respondent_email or "",
        consent=submission.consent, group_id=submission.group_id, on_behalf_of=submission.on_behalf_of or "",
        meeting_date=submission.meeting_date, case_reference=submission.case_reference or "",
        wants_report_notice=submission.wants_report_notice,
    )
    for inp in submission.inputs:
        if inp.section_id:
            data.sections[inp.section_id] = inp.text
        elif inp.prompt_id:
            data.prompts[inp.prompt_id] = inp.text
        else:
            data.statement, data.place_name = inp.text, inp.place_name or ""
    for ans in submission.answers:
        prompt = ans.prompt
        data.prompts[prompt.id] = str(ans.rating) if ans.rating else (ans.choices if prompt.question_type == "multiple_choice" else (ans.choices or [""])[0])
    return data


def update_response(session: Session, submission: Submission, data: ResponseData, *, upload_folder: str) -> Submission:
    """Replace the content of a response (until the deadline); flushed, the caller commits."""
    if not can_change(submission):
        raise ResponseError({"statement": _l("Fristen er ute, og svaret kan ikke lenger endres.")})
    activity = submission.activity
    validate(activity, data, invitation=submission.invitation)
    submission.respondent_name = data.respondent_name.strip() or None
    submission.respondent_email = data.respondent_email.strip().lower() or None
    submission.consent = data.consent
    submission.wants_report_notice = bool(data.wants_report_notice and submission.respondent_email)
    if submission.invitation is None:
        submission.group_id = data.group_id
    else:
        submission.meeting_date = data.meeting_date
        submission.case_reference = data.case_reference.strip() or None
        submission.on_behalf_of = submission.invitation.body_name
    submission.updated_dt = utcnow()
    if submission.moderation != "pending":
        # A changed response is decided anew: it leaves the public pages until staff look at it again.
        submission.moderation, submission.moderation_reason = "pending", ""
        for att in submission.attachments:
            att.is_public = False
    # The submission's UPDATE first: it holds the row (PostgreSQL) or the database (SQLite) until the commit, so a
    # second edit sent at the same moment (another tab, a retry) reads the texts only after this one is stored,
    # and never adds the same new text again.
    session.flush()
    _write_texts(session, submission.id, activity, data, group_id=submission.group_id,
                 process_lang=activity.process.language, is_new=False, now=submission.updated_dt)
    _write_answers(session, submission.id, activity, data, is_new=False)
    _add_attachments(session, submission, data.files, upload_folder)
    _refresh_reports(session, activity.process_id)
    session.flush()
    return submission


def _refresh_reports(session: Session, process_id: int) -> None:
    responses_changed.send(session, process_id=process_id)  # the report module, which builds on this one, listens


def withdraw_response(session: Session, submission: Submission) -> None:
    """Withdraw a response (until the deadline); flushed, the caller commits."""
    if not can_change(submission):
        raise ResponseError({"statement": _l("Fristen er ute, og svaret kan ikke lenger trekkes.")})
    submission.is_withdrawn = True
    submission.withdrawn_dt = utcnow()
    _refresh_reports(session, submission.activity.process_id)
    session.flush()


# --- after the deadline ----------------------------------------------------------------------


@dataclass
class PublishedResponse:
    submission: Submission
    name: str | None
    texts: list[tuple[str | None, str]]  # (section or question title, masked text)


def published_responses(session: Session, activity: Activity, now: datetime | None = None) -> list[PublishedResponse] | None:
    """Responses the public may read, masked (and redacted by staff); None before the publication time.

    Which responses is decided by :func:`hearing.grouping.public_submissions` (approved by staff,
    allowed by the respondent, after the deadline).
    """
    from hearing.reporting.published import published_responses as published  # the public pages' own module

    now = now or utcnow()
    if activity.closes_dt is not None and now < activity.closes_dt:
        return None
    return [PublishedResponse(r.submission, r.name, [(t.where, t.text) for t in r.texts])
            for r in published(session, activity, now=now).items]


@dataclass
class QuestionResult:
    prompt: Prompt
    #: group name -> (count, average) for ratings, or group name -> {option: count} for choices
    by_group: dict[str, Any]
    total: Any
    n: int


def survey_results(session: Session, activity: Activity) -> list[QuestionResult]:
    """Counts and averages per question, in total and per stakeholder group."""
    prompts = list(activity.prompts)
    rating_ids = [p.id for p in prompts if p.question_type == QuestionType.RATING]
    choice_ids = [p.id for p in prompts if p.question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)]
    unknown = _("Ikke oppgitt")

    def answers(*columns) -> sa.Select:
        return (
            sa.select(*columns)
            .select_from(Answer)
            .join(Submission, Submission.id == Answer.submission_id)
            .outerjoin(StakeholderGroup, StakeholderGroup.id == Submission.group_id)
            .where(Submission.activity_id == activity.id, Submission.is_withdrawn.is_(False))
        )

    # Ratings: counted and summed by the database, per question and group.
    ratings: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    if rating_ids:
        q = answers(Answer.prompt_id, StakeholderGroup.name, sa.func.count(Answer.rating), sa.func.sum(Answer.rating))
        q = q.where(Answer.prompt_id.in_(rating_ids), Answer.rating.is_not(None))
        for prompt_id, g, n, total in session.execute(q.group_by(Answer.prompt_id, StakeholderGroup.name)):
            cell = ratings[prompt_id][g or unknown]
            cell[0] += n
            cell[1] += int(total or 0)
    # Choices are a JSON list per answer: only those columns are read.
    chosen: dict[int, list[tuple[str, list]]] = defaultdict(list)
    if choice_ids:
        q = answers(Answer.prompt_id, StakeholderGroup.name, Answer.choices).where(Answer.prompt_id.in_(choice_ids))
        for prompt_id, g, picked in session.execute(q):
            chosen[prompt_id].append((g or unknown, picked or []))
    free = dict(session.execute(
        sa.select(Input.prompt_id, sa.func.count(Input.id))
        .join(Submission, Submission.id == Input.submission_id)
        .where(Input.activity_id == activity.id, Submission.is_withdrawn.is_(False))
        .group_by(Input.prompt_id)
    ).all())
    results = []
    for prompt in prompts:
        if prompt.question_type == QuestionType.RATING:
            groups = ratings.get(prompt.id, {})
            by_group = {g: (n, total / n) for g, (n, total) in sorted(groups.items())}
            n_all = sum(n for n, _ in groups.values())
            sum_all = sum(total for _, total in groups.values())
            results.append(QuestionResult(prompt, by_group, (n_all, sum_all / n_all if n_all else None), n_all))
        elif prompt.question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            options = list(prompt.options)
            counts: dict[str, dict[str, int]] = defaultdict(lambda opts=options: dict.fromkeys(opts, 0))
            total = dict.fromkeys(prompt.options, 0)
            mine = chosen.get(prompt.id, [])
            for g, picked in mine:
                for c in picked:
                    if c in total:
                        counts[g][c] += 1
                        total[c] += 1
            results.append(QuestionResult(prompt, dict(sorted(counts.items())), total, len(mine)))
        else:
            results.append(QuestionResult(prompt, {}, None, free.get(prompt.id, 0)))
    return results


def open_processes(session: Session) -> list[Process]:
    return list(session.scalars(sa.select(Process).where(Process.is_public.is_(True))))
