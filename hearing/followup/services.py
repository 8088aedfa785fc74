"""Follow-up of the adopted plan: tracked measures, their updates, the matrix, the public view.

Each function takes the session, the acting user and plain data, flushes and records an audit event;
the caller commits. No request inside.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.grouping import current_run, leave_out_withdrawn
from hearing.models import (
    Draft,
    FocusArea,
    HearingReport,
    Input,
    MeasureStatus,
    MeasureUpdate,
    Plan,
    PlanMeasure,
    Process,
    Strategy,
    Theme,
    ThemeAssignment,
    Unit,
    UpdateSource,
    User,
    utcnow,
)
from hearing.models.drafts import measure_inputs, strategy_inputs
from hearing.models.followup import plan_measure_strategies

__all__ = ["ServiceError", "STATUS_LABELS"]

#: How a status reads (bokmål; translated where shown).
STATUS_LABELS = {
    MeasureStatus.NOT_STARTED: _l("Ikke startet"),
    MeasureStatus.IN_PROGRESS: _l("I gang"),
    MeasureStatus.DONE: _l("Gjennomført"),
    MeasureStatus.POSTPONED: _l("Utsatt"),
    MeasureStatus.CLOSED: _l("Avsluttet"),
}
#: What a unit may write in the status column (any case): the bokmål, nynorsk, Danish and English names and the codes.
STATUS_WORDS = {
    "ikke startet": MeasureStatus.NOT_STARTED, "ikkje starta": MeasureStatus.NOT_STARTED, "not started": MeasureStatus.NOT_STARTED,
    "i gang": MeasureStatus.IN_PROGRESS, "in progress": MeasureStatus.IN_PROGRESS,
    "gjennomført": MeasureStatus.DONE, "done": MeasureStatus.DONE,
    "utsatt": MeasureStatus.POSTPONED, "utsett": MeasureStatus.POSTPONED, "postponed": MeasureStatus.POSTPONED,
    "avsluttet": MeasureStatus.CLOSED, "avslutta": MeasureStatus.CLOSED, "closed": MeasureStatus.CLOSED,
    "ikke påbegyndt": MeasureStatus.NOT_STARTED, "gennemført": MeasureStatus.DONE, "udsat": MeasureStatus.POSTPONED,
    "afsluttet": MeasureStatus.CLOSED,
    **{s.value: s for s in MeasureStatus},
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def parse_status(value: Any) -> MeasureStatus | None:
    """A status from what a person wrote ("I gang", "i gang", "in_progress"); None when it is no status."""
    if value is None:
        return None
    return STATUS_WORDS.get(" ".join(str(value).split()).casefold())


def check_progress(value: Any) -> int:
    """Progress as a whole number 0–100; :class:`ServiceError` with a Norwegian message otherwise."""
    if isinstance(value, bool):
        raise ServiceError(_l("Fremdrift må være et tall fra 0 til 100."))
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip().replace(",", ".")
        if not text:
            raise ServiceError(_l("Fyll ut fremdrift (0–100)."))
        try:
            value = float(text)
        except ValueError:
            raise ServiceError(_l("Fremdrift må være et tall fra 0 til 100.")) from None
    if value is None:
        raise ServiceError(_l("Fyll ut fremdrift (0–100)."))
    if isinstance(value, float):
        if value != int(value):
            raise ServiceError(_l("Fremdrift må være et helt tall fra 0 til 100."))
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise ServiceError(_l("Fremdrift må være mellom 0 og 100."))
    return value


# --- the plan ----------------------------------------------------------------------------------


def plan_of(session: Session, process: Process) -> Plan | None:
    return session.scalar(sa.select(Plan).where(Plan.process_id == process.id))


def _publicly_visible(query: sa.Select) -> sa.Select:
    """The one rule for who may see a plan's follow-up page: the plan is public and so is its process
    (a process taken off the public site takes its follow-up page with it)."""
    return query.join(Process, Process.id == Plan.process_id).where(Plan.is_public.is_(True), Process.is_public.is_(True))


def public_plans(session: Session) -> list[Plan]:
    return list(session.scalars(_publicly_visible(sa.select(Plan)).order_by(Plan.adopted_on.desc())))


def public_plan(session: Session, plan_id: int) -> Plan | None:
    """The plan if the public may see its follow-up page (see :func:`_publicly_visible`), else None."""
    return session.scalar(_publicly_visible(sa.select(Plan)).where(Plan.id == plan_id))


def is_publicly_visible(session: Session, plan: Plan) -> bool:
    return public_plan(session, plan.id) is not None


def units_of(session: Session, process_id: int) -> list[Unit]:
    return list(session.scalars(sa.select(Unit).where(Unit.process_id == process_id).order_by(Unit.name)))


def unit_named(session: Session, process_id: int, name: str) -> Unit | None:
    """The process's unit of that name (made when it is new); None for an empty name."""
    name = " ".join((name or "").split())[:200]
    if not name:
        return None
    unit = session.scalar(sa.select(Unit).where(Unit.process_id == process_id, sa.func.lower(Unit.name) == name.lower()))
    if unit is None:
        unit = Unit(process_id=process_id, name=name)
        session.add(unit)
        session.flush()
    return unit


