"""The reviewers' themes board: filters, how a theme spreads over groups, activities and phases,
search, an input in its context, merging and splitting themes, and duplicates.

Plain functions that take a session (the caller commits); part of the platform side of grouping
(moved here from ``hearing.review``, whose views call it). Reviewers only ever get the masked text
(:attr:`Input.display_text`); every change writes an :class:`~hearing.models.AuditEvent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, contains_eager, selectinload

from hearing import audit
from hearing.content import content
from hearing.grouping import current_run, decisions, search
from hearing.grouping.service import ThemeServiceError, check_editable, move_input, scope_query
from hearing.i18n import CONTENT_LANGUAGES
from hearing.models import (
    Activity,
    AuditEvent,
    DecisionKind,
    Input,
    Phase,
    Process,
    StakeholderGroup,
    Submission,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
)
from hearing.themes.labels import class_terms
from hearing.themes.text import Analyzer

#: Languages an input can be guessed to be in, with their names (in the reader's language).
LANGUAGES = CONTENT_LANGUAGES


class BoardError(ThemeServiceError):
    """A reviewer's change broke a rule; the message (lazy, in their language) is shown to them."""


# --- filters ------------------------------------------------------------------------------------


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


@dataclass(frozen=True)
class Filters:
    """What the board shows: one stakeholder group, activity, phase, language, or only new inputs."""

    group_id: int | None = None
    activity_id: int | None = None
    phase_id: int | None = None
    lang: str | None = None
    new_only: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read the filters from query arguments; values that make no sense are ignored."""
        lang = args.get("lang_filter") or None
        return cls(
            group_id=_int(args.get("group")),
            activity_id=_int(args.get("activity")),
            phase_id=_int(args.get("phase")),
            lang=lang if lang in LANGUAGES else None,
            new_only=args.get("new") == "1",
        )

    @property
    def active(self) -> bool:
        return any((self.group_id, self.activity_id, self.phase_id, self.lang, self.new_only))

    def args(self) -> dict[str, str | int]:
        """The filters as query arguments (for links that keep them)."""
        out: dict[str, str | int] = {}
        for key, value in (
            ("group", self.group_id),
            ("activity", self.activity_id),
            ("phase", self.phase_id),
            ("lang_filter", self.lang),
        ):
            if value:
                out[key] = value
        if self.new_only:
            out["new"] = "1"
        return out

    def apply(self, q: sa.Select) -> sa.Select:
        """Narrow a query that already joins :class:`Input`, :class:`Activity` and :class:`ThemeAssignment`."""
        if self.group_id:
            q = q.where(Input.group_id == self.group_id)
        if self.activity_id:
            q = q.where(Input.activity_id == self.activity_id)
        if self.phase_id:
            q = q.where(Activity.phase_id == self.phase_id)
        if self.lang:
            q = q.where(Input.lang == self.lang)
        if self.new_only:
            q = q.where(ThemeAssignment.is_new.is_(True))
        return q


def _joined(q: sa.Select) -> sa.Select:
    return q.join(Input, Input.id == ThemeAssignment.input_id).join(
        Activity, Activity.id == Input.activity_id
    )


def assignments_page(session: Session, theme: Theme, filters: Filters, page: int, per_page: int) -> list[ThemeAssignment]:
    """One page of the placements in ``theme`` that pass the filters, new ones first, each with its input.

    The page's placements are chosen from the placements alone (their inputs and activities joined only when a
    filter needs them), then only their inputs are read: joined first, PostgreSQL carried every input row of
    the theme through the sort to keep a hundred (#16: 70 ms of the theme page at 50k inputs)."""
    order = (ThemeAssignment.is_new.desc(), ThemeAssignment.confidence.desc().nulls_last(), ThemeAssignment.id)
    chosen = sa.select(ThemeAssignment.id).where(ThemeAssignment.theme_id == theme.id)
    if filters.group_id or filters.activity_id or filters.phase_id or filters.lang:
        chosen = _joined(chosen)
    ids = session.scalars(filters.apply(chosen).order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    if not ids:
        return []
    return list(session.scalars(
        _joined(sa.select(ThemeAssignment)).where(ThemeAssignment.id.in_(ids))
        .options(contains_eager(ThemeAssignment.input)).order_by(*order)
    ).all())


def count(session: Session, q: sa.Select) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())) or 0


