"""What the reviewers' pages read about theme runs: the overview of processes and their runs, and a run's
counts. Plain functions that take a session (no request inside); the board (:mod:`.board`), assessments
(:mod:`.assessments`) and the grouping engine's platform side (:mod:`hearing.grouping`) hold the changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing.auth.access import filter_processes
from hearing.models import Process, ThemeAssignment, ThemeRun


@dataclass
class Overview:
    """The processes a reviewer may see, each one's newest run and how many runs it has."""

    processes: list[Process]
    latest: dict[int, ThemeRun]
    counts: dict[int, int]


def overview(session: Session, user: Any) -> Overview:
    processes = session.scalars(
        filter_processes(session, user, sa.select(Process).order_by(Process.created_dt.desc()), Process.id)).all()
    latest = {run.process_id: run for run in session.scalars(sa.select(ThemeRun).order_by(ThemeRun.id))}
    counts = dict(session.execute(sa.select(ThemeRun.process_id, sa.func.count()).group_by(ThemeRun.process_id)).all())
    return Overview(list(processes), latest, counts)


def runs_of(session: Session, process: Process) -> list[ThemeRun]:
    """The process's runs, newest first."""
    return list(session.scalars(sa.select(ThemeRun).where(ThemeRun.process_id == process.id).order_by(ThemeRun.id.desc())))


def assignment_counts(session: Session, run: ThemeRun) -> dict[str, int]:
    """How many of the run's inputs are new since it ran, have a suggested theme, and are confirmed
    (moved by a reviewer or pinned): one pass over the run's placements."""
    def n(clause) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((clause, 1), else_=0)), 0)

    new, suggested, confirmed = session.execute(sa.select(
        n(ThemeAssignment.is_new.is_(True)),
        n(ThemeAssignment.suggested_theme_id.is_not(None)),
        n(sa.or_(ThemeAssignment.source == "manual", ThemeAssignment.is_pinned.is_(True))),
    ).where(ThemeAssignment.run_id == run.id)).one()
    return {"new": int(new), "suggested": int(suggested), "confirmed": int(confirmed)}


def has_suggestions(session: Session, run: ThemeRun) -> bool:
    return session.scalar(sa.select(ThemeAssignment.id).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.is_not(None)).limit(1)) is not None
