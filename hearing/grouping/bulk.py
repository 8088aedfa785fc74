"""The board for thousands of inputs: filters, pages counted in the database, and actions on many inputs.

A reviewer picks inputs by checkbox or takes "every input matching this filter" (resolved here, on the
server, from the filter's query, not from the page shown), then moves, confirms or assesses them at once.
Every move and confirmation is stored as a decision (:mod:`hearing.grouping.decisions`) through the
same functions as a single one, so a re-run obeys them. Plain functions that take a session; the caller
commits once (one transaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.grouping import search
from hearing.grouping.queries import leave_out_withdrawn
from hearing.grouping.service import ThemeServiceError, check_editable, move_input, pin_input
from hearing.labels import INPUT_SOURCES
from hearing.models import Assessment, Input, PlacementSource, Theme, ThemeAssignment, ThemeRun

__all__ = ["ACTIONS", "BANDS", "BulkError", "BulkResult", "Page", "View", "apply", "page_of", "selected_ids"]

#: Inputs per page of the board.
PER_PAGE = 50
#: Certainty bands: (lowest, highest) confidence; "none" is an input without a certainty.
BANDS = {"high": (0.8, None), "mid": (0.5, 0.8), "low": (None, 0.5), "none": (None, None)}
BAND_LABELS = {"high": _l("Høy (minst 80 %)"), "mid": _l("Middels (50–79 %)"), "low": _l("Lav (under 50 %)"),
               "none": _l("Ukjent")}
STATUS_LABELS = {"confirmed": _l("Bekreftet"), "unconfirmed": _l("Ikke bekreftet")}
CHANNEL_LABELS = INPUT_SOURCES
#: What can be done to many inputs at once.
ACTIONS = ("move", "confirm", "assess")


class BulkError(ThemeServiceError):
    """The chosen action cannot be done; the message (lazy, Norwegian) is shown to the reviewer."""


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def confirmed_clause() -> sa.ColumnElement[bool]:
    """A placement a reviewer has confirmed: moved there, an accepted suggestion, or pinned."""
    return sa.or_(ThemeAssignment.source.in_((PlacementSource.MANUAL, PlacementSource.SUGGESTED)),
                  ThemeAssignment.is_pinned.is_(True))


@dataclass(frozen=True)
class View:
    """What the board shows: filters, a search and a page."""

    theme_id: int | None = None
    band: str | None = None
    group_id: int | None = None
    channel: str | None = None
    lang: str | None = None
    status: str | None = None
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> View:
        """Read from query arguments (or a posted form); values that make no sense are ignored."""
        band, channel, status = args.get("band"), args.get("channel"), args.get("status")
        lang = args.get("lang_filter")
        return cls(
            theme_id=_int(args.get("theme")),
            band=band if band in BANDS else None,
            group_id=_int(args.get("group")),
            channel=channel if channel in CHANNEL_LABELS else None,
            lang=lang if lang in search.LANGS else None,
            status=status if status in STATUS_LABELS else None,
            q=(args.get("q") or "").strip()[:200],
            page=max(1, _int(args.get("page")) or 1),
        )

    def args(self, *, page: bool = True) -> dict[str, str | int]:
        """As query arguments (for links and redirects that keep them)."""
        names = {"theme_id": "theme", "group_id": "group", "lang": "lang_filter"}
        out: dict[str, str | int] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "page" and (not page or value == 1):
                continue
            if value:
                out[names.get(f.name, f.name)] = value
        return out

    @property
    def active(self) -> bool:
        return bool(replace(self, page=1).args())

    def query(self, session: Session, run: ThemeRun, *columns) -> sa.Select:
        """``SELECT columns`` (default: the placement) of the run's inputs that pass, in input order."""
        q = sa.select(*(columns or (ThemeAssignment,))).select_from(ThemeAssignment).join(
            Input, Input.id == ThemeAssignment.input_id).where(ThemeAssignment.run_id == run.id)
        q = leave_out_withdrawn(q)
        if self.theme_id:
            q = q.where(ThemeAssignment.theme_id == self.theme_id)
        if self.band:
            low, high = BANDS[self.band]
            if self.band == "none":
                q = q.where(ThemeAssignment.confidence.is_(None))
            if low is not None:
                q = q.where(ThemeAssignment.confidence >= low)
            if high is not None:
                q = q.where(ThemeAssignment.confidence < high)
        if self.group_id:
            q = q.where(Input.group_id == self.group_id)
        if self.channel:
            q = q.where(Input.source == self.channel)
        if self.lang:
            q = q.where(Input.lang == self.lang)
        if self.status == "confirmed":
            q = q.where(confirmed_clause())
        elif self.status == "unconfirmed":
            q = q.where(sa.not_(confirmed_clause()))
        if self.q and (found := search.matching_clause(session, self.q)) is not None:
            q = q.where(found)
        elif self.q:
            q = q.where(sa.false())
        return q.order_by(Input.id)


@dataclass
class Row:
    assignment: ThemeAssignment
    input: Input

    @property
    def confirmed(self) -> bool:
        a = self.assignment
        return a.is_pinned or a.source in (PlacementSource.MANUAL, PlacementSource.SUGGESTED)


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int
    #: Theme id -> inputs that pass the filters (all themes of the run, also when filtered by theme).
    per_theme: dict[int, int]