def board_themes(run: ThemeRun) -> list[Theme]:
    """The run's themes still on the board (merged ones are gone)."""
    return [t for t in run.themes if not t.merged_into_id]


def theme_sizes(session: Session, run: ThemeRun, filters: Filters = Filters()) -> dict[int, int]:
    """Number of inputs per theme, counting only those that pass the filters."""
    q = _joined(sa.select(ThemeAssignment.theme_id, sa.func.count())).where(ThemeAssignment.run_id == run.id)
    return dict(session.execute(filters.apply(q).group_by(ThemeAssignment.theme_id)).all())


def theme_total(session: Session, theme: Theme) -> int:
    """Number of inputs placed in ``theme``."""
    return session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == theme.run_id, ThemeAssignment.theme_id == theme.id)) or 0


def theme_langs(session: Session, theme: Theme) -> set[str]:
    """Languages of the inputs placed in ``theme`` (what its page's language filter offers)."""
    return set(session.scalars(
        sa.select(Input.lang).join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
        .where(ThemeAssignment.run_id == theme.run_id, ThemeAssignment.theme_id == theme.id, Input.lang.is_not(None))
        .distinct()
    ).all())


@dataclass
class Bar:
    label: str
    n: int
    percent: int  # of the theme's (filtered) inputs


@dataclass
class Spread:
    """How one theme's inputs spread over stakeholder groups, activities and phases."""

    groups: list[Bar] = field(default_factory=list)
    activities: list[Bar] = field(default_factory=list)
    phases: list[Bar] = field(default_factory=list)
    #: The theme's inputs that pass the filters.
    total: int = 0
    #: Languages of those inputs (codes; inputs without one left out).
    langs: set[str] = field(default_factory=set)


def _bars(counts: dict, names: Mapping, total: int) -> list[Bar]:
    """Bars of ``counts`` (id -> n; ``None`` for inputs without one), named by ``names``, largest first."""
    items = sorted(((names.get(key) or "", n) for key, n in counts.items()), key=lambda item: (-item[1], item[0]))
    return [Bar(name, n, round(100 * n / total) if total else 0) for name, n in items]


def spread(
    session: Session, run: ThemeRun, filters: Filters = Filters(), theme_ids: list[int] | None = None
) -> dict[int, Spread]:
    """Per theme: inputs per stakeholder group, activity and phase (largest first), following the filters.

    Inputs without a group or phase are counted under the label ``""`` (the page names it). One pass
    over the run's placements, grouped by theme, group and activity; the phase follows from the activity,
    and the names come from the process's (small) tables.
    """
    q = sa.select(ThemeAssignment.theme_id, Input.group_id, Input.activity_id, Input.lang, sa.func.count()).join(
        Input, Input.id == ThemeAssignment.input_id)
    if filters.phase_id:
        q = q.join(Activity, Activity.id == Input.activity_id)
    q = q.where(ThemeAssignment.run_id == run.id)
    if theme_ids is not None:
        q = q.where(ThemeAssignment.theme_id.in_(theme_ids))
    rows = session.execute(
        filters.apply(q).group_by(ThemeAssignment.theme_id, Input.group_id, Input.activity_id, Input.lang)
    ).all()
    if not rows:
        return {}
    # Names in the reader's language where written, else the process's, each knowing its language (the
    # table marks it with ``lang``): a handful of groups, activities and phases.
    group_names = {g.id: content(g, "name") for g in session.scalars(
        sa.select(StakeholderGroup).where(StakeholderGroup.id.in_({g for _t, g, _a, _l, _n in rows if g is not None})))}
    activities = {a.id: (content(a, "title"), a.phase_id) for a in session.scalars(
        sa.select(Activity).where(Activity.id.in_({a for _t, _g, a, _l, _n in rows})))}
    phase_names = {p.id: content(p, "name") for p in session.scalars(
        sa.select(Phase).where(Phase.id.in_({p for _title, p in activities.values() if p is not None})))}
    titles = {a_id: title for a_id, (title, _phase) in activities.items()}
    per_theme: dict[int, tuple[dict, dict, dict]] = {}
    totals: dict[int, int] = {}
    langs: dict[int, set[str]] = {}
    for theme_id, group_id, activity_id, lang, n in rows:
        if lang:
            langs.setdefault(theme_id, set()).add(lang)
        groups, acts, phases = per_theme.setdefault(theme_id, ({}, {}, {}))
        phase_id = activities.get(activity_id, ("", None))[1]
        for counts, key in ((groups, group_id), (acts, activity_id), (phases, phase_id)):
            counts[key] = counts.get(key, 0) + n
        totals[theme_id] = totals.get(theme_id, 0) + n
    return {
        theme_id: Spread(_bars(groups, group_names, totals[theme_id]), _bars(acts, titles, totals[theme_id]),
                         _bars(phases, phase_names, totals[theme_id]), totals[theme_id], langs.get(theme_id, set()))
        for theme_id, (groups, acts, phases) in per_theme.items()
    }


