"""Assessments (vurderinger) of inputs: one input or a whole theme at once, and what is still unassessed.

Plain functions taking the session, the acting user and data; they flush, record an audit event and
leave the commit to the caller. No request inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, defer, selectinload

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.grouping import current_run as latest_run
from hearing.grouping import leave_out_withdrawn as visible
from hearing.grouping.confirm import confirmed_clause
from hearing.models import (
    Activity,
    Assessment,
    Decision,
    Draft,
    FocusArea,
    Input,
    Process,
    StakeholderGroup,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
    utcnow,
)

__all__ = ["REASON_MAX", "Assessed", "ServiceError", "assess_input", "assess_theme", "latest_run"]

#: Longest reason accepted (a short justification, not an essay).
REASON_MAX = 2000
#: Decisions that need a reason: everything but "tatt til følge".
NEEDS_REASON = frozenset({Decision.PARTLY, Decision.NOT_ADOPTED, Decision.NOT_RELEVANT})


def check(decision: str, reason: str) -> str:
    """The cleaned reason, or ServiceError with the message a reviewer sees."""
    if decision not in {d.value for d in Decision}:
        raise ServiceError(_l("Velg en vurdering."))
    reason = (reason or "").strip()
    if decision in NEEDS_REASON and not reason:
        raise ServiceError(
            _l("Skriv en kort begrunnelse. Den trengs når innspillet ikke er tatt til følge i sin helhet.")
        )
    if len(reason) > REASON_MAX:
        raise ServiceError(_l("Begrunnelsen kan være høyst %(reason_max)s tegn.", reason_max=REASON_MAX))
    return reason


def process_of_input(session: Session, item: Input) -> int:
    return session.scalar(sa.select(Activity.process_id).where(Activity.id == item.activity_id))


def focus_areas(session: Session, process: Process) -> list[tuple[Draft, list[FocusArea]]]:
    """The focus areas an assessment may point to: every draft of the process, newest first."""
    drafts = session.scalars(
        sa.select(Draft).where(Draft.process_id == process.id).order_by(Draft.number.desc())
    )
    return [(d, list(d.focus_areas)) for d in drafts if d.focus_areas]


def _focus_area(session: Session, process_id: int, focus_area_id: int | None) -> FocusArea | None:
    if not focus_area_id:
        return None
    area = session.get(FocusArea, focus_area_id)
    if area is None or area.draft.process_id != process_id:
        raise ServiceError(_l("Velg et satsningsområde fra et utkast i denne prosessen."))
    return area


def _apply(
    item: Input,
    actor: User | None,
    decision: str,
    reason: str,
    area: FocusArea | None,
    theme: Theme | None,
    session: Session,
) -> tuple[Assessment, str | None]:
    current = item.assessment
    previous = current.decision if current is not None else None
    if current is None:
        current = Assessment(input_id=item.id)
        session.add(current)
        item.assessment = current
    current.decision = decision
    current.reason = reason
    current.focus_area_id = area.id if area else None
    current.draft_id = area.draft_id if area else None
    current.theme_id = theme.id if theme else None
    current.assessed_by_id = getattr(actor, "id", None)
    current.assessed_dt = utcnow()
    return current, previous


def assess_input(
    session: Session,
    actor: User | None,
    item: Input,
    decision: str,
    reason: str = "",
    focus_area_id: int | None = None,
) -> Assessment:
    """Give one input its assessment; an earlier one is replaced (the audit log keeps the history)."""
    reason = check(decision, reason)
    process_id = process_of_input(session, item)
    area = _focus_area(session, process_id, focus_area_id)
    assessment, previous = _apply(item, actor, decision, reason, area, None, session)
    session.flush()
    audit.record(
        session,
        actor,
        "assessment.set",
        assessment,
        process_id=process_id,
        input_id=item.id,
        decision=decision,
        previous=previous,
        reason=reason,
        focus_area_id=assessment.focus_area_id,
    )
    return assessment


def theme_inputs_query(theme: Theme, *, unassessed_only: bool = False, confirmed: bool | None = None) -> sa.Select:
    """``SELECT Input`` placed in the theme (withdrawn ones left out), oldest first; see :func:`theme_inputs`."""
    q = (
        sa.select(Input)
        .join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
        .where(ThemeAssignment.theme_id == theme.id)
    )
    if confirmed is not None:
        q = q.where(confirmed_clause() if confirmed else ~confirmed_clause())
    if unassessed_only:
        q = q.where(_unassessed())
    return visible(q).order_by(Input.id)


def _unassessed() -> sa.ColumnElement[bool]:
    """True for an input without an assessment: NOT EXISTS, which PostgreSQL plans as an anti-join (a LEFT
    JOIN with "IS NULL" it took to leave one row, and looped over every input of the process)."""
    return ~sa.exists().where(Assessment.input_id == Input.id)


def theme_inputs(
    session: Session, theme: Theme, *, unassessed_only: bool = False, confirmed: bool | None = None
) -> list[Input]:
    """The inputs placed in the theme (withdrawn ones left out), oldest first.

    ``confirmed``: True for only those a reviewer moved, pinned or confirmed there, False for only the others.
    """
    q = theme_inputs_query(theme, unassessed_only=unassessed_only, confirmed=confirmed)
    return list(session.scalars(q))


def theme_counts(session: Session, theme: Theme) -> tuple[int, int]:
    """Inputs in the theme (withdrawn ones left out) and how many of them are still unassessed: one query."""
    unassessed = sa.case((Assessment.id.is_(None), 1), else_=0)
    q = visible(
        sa.select(sa.func.count(Input.id), sa.func.sum(unassessed))
        .select_from(Input)
        .join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
        .outerjoin(Assessment, Assessment.input_id == Input.id)
        .where(ThemeAssignment.theme_id == theme.id)
    )
    total, left = session.execute(q).one()
    return int(total or 0), int(left or 0)


def card_options() -> tuple:
    """Loader options for a page of input cards: the assessment in one extra query, big columns left out."""
    return (selectinload(Input.assessment), defer(Input.search_stems), defer(Input.text))


class Assessed(list):
    """The inputs a whole-theme assessment reached; ``left_out`` counts those it skipped as unconfirmed."""

    left_out: int = 0


def assess_theme(
    session: Session,
    actor: User | None,
    theme: Theme,
    decision: str,
    reason: str = "",
    focus_area_id: int | None = None,
    *,
    replace: bool = False,
) -> Assessed:
    """Assess every confirmed input of a theme at once: those without an assessment, or all when ``replace``.

    Only inputs a reviewer moved, pinned or confirmed in the theme get the theme's assessment: one
    reason for a whole theme must not reach the inputs the engine misplaced there. Returns the inputs
    that got the assessment; its ``left_out`` says how many unconfirmed ones were skipped.
    """
    reason = check(decision, reason)
    process_id = theme.run.process_id
    area = _focus_area(session, process_id, focus_area_id)
    targets = Assessed(theme_inputs(session, theme, unassessed_only=not replace, confirmed=True))
    targets.left_out = len(theme_inputs(session, theme, unassessed_only=not replace, confirmed=False))
    if not targets:
        if targets.left_out:
            raise ServiceError(
                _l(
                    "Ingen av innspillene i temaet er bekreftet ennå (%(n)d er ikke bekreftet). "
                    "Bekreft, fest eller flytt dem først, eller vurder dem ett og ett.",
                    n=targets.left_out,
                )
            )
        raise ServiceError(
            _l("Alle innspillene i temaet er allerede vurdert. Kryss av for å erstatte vurderingene.")
        )
    replaced = 0
    for item in targets:
        _assessment, previous = _apply(item, actor, decision, reason, area, theme, session)
        replaced += previous is not None
    session.flush()
    audit.record(
        session,
        actor,
        "assessment.theme",
        theme,
        process_id=process_id,
        decision=decision,
        reason=reason,
        focus_area_id=area.id if area else None,
        input_ids=[i.id for i in targets],
        replaced=replaced,
        left_out=targets.left_out,
    )
    return targets


# --- what is still unassessed -------------------------------------------------------------------


@dataclass
class Progress:
    """Inputs in a theme or a stakeholder group, and how many of them still need an assessment."""

    key: int | None
    label: str
    total: int
    unassessed: int

    @property
    def assessed(self) -> int:
        return self.total - self.unassessed


def _counts(session: Session, key, base) -> dict:
    unassessed = sa.case((Assessment.id.is_(None), 1), else_=0)
    q = visible(base.outerjoin(Assessment, Assessment.input_id == Input.id))
    q = q.with_only_columns(key, sa.func.count(Input.id), sa.func.sum(unassessed)).group_by(key)
    return {k: (total, int(left or 0)) for k, total, left in session.execute(q)}


def by_theme(session: Session, run: ThemeRun) -> list[Progress]:
    """Per theme of the run (merged-away themes left out): inputs and unassessed inputs."""
    base = (
        sa.select(Input.id)
        .join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
        .where(ThemeAssignment.run_id == run.id)
    )
    counts = _counts(session, ThemeAssignment.theme_id, base)
    return [
        Progress(t.id, t.label, *counts.get(t.id, (0, 0)))
        for t in run.themes
        if t.merged_into_id is None and (t.id in counts or not t.is_misc)
    ]


NO_GROUP = _l("Uten gruppe")


def by_group(session: Session, process: Process) -> list[Progress]:
    """Per stakeholder group (and inputs without one) of the whole process."""
    base = (
        sa.select(Input.id)
        .join(Activity, Activity.id == Input.activity_id)
        .where(Activity.process_id == process.id)
    )
    counts = _counts(session, Input.group_id, base)
    names = dict(
        session.execute(
            sa.select(StakeholderGroup.id, StakeholderGroup.name).where(
                StakeholderGroup.process_id == process.id
            )
        ).all()
    )
    no_group = str(NO_GROUP)
    out = [Progress(gid, names.get(gid, no_group), *counts[gid]) for gid in counts if gid is not None]
    out.sort(key=lambda p: p.label.casefold())
    if None in counts:
        out.append(Progress(None, no_group, *counts[None]))
    return out


def group_inputs_query(process: Process, group_id: int | None) -> sa.Select:
    """``SELECT Input``: the unassessed inputs of one stakeholder group of the process (``None``: without a
    group), withdrawn ones left out, oldest first."""
    q = (
        sa.select(Input)
        .join(Activity, Activity.id == Input.activity_id)
        .where(
            Activity.process_id == process.id,
            _unassessed(),
            Input.group_id.is_(None) if group_id is None else Input.group_id == group_id,
        )
    )
    return visible(q).order_by(Input.id)


def group_inputs(session: Session, process: Process, group_id: int | None) -> list[Input]:
    """The unassessed inputs of one stakeholder group of the process (``None``: inputs without a group)."""
    return list(session.scalars(group_inputs_query(process, group_id)))
