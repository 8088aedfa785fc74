"""Audit trail: who changed what and when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hearing.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: Staff member who acted; None for the system or an anonymous respondent.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Dotted verb, e.g. "process.create", "user.reset_password", "input.view_original".
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    #: Table name and id of the changed object.
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    #: Process the change belongs to, for per-process audit views.
    process_id: Mapped[int | None] = mapped_column(sa.ForeignKey("processes.id", ondelete="SET NULL"), index=True)
    #: Changed fields or other details (never passwords).
    data: Mapped[dict] = mapped_column(default=dict)


class RequestKey(Base):
    """One-time key of a rendered form: a replayed or double-clicked POST leads to the first result."""

    __tablename__ = "request_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Where the first POST with this key led.
    result_url: Mapped[str] = mapped_column(sa.String(500))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class AccessibilityReport(Base):
    """A problem with universal design reported through the accessibility statement's form."""

    __tablename__ = "accessibility_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The page the problem is on, as the person gave it.
    page: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text)
    #: For an answer; optional, and deleted with the report.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set by an administrator when handled.
    handled_dt: Mapped[datetime | None]
    #: The language the person wrote in (the page's), for the reply.
    lang: Mapped[str | None] = mapped_column(sa.String(5))


class RateLimit(Base):
    """A rate-limit counter shared by every app process (see hearing.ratelimit); Redis replaces it when set."""

    __tablename__ = "rate_limits"

    #: Flask-Limiter's key: limit, scope and client address.
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    #: Unix time the current window ends.
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)