def filter_options(session: Session, run: ThemeRun, langs: set[str] | None = None) -> dict[str, list[tuple[int | str, str]]]:
    """Choices for the filter form: the process's groups, activities and phases, and the languages found
    (``langs`` when the caller has them from an unfiltered :func:`spread`, else read from the run)."""
    process = session.get(Process, run.process_id)
    if langs is None:
        langs = set(session.scalars(
            sa.select(Input.lang)
            .join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
            .where(ThemeAssignment.run_id == run.id, Input.lang.is_not(None))
            .distinct()
        ).all())
    return {
        "groups": [(g.id, content(g, "name")) for g in process.groups],
        "activities": [(a.id, content(a, "title")) for a in process.activities],
        "phases": [(p.id, content(p, "name")) for p in process.phases],
        "langs": [(code, LANGUAGES[code]) for code in LANGUAGES if code in langs],
    }


# --- search -------------------------------------------------------------------------------------


@dataclass
class Hit:
    input: Input
    assignment: ThemeAssignment | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(session: Session, text: str) -> sa.ColumnElement[bool]:
    """The masked text contains ``text``, in any case. On SQLite, ILIKE is ``lower()`` of every text, a Python
    function (it folds æ, ø and å too); for words of ASCII letters only, SQLite's own LIKE, which ignores the
    case of ASCII letters in C, finds the same inputs at half the cost (#16, 50k inputs)."""
    if text.isascii() and session.get_bind().dialect.name == "sqlite":
        return Input.text_masked.like(_like(text), escape="\\")
    return Input.text_masked.ilike(_like(text), escape="\\")


def search_inputs(
    session: Session,
    process: Process,
    text: str,
    *,
    run: ThemeRun | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Hit], int]:
    """Inputs of the process whose masked text has every word of ``text`` in some form (stemmed), or
    contains ``text`` (any case), with their place in ``run``.

    Returns one page of hits and the total number. Inputs of withdrawn submissions are left out.
    """
    text = (text or "").strip()
    if not text:
        return [], 0
    ids_of = scope_query(process.id).with_only_columns(Input.id).order_by(None)
    substring = ids_of.where(_contains(session, text))
    stemmed = search.matching_clause(session, text)  # word forms, over the masked text's stems
    # A UNION, not an OR: each side can use its own index (PostgreSQL's GIN indexes for the word
    # forms); in one OR the substring test made PostgreSQL compute every text's tsvector (1.8 s at 50k).
    q = substring if stemmed is None else sa.union(ids_of.where(stemmed), substring)
    ids = sorted(session.scalars(q).all())
    total = len(ids)
    chunk = ids[(max(page, 1) - 1) * per_page:max(page, 1) * per_page]
    found = {i.id: i for i in session.scalars(
        sa.select(Input).where(Input.id.in_(chunk)).options(selectinload(Input.group), selectinload(Input.activity))
    )} if chunk else {}
    inputs = [found[i] for i in chunk if i in found]
    placed: dict[int, ThemeAssignment] = {}
    if run is not None and inputs:
        placed = {
            a.input_id: a
            for a in session.scalars(
                sa.select(ThemeAssignment).where(
                    ThemeAssignment.run_id == run.id, ThemeAssignment.input_id.in_([i.id for i in inputs])
                )
            )
        }
    return [Hit(i, placed.get(i.id)) for i in inputs], total