def adopt_draft(session: Session, actor: User | None, draft: Draft, data: dict[str, Any]) -> Plan:
    """Adopt ``draft`` as the final plan: every measure becomes a tracked measure, owned by a unit.

    Measures with the same text under several strategies become one tracked measure serving them all.
    ``data``: adopted_on (date, required), decision_reference, title.
    """
    process = session.get(Process, draft.process_id)
    if plan_of(session, process) is not None:
        raise ServiceError(_l("Prosessen har allerede en vedtatt plan."))
    adopted_on = data.get("adopted_on")
    if not isinstance(adopted_on, date):
        raise ServiceError(_l("Fyll ut vedtaksdatoen."))
    measures = [m for area in draft.focus_areas for s in area.strategies for m in s.measures]
    if not measures:
        raise ServiceError(_l("Utkastet har ingen tiltak å følge opp. Legg til tiltak under «Slik gjør vi det» først."))
    plan = Plan(
        process_id=process.id, draft_id=draft.id, adopted_on=adopted_on,
        title=((data.get("title") or "").strip() or process.name)[:300],
        decision_reference=(data.get("decision_reference") or "").strip()[:100],
        adopted_by_id=getattr(actor, "id", None),
    )
    session.add(plan)
    by_text: dict[str, PlanMeasure] = {}
    now = utcnow()
    for m in measures:
        key = " ".join(m.text.split()).casefold()
        if key in by_text:  # the same measure under another strategy: one measure serving both
            tracked = by_text[key]
            if m.strategy not in tracked.strategies:
                tracked.strategies.append(m.strategy)
            if tracked.due_date is None and m.deadline:
                tracked.due_date = m.deadline
            continue
        due = m.deadline
        start = adopted_on if due is None or due >= adopted_on else None
        tracked = PlanMeasure(
            position=len(by_text) + 1, text=m.text, measure_id=m.id, unit=unit_named(session, process.id, m.owner),
            start_date=start, due_date=due, status=MeasureStatus.NOT_STARTED, progress=0, updated_dt=now,
        )
        tracked.strategies = [m.strategy]
        tracked.updates = [MeasureUpdate(update_date=adopted_on, status=MeasureStatus.NOT_STARTED, progress=0,
                                         text=str(_l("Vedtatt i planen.")), source=UpdateSource.ADOPTION,
                                         author_id=getattr(actor, "id", None))]
        plan.measures.append(tracked)
        by_text[key] = tracked
    session.flush()
    audit.record(session, actor, "plan.adopt", plan, process_id=process.id, draft_id=draft.id,
                 measures=len(plan.measures), adopted_on=adopted_on, decision_reference=plan.decision_reference)
    return plan