def count(session: Session, q: sa.Select) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())) or 0


def page_of(session: Session, run: ThemeRun, view: View, per_page: int = PER_PAGE) -> Page:
    """One page of the board; the total and the count per theme are computed in the database."""
    total = count(session, view.query(session, run, ThemeAssignment.id))
    pages = max(1, -(-total // per_page))
    page = min(view.page, pages)
    rows = session.execute(view.query(session, run, ThemeAssignment, Input)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    unthemed = replace(view, theme_id=None)
    per_theme = dict(session.execute(
        unthemed.query(session, run, ThemeAssignment.theme_id, sa.func.count())
        .order_by(None).group_by(ThemeAssignment.theme_id)).all())
    return Page([Row(a, i) for a, i in rows], total, page, pages, per_theme)


def selected_ids(session: Session, run: ThemeRun, view: View, *, all_matching: bool,
                 assignment_ids: Sequence[int] = ()) -> list[int]:
    """The placements an action applies to: every one matching ``view`` (all pages), or the ticked
    ones that belong to the run (and are not of a withdrawn submission)."""
    q = view.query(session, run, ThemeAssignment.id)
    if not all_matching:
        q = leave_out_withdrawn(
            sa.select(ThemeAssignment.id).join(Input, Input.id == ThemeAssignment.input_id)
            .where(ThemeAssignment.run_id == run.id, ThemeAssignment.id.in_(list(assignment_ids) or [-1]))
        ).order_by(ThemeAssignment.id)
    return list(session.scalars(q))


@dataclass
class BulkResult:
    action: str
    done: int  # placements changed
    unchanged: int  # already so (already in the theme, already confirmed)
    theme: Theme | None = None
    kept: int = 0  # assessed before and left as they were (``replace`` not ticked)


def apply(session: Session, actor, run: ThemeRun, action: str, ids: Sequence[int], *,
          target: Theme | None = None, decision: str = "", reason: str = "", replace: bool = False) -> BulkResult:
    """Move, confirm or assess the placements ``ids`` of ``run`` at once.

    An assessment replaces one given before only with ``replace`` (as on the theme's assessment page): a
    filter such as "Bekreftet" also holds inputs assessed one by one, with their own reasons.

    Moves and confirmations go through :func:`~hearing.grouping.service.move_input` and
    :func:`~hearing.grouping.service.pin_input`, so each is a stored decision a re-run obeys.
    Nothing is changed when the action cannot be done.
    """
    if action not in ACTIONS:
        raise BulkError(_l("Velg hva som skal gjøres med innspillene."))
    if not ids:
        raise BulkError(_l("Velg minst ett innspill, eller velg alle som passer til filteret."))
    if action != "assess":  # moves and confirmations are decisions: refused in an older run or during a newer one
        check_editable(session, run, BulkError)
    elif run.job is not None and run.job.status != "done":
        raise BulkError(_l("Grupperingen er ikke ferdig ennå."))
    if action == "move" and (target is None or target.run_id != run.id or target.merged_into_id):
        raise BulkError(_l("Velg et tema å flytte innspillene til."))
    if action == "assess":
        from hearing.review import assessments  # late: assessments import the review package

        try:
            reason = assessments.check(decision, reason)
        except assessments.ServiceError as exc:
            raise BulkError(str(exc)) from exc
    done = unchanged = kept = 0
    for start in range(0, len(ids), 500):
        chunk = session.scalars(sa.select(ThemeAssignment).where(ThemeAssignment.id.in_(ids[start:start + 500]))
                                .order_by(ThemeAssignment.id)).all()
        assessed = set() if action != "assess" or replace else set(session.scalars(
            sa.select(Assessment.input_id).where(Assessment.input_id.in_([a.input_id for a in chunk]))))
        for a in chunk:
            if a.input_id in assessed:
                kept += 1
                continue
            if action == "move":
                if a.theme_id == target.id and a.source == PlacementSource.MANUAL:
                    unchanged += 1
                    continue
                move_input(session, actor, a, target)
            elif action == "confirm":
                if a.is_pinned:
                    unchanged += 1
                    continue
                pin_input(session, actor, a, True)
            else:
                assessments.assess_input(session, actor, a.input, decision, reason)
            done += 1
        session.flush()
    audit.record(session, actor, f"board.bulk_{action}", run, process_id=run.process_id, count=done,
                 unchanged=unchanged, kept=kept, to_theme=target.id if target else None, decision=decision or None)
    return BulkResult(action, done, unchanged, target, kept)


def return_anchor(session: Session, run: ThemeRun, view: View, page_ids: Sequence[int],
                  chosen: Sequence[int]) -> str:
    """``#input-N`` of the row the reviewer was at: the first chosen input if it still passes the
    filters, else the next row of the page that does, else the one before; ``#board-list`` otherwise."""
    if not page_ids:
        return "#board-list"
    still = set(session.scalars(view.query(session, run, Input.id).where(Input.id.in_(list(page_ids)))))
    chosen_set = set(chosen)
    start = next((n for n, i in enumerate(page_ids) if i in chosen_set), 0)
    for i in list(page_ids[start:]) + list(reversed(page_ids[:start])):
        if i in still:
            return f"#input-{i}"
    return "#board-list"