def default_run(session: Session, process: Process) -> ThemeRun | None:
    """The run the board shows: :func:`hearing.grouping.current_run`, as everywhere."""
    return current_run(session, process)


# --- one input in its context -------------------------------------------------------------------


@dataclass
class InputContext:
    input: Input
    process: Process
    activity: Activity
    submission: Submission | None
    #: The other inputs of the same submission (masked when shown).
    siblings: list[Input]
    #: The input this one duplicates, and the inputs that duplicate it.
    original: Input | None
    duplicates: list[Input]
    #: Its place in each run of the process (newest first).
    placements: list[ThemeAssignment]


def process_of(session: Session, inp: Input) -> Process:
    return session.get(Process, session.get(Activity, inp.activity_id).process_id)


def input_context(session: Session, inp: Input) -> InputContext:
    """What a reviewer needs to judge one input: where it came from, its themes and its duplicates."""
    activity = session.get(Activity, inp.activity_id)
    siblings = []
    if inp.submission_id:
        siblings = list(
            session.scalars(
                sa.select(Input)
                .where(Input.submission_id == inp.submission_id, Input.id != inp.id)
                .order_by(Input.id)
            )
        )
    duplicates = list(
        session.scalars(sa.select(Input).where(Input.duplicate_of_id == inp.id).order_by(Input.id))
    )
    placements = list(
        session.scalars(
            sa.select(ThemeAssignment)
            .where(ThemeAssignment.input_id == inp.id)
            .order_by(ThemeAssignment.run_id.desc())
        )
    )
    return InputContext(
        input=inp,
        process=session.get(Process, activity.process_id),
        activity=activity,
        submission=inp.submission,
        siblings=siblings,
        original=session.get(Input, inp.duplicate_of_id) if inp.duplicate_of_id else None,
        duplicates=duplicates,
        placements=placements,
    )


def input_history(session: Session, inp: Input) -> list[AuditEvent]:
    """Audit events about the input and its placements in every run, newest first."""
    assignment_ids = sa.select(ThemeAssignment.id).where(ThemeAssignment.input_id == inp.id)
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(
                sa.or_(
                    sa.and_(AuditEvent.object_type == Input.__tablename__, AuditEvent.object_id == inp.id),
                    sa.and_(
                        AuditEvent.object_type == ThemeAssignment.__tablename__,
                        AuditEvent.object_id.in_(assignment_ids),
                    ),
                )
            )
            .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
        )
    )