def update_plan(session: Session, actor: User | None, plan: Plan, data: dict[str, Any]) -> Plan:
    changed = {}
    for key in ("title", "decision_reference", "adopted_on", "is_public"):
        if key not in data:
            continue
        value = data[key].strip() if isinstance(data[key], str) else data[key]
        if key == "title" and not value:
            raise ServiceError(_l("Planen trenger en tittel."))
        if key == "adopted_on" and not isinstance(value, date):
            raise ServiceError(_l("Fyll ut vedtaksdatoen."))
        if getattr(plan, key) != value:
            changed[key] = [getattr(plan, key), value]
            setattr(plan, key, value)
    session.flush()
    audit.record(session, actor, "plan.update", plan, changed=changed)
    return plan


# --- a unit's secret link ----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def create_unit_link(session: Session, actor: User | None, unit: Unit, token: str) -> Unit:
    """Give the unit a (new) secret link; an earlier link stops working. Only the token's hash is kept."""
    replaced = unit.link_token_hash is not None
    unit.link_token_hash = _token_hash(token)
    unit.link_created_dt = utcnow()
    session.flush()
    audit.record(session, actor, "plan.unit_link.create", unit, process_id=unit.process_id, replaced=replaced)
    return unit


def send_unit_link(session: Session, actor: User | None, plan: Plan, unit: Unit, *, email: str, link: str,
                   lang: str | None) -> bool:
    """E-mail the unit's link to its leader, in ``lang`` (else the process's language); the link opens the page
    in that language. Once per link and address (a double click sends one). False when it was already sent.
    The caller commits."""
    import hashlib

    from hearing.mail import link_in_language, masked_address, queue_mail, recipient_language

    process = plan.process
    email = email.strip().lower()
    lang = recipient_language(lang, process)
    stamp = unit.link_created_dt.strftime("%Y%m%d%H%M%S%f") if unit.link_created_dt else "0"
    ref = f"unit-link:{unit.id}:{stamp}:{hashlib.sha256(email.encode()).hexdigest()[:16]}"
    queued = queue_mail(session, to=email, template="unit_link", lang=lang, kind="unit_link", ref=ref,
                        process_id=unit.process_id, unit_name=unit.name, plan_title=plan.title,
                        link=link_in_language(link, lang, process.language))
    if queued is None:
        return False
    audit.record(session, actor, "plan.unit_link.send", unit, process_id=unit.process_id, to=masked_address(email),
                 lang=lang)
    return True


def revoke_unit_link(session: Session, actor: User | None, unit: Unit) -> None:
    if unit.link_token_hash is None:
        raise ServiceError(_l("Enheten har ingen lenke."))
    unit.link_token_hash = None
    unit.link_created_dt = None
    session.flush()
    audit.record(session, actor, "plan.unit_link.revoke", unit, process_id=unit.process_id)


def unit_by_token(session: Session, token: str) -> Unit | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(sa.select(Unit).where(Unit.link_token_hash == _token_hash(token)))


def link_matches(unit: Unit, token: str) -> bool:
    return unit.link_token_hash is not None and unit.link_token_hash == _token_hash(token)


# --- measures ----------------------------------------------------------------------------------


def measure_in_plan(session: Session, plan: Plan, measure_id: int) -> PlanMeasure | None:
    pm = session.get(PlanMeasure, measure_id)
    return pm if pm is not None and pm.plan_id == plan.id else None


def update_measure_details(session: Session, actor: User | None, pm: PlanMeasure, data: dict[str, Any]) -> PlanMeasure:
    """Owner unit, contact person, start and due date of a tracked measure."""
    start, due = data.get("start_date"), data.get("due_date")
    if start and due and due < start:
        raise ServiceError(_l("Fristen kan ikke være før startdatoen."))
    text = (data.get("text") or "").strip()
    if not text:
        raise ServiceError(_l("Tiltaket trenger en tekst."))
    unit = unit_named(session, pm.plan.process_id, data.get("unit") or "")
    values = {"text": text, "unit_id": unit.id if unit else None, "contact": (data.get("contact") or "").strip()[:200],
              "start_date": start, "due_date": due}
    changed = {}
    for key, value in values.items():
        if getattr(pm, key) != value:
            changed[key] = [getattr(pm, key), value]
            setattr(pm, key, value)
    session.flush()
    audit.record(session, actor, "plan.measure.update", pm, process_id=pm.plan.process_id, changed=changed)
    return pm


