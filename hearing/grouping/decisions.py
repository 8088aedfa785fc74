"""The review group's decisions as data, and what a new run makes of them.

Every rename, guidance text, move, pin, confirmation, merge and split is stored as a
:class:`~hearing.models.ThemeDecision` on the process. A new run reads them back:

* the previous run's reviewer-named themes (and every theme a reviewer split, merged into or placed
  an input in) become guides (:class:`hearing.themes.Guide` with ``key`` = the previous theme's id), so their
  names and id lineage (``Theme.previous_theme_id``) go on;
* every input a reviewer moved, pinned or confirmed is a fixed label: it stays in the theme the
  reviewer chose, whichever run the decision was made in (followed through the lineage);
* the guidance text last typed is the default of the next run's form;
* a run that continues the themes (the default) also keeps every other theme of the previous run
  as a guide, and each input the reviewers did not touch starts in the theme it was in: it stays
  there unless the engine finds another theme clearly closer, so a re-run does not reshuffle
  what the reviewers have read (``keep_themes=False`` regroups everything not decided).

Plain functions that take a session; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing import themes  # Guide on first use: the engine's libraries load with the first run, not the app
from hearing.models import (
    DecisionKind,
    Input,
    PlacementSource,
    Theme,
    ThemeAssignment,
    ThemeDecision,
    ThemeRun,
)

__all__ = ["Carried", "Placement", "carry_over", "guidance_default", "placements", "record"]

#: Decisions that put an input in a theme.
PLACING = (DecisionKind.MOVE, DecisionKind.PIN, DecisionKind.UNPIN, DecisionKind.CONFIRM)
#: Confirmed member texts given to a guide as examples.
N_EXAMPLES = 5
#: Keywords of a carried theme given to its guide.
N_KEYWORDS = 6


def record(session: Session, actor, kind: DecisionKind, *, process_id: int, run_id: int | None = None,
           theme_id: int | None = None, input_id: int | None = None, name: str | None = None,
           **payload) -> ThemeDecision:
    """Store one decision of the review group on a process."""
    decision = ThemeDecision(process_id=process_id, kind=kind, run_id=run_id, theme_id=theme_id,
                             input_id=input_id, name=name, payload=payload,
                             created_by_id=getattr(actor, "id", None))
    session.add(decision)
    return decision


def guidance_default(session: Session, process_id: int) -> str:
    """The guidance text last used to start a run of the process (the next run's form default)."""
    payload = session.scalar(
        sa.select(ThemeDecision.payload)
        .where(ThemeDecision.process_id == process_id, ThemeDecision.kind == DecisionKind.GUIDANCE)
        .order_by(ThemeDecision.id.desc()).limit(1)
    )
    return (payload or {}).get("text", "")


@dataclass
class Placement:
    """Where the reviewers last put one input."""

    theme_id: int  # the theme in the run where the decision was made
    source: str = PlacementSource.MANUAL
    is_pinned: bool = False


def placements(session: Session, process_id: int) -> dict[int, Placement]:
    """Input id -> the reviewers' placement, replaying the process's decisions in order.

    A move or a confirmation puts the input in a theme; a pin fixes it where it is; an unpin takes
    the pin back (the input stays where a reviewer moved it or confirmed it, if one did).
    """
    out: dict[int, Placement] = {}
    rows = session.execute(
        sa.select(ThemeDecision.input_id, ThemeDecision.kind, ThemeDecision.theme_id)
        .where(ThemeDecision.process_id == process_id, ThemeDecision.kind.in_(PLACING),
               ThemeDecision.input_id.is_not(None))
        .order_by(ThemeDecision.id)
    )
    for input_id, kind, theme_id in rows:
        current = out.get(input_id)
        if kind == DecisionKind.UNPIN:
            if current is not None and current.source in (PlacementSource.MANUAL, PlacementSource.SUGGESTED):
                current.is_pinned = False  # still where a reviewer put it
            else:
                out.pop(input_id, None)
            continue
        if theme_id is None:  # the theme is gone
            continue
        pinned = bool(current and current.is_pinned)
        if kind == DecisionKind.MOVE:
            out[input_id] = Placement(theme_id, PlacementSource.MANUAL, pinned)
        elif kind == DecisionKind.PIN:  # pinned where it is: the source says who put it there
            same = current is not None and current.theme_id == theme_id
            out[input_id] = Placement(theme_id, current.source if same else PlacementSource.AUTO, True)
        elif kind == DecisionKind.CONFIRM:
            out[input_id] = Placement(theme_id, PlacementSource.SUGGESTED, pinned)
    return out


def _lineage(session: Session, run: ThemeRun) -> dict[int, Theme]:
    """Any theme id in the history of ``run``'s themes -> the theme of ``run`` it lives on in.

    Follows ``previous_theme_id`` back through earlier runs, and ``merged_into_id`` forward
    within ``run``.
    """
    by_id = {t.id: t for t in run.themes}

    def final(t: Theme) -> Theme:
        seen = set()
        while t.merged_into_id and t.merged_into_id in by_id and t.id not in seen:
            seen.add(t.id)
            t = by_id[t.merged_into_id]
        return t

    rows = session.execute(
        sa.select(Theme.id, Theme.previous_theme_id, Theme.merged_into_id).join(ThemeRun, ThemeRun.id == Theme.run_id)
        .where(ThemeRun.process_id == run.process_id, ThemeRun.id <= run.id)).all()
    parents = {ident: prev for ident, prev, _m in rows if prev is not None}
    out: dict[int, Theme] = {t.id: final(t) for t in by_id.values()}
    for t in by_id.values():
        ident, hops = parents.get(t.id), 0
        while ident is not None and hops < 1000:
            out.setdefault(ident, out[t.id])
            ident, hops = parents.get(ident), hops + 1
    # a theme merged into another in an earlier run (or one that led to such a theme) lives on where the
    # theme it was merged into does, its decisions too: follow continuations and merges to a theme of ``run``
    merged_into = {ident: m for ident, _p, m in rows if m is not None}
    children: dict[int, int] = {}
    for ident, prev in sorted(parents.items()):
        children.setdefault(prev, ident)
    for ident, _p, _m in rows:
        seen, x = [], ident
        while x is not None and x not in out and x not in seen and len(seen) < 1000:
            seen.append(x)
            x = merged_into.get(x) or children.get(x)
        if x is not None and x in out:
            for y in seen:
                out[y] = out[x]
    return out


@dataclass
class Carried:
    """What a new run takes over from the previous one."""

    guides: list[themes.Guide] = field(default_factory=list)
    #: Previous theme of each guide (None for guides typed in the form).
    previous_themes: list[Theme | None] = field(default_factory=list)
    #: Input id -> (guide index, the reviewers' placement).
    fixed: dict[int, tuple[int, Placement]] = field(default_factory=dict)
    #: Input id -> placement, for inputs a reviewer put in "Diverse".
    to_misc: dict[int, Placement] = field(default_factory=dict)
    #: Decisions that could not be followed (their theme is in no run's history here).
    lost: int = 0
    #: Input id -> guide index of the theme it was in at the previous run (undecided inputs only).
    before: dict[int, int] = field(default_factory=dict)

    def fixed_labels(self, input_ids: Iterable[int]) -> list[int]:
        return [self.fixed[i][0] if i in self.fixed else -1 for i in input_ids]

    def previous_labels(self, input_ids: Iterable[int]) -> list[int]:
        return [self.before.get(i, -1) for i in input_ids]


def carry_over(session: Session, previous: ThemeRun | None, process_id: int, typed: list[dict],
               input_ids: list[int], *, keep_themes: bool = False) -> Carried:
    """Guides and fixed labels for a new run over ``input_ids``.

    With ``keep_themes`` every theme of ``previous`` that still holds inputs goes on, and the
    inputs nobody decided on start where they were (``Carried.before``).

    ``typed`` are the guides typed in the form (dicts with name and keywords); one whose name is
    already a carried theme's name (its own, its automatic one, or the guide it came from) adds its
    keywords there instead of making a second theme.
    """
    out = Carried()
    in_scope = set(input_ids)
    decided = {i: p for i, p in placements(session, process_id).items() if i in in_scope}
    lineage = _lineage(session, previous) if previous is not None else {}
    # legacy placements stored before decisions were (or made outside them): the previous run's own
    if previous is not None:
        for a in session.scalars(sa.select(ThemeAssignment).where(
                ThemeAssignment.run_id == previous.id, ThemeAssignment.input_id.in_(in_scope or [-1]),
                sa.or_(ThemeAssignment.source == PlacementSource.MANUAL, ThemeAssignment.is_pinned.is_(True)))):
            decided.setdefault(a.input_id, Placement(a.theme_id, a.source, a.is_pinned))
    targets: dict[int, list[int]] = {}
    for input_id, p in decided.items():
        theme = lineage.get(p.theme_id)
        if theme is None:
            out.lost += 1
            continue
        if theme.is_misc:
            out.to_misc[input_id] = p
            continue
        targets.setdefault(theme.id, []).append(input_id)
    # themes the reviewers worked on (split, merged into) go on even without a name of their own
    worked_on = set()
    for theme_id, payload in session.execute(
            sa.select(ThemeDecision.theme_id, ThemeDecision.payload)
            .where(ThemeDecision.process_id == process_id,
                   ThemeDecision.kind.in_((DecisionKind.SPLIT, DecisionKind.MERGE, DecisionKind.RENAME)))):
        for ident in (theme_id, (payload or {}).get("source_theme")):
            if ident is not None and (theme := lineage.get(ident)) is not None:
                worked_on.add(theme.id)
    was_in: dict[int, int] = {}
    if previous is not None and keep_themes:
        for input_id, theme_id in session.execute(
                sa.select(ThemeAssignment.input_id, ThemeAssignment.theme_id)
                .where(ThemeAssignment.run_id == previous.id)):
            theme = lineage.get(theme_id)
            if input_id in in_scope and input_id not in decided and theme is not None and not theme.is_misc:
                was_in[input_id] = theme.id
    held = set(was_in.values())
    if previous is not None:
        by_id = {i.id: i for i in session.scalars(sa.select(Input).where(Input.id.in_(list(decided) or [-1])))}
        for theme in previous.themes:
            if theme.is_misc or theme.merged_into_id:
                continue
            members = targets.get(theme.id, [])
            if not (theme.name or theme.guide_name or members or theme.id in worked_on or theme.id in held):
                continue
            examples = [by_id[i].display_text for i in members[:N_EXAMPLES] if i in by_id]
            if not examples:
                examples = [q.display_text for q in session.scalars(
                    sa.select(Input).where(Input.id.in_(list(theme.quote_input_ids or [])[:3] or [-1])))]
            index = len(out.guides)
            # a merge is obeyed: the keywords of the themes merged into this one draw their inputs here
            keywords = list(theme.terms or [])[:N_KEYWORDS]
            for x in previous.themes:
                if x.merged_into_id == theme.id:
                    keywords += list(x.terms or [])[:N_KEYWORDS // 2]
            out.guides.append(themes.Guide(name=theme.label, keywords=list(dict.fromkeys(keywords)),
                                    examples=examples, description="", key=theme.id))
            out.previous_themes.append(theme)
            for input_id in members:
                out.fixed[input_id] = (index, decided[input_id])
        index_of = {t.id: i for i, t in enumerate(out.previous_themes)}
        out.before = {input_id: index_of[theme_id] for input_id, theme_id in was_in.items() if theme_id in index_of}
    known: dict[str, int] = {}
    for index, theme in enumerate(out.previous_themes):
        merged = [x for x in previous.themes if x.merged_into_id == theme.id] if previous is not None else []
        for t in [theme, *merged]:
            # every name the theme has shown (a theme never renamed shows its automatic name: a guide
            # typed with that name is the same theme, not a second, empty one beside it)
            for name in (t.name, t.guide_name, t.auto_label):
                if name:
                    known.setdefault(name.casefold(), index)
    for g in typed:
        name = (g.get("name") or "").strip()
        if not name:
            continue
        index = known.get(name.casefold())
        if index is not None:
            guide = out.guides[index]
            guide.keywords = list(dict.fromkeys([*guide.keywords, *g.get("keywords", [])]))
            continue
        known[name.casefold()] = len(out.guides)
        out.guides.append(themes.Guide(name=name, keywords=list(g.get("keywords", [])), examples=list(g.get("examples", [])),
                                description=g.get("description", "") or ""))
        out.previous_themes.append(None)
    return out
