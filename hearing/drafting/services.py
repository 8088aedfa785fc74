"""Drafting operations: numbered drafts in the plan format, their parts, input links, diff and hearing.

Each function takes the session, the acting user and plain data, flushes, records an audit event and
leaves the commit to the caller. No request inside.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, defer, selectinload

from hearing import audit
from hearing.admin.documents import SectionDraft, replace_sections
from hearing.admin.services import SHORT_PLAN_HEARING, short_plan_hearing
from hearing.core.errors import ServiceError
from hearing.grouping import current_run, leave_out_withdrawn
from hearing.models import (
    Activity,
    Draft,
    FocusArea,
    Goal,
    Indicator,
    Input,
    Measure,
    Process,
    Strategy,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
    utcnow,
)
from hearing.models.drafts import measure_inputs, strategy_inputs
from hearing.pagination import PER_PAGE, Page

__all__ = ["ServiceError"]

#: The plan parts of a focus area, in order, as they are titled in the plan.
PART_CURRENT = "Her er vi"
PART_DESIRED = "Slik vil vi ha det"
PART_STRATEGIES = "Slik kommer vi dit"
PART_MEASURES = "Slik gjør vi det"
PARTS = (PART_CURRENT, PART_DESIRED, PART_STRATEGIES, PART_MEASURES)

#: A plan has 3–5 focus areas; outside the range is allowed but flagged.
FOCUS_AREA_RANGE = (3, 5)
#: Hearing period of a plan under the Planning and Building Act.
HEARING_PERIOD = timedelta(weeks=6)
#: Phase a draft's hearing belongs to, when the process has it.
HEARING_PHASE = "Slik kommer vi dit"


# --- the parts of a draft, by kind --------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of draft part: its model, parent model, the parent's list of it and its fields."""

    name: str
    model: type
    parent: type
    collection: str
    fields: tuple[str, ...]
    ordered: bool = True


KINDS: dict[str, Kind] = {
    "focus_area": Kind("focus_area", FocusArea, Draft, "focus_areas", ("title", "current_state", "desired_state")),
    "goal": Kind("goal", Goal, FocusArea, "goals", ("text",)),
    "indicator": Kind("indicator", Indicator, Goal, "indicators", ("name", "baseline", "target", "source"), ordered=False),
    "strategy": Kind("strategy", Strategy, FocusArea, "strategies", ("text",)),
    "measure": Kind("measure", Measure, Strategy, "measures", ("text", "owner", "deadline")),
}
#: Parts that link to the inputs they answer.
LINKABLE = ("strategy", "measure")


def kind_of(obj: Any) -> Kind:
    for kind in KINDS.values():
        if isinstance(obj, kind.model):
            return kind
    raise TypeError(f"not a draft part: {obj!r}")


PARENT_ATTR = {FocusArea: "draft", Goal: "focus_area", Indicator: "goal", Strategy: "focus_area", Measure: "strategy"}


def parent_of(obj: Any) -> Any:
    """The object one level up (a focus area's draft, a goal's focus area …)."""
    return getattr(obj, PARENT_ATTR[type(obj)])


def draft_of(obj: Any) -> Draft:
    while not isinstance(obj, Draft):
        obj = parent_of(obj)
    return obj


def focus_area_of(obj: Any) -> FocusArea | None:
    while obj is not None and not isinstance(obj, FocusArea):
        obj = None if isinstance(obj, Draft) else parent_of(obj)
    return obj


