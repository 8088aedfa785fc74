"""Traceability of one input: its theme, whether a reviewer confirmed it (who, when), its assessment
and every draft section (strategy or measure) that cites it.

A plain function that takes a session; the input page shows what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing.grouping.confirm import is_confirmed
from hearing.grouping.decisions import PLACING
from hearing.models import (
    Assessment,
    DecisionKind,
    Draft,
    FocusArea,
    Input,
    Measure,
    Strategy,
    ThemeAssignment,
    ThemeDecision,
    ThemeRun,
    User,
)
from hearing.models.drafts import measure_inputs, strategy_inputs

__all__ = ["Citation", "Trace", "input_trace"]


@dataclass
class Citation:
    """A draft section that cites the input."""

    kind: str  # "strategy" or "measure"
    part: Strategy | Measure
    focus_area: FocusArea
    draft: Draft


@dataclass
class Trace:
    assignment: ThemeAssignment | None = None
    confirmed: bool = False
    #: The reviewers' last placing decision (move, pin, confirmation) on the input, with who and when.
    decision: ThemeDecision | None = None
    decided_by: User | None = None
    assessment: Assessment | None = None
    assessed_by: User | None = None
    citations: list[Citation] = field(default_factory=list)

    @property
    def how(self) -> str | None:
        """The kind of the last placing decision (move, pin, confirm), or None."""
        return str(self.decision.kind) if self.decision is not None else None


def input_trace(session: Session, inp: Input, run: ThemeRun | None) -> Trace:
    """Theme (in ``run``), confirmation, assessment and citing draft sections of ``inp``."""
    out = Trace()
    if run is not None:
        out.assignment = session.scalar(sa.select(ThemeAssignment).where(
            ThemeAssignment.run_id == run.id, ThemeAssignment.input_id == inp.id))
    out.confirmed = out.assignment is not None and is_confirmed(out.assignment)
    out.decision = session.scalar(
        sa.select(ThemeDecision)
        .where(ThemeDecision.input_id == inp.id, ThemeDecision.kind.in_(PLACING),
               ThemeDecision.kind != DecisionKind.UNPIN)
        .order_by(ThemeDecision.id.desc()).limit(1))
    if out.decision is not None and out.decision.created_by_id:
        out.decided_by = session.get(User, out.decision.created_by_id)
    out.assessment = session.scalar(sa.select(Assessment).where(Assessment.input_id == inp.id))
    if out.assessment is not None and out.assessment.assessed_by_id:
        out.assessed_by = session.get(User, out.assessment.assessed_by_id)
    for kind, model, table, key in (("strategy", Strategy, strategy_inputs, strategy_inputs.c.strategy_id),
                                    ("measure", Measure, measure_inputs, measure_inputs.c.measure_id)):
        for part in session.scalars(sa.select(model).join(table, key == model.id).where(table.c.input_id == inp.id)):
            area = part.focus_area if kind == "strategy" else part.strategy.focus_area
            out.citations.append(Citation(kind, part, area, area.draft))
    out.citations.sort(key=lambda c: (-c.draft.number, c.focus_area.position, c.kind != "strategy", c.part.position))
    return out