def set_strategies(session: Session, actor: User | None, pm: PlanMeasure, strategy_ids: list[int]) -> PlanMeasure:
    """The strategies of the adopted plan this measure serves (at least one)."""
    allowed = {s.id: s for s in plan_strategies(pm.plan)}
    chosen = [allowed[i] for i in dict.fromkeys(strategy_ids) if i in allowed]
    if not chosen:
        raise ServiceError(_l("Velg minst én strategi tiltaket skal følge opp."))
    before = sorted(s.id for s in pm.strategies)
    pm.strategies = chosen
    session.flush()
    audit.record(session, actor, "plan.measure.strategies", pm, process_id=pm.plan.process_id,
                 changed=[before, sorted(s.id for s in chosen)])
    return pm


def record_update(
    session: Session, actor: User | None, pm: PlanMeasure, data: dict[str, Any], *,
    source: str = UpdateSource.FORM, import_key: str | None = None, today: date | None = None,
    via_unit_link: bool = False,
) -> MeasureUpdate | None:
    """Add a dated entry to the measure's timeline and make its status and progress the measure's.

    ``data``: status (a MeasureStatus or what a person wrote), progress (0–100), text, update_date.
    Returns None (and stores nothing) when the entry says nothing new: the same status, progress and no
    text, or a spreadsheet row already stored (``import_key``).
    """
    status = parse_status(data.get("status"))
    if status is None:
        raise ServiceError(_l("Ukjent status. Bruk ikke startet, i gang, gjennomført, utsatt eller avsluttet."))
    progress = check_progress(data.get("progress"))
    if status == MeasureStatus.DONE and progress != 100:
        raise ServiceError(_l("Et gjennomført tiltak har fremdrift 100 %."))
    text = (data.get("text") or "").strip()
    if status == MeasureStatus.POSTPONED and not text:
        raise ServiceError(_l("Skriv hvorfor tiltaket er utsatt."))
    update_date = data.get("update_date") or today or utcnow().date()
    if update_date < pm.plan.adopted_on:
        raise ServiceError(_l("Datoen kan ikke være før planen ble vedtatt."))
    if import_key and session.scalar(sa.select(MeasureUpdate.id).where(
            MeasureUpdate.plan_measure_id == pm.id, MeasureUpdate.import_key == import_key)):
        return None
    if status == pm.status and progress == pm.progress and not text:
        return None
    last = pm.updates[-1] if pm.updates else None
    if last is not None and (last.status, last.progress, last.text, last.update_date) == (status, progress, text, update_date):
        return None  # the same entry again (a form sent twice, a file uploaded again)
    update = MeasureUpdate(update_date=update_date, status=status, progress=progress, text=text, source=source,
                           import_key=import_key, author_id=getattr(actor, "id", None))
    pm.updates.append(update)
    before = (pm.status, pm.progress)
    latest = max(pm.updates, key=lambda u: (u.update_date, u.id or 10**12))
    pm.status, pm.progress = latest.status, latest.progress
    pm.updated_dt = utcnow()
    session.flush()
    audit.record(session, actor, "plan.measure.progress", pm, process_id=pm.plan.process_id, source=source,
                 update_id=update.id, status=[before[0], pm.status], progress=[before[1], pm.progress],
                 update_date=update_date, **({"via_unit_link": pm.unit_id} if via_unit_link else {}))
    return update


# --- reading the plan --------------------------------------------------------------------------


def plan_strategies(plan: Plan) -> list[Strategy]:
    draft = plan.draft
    return [s for area in draft.focus_areas for s in area.strategies] if draft is not None else []


