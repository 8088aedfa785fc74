"""Queries for the public pages."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from hearing import audit
from hearing.models import AccessibilityReport, Activity, Audience, Process


def open_public_activities(session: Session, now: datetime) -> list[tuple[Process, list[Activity]]]:
    """Public processes with their public activities that are open or about to open, soonest deadline first."""
    activities = session.scalars(
        sa.select(Activity)
        .join(Process)
        .where(
            Process.is_public.is_(True),
            Activity.audience == Audience.PUBLIC,
            Activity.kind != "workshop",
            sa.or_(Activity.closes_dt.is_(None), Activity.closes_dt > now),
        )
        .options(selectinload(Activity.process))
        .order_by(Activity.closes_dt.is_(None), Activity.closes_dt, Activity.id)
    ).all()
    grouped: dict[int, tuple[Process, list[Activity]]] = {}
    for activity in activities:
        grouped.setdefault(activity.process_id, (activity.process, []))[1].append(activity)
    return list(grouped.values())


def closed_public_hearings(session: Session, now: datetime, limit: int = 10) -> list[Activity]:
    """Public hearings past their deadline, newest first: their published responses can be read."""
    return list(session.scalars(
        sa.select(Activity).join(Process)
        .where(Process.is_public.is_(True), Activity.audience == Audience.PUBLIC, Activity.kind == "hearing",
               Activity.closes_dt.is_not(None), Activity.closes_dt <= now)
        .order_by(Activity.closes_dt.desc()).limit(limit)
    ))


def report_accessibility_problem(session: Session, page: str, description: str, email: str | None,
                                 lang: str | None = None) -> AccessibilityReport:
    """Store a reported problem; ``lang`` is the language the person read the page in (the reply's)."""
    report = AccessibilityReport(page=(page or "")[:500], description=description, email=(email or None), lang=lang)
    session.add(report)
    session.flush()
    audit.record(session, None, "accessibility.report", report, page=report.page)
    return report


def open_accessibility_reports(session: Session) -> int:
    """Reports no administrator has marked as handled: shown on the administrators' front page."""
    return session.scalar(sa.select(sa.func.count(AccessibilityReport.id)).where(AccessibilityReport.handled_dt.is_(None)))
