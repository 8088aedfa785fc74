"""Likely duplicates among a run's inputs, found without the engine: the same words in the same forms.

Two inputs whose masked texts have the same stems (:attr:`Input.search_stems`: case, punctuation and
word endings ignored) are suggested as duplicates; one click marks the later ones as duplicates of the
first (the existing link :attr:`Input.duplicate_of_id`). Grouped in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing.grouping.queries import leave_out_withdrawn
from hearing.models import Input, ThemeAssignment, ThemeRun

__all__ = ["Suggestion", "suggestions"]

#: Groups of likely duplicates shown at once.
LIMIT = 20


@dataclass
class Suggestion:
    original: Input
    duplicates: list[Input]


def suggestions(session: Session, run: ThemeRun, theme_id: int | None = None, limit: int = LIMIT) -> list[Suggestion]:
    """Groups of the run's inputs (of one theme, if given) with the same stems, not yet marked as
    duplicates; the oldest of each group is the original, largest groups first."""
    base = leave_out_withdrawn(
        sa.select(Input.search_stems).select_from(ThemeAssignment).join(Input, Input.id == ThemeAssignment.input_id)
        .where(ThemeAssignment.run_id == run.id, Input.duplicate_of_id.is_(None),
               Input.search_stems.is_not(None), Input.search_stems != "")
    )
    if theme_id is not None:
        base = base.where(ThemeAssignment.theme_id == theme_id)
    keys = session.scalars(
        base.group_by(Input.search_stems).having(sa.func.count() > 1)
        .order_by(sa.func.count().desc(), sa.func.min(Input.id)).limit(limit)).all()
    if not keys:
        return []
    rows = session.scalars(
        leave_out_withdrawn(
            sa.select(Input).join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
            .where(ThemeAssignment.run_id == run.id, Input.duplicate_of_id.is_(None), Input.search_stems.in_(keys))
        ).where(*([ThemeAssignment.theme_id == theme_id] if theme_id is not None else []))
        .order_by(Input.id)).all()
    by_key: dict[str, list[Input]] = {}
    for inp in rows:
        by_key.setdefault(inp.search_stems, []).append(inp)
    return [Suggestion(group[0], group[1:]) for key in keys if len(group := by_key.get(key, [])) > 1]