def load_measures(session: Session, plan: Plan) -> list[PlanMeasure]:
    return list(session.scalars(
        sa.select(PlanMeasure).where(PlanMeasure.plan_id == plan.id).order_by(PlanMeasure.position)
        .options(selectinload(PlanMeasure.strategies), selectinload(PlanMeasure.updates), selectinload(PlanMeasure.unit))
    ))


def focus_areas_of(pm: PlanMeasure) -> list[FocusArea]:
    return list({s.focus_area_id: s.focus_area for s in pm.strategies}.values())


@dataclass
class Matrix:
    """Measures × strategies: ``cells[(measure_id, strategy_id)]`` is True where the measure serves it."""

    strategies: list[Strategy]
    measures: list[PlanMeasure]
    cells: set[tuple[int, int]]


def matrix(session: Session, plan: Plan) -> Matrix:
    measures = load_measures(session, plan)
    return Matrix(plan_strategies(plan), measures, {(m.id, s.id) for m in measures for s in m.strategies})


@dataclass
class Filters:
    status: str = ""
    unit_id: int | None = None
    focus_area_id: int | None = None

    def keep(self, pm: PlanMeasure) -> bool:
        if self.status and pm.status != self.status:
            return False
        if self.unit_id and pm.unit_id != self.unit_id:
            return False
        if self.focus_area_id and all(s.focus_area_id != self.focus_area_id for s in pm.strategies):
            return False
        return True


def parse_filters(args) -> Filters:
    status = args.get("status", "")
    return Filters(
        status=status if status in {s.value for s in MeasureStatus} else "",
        unit_id=args.get("enhet", type=int) if hasattr(args, "getlist") else None,
        focus_area_id=args.get("omrade", type=int) if hasattr(args, "getlist") else None,
    )


@dataclass
class ThemeLink:
    """A theme behind a measure, as the public may see it: its name, count and where it is reported."""

    id: int
    label: str
    count: int
    report_url_args: dict | None = None


@dataclass
class AreaView:
    area: FocusArea
    measures: list[PlanMeasure] = field(default_factory=list)
    themes: list[ThemeLink] = field(default_factory=list)


@dataclass
class FollowUpView:
    plan: Plan
    areas: list[AreaView]
    counts: dict[str, int]
    total: int
    units: list[Unit]
    report: HearingReport | None
    #: measure id -> the themes of the inputs behind it (its own, its strategies')
    measure_themes: dict[int, list[ThemeLink]]


def input_ids_behind(session: Session, measures: list[PlanMeasure]) -> dict[int, set[int]]:
    """Per tracked measure: ids of the inputs linked to its draft measure and to the strategies it serves."""
    out: dict[int, set[int]] = defaultdict(set)
    if not measures:
        return out
    by_measure = defaultdict(list)
    by_strategy = defaultdict(list)
    for pm in measures:
        if pm.measure_id:
            by_measure[pm.measure_id].append(pm.id)
        for s in pm.strategies:
            by_strategy[s.id].append(pm.id)
    if by_measure:
        for mid, iid in session.execute(sa.select(measure_inputs.c.measure_id, measure_inputs.c.input_id)
                                        .where(measure_inputs.c.measure_id.in_(list(by_measure)))):
            for pm_id in by_measure[mid]:
                out[pm_id].add(iid)
    if by_strategy:
        for sid, iid in session.execute(sa.select(strategy_inputs.c.strategy_id, strategy_inputs.c.input_id)
                                        .where(strategy_inputs.c.strategy_id.in_(list(by_strategy)))):
            for pm_id in by_strategy[sid]:
                out[pm_id].add(iid)
    return out


def _themes_of_inputs(session: Session, process: Process, input_ids: set[int]) -> dict[int, Theme]:
    """input id -> its theme in the process's current grouping run."""
    run = current_run(session, process) if input_ids else None
    if run is None:
        return {}
    rows = session.execute(
        sa.select(ThemeAssignment.input_id, Theme).join(Theme, Theme.id == ThemeAssignment.theme_id)
        .where(ThemeAssignment.run_id == run.id, ThemeAssignment.input_id.in_(list(input_ids)))
    ).all()
    return {iid: theme for iid, theme in rows}