def theme_history(session: Session, theme: Theme, limit: int = 50) -> list[AuditEvent]:
    """Changes to the theme itself and inputs moved into or out of it, newest first."""
    moves = sa.and_(
        AuditEvent.process_id == theme.run.process_id,
        AuditEvent.action == "theme.move_input",
        sa.or_(
            AuditEvent.data["to_theme"].as_integer() == theme.id,
            AuditEvent.data["from_theme"].as_integer() == theme.id,
        ),
    )
    own = sa.and_(AuditEvent.object_type == Theme.__tablename__, AuditEvent.object_id == theme.id)
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(sa.or_(own, moves))
            .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def actors(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def theme_labels(session: Session, events: list[AuditEvent], extra: list[Theme] = ()) -> dict[int, str]:
    """Names of the themes that events mention, for describing them."""
    ids: set[int] = {t.id for t in extra}
    for e in events:
        for key in ("from_theme", "to_theme", "theme_id", "into", "merged", "new_theme", "from"):
            if isinstance(e.data.get(key), int):
                ids.add(e.data[key])
    if not ids:
        return {}
    return {t.id: t.label for t in session.scalars(sa.select(Theme).where(Theme.id.in_(ids)))}


# --- reviewers' changes -------------------------------------------------------------------------


def merge_themes(session: Session, actor, theme: Theme, target: Theme) -> int:
    """Merge ``theme`` into ``target``: its inputs move there and it leaves the board.

    The merge is one decision about the two themes, not a confirmation of each input: every input
    keeps its state (one nobody confirmed stays unconfirmed, so "assess confirmed only" leaves it out;
    one a reviewer placed or pinned stays so). Later runs obey the merge: the inputs a reviewer placed
    in either theme stay in the merged theme, and its guide carries both themes' keywords.
    Returns how many inputs moved.
    """
    if theme.id == target.id:
        raise BoardError(_l("Velg et annet tema å slå sammen med."))
    if theme.run_id != target.run_id:
        raise BoardError(_l("Temaene hører til forskjellige grupperinger."))
    if theme.merged_into_id or target.merged_into_id:
        raise BoardError(_l("Temaet er allerede slått sammen med et annet."))
    check_editable(session, theme.run, BoardError)
    moving = session.scalars(
        sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == theme.id).order_by(ThemeAssignment.id)
    ).all()
    for a in moving:
        a.theme_id = target.id
        a.theme = target
    session.execute(
        sa.update(ThemeAssignment)
        .where(ThemeAssignment.suggested_theme_id == theme.id)
        .values(suggested_theme_id=target.id)
    )
    session.execute(sa.update(Theme).where(Theme.merged_into_id == theme.id).values(merged_into_id=target.id))
    theme.merged_into_id = target.id
    decisions.record(session, actor, DecisionKind.MERGE, process_id=target.run.process_id, run_id=target.run_id,
                     theme_id=target.id, merged=theme.id, merged_label=theme.label, count=len(moving))
    if len(target.quote_input_ids) < 3:
        target.quote_input_ids = (list(target.quote_input_ids) + list(theme.quote_input_ids))[:3]
    audit.record(
        session,
        actor,
        "theme.merge",
        target,
        process_id=target.run.process_id,
        merged=theme.id,
        merged_label=theme.label,
        count=len(moving),
        inputs=[a.input_id for a in moving],
    )
    audit.record(
        session,
        actor,
        "theme.merged_into",
        theme,
        process_id=theme.run.process_id,
        into=target.id,
        count=len(moving),
    )
    session.flush()
    return len(moving)


def split_theme(session: Session, actor, theme: Theme, assignment_ids: list[int], name: str) -> Theme:
    """Move the chosen inputs of ``theme`` into a new theme called ``name``; returns the new theme."""
    name = (name or "").strip()[:300]
    if not name:
        raise BoardError(_l("Gi det nye temaet et navn."))
    if theme.merged_into_id:
        raise BoardError(_l("Temaet er slått sammen med et annet."))
    check_editable(session, theme.run, BoardError)
    chosen = session.scalars(
        sa.select(ThemeAssignment)
        .where(ThemeAssignment.theme_id == theme.id, ThemeAssignment.id.in_(assignment_ids or [-1]))
        .order_by(ThemeAssignment.id)
    ).all()
    if not chosen:
        raise BoardError(_l("Velg minst ett innspill som skal til det nye temaet."))
    if len(chosen) == count(
        session, sa.select(ThemeAssignment.id).where(ThemeAssignment.theme_id == theme.id)
    ):
        raise BoardError(
            _l("Du har valgt alle innspillene. La minst ett bli igjen, eller gi temaet nytt navn i stedet.")
        )
    position = (
        session.scalar(sa.select(sa.func.max(Theme.position)).where(Theme.run_id == theme.run_id)) or 0
    ) + 1
    moved_ids = [a.input_id for a in chosen]
    new = Theme(
        run_id=theme.run_id,
        position=position,
        auto_label=name,
        name=name,
        terms=[],
        quote_input_ids=moved_ids[:3],
    )
    session.add(new)
    session.flush()
    for a in chosen:
        move_input(session, actor, a, new)
    theme.quote_input_ids = [i for i in theme.quote_input_ids if i not in set(moved_ids)]
    session.flush()
    _refresh_terms(session, [theme, new])
    decisions.record(session, actor, DecisionKind.SPLIT, process_id=theme.run.process_id, run_id=theme.run_id,
                     theme_id=new.id, name=name, source_theme=theme.id, count=len(chosen))
    audit.record(
        session,
        actor,
        "theme.split",
        theme,
        process_id=theme.run.process_id,
        new_theme=new.id,
        name=name,
        count=len(chosen),
    )
    audit.record(
        session,
        actor,
        "theme.create",
        new,
        process_id=theme.run.process_id,
        name=name,
        **{"from": theme.id},
        count=len(chosen),
    )
    session.flush()
    return new


