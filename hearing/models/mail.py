"""Outgoing e-mail (the outbox), one-time links for staff, and staff access to processes."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the worker (also between retries)
    SENDING = "sending"  # claimed by one worker
    SENT = "sent"  # accepted by the SMTP server, or stored in the local sink
    FAILED = "failed"  # given up: the reason says why; staff may send it again


class MailMessage(Base):
    """One e-mail, written in the same transaction as the action that causes it and sent by the worker."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        one_of("status", MailStatus),
        sa.CheckConstraint("is_sent = (sent_dt IS NOT NULL)", name="sent_flag"),
        sa.Index("ix_mail_messages_due", "status", "next_attempt_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What it is: receipt, report_published, invitation, invitation_reminder, password_reset, staff_invitation.
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: The one recipient (messages never carry other people's addresses).
    to_address: Mapped[str] = mapped_column(sa.String(254), index=True)
    #: Language the message was written in: nb, nn, en or da.
    lang: Mapped[str] = mapped_column(sa.String(5), default="nb")
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: Plain text and HTML bodies; emptied after an SMTP delivery (they can hold secret links).
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: The Message-ID header, fixed when queued: a retry sends the same message, never a new one.
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: What the message is about ("submission:12", "invitation:3"); unique when given, so the same
    #: action queued twice (a double click, a replayed job) makes one message.
    ref: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    #: The process it belongs to, if any (for per-process access on the staff page).
    process_id: Mapped[int | None] = mapped_column(sa.ForeignKey("processes.id", ondelete="SET NULL"), index=True)
    #: One of MailStatus.
    status: Mapped[str] = mapped_column(sa.String(20), default=MailStatus.QUEUED)
    is_sent: Mapped[bool] = mapped_column(default=False)
    #: Tries so far, and when the next may start (back-off after a failure).
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Why the last try failed, in words staff can act on (bokmål source, see hearing.jobs.storable).
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    #: "smtp" or "sink" (the local sink of the embedded default).
    transport: Mapped[str | None] = mapped_column(sa.String(10))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: When a worker claimed it (a claim without an end means the worker stopped mid-send).
    claimed_dt: Mapped[datetime | None]
    sent_dt: Mapped[datetime | None]


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a purpose, not a password)
    STAFF_INVITATION = "staff_invitation"


class UserToken(Base):
    """A one-time link for a staff member: set a new password, or a first one after an invitation."""

    __tablename__ = "user_tokens"
    __table_args__ = (one_of("purpose", TokenPurpose),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of TokenPurpose.
    purpose: Mapped[str] = mapped_column(sa.String(20))
    #: SHA-256 of the token in the link (the token itself is only in the e-mail).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    expires_dt: Mapped[datetime]
    #: Set when used, or when a newer link or a password change made it void.
    used_dt: Mapped[datetime | None]

    user = relationship("User")


class ProcessAccess(Base):
    """A reviewer's or facilitator's access to one process (when not given access to all)."""

    __tablename__ = "process_access"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
