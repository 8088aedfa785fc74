"""Outgoing e-mail through an outbox that the background worker sends.

- :func:`queue_mail` writes a message to the ``mail_messages`` table inside the caller's transaction
  (the caller commits, with the action that causes the message: nothing is sent for an action that
  was rolled back, and nothing is lost for one that was committed). It also queues a ``mail.send``
  job. No request ever talks to an SMTP server.
- :func:`send_due` (the ``mail.send`` job, and the worker's timed round) claims each due message
  atomically, so two workers never send the same one; it is sent over SMTP (``HEARING_MAIL_*``) or,
  with no host configured, stored in the local sink (the staff page «E-post» shows it).
- A failure waits and tries again, the wait doubling from ``MAIL_RETRY_SECONDS``. A wrong setting or
  an unreachable server keeps every message queued (the staff page says what to fix); a message the
  server refuses for good (an unknown recipient) is marked failed with the reason.
- A worker that stops in the middle of sending leaves the message "sending"; the timed round marks
  it failed with a reason rather than sending it again, since it may already have arrived.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import socket
import ssl
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing.models import Job, JobStatus, MailMessage, MailStatus, utcnow

log = logging.getLogger(__name__)

LANGUAGES = ("nb", "nn", "en", "da")
#: A message "sending" for longer than this was left by a stopped worker.
STALE_SENDING = timedelta(minutes=10)
#: The longest wait between two tries.
MAX_WAIT = timedelta(hours=1)


class MailConfigError(Exception):
    """The server cannot be used at all (address, port, login, encryption): every message waits."""


class MailRefused(Exception):
    """The server refused this message; ``permanent`` for a 5xx answer (it will never be accepted)."""

    def __init__(self, reason, permanent: bool):
        super().__init__(reason)
        self.permanent = permanent


# --- writing -----------------------------------------------------------------------------------


def _lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else "nb"


def recipient_language(preferred: str | None = None, process=None) -> str:
    """The one rule for the language of a message: the recipient's own (a stored preference, or the language
    they answered in), else the process's language, else the installation's default (BABEL_DEFAULT_LOCALE)."""
    for lang in (preferred, getattr(process, "language", None), current_app.config.get("BABEL_DEFAULT_LOCALE")):
        if lang in LANGUAGES:
            return lang
    return "nb"


def link_in_language(link: str, lang: str, own: str | None) -> str:
    """``link`` opening its page in ``lang`` (``?lang=``), unless that is the page's own language ``own``."""
    if lang == own:
        return link
    return f"{link}{'&' if '?' in link else '?'}lang={lang}"


def external_url(endpoint: str, **values: Any) -> str:
    """A full link for an e-mail, on the configured ``BASE_URL`` (see :mod:`hearing.links`)."""
    from hearing.links import external_url as link

    return link(endpoint, **values)