def _refresh_terms(session: Session, themes: list[Theme]) -> None:
    """Distinctive terms of ``themes`` told apart from one another (after a split)."""
    rows = session.execute(
        sa.select(ThemeAssignment.theme_id, Input.text_masked)
        .join(Input, Input.id == ThemeAssignment.input_id)
        .where(ThemeAssignment.theme_id.in_([t.id for t in themes]))
    ).all()
    if not rows:
        return
    index = {t.id: n for n, t in enumerate(themes)}
    tokens = Analyzer().analyze([text for _tid, text in rows])
    terms = class_terms(tokens, [index[tid] for tid, _text in rows], len(themes))
    for theme, found in zip(themes, terms, strict=True):
        theme.terms = found


def set_language(session: Session, actor, inp: Input, lang: str) -> Input:
    """A reviewer corrects the language of an input (the board's language filter and exports use it)."""
    if lang not in LANGUAGES:
        raise BoardError(errors={"lang": _l("Velg et av språkene i listen.")})
    old = inp.lang
    inp.lang = lang
    audit.record(session, actor, "input.language", inp, process_id=process_of(session, inp).id, old=old, new=lang)
    session.flush()
    return inp


def mark_duplicate(session: Session, actor, inp: Input, original: Input) -> Input:
    """Mark ``inp`` as a duplicate of ``original`` (or of the input ``original`` itself duplicates).

    Inputs that duplicated ``inp`` now point at the same original, so there are no chains.
    Returns the original used.
    """
    process_id = process_of(session, inp).id
    if original is None or process_of(session, original).id != process_id:
        raise BoardError(errors={"original_id": _l("Fant ikke det innspillet i denne prosessen.")})
    root = original
    seen = {root.id}
    while root.duplicate_of_id:
        root = session.get(Input, root.duplicate_of_id)
        if root is None or root.id in seen:
            raise BoardError(errors={"original_id": _l("Innspillene er allerede markert som duplikater av hverandre i ring.")})
        seen.add(root.id)
    if root.id == inp.id:
        raise BoardError(errors={"original_id": _l("Et innspill kan ikke være duplikat av seg selv.")})
    if inp.duplicate_of_id == root.id:
        return root
    old = inp.duplicate_of_id
    inp.duplicate_of_id = root.id
    for dup in session.scalars(sa.select(Input).where(Input.duplicate_of_id == inp.id)):
        dup.duplicate_of_id = root.id
    audit.record(
        session, actor, "input.mark_duplicate", inp, process_id=process_id, duplicate_of=root.id, previous=old
    )
    audit.record(session, actor, "input.duplicate_added", root, process_id=process_id, duplicate=inp.id)
    session.flush()
    return root


def unmark_duplicate(session: Session, actor, inp: Input) -> Input | None:
    """``inp`` is no longer a duplicate; returns the input it was a duplicate of (or None)."""
    if not inp.duplicate_of_id:
        return None
    original = session.get(Input, inp.duplicate_of_id)
    process_id = process_of(session, inp).id
    inp.duplicate_of_id = None
    audit.record(
        session, actor, "input.unmark_duplicate", inp, process_id=process_id, duplicate_of=original.id
    )
    audit.record(session, actor, "input.duplicate_removed", original, process_id=process_id, duplicate=inp.id)
    session.flush()
    return original
