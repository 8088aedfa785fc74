"""The accessibility statement (tilgjengelighetserklæring) an administrator keeps, the status of each
WCAG 2.1 criterion with deviations and their consequences, and replies to reported problems."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hearing.models.base import Base, utcnow


class AccessibilityStatement(Base):
    """One row: the organisation's statement for this installation."""

    __tablename__ = "accessibility_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Whose rules the statement follows: "no" (forskrift om universell utforming av IKT, uustatus.no,
    #: Diskrimineringsnemnda) or "dk" (webtilgængelighedsloven, WAS-Tool, Digitaliseringsstyrelsen).
    country: Mapped[str] = mapped_column(sa.String(2), default="no", server_default="no")
    #: The municipality or other body responsible, e.g. "Eksempel kommune".
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Organisation number (9 digits in Norway; the CVR number, 8 digits, in Denmark).
    org_number: Mapped[str] = mapped_column(sa.String(20), default="")
    #: The address the statement covers, e.g. https://medvirkning.eksempel.kommune.no.
    covered_url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The official statement in Digdir's service, https://uustatus.no/nb/erklaringer/publisert/…, or in
    #: Denmark in Digitaliseringsstyrelsen's WAS-Tool, https://was.digst.dk/….
    uustatus_url: Mapped[str] = mapped_column(sa.String(500), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: Telephone for feedback: optional in Norway; a Danish statement must give both a telephone and a
    #: written contact (bekendtgørelse nr. 904 af 22/08/2019).
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    #: Working days within which a reported problem gets a reply.
    reply_days: Mapped[int] = mapped_column(default=10)
    #: "diskrimineringsnemnda" (municipalities and other public bodies) or "uutilsynet" in Norway,
    #: "digitaliseringsstyrelsen" in Denmark (hearing.accessibility.COMPLAINT_BODIES).
    complaint_body: Mapped[str] = mapped_column(sa.String(40), default="diskrimineringsnemnda")
    last_tested: Mapped[date | None]
    #: How the last test was done, in the organisation's words (shown beside the built-in list).
    test_notes: Mapped[str] = mapped_column(sa.Text, default="")
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)


class AccessibilityCriterion(Base):
    """The status of one WCAG 2.1 success criterion on this installation."""

    __tablename__ = "accessibility_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "1.1.1" … "4.1.3".
    number: Mapped[str] = mapped_column(sa.String(10), unique=True)
    #: met, partly, not_met, not_tested or not_applicable.
    status: Mapped[str] = mapped_column(sa.String(20), default="not_tested")
    #: What does not work, and where.
    deviation: Mapped[str] = mapped_column(sa.Text, default="")
    #: What it means for users (for example blind users of screen readers).
    consequence: Mapped[str] = mapped_column(sa.Text, default="")
    #: What will be done, and when.
    plan: Mapped[str] = mapped_column(sa.Text, default="")
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)


class AccessibilityReply(Base):
    """A reply to a reported problem, kept as a trail (and sent by e-mail when the person gave one)."""

    __tablename__ = "accessibility_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("accessibility_reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    #: Whether it was queued as an e-mail to the person who reported.
    emailed: Mapped[bool] = mapped_column(default=False)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