def render_mail(template: str, lang: str, **context: Any) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``templates/mail/<template>.txt|.html`` in ``lang``.

    The text template sets ``subject`` at its top level (``{% set subject = _("…") %}``).
    """
    g.setdefault("_mail_rendering", True)  # flask-babel's force_locale needs a non-empty g
    # the message's language is the "page" language while it is written: |in_lang tags a title in another language
    page_lang = g.get("_html_lang")
    g._html_lang = _lang(lang)
    try:
        with force_locale(_lang(lang)):
            env = current_app.jinja_env
            context = {**context, "lang": _lang(lang)}
            module = env.get_template(f"mail/{template}.txt").make_module(context)
            text = str(module).strip() + "\n"
            subject = " ".join(str(getattr(module, "subject", "")).split())
            html = render_template(f"mail/{template}.html", subject=subject, **context)
    finally:
        if page_lang is None:
            g.pop("_html_lang", None)
        else:
            g._html_lang = page_lang
    return subject, text, html


def queue_mail(
    session: Session,
    *,
    to: str,
    template: str,
    lang: str | None = "nb",
    kind: str | None = None,
    ref: str | None = None,
    process_id: int | None = None,
    **context: Any,
) -> MailMessage | None:
    """Put one message in the outbox; the caller commits it together with the action that causes it.

    ``template`` names ``templates/mail/<template>.txt`` and ``.html``; they are rendered now, in
    ``lang`` (nb, nn, en or da: see :func:`recipient_language`), with ``context``. ``ref`` (e.g. ``"submission:12"``) makes the message
    once only: a second call with the same ref returns None and queues nothing. Returns the message.
    """
    to = (to or "").strip()
    if "@" not in to or len(to) > 254 or any(c in to for c in "\r\n,;"):
        raise ValueError(f"not one e-mail address: {to!r}")
    if ref and session.scalar(sa.select(MailMessage.id).where(MailMessage.ref == ref)):
        return None
    subject, text, html = render_mail(template, lang, **context)
    sender = parseaddr(current_app.config.get("MAIL_SENDER") or "")[1]
    domain = sender.rpartition("@")[2] or "localhost"
    message = MailMessage(
        kind=kind or template, to_address=to, lang=_lang(lang), subject=subject[:300], body_text=text, body_html=html,
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=domain), ref=ref, process_id=process_id,
        status=MailStatus.QUEUED, next_attempt_dt=utcnow(),
    )
    session.add(message)
    session.flush()
    _ensure_send_job(session)
    return message


def _ensure_send_job(session: Session) -> None:
    """A queued ``mail.send`` job (one is enough: it sends every due message)."""
    from hearing import jobs

    waiting = session.scalar(
        sa.select(Job.id).where(Job.kind == "mail.send", Job.status == JobStatus.QUEUED).limit(1)
    )
    if waiting is None:
        jobs.enqueue(session, "mail.send")


# --- sending -----------------------------------------------------------------------------------


def _as_email(message: MailMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = message.to_address
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(message.created_dt)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    mail["Content-Language"] = _lang(message.lang)  # after the body: set_content drops Content-* headers
    return mail


class SmtpTransport:
    """One SMTP connection for a round of messages, opened on first use."""

    def __init__(self, config):
        self.host = config.get("MAIL_HOST")
        self.port = int(config.get("MAIL_PORT") or 587)
        self.security = (config.get("MAIL_SECURITY") or "starttls").lower()
        self.user = config.get("MAIL_USER")
        self.password = config.get("MAIL_PASSWORD") or ""
        self.timeout = float(config.get("MAIL_TIMEOUT") or 30)
        self.sender = config.get("MAIL_SENDER") or "Medvirkning <ikke-svar@localhost>"
        self.smtp: smtplib.SMTP | None = None

    def _where(self) -> dict:
        return {"host": self.host, "port": self.port}

    def connect(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                smtp.ehlo()
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailConfigError(_l("E-posttjeneren avviste innloggingen (%(code)s). Sjekk HEARING_MAIL_USER og "
                                     "HEARING_MAIL_PASSWORD.", code=exc.smtp_code)) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailConfigError(_l("E-posttjeneren %(host)s:%(port)s støtter ikke STARTTLS eller innlogging. Sjekk "
                                     "HEARING_MAIL_SECURITY og HEARING_MAIL_PORT.", **self._where())) from exc
        except ssl.SSLError as exc:
            raise MailConfigError(_l("Kryptert forbindelse til %(host)s:%(port)s mislyktes (%(error)s). Sjekk "
                                     "HEARING_MAIL_SECURITY (starttls, ssl eller none) og HEARING_MAIL_PORT.",
                                     error=exc.reason or type(exc).__name__, **self._where())) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailConfigError(_l("Fikk ikke kontakt med e-posttjeneren %(host)s:%(port)s (%(error)s). Sjekk "
                                     "HEARING_MAIL_HOST og HEARING_MAIL_PORT, og at tjeneren er oppe.",
                                     error=_describe(exc), **self._where())) from exc
        self.smtp = smtp
        return smtp

    def send(self, message: MailMessage) -> None:
        smtp = self.connect()
        try:
            smtp.send_message(_as_email(message, self.sender))
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise MailRefused(_l("Mottakeradressen ble avvist av e-posttjeneren (%(code)s %(reply)s).", code=code,
                                 reply=_text(reply)), permanent=code >= 500) from exc
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            raise MailConfigError(_l("E-posttjeneren avviste avsenderadressen (%(code)s %(reply)s). Sjekk "
                                     "HEARING_MAIL_SENDER.", code=exc.smtp_code, reply=_text(exc.smtp_error))) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise MailRefused(_l("E-posttjeneren tok ikke imot meldingen (%(code)s %(reply)s).", code=exc.smtp_code,
                                 reply=_text(exc.smtp_error)), permanent=exc.smtp_code >= 500) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailConfigError(_l("Forbindelsen til e-posttjeneren %(host)s:%(port)s brøt under sending (%(error)s).",
                                     error=_describe(exc), **self._where())) from exc

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def _text(reply) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply))[:300]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "forbindelsen ble avvist"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "tidsavbrudd"
    if isinstance(exc, socket.gaierror):
        return "ukjent vertsnavn"
    return f"{type(exc).__name__}: {exc}"[:200]


def uses_sink(config=None) -> bool:
    """No SMTP host configured: messages go to the local sink (stored, shown on the staff page)."""
    return not (config or current_app.config).get("MAIL_HOST")


def _wait(attempts: int) -> timedelta:
    base = float(current_app.config.get("MAIL_RETRY_SECONDS") or 60)
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_WAIT)


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    result = session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.status == MailStatus.QUEUED)
        .values(status=MailStatus.SENDING, attempts=MailMessage.attempts + 1, claimed_dt=now)
    )
    session.commit()
    return result.rowcount == 1


#: Messages claimed together and committed together: one claim and one commit per batch instead of two
#: per message (bench/mail.py: SQLite sent 18 a second one at a time). A worker that stops mid-batch
#: leaves at most this many "sending", which recover_stale marks failed rather than sending twice.
BATCH = 20


def _claim_many(session: Session, ids: list[int], now: datetime) -> list[int]:
    claimed = session.scalars(
        sa.update(MailMessage)
        .where(MailMessage.id.in_(ids), MailMessage.status == MailStatus.QUEUED)
        .values(status=MailStatus.SENDING, attempts=MailMessage.attempts + 1, claimed_dt=now)
        .returning(MailMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


def send_due(session: Session, *, now: datetime | None = None, limit: int = 200) -> dict:
    """Send (or store in the sink) the queued messages that are due, claimed and committed in batches.

    Returns counts: sent, retry (waiting after a failure), failed (given up), and the config
    error that stopped the round, if any.
    """
    from hearing.jobs import storable

    now = now or utcnow()
    config = current_app.config
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS") or 8)
    counts: dict[str, Any] = {"sent": 0, "retry": 0, "failed": 0, "stopped": None}
    due = session.scalars(
        sa.select(MailMessage.id).where(MailMessage.status == MailStatus.QUEUED, MailMessage.next_attempt_dt <= now)
        .order_by(MailMessage.next_attempt_dt, MailMessage.id).limit(limit)
    ).all()
    transport = None if uses_sink(config) else SmtpTransport(config)
    try:
        for start in range(0, len(due), BATCH):
            claimed = _claim_many(session, list(due[start:start + BATCH]), now)  # others' claims are skipped
            if not claimed:
                continue
            messages = session.scalars(
                sa.select(MailMessage).where(MailMessage.id.in_(claimed)).order_by(MailMessage.id)
                .execution_options(populate_existing=True)
            ).all()
            for k, message in enumerate(messages):
                try:
                    if transport is not None:
                        transport.send(message)
                except MailConfigError as exc:
                    # The server cannot be used: this, the rest of the batch and every other due message
                    # wait; none is given up.
                    retry_at = now + _wait(message.attempts)
                    reason = storable(exc.args[0], limit=2000)
                    message.last_error = reason
                    for waiting in messages[k:]:
                        waiting.status, waiting.next_attempt_dt = MailStatus.QUEUED, retry_at
                    session.flush()
                    session.execute(
                        sa.update(MailMessage)
                        .where(MailMessage.status == MailStatus.QUEUED, MailMessage.next_attempt_dt < retry_at)
                        .values(next_attempt_dt=retry_at)
                        .execution_options(synchronize_session=False)
                    )
                    session.commit()
                    counts["retry"] += 1
                    counts["stopped"] = reason
                    log.warning("mail round stopped: %s", exc.args[0])
                    return counts
                except MailRefused as exc:
                    message.last_error = storable(exc.args[0], limit=2000)
                    if exc.permanent or message.attempts >= max_attempts:
                        message.status = MailStatus.FAILED
                        counts["failed"] += 1
                    else:
                        message.status, message.next_attempt_dt = MailStatus.QUEUED, now + _wait(message.attempts)
                        counts["retry"] += 1
                    continue
                message.status, message.is_sent, message.sent_dt = MailStatus.SENT, True, utcnow()
                message.transport = "sink" if transport is None else "smtp"
                message.last_error = None
                if transport is not None:
                    # Delivered: the bodies can hold secret links, and the recipient has them now.
                    message.body_text, message.body_html = "", ""
                counts["sent"] += 1
            session.commit()
    finally:
        if transport is not None:
            transport.close()
    return counts


def recover_stale(session: Session, *, now: datetime | None = None) -> int:
    """Messages left "sending" by a stopped worker: failed with a reason (never sent twice on a guess)."""
    from hearing.jobs import storable

    now = now or utcnow()
    stale = session.scalars(
        sa.select(MailMessage).where(MailMessage.status == MailStatus.SENDING, MailMessage.claimed_dt < now - STALE_SENDING)
    ).all()
    for message in stale:
        message.status = MailStatus.FAILED
        message.last_error = storable(_l("Arbeideren stoppet midt i sendingen, så vi vet ikke om meldingen kom fram. "
                                         "Send den på nytt om mottakeren ikke har fått den."), limit=2000)
    session.commit()
    return len(stale)


def resend(session: Session, actor, message: MailMessage) -> None:
    """Staff send a failed message again (or a waiting one now); the caller commits."""
    from hearing import audit

    if message.status not in (MailStatus.FAILED, MailStatus.QUEUED):
        raise ValueError("only failed or waiting messages are sent again")
    message.status, message.next_attempt_dt = MailStatus.QUEUED, utcnow()
    audit.record(session, actor, "mail.resend", message, process_id=message.process_id, kind=message.kind)
    _ensure_send_job(session)


def retry_all_now(session: Session, actor) -> int:
    """Every waiting message is due now (after staff fixed a setting); the caller commits."""
    from hearing import audit

    n = session.execute(
        sa.update(MailMessage).where(MailMessage.status == MailStatus.QUEUED).values(next_attempt_dt=utcnow())
    ).rowcount
    audit.record(session, actor, "mail.retry_all", None, count=n)
    _ensure_send_job(session)
    return n


def enqueue_due(session: Session, *, now: datetime | None = None) -> bool:
    """The worker's timed round: a ``mail.send`` job when messages are due and none is waiting."""
    now = now or utcnow()
    recover_stale(session, now=now)
    due = session.scalar(
        sa.select(MailMessage.id).where(MailMessage.status == MailStatus.QUEUED, MailMessage.next_attempt_dt <= now).limit(1)
    )
    if due is None:
        return False
    _ensure_send_job(session)
    session.commit()
    return True