def public_report(session: Session, process: Process) -> HearingReport | None:
    """The newest published report back of the whole process (else of any activity)."""
    return session.scalar(
        sa.select(HearingReport).where(HearingReport.process_id == process.id, HearingReport.is_published.is_(True))
        .order_by(HearingReport.activity_id.is_not(None), HearingReport.published_dt.desc()).limit(1)
    )


def followup_view(session: Session, plan: Plan, filters: Filters | None = None) -> FollowUpView:
    """The plan per focus area with its measures (filtered), counts per status and the themes behind them."""
    filters = filters or Filters()
    measures = load_measures(session, plan)
    process = session.get(Process, plan.process_id)
    behind = input_ids_behind(session, measures)
    all_ids = set().union(*behind.values()) if behind else set()
    # only inputs that are not withdrawn count
    live = set(session.scalars(leave_out_withdrawn(sa.select(Input.id).where(Input.id.in_(list(all_ids)))))) if all_ids else set()
    themes = _themes_of_inputs(session, process, live)
    report = public_report(session, process)
    measure_themes: dict[int, list[ThemeLink]] = {}
    for pm in measures:
        counts: dict[int, int] = defaultdict(int)
        named: dict[int, Theme] = {}
        for iid in behind.get(pm.id, ()):
            if iid in themes:
                counts[themes[iid].id] += 1
                named[themes[iid].id] = themes[iid]
        measure_themes[pm.id] = [
            ThemeLink(tid, named[tid].label, n) for tid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    areas = []
    draft = plan.draft
    for area in (draft.focus_areas if draft is not None else []):
        view = AreaView(area)
        view.measures = [pm for pm in measures if any(s.focus_area_id == area.id for s in pm.strategies) and filters.keep(pm)]
        merged: dict[int, ThemeLink] = {}
        for pm in (pm for pm in measures if any(s.focus_area_id == area.id for s in pm.strategies)):
            for link in measure_themes[pm.id]:
                if link.id not in merged:
                    merged[link.id] = ThemeLink(link.id, link.label, 0)
        if area.theme_id and area.theme_id not in merged and (t := session.get(Theme, area.theme_id)) is not None:
            merged[t.id] = ThemeLink(t.id, t.label, 0)
        for tid, link in merged.items():
            link.count = sum(1 for iid in set().union(*(behind.get(pm.id, set()) for pm in measures
                                                         if any(s.focus_area_id == area.id for s in pm.strategies)))
                             if iid in themes and themes[iid].id == tid)
        view.themes = sorted(merged.values(), key=lambda t: (-t.count, t.label))
        areas.append(view)
    counts = {s.value: sum(1 for pm in measures if pm.status == s) for s in MeasureStatus}
    return FollowUpView(plan=plan, areas=areas, counts=counts, total=len(measures),
                        units=units_of(session, plan.process_id), report=report, measure_themes=measure_themes)


def sources_of(session: Session, pm: PlanMeasure) -> list[Input]:
    """The inputs behind a measure (staff view; masked text is what is shown)."""
    ids = input_ids_behind(session, [pm]).get(pm.id, set())
    if not ids:
        return []
    return list(session.scalars(sa.select(Input).where(Input.id.in_(list(ids))).order_by(Input.id)))


def strategies_by_measure(session: Session, plan: Plan) -> dict[int, list[int]]:
    rows = session.execute(
        sa.select(plan_measure_strategies.c.plan_measure_id, plan_measure_strategies.c.strategy_id)
        .join(PlanMeasure, PlanMeasure.id == plan_measure_strategies.c.plan_measure_id)
        .where(PlanMeasure.plan_id == plan.id)
    )
    out: dict[int, list[int]] = defaultdict(list)
    for mid, sid in rows:
        out[mid].append(sid)
    return out