def _clean(kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for name in kind.fields:
        value = data.get(name)
        values[name] = value.strip() if isinstance(value, str) else value
        if name != "deadline" and values[name] is None:
            values[name] = ""
    first = kind.fields[0]
    if not values[first]:
        raise ServiceError(_l("Fyll ut teksten."))
    return values


def ensure_editable(draft: Draft) -> None:
    """A draft sent on hearing is kept as it was sent, and so is the draft adopted as the plan (its
    measures are followed up: hearing.followup); changes go into a new draft."""
    if draft.hearing_activity_id:
        raise ServiceError(_l("Utkastet er sendt på høring og kan ikke endres. Lag et nytt utkast for å arbeide videre."))
    from hearing.models import Plan  # late: the follow-up is newer than the drafts

    session = sa.orm.object_session(draft)
    if session is not None and draft.id is not None and session.scalar(sa.select(Plan.id).where(Plan.draft_id == draft.id)):
        raise ServiceError(_l("Utkastet er vedtatt som plan og kan ikke endres. Tiltakene følges opp under «Oppfølging av tiltak»."))


def _log_id(obj: Any) -> dict[str, Any]:
    return {"process_id": draft_of(obj).process_id}


# --- drafts -------------------------------------------------------------------------------------


def drafts_of(session: Session, process: Process) -> list[Draft]:
    return list(session.scalars(sa.select(Draft).where(Draft.process_id == process.id).order_by(Draft.number)))


def latest_draft(session: Session, process: Process) -> Draft | None:
    return session.scalar(sa.select(Draft).where(Draft.process_id == process.id).order_by(Draft.number.desc()).limit(1))


def previous_draft(session: Session, draft: Draft) -> Draft | None:
    """The draft this one continues: the one it was copied from, else the one numbered before it."""
    if draft.based_on_id and (based := session.get(Draft, draft.based_on_id)) is not None:
        return based
    return session.scalar(
        sa.select(Draft).where(Draft.process_id == draft.process_id, Draft.number < draft.number).order_by(Draft.number.desc()).limit(1)
    )


def _copy_content(source: Draft, target: Draft) -> None:
    """Deep copy: new rows for every part; input links point at the same inputs."""
    for fa in source.focus_areas:
        new_fa = FocusArea(position=fa.position, title=fa.title, current_state=fa.current_state,
                           desired_state=fa.desired_state, theme_id=fa.theme_id)
        for goal in fa.goals:
            new_goal = Goal(position=goal.position, text=goal.text)
            new_goal.indicators = [Indicator(name=i.name, baseline=i.baseline, target=i.target, source=i.source) for i in goal.indicators]
            new_fa.goals.append(new_goal)
        for strategy in fa.strategies:
            new_strategy = Strategy(position=strategy.position, text=strategy.text)
            new_strategy.inputs = list(strategy.inputs)
            for measure in strategy.measures:
                new_measure = Measure(position=measure.position, text=measure.text, owner=measure.owner, deadline=measure.deadline)
                new_measure.inputs = list(measure.inputs)
                new_strategy.measures.append(new_measure)
            new_fa.strategies.append(new_strategy)
        target.focus_areas.append(new_fa)


def create_draft(
    session: Session, actor: User | None, process: Process, data: dict[str, Any], *, copy: bool = True, themes: list[Theme] = ()
) -> Draft:
    """Make draft N+1: a deep copy of the latest draft unless ``copy`` is false, plus a focus area per theme given."""
    latest = latest_draft(session, process)
    number = (latest.number if latest else 0) + 1
    title = (data.get("title") or "").strip() or f"Strategiutkast {number}"
    draft = Draft(process_id=process.id, number=number, title=title[:300], note=(data.get("note") or "").strip(),
                  created_by_id=getattr(actor, "id", None))
    if latest is not None and copy:
        draft.based_on_id = latest.id
        _copy_content(latest, draft)
    session.add(draft)
    session.flush()
    audit.record(session, actor, "draft.create", draft, number=number, title=draft.title, based_on=draft.based_on_id)
    for theme in themes:
        add_focus_area_from_theme(session, actor, draft, theme)
    return draft


def update_draft(session: Session, actor: User | None, draft: Draft, data: dict[str, Any]) -> Draft:
    ensure_editable(draft)
    changed = {}
    for key in ("title", "note"):
        value = (data.get(key) or "").strip()
        if key == "title" and not value:
            raise ServiceError(_l("Utkastet trenger en tittel."))
        if getattr(draft, key) != value:
            changed[key] = [getattr(draft, key), value]
            setattr(draft, key, value)
    audit.record(session, actor, "draft.update", draft, changed=changed)
    return draft


def focus_area_warning(draft: Draft) -> str | None:
    """A plan has 3–5 focus areas: say so when the draft is outside the range (it is not refused)."""
    low, high = FOCUS_AREA_RANGE
    n = len(draft.focus_areas)
    if n < low:
        return ngettext("Utkastet har %(num)d satsningsområde. En plan har vanligvis %(low)d–%(high)d.",
                        "Utkastet har %(num)d satsningsområder. En plan har vanligvis %(low)d–%(high)d.",
                        n, low=low, high=high)
    if n > high:
        return _("Utkastet har %(num)d satsningsområder. En plan har vanligvis %(low)d–%(high)d; vurder å slå noen sammen.",
                 num=n, low=low, high=high)
    return None


# --- parts: add, update, delete, move -----------------------------------------------------------


def add_part(session: Session, actor: User | None, kind_name: str, parent: Any, data: dict[str, Any]) -> Any:
    kind = KINDS[kind_name]
    if not isinstance(parent, kind.parent):
        raise ServiceError(_l("Feil plassering for denne delen av planen."))
    ensure_editable(parent if isinstance(parent, Draft) else draft_of(parent))
    values = _clean(kind, data)
    items = getattr(parent, kind.collection)
    if kind.ordered:
        values["position"] = max((i.position for i in items), default=0) + 1
    obj = kind.model(**values)
    items.append(obj)
    session.flush()
    audit.record(session, actor, f"draft.{kind.name}.create", obj, **_log_id(obj), text=values[kind.fields[0]])
    return obj


def update_part(session: Session, actor: User | None, obj: Any, data: dict[str, Any]) -> Any:
    kind = kind_of(obj)
    ensure_editable(draft_of(obj))
    changed = {}
    for key, value in _clean(kind, data).items():
        if getattr(obj, key) != value:
            changed[key] = [getattr(obj, key), value]
            setattr(obj, key, value)
    session.flush()
    audit.record(session, actor, f"draft.{kind.name}.update", obj, **_log_id(obj), changed=changed)
    return obj


def delete_part(session: Session, actor: User | None, obj: Any) -> None:
    kind = kind_of(obj)
    ensure_editable(draft_of(obj))
    parent = parent_of(obj)
    audit.record(session, actor, f"draft.{kind.name}.delete", obj, **_log_id(obj), text=getattr(obj, kind.fields[0]))
    getattr(parent, kind.collection).remove(obj)
    session.flush()


def move_part(session: Session, actor: User | None, obj: Any, direction: int) -> None:
    """Swap with the neighbour above (direction -1) or below (+1); positions stay unique."""
    kind = kind_of(obj)
    ensure_editable(draft_of(obj))
    items = getattr(parent_of(obj), kind.collection)
    if kind.ordered:
        items = sorted(items, key=lambda i: i.position)
    index = items.index(obj)
    other_index = index + (1 if direction > 0 else -1)
    if not 0 <= other_index < len(items):
        return
    other = items[other_index]
    if not kind.ordered:
        # Indicators keep their order by id (they have no position): swap the contents instead.
        for name in kind.fields:
            mine, theirs = getattr(obj, name), getattr(other, name)
            setattr(obj, name, theirs)
            setattr(other, name, mine)
        session.flush()
        audit.record(session, actor, f"draft.{kind.name}.move", other, **_log_id(obj), swapped_with=obj.id)
        return
    mine, theirs = obj.position, other.position
    obj.position = -obj.id  # out of the way of the unique (parent, position)
    session.flush()
    other.position = mine
    session.flush()
    obj.position = theirs
    session.flush()
    getattr(parent_of(obj), kind.collection).sort(key=lambda i: i.position)
    audit.record(session, actor, f"draft.{kind.name}.move", obj, **_log_id(obj), position=[mine, theirs])


# --- themes -------------------------------------------------------------------------------------


def latest_run(session: Session, process: Process) -> ThemeRun | None:
    """The run drafts are built from: :func:`hearing.grouping.current_run`, as everywhere."""
    return current_run(session, process)


def themes_of(session: Session, process: Process, *, with_misc: bool = True) -> list[Theme]:
    """The themes of the process's current run that hold inputs (a theme emptied by moves or merges is
    not offered); without "Diverse" when ``with_misc`` is false (a focus area is never started from it)."""
    run = latest_run(session, process)
    if run is None:
        return []
    held = set(session.scalars(_visible(
        sa.select(ThemeAssignment.theme_id).join(Input, Input.id == ThemeAssignment.input_id)
        .where(ThemeAssignment.run_id == run.id)).group_by(ThemeAssignment.theme_id)))
    return [t for t in run.themes if t.merged_into_id is None and t.id in held and (with_misc or not t.is_misc)]


_visible = leave_out_withdrawn  # inputs of withdrawn submissions are left out


def theme_inputs(session: Session, theme: Theme) -> list[Input]:
    q = sa.select(Input).join(ThemeAssignment, ThemeAssignment.input_id == Input.id).where(ThemeAssignment.theme_id == theme.id)
    return list(session.scalars(_visible(q).order_by(Input.id)))


def linked_ids_query(obj: Strategy | Measure) -> sa.Select:
    """``SELECT input_id`` of the inputs linked to a strategy or measure (not its strategy's)."""
    table = strategy_inputs if isinstance(obj, Strategy) else measure_inputs
    part = table.c.strategy_id if isinstance(obj, Strategy) else table.c.measure_id
    return sa.select(table.c.input_id).where(part == obj.id)


def unlinked_theme_inputs_query(theme: Theme, obj: Strategy | Measure) -> sa.Select:
    """``SELECT Input`` of the theme not yet linked to ``obj``, oldest first (a page of them is offered)."""
    q = (
        sa.select(Input)
        .join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
        .where(ThemeAssignment.theme_id == theme.id, Input.id.not_in(linked_ids_query(obj)))
        .options(defer(Input.text), defer(Input.search_stems))
    )
    return _visible(q).order_by(Input.id)


def sources_page(session: Session, obj: Strategy | Measure, page: int, per_page: int = PER_PAGE) -> Page:
    """One page of :func:`sources`: ids of every linked input, then only the page's inputs loaded."""
    own = sorted(session.scalars(linked_ids_query(obj)))
    ids = [(i, "") for i in own]
    if isinstance(obj, Measure):
        mine = set(own)
        ids += [(i, "strategy") for i in sorted(session.scalars(linked_ids_query(obj.strategy))) if i not in mine]
    out = Page(total=len(ids), per_page=per_page)
    out.page = min(max(1, page), out.pages)
    chunk = ids[(out.page - 1) * per_page:out.page * per_page]
    found = {
        i.id: i
        for i in session.scalars(
            sa.select(Input)
            .where(Input.id.in_([i for i, _via in chunk]))
            .options(selectinload(Input.group), selectinload(Input.activity), defer(Input.text), defer(Input.search_stems))
        )
    }
    out.items = [_source(found[i], via) for i, via in chunk if i in found]
    return out


def theme_quotes(session: Session, theme: Theme) -> list[Input]:
    """The theme's representative inputs, in the engine's order."""
    ids = [int(i) for i in theme.quote_input_ids or [] if str(i).isdigit()]
    if not ids:
        return []
    found = {i.id: i for i in session.scalars(_visible(sa.select(Input).where(Input.id.in_(ids))))}
    return [found[i] for i in ids if i in found]


def theme_for(session: Session, process: Process, theme_id: int | None) -> Theme | None:
    """A theme of the process's latest run, or None."""
    if not theme_id:
        return None
    theme = session.get(Theme, theme_id)
    if theme is None or theme.run.process_id != process.id:
        return None
    return theme


def add_focus_area_from_theme(session: Session, actor: User | None, draft: Draft, theme: Theme) -> FocusArea:
    """Start a focus area from a theme: titled by its label, remembering the theme for its quotes and inputs."""
    if theme.run.process_id != draft.process_id:
        raise ServiceError(_l("Temaet hører ikke til denne prosessen."))
    area = add_part(session, actor, "focus_area", draft, {"title": theme.label[:300]})
    area.theme_id = theme.id
    session.flush()
    audit.record(session, actor, "draft.focus_area.from_theme", area, **_log_id(area), theme_id=theme.id, label=theme.label)
    return area


# --- input links (where does this come from?) ---------------------------------------------------


def parse_input_ids(text: str) -> list[int]:
    """Input numbers typed as "12, 15 19" or "#12"."""
    return [int(n) for n in re.findall(r"\d+", text or "")]


def link_inputs(session: Session, actor: User | None, obj: Strategy | Measure, input_ids: list[int]) -> list[Input]:
    """Link inputs of the draft's process to a strategy or measure; returns those newly linked."""
    draft = draft_of(obj)
    ensure_editable(draft)
    wanted = list(dict.fromkeys(input_ids))
    if not wanted:
        raise ServiceError(_l("Velg eller skriv inn minst ett innspill."))
    found = {
        i.id: i
        for i in session.scalars(
            sa.select(Input).join(Activity, Input.activity_id == Activity.id).where(Input.id.in_(wanted), Activity.process_id == draft.process_id)
        )
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise ServiceError(_l("Fant ikke innspill nummer %(numbers)s i denne prosessen.", numbers=", ".join(map(str, missing))))
    have = {i.id for i in obj.inputs}
    added = [found[n] for n in wanted if n not in have]
    obj.inputs.extend(added)
    session.flush()
    audit.record(session, actor, f"draft.{kind_of(obj).name}.link", obj, **_log_id(obj), input_ids=[i.id for i in added])
    return added


def unlink_input(session: Session, actor: User | None, obj: Strategy | Measure, input_id: int) -> None:
    ensure_editable(draft_of(obj))
    kept = [i for i in obj.inputs if i.id != input_id]
    if len(kept) == len(obj.inputs):
        raise ServiceError(_l("Innspillet er ikke knyttet hit."))
    obj.inputs = kept
    session.flush()
    audit.record(session, actor, f"draft.{kind_of(obj).name}.unlink", obj, **_log_id(obj), input_id=input_id)


@dataclass
class Source:
    """One linked input as a reviewer may see it."""

    id: int
    text: str
    group: str
    activity: str
    via: str = ""


def _source(i: Input, via: str = "") -> Source:
    return Source(id=i.id, text=i.display_text, group=i.group.name if i.group else "",
                  activity=i.activity.title if i.activity else "", via=via)


def sources(obj: Strategy | Measure) -> list[Source]:
    """Where does this come from: the linked inputs (masked), a measure's strategy's inputs after its own."""
    out = [_source(i) for i in sorted(obj.inputs, key=lambda i: i.id)]
    if isinstance(obj, Measure):
        own = {s.id for s in out}
        out += [_source(i, via="strategy") for i in sorted(obj.strategy.inputs, key=lambda i: i.id) if i.id not in own]
    return out


# --- the plan as sections (hearing document and exports) ----------------------------------------


def indicator_text(i: Indicator) -> str:
    parts = [i.name]
    extra = [_("i dag: %(value)s", value=i.baseline) if i.baseline else "", _("mål: %(value)s", value=i.target) if i.target else "",
             _("kilde: %(value)s", value=i.source) if i.source else ""]
    extra = [e for e in extra if e]
    return parts[0] + (f" ({', '.join(extra)})" if extra else "")


def measure_text(m: Measure) -> str:
    extra = [_("ansvar: %(value)s", value=m.owner) if m.owner else "",
             _("frist: %(value)s", value=m.deadline.strftime("%d.%m.%Y")) if m.deadline else ""]
    extra = [e for e in extra if e]
    return m.text + (f" ({', '.join(extra)})" if extra else "")


def goal_text(g: Goal) -> str:
    return g.text + "".join(f"\n  Indikator: {indicator_text(i)}" for i in g.indicators)


def measures_of(area: FocusArea) -> list[Measure]:
    return [m for s in area.strategies for m in s.measures]


def plan_sections(draft: Draft) -> list[SectionDraft]:
    """The draft as document sections: a chapter per focus area, a section per plan part."""
    out = []
    indicator = _("Indikator")  # outside the f-string below, where Babel's extractor would not see it
    for area in draft.focus_areas:
        out.append(SectionDraft(1, area.title, ""))
        desired = [area.desired_state] if area.desired_state else []
        for goal in area.goals:
            desired.append(f"- {goal.text}")
            desired += [f"  - {indicator}: {indicator_text(i)}" for i in goal.indicators]
        strategies = [f"{n}. {s.text}" for n, s in enumerate(area.strategies, start=1)]
        measures = [f"- {measure_text(m)}" for m in measures_of(area)]
        # The part names in the language the texts are read in (the process's, see send_on_hearing).
        out.append(SectionDraft(2, _(PART_CURRENT), area.current_state))
        out.append(SectionDraft(2, _(PART_DESIRED), "\n".join(desired)))
        out.append(SectionDraft(2, _(PART_STRATEGIES), "\n".join(strategies)))
        out.append(SectionDraft(2, _(PART_MEASURES), "\n".join(measures)))
    return out


def hearing_phase(process: Process):
    """The phase a draft's hearing belongs to by default, when the process has it."""
    from hearing.content import standard_name

    names = {HEARING_PHASE.casefold(), standard_name(HEARING_PHASE, process.language or "nb").casefold()}
    return next((p for p in process.phases if p.name.strip().casefold() in names), None)


def default_hearing_title(draft: Draft, process: Process) -> str:
    """"Høring: Strategiutkast 3" in the process's language."""
    with force_locale(process.language or "nb"):
        return _("Høring: %(title)s", title=draft.title)


def send_on_hearing(session: Session, actor: User | None, draft: Draft, data: dict[str, Any] | None = None, *,
                    now: datetime | None = None) -> Activity:
    """Put the draft on hearing; the hearing document's sections are the draft's.

    ``data`` may give title, audience ("public" or "invited"), group_ids, opens_dt, closes_dt and phase_id
    (0 for none); left out, it is a public hearing of the plan opening now for six weeks. A public hearing is a
    plan hearing: shorter than six weeks only with ``short_period_confirmed`` (the rule the admin form uses too).
    """
    if draft.hearing_activity_id:
        raise ServiceError(_l("Utkastet er allerede sendt på høring."))
    if not draft.focus_areas:
        raise ServiceError(_l("Utkastet har ingen satsningsområder å sende på høring."))
    data = data or {}
    now = now or utcnow()
    process = session.get(Process, draft.process_id)
    opens, closes = data.get("opens_dt") or now, data.get("closes_dt") or now + HEARING_PERIOD
    if closes <= opens:
        raise ServiceError(_l("Fristen må være etter åpningstidspunktet."))
    audience = data.get("audience") or "public"
    if audience not in ("public", "invited"):
        raise ServiceError(_l("Velg hvem som kan svare på høringen."))
    group_ids = set(data.get("group_ids") or [])
    groups = [g for g in process.groups if g.id in group_ids] if audience == "invited" else []
    if audience == "invited" and not groups:
        raise ServiceError(_l("Velg minst én gruppe som inviteres, eller gjør høringen offentlig."))
    if short_plan_hearing("hearing", audience == "public", opens, closes) and not data.get("short_period_confirmed"):
        raise ServiceError(_l("%(rule)s Sett en senere frist, eller kryss av for at den kortere fristen er bevisst.",
                              rule=SHORT_PLAN_HEARING))
    phase = hearing_phase(process)
    if "phase_id" in data:
        phase = next((p for p in process.phases if p.id == data["phase_id"]), None)
        if data["phase_id"] and phase is None:
            raise ServiceError(_l("Fasen hører ikke til denne prosessen."))
    # The hearing is written in the process's language, whatever the language of the person sending it.
    with force_locale(process.language or "nb"):
        title = data.get("title") or default_hearing_title(draft, process)
        description = _("Høring av %(draft)s (%(process)s).", draft=draft.title, process=process.name)
        sections = plan_sections(draft)
    activity = Activity(
        process=process, phase=phase, kind="hearing", audience=audience, groups=groups,
        is_plan_hearing=audience == "public",
        title=title[:200],
        description=description,
        opens_dt=opens, closes_dt=closes,
    )
    session.add(activity)
    session.flush()
    document = replace_sections(session, actor, activity, draft.title, sections)
    document.draft_id = draft.id
    draft.hearing_activity_id = activity.id
    session.flush()
    audit.record(session, actor, "draft.send_on_hearing", draft, activity_id=activity.id, sections=len(document.sections),
                 audience=audience, groups=[g.name for g in groups])
    return activity


# --- diff from draft N−1 to N -------------------------------------------------------------------

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class TextDiff:
    """A word-level diff: (op, text) pieces with op 'equal', 'insert' or 'delete'."""

    pieces: list[tuple[str, str]]

    @property
    def changed(self) -> bool:
        return any(op != "equal" for op, _ in self.pieces)


def text_diff(old: str, new: str) -> TextDiff:
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
        if op in ("delete", "replace"):
            pieces.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("insert", "".join(b[j1:j2])))
    return TextDiff([p for p in pieces if p[1]])


@dataclass
class ItemChange:
    status: str  # added, removed, changed, unchanged
    old: str = ""
    new: str = ""

    @property
    def diff(self) -> TextDiff:
        return text_diff(self.old, self.new)


def list_diff(old: list[str], new: list[str]) -> list[ItemChange]:
    out: list[ItemChange] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out += [ItemChange("unchanged", o, o) for o in old[i1:i2]]
        elif op == "delete":
            out += [ItemChange("removed", o, "") for o in old[i1:i2]]
        elif op == "insert":
            out += [ItemChange("added", "", n) for n in new[j1:j2]]
        else:
            pairs = min(i2 - i1, j2 - j1)
            out += [ItemChange("changed", old[i1 + k], new[j1 + k]) for k in range(pairs)]
            out += [ItemChange("removed", o, "") for o in old[i1 + pairs:i2]]
            out += [ItemChange("added", "", n) for n in new[j1 + pairs:j2]]
    return out


@dataclass
class AreaDiff:
    status: str  # added, removed, changed, unchanged
    old_title: str
    new_title: str
    title: TextDiff
    current_state: TextDiff
    desired_state: TextDiff
    goals: list[ItemChange] = field(default_factory=list)
    strategies: list[ItemChange] = field(default_factory=list)
    measures: list[ItemChange] = field(default_factory=list)

    @property
    def parts(self) -> list[tuple[str, Any]]:
        return [("current_state", self.current_state), ("desired_state", self.desired_state),
                ("goals", self.goals), ("strategies", self.strategies), ("measures", self.measures)]


def _area_lists(area: FocusArea | None) -> dict[str, list[str]]:
    if area is None:
        return {"goals": [], "strategies": [], "measures": []}
    return {"goals": [goal_text(g) for g in area.goals], "strategies": [s.text for s in area.strategies],
            "measures": [measure_text(m) for m in measures_of(area)]}


def _area_diff(old: FocusArea | None, new: FocusArea | None) -> AreaDiff:
    o, n = _area_lists(old), _area_lists(new)
    d = AreaDiff(
        status="",
        old_title=old.title if old else "", new_title=new.title if new else "",
        title=text_diff(old.title if old else "", new.title if new else ""),
        current_state=text_diff(old.current_state if old else "", new.current_state if new else ""),
        desired_state=text_diff(old.desired_state if old else "", new.desired_state if new else ""),
        goals=list_diff(o["goals"], n["goals"]), strategies=list_diff(o["strategies"], n["strategies"]),
        measures=list_diff(o["measures"], n["measures"]),
    )
    if old is None:
        d.status = "added"
    elif new is None:
        d.status = "removed"
    else:
        lists_changed = any(c.status != "unchanged" for c in d.goals + d.strategies + d.measures)
        texts_changed = d.title.changed or d.current_state.changed or d.desired_state.changed
        d.status = "changed" if lists_changed or texts_changed else "unchanged"
    return d


def diff_drafts(old: Draft | None, new: Draft) -> list[AreaDiff]:
    """Focus area by focus area: matched by title first, then by order; then each plan part."""
    old_areas = list(old.focus_areas) if old else []
    new_areas = list(new.focus_areas)
    pairs: dict[int, FocusArea | None] = {}
    free = list(old_areas)
    for area in new_areas:
        match = next((o for o in free if o.title.strip().casefold() == area.title.strip().casefold()), None)
        if match is not None:
            pairs[area.id] = match
            free.remove(match)
    for area in new_areas:
        if area.id not in pairs:
            # an area with a new title takes the unmatched old area at the same place, if any
            same_place = next((o for o in free if o.position == area.position), None)
            pairs[area.id] = same_place
            if same_place is not None:
                free.remove(same_place)
    out = [_area_diff(pairs[a.id], a) for a in new_areas]
    out += [_area_diff(o, None) for o in free]
    return out