def outbox_problem(session: Session) -> str | None:
    """Why messages are waiting, when the last try of a waiting message failed (for the staff page)."""
    return session.scalar(
        sa.select(MailMessage.last_error)
        .where(MailMessage.status == MailStatus.QUEUED, MailMessage.last_error.is_not(None))
        .order_by(MailMessage.id.desc()).limit(1)
    )


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(MailMessage.status, sa.func.count()).group_by(MailMessage.status)).all()
    return {status: n for status, n in rows}


# The task registers when hearing.jobs loads its task modules.
def send_all_due(session: Session, *, now: datetime | None = None) -> dict:
    """Rounds of :func:`send_due` until no due message is left (or the server cannot be used)."""
    total: dict[str, Any] = {"sent": 0, "retry": 0, "failed": 0, "stopped": None}
    while True:
        result = send_due(session, now=now)
        for key in ("sent", "retry", "failed"):
            total[key] += result[key]
        total["stopped"] = result["stopped"]
        if result["stopped"] or not (result["sent"] or result["failed"] or result["retry"]):
            return total


def _task(session: Session, job, progress) -> dict:
    result = send_all_due(session)
    progress(100, "")
    return result


def purge_sink(session: Session, *, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the messages stored in the local sink more than ``days`` (MAIL_SINK_RETENTION_DAYS) ago; how many.
    Audited when any went; flushes, the caller commits. Messages sent by SMTP keep their row (their bodies are
    emptied at delivery); a sink message's row is the mail itself, so it goes whole."""
    from hearing import audit

    days = int(current_app.config["MAIL_SINK_RETENTION_DAYS"] if days is None else days)
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    n = session.execute(
        sa.delete(MailMessage).where(MailMessage.transport == "sink", MailMessage.status == MailStatus.SENT,
                                     MailMessage.sent_dt < cutoff).execution_options(synchronize_session=False)
    ).rowcount
    if n:
        audit.record(session, None, "mail.sink_purged", None, count=n, days=days)
        session.flush()
    return n


def _purge_sink_round(session: Session) -> int:
    """The worker's timed round: the sink's old messages go (committed here, as a job commits its work)."""
    n = purge_sink(session)
    if n:
        session.commit()
    return n


def _register() -> None:
    from hearing import jobs
    jobs.task("mail.send")(_task)
    jobs.periodic(enqueue_due)
    jobs.periodic(_invitation_reminders)
    jobs.periodic(_purge_sink_round)


def _invitation_reminders(session: Session) -> int:
    from hearing.participation.services import queue_invitation_reminders

    return queue_invitation_reminders(session)


_register()


# --- messages other areas send -----------------------------------------------------------------


def queue_report_published(session: Session, process_id: int, *, link: str, version: int | str = 1) -> int:
    """"The report is published" to every respondent of the process who asked to be told.

    One message per address (a person who answered three activities gets one), in the language they
    answered in (else the process's), with no one else's data; once per ``version`` of the report. The caller commits.
    Returns how many messages were queued.
    """
    from hearing.content import content
    from hearing.models import Activity, Process, Submission

    process = session.get(Process, process_id)
    rows = session.execute(
        sa.select(Submission.respondent_email, Submission.reference, Submission.lang)
        .join(Activity, Activity.id == Submission.activity_id)
        .where(Activity.process_id == process_id, Submission.wants_report_notice.is_(True),
               Submission.is_withdrawn.is_(False), Submission.respondent_email.is_not(None),
               Submission.purged_dt.is_(None))
        .order_by(Submission.submitted_dt, Submission.id)
    ).all()
    seen: set[str] = set()
    queued = 0
    for email, reference, lang in rows:
        if email in seen:
            continue
        seen.add(email)
        key = hashlib.sha256(email.encode()).hexdigest()[:20]
        lang = recipient_language(lang, process)
        their_link = link_in_language(link, lang, process.language)  # the report opens in the language they answered in
        if queue_mail(session, to=email, template="report_published", lang=lang, ref=f"report:{process_id}:{version}:{key}",
                      process_id=process_id, process_name=content(process, "name", lang), reference=reference,
                      link=their_link):
            queued += 1
    return queued


# --- what staff see of a message ------------------------------------------------------------------

#: A URL in a message body.
_URL = re.compile(r"https?://[^\s<>\"']+")
#: A secret in a link: a path segment or query value of 16 or more token characters (every secret link the
#: platform makes has one of 32 or more: answers, invitations, passwords, units).
_TOKEN = re.compile(r"(?<=[/=])[A-Za-z0-9_\-~%]{16,}")
HIDDEN = "[skjult]"


def hide_secrets(text: str) -> str:
    """``text`` with every secret in its links replaced by «[skjult]»: the link's kind stays readable
    (``…/svar/[skjult]``), the token that opens it does not."""
    def hide(match: re.Match) -> str:
        scheme, _slashes, rest = match.group(0).partition("//")
        host, slash, path = rest.partition("/")
        return f"{scheme}//{host}{slash}{_TOKEN.sub(HIDDEN, path)}"

    return _URL.sub(hide, text or "")


def masked_address(address: str) -> str:
    """An address as the staff page shows it: the first two letters and the domain (``ka•••@example.no``)."""
    local, at, domain = (address or "").partition("@")
    return f"{local[:2]}•••{at}{domain}" if at else "•••"


def staff_view(message: MailMessage) -> str:
    """A message body as an administrator may read it: secret links hidden, then personal data masked
    (the recipient's own address and name included). The whole message is only in the outbox table, for the
    worker (and, on the embedded default, for ``flask mail show``)."""
    from hearing.privacy import mask

    return mask(hide_secrets(message.body_text or ""))


def readable_error(message: MailMessage) -> str:
    """A message's last error in the reader's language."""
    from hearing.jobs import readable

    return readable(message.last_error)
