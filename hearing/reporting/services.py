"""The report back "Vi spurte – dere svarte – vi gjorde": its settings, publishing, and what it says.

``build_report(session, report)`` gathers everything a reader sees into plain data (``ReportView``),
used alike by the reviewer's preview, the public page and the DOCX, PDF and Markdown exports, so that
the rules hold everywhere at once: only masked text, quotes only from responses whose respondent
allowed publication, and reviewers' own text masked as well. No request inside.
"""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from hearing import audit
from hearing.admin.services import ServiceError
from hearing.content import Localized
from hearing.drafting.exports import _paragraphs as paragraphs
from hearing.drafting.services import (
    diff_drafts,
    drafts_of,
    latest_draft,
    previous_draft,
)
from hearing.grouping import approved_clause, current_run, leave_out_withdrawn, public_clause
from hearing.labels import DECISIONS, KINDS
from hearing.models import (
    PUBLIC_MODERATION,
    Activity,
    Assessment,
    Consent,
    Decision,
    Draft,
    FocusArea,
    HearingReport,
    Input,
    JobStatus,
    Process,
    StakeholderGroup,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
    utcnow,
)
from hearing.models.drafts import measure_inputs, strategy_inputs
from hearing.privacy import mask, mask_submission_fields

__all__ = ["ServiceError", "drafts_of"]

DEFAULT_TITLE = "Vi spurte – dere svarte – vi gjorde"
#: Quotes shown per theme.
QUOTES_PER_THEME = 3
#: Distinct reasons shown per theme (the most common first).
REASONS_PER_THEME = 15
#: Consents that allow a response to be quoted in public.
PUBLISHABLE = (Consent.WITH_NAME, Consent.WITHOUT_NAME)
#: Labels in the report; lazy, so they are shown in the reader's language (bokmål in exports made by jobs).
NO_GROUP = _l("Uten gruppe")
CHANGE_WORDS = {"added": _l("Nytt"), "removed": _l("Fjernet"), "changed": _l("Endret")}


# --- settings and publishing ----------------------------------------------------------------------


def finished_runs(session: Session, process: Process) -> list[ThemeRun]:
    runs = session.scalars(
        sa.select(ThemeRun).where(ThemeRun.process_id == process.id).order_by(ThemeRun.id.desc())
    )
    return [r for r in runs if r.job is None or r.job.status == JobStatus.DONE]


def reports_of(session: Session, process: Process) -> list[HearingReport]:
    return list(
        session.scalars(
            sa.select(HearingReport)
            .where(HearingReport.process_id == process.id)
            .order_by(HearingReport.id.desc())
        )
    )


def published_reports(session: Session) -> list[tuple[HearingReport, Process]]:
    """Published reports of public processes, newest first (for the front page)."""
    rows = session.execute(
        sa.select(HearingReport, Process)
        .join(Process, Process.id == HearingReport.process_id)
        .where(HearingReport.is_published.is_(True), Process.is_public.is_(True))
        .order_by(HearingReport.published_dt.desc(), HearingReport.id.desc())
    )
    return [(r, p) for r, p in rows]


def _clean(session: Session, process: Process, data: dict[str, Any]) -> dict[str, Any]:
    """Check the ids belong to the process; fill in the defaults (newest run, newest draft)."""
    title = (data.get("title") or "").strip() or DEFAULT_TITLE
    out: dict[str, Any] = {"title": title[:300], "introduction": (data.get("introduction") or "").strip()}
    for key, model, message in (
        ("activity_id", Activity, _l("Velg en aktivitet i denne prosessen.")),
        ("run_id", ThemeRun, _l("Velg en temagruppering i denne prosessen.")),
        ("draft_id", Draft, _l("Velg et utkast i denne prosessen.")),
    ):
        ident = data.get(key)
        if ident:
            obj = session.get(model, ident)
            if obj is None or obj.process_id != process.id:
                raise ServiceError(message)
        out[key] = ident or None
    return out


def create_report(
    session: Session, actor: User | None, process: Process, data: dict[str, Any]
) -> HearingReport:
    """A new, unpublished report; without a run or draft chosen, the newest finished run and newest draft."""
    values = _clean(session, process, data)
    if not values["run_id"] and (run := current_run(session, process)):
        values["run_id"] = run.id
    if not values["draft_id"] and (draft := latest_draft(session, process)):
        values["draft_id"] = draft.id
    report = HearingReport(process_id=process.id, **values)
    session.add(report)
    session.flush()
    audit.record(session, actor, "report.create", report, title=report.title, activity_id=report.activity_id)
    return report


def update_report(
    session: Session, actor: User | None, report: HearingReport, data: dict[str, Any]
) -> HearingReport:
    process = session.get(Process, report.process_id)
    values = _clean(session, process, data)
    changed = {k: v for k, v in values.items() if getattr(report, k) != v}
    for key, value in changed.items():
        setattr(report, key, value)
    session.flush()
    audit.record(session, actor, "report.update", report, changed=sorted(changed))
    if changed and report.is_published:
        _public_files().publish_report_files(session, report, actor)  # the public files say it too
    return report


def set_published(
    session: Session, actor: User | None, report: HearingReport, published: bool
) -> HearingReport:
    """Publish the report as a public page, or take it down again.

    Its public DOCX, PDF and Markdown are made by background jobs when it is published (again: publishing
    a published report makes them anew), and deleted when it is taken down.
    """
    if report.is_published != published:
        report.is_published = published
        report.published_dt = utcnow() if published else None
        session.flush()
        audit.record(session, actor, "report.publish" if published else "report.unpublish", report)
    files = _public_files()
    if published:
        files.publish_report_files(session, report, actor)
    else:
        files.delete_report_files(session, report)
    return report


def refresh_public_files(session: Session, process_id: int) -> int:
    """Make the public files of the process's published reports anew; returns how many reports.

    Call it when a response changes, is withdrawn or deleted, or personal data is purged: the public
    page is built on each visit, and the stored files must not keep a quote or name it no longer shows.
    """
    reports = session.scalars(
        sa.select(HearingReport).where(HearingReport.process_id == process_id, HearingReport.is_published.is_(True))
    ).all()
    for report in reports:
        _public_files().publish_report_files(session, report, None)
    return len(reports)


def _public_files():
    from hearing.exports import jobs  # imported here: the export jobs build reports with this module

    return jobs


# --- what the report says -----------------------------------------------------------------------


@dataclass
class Asked:
    """An activity in the "Vi spurte" part: what was asked, when, of whom."""

    title: str
    kind: str
    description: str
    opens_dt: datetime | None
    closes_dt: datetime | None
    groups: list[str]
    prompts: list[str]


@dataclass
class Quote:
    text: str
    attribution: str
    #: The response quoted: a frozen report drops the quote when the response is withdrawn or deleted.
    submission_id: int | None = None


@dataclass
class Change:
    """A part of the draft that answers the theme's inputs."""

    kind: str  # Satsningsområde, Strategi, Tiltak
    text: str
    where: str = ""


@dataclass
class ThemeSection:
    label: str
    count: int
    groups: list[tuple[str, int]]
    quotes: list[Quote]
    decisions: list[tuple[str, int]]
    unassessed: int
    reasons: list[tuple[str, str, int]]
    changes: list[Change] = field(default_factory=list)


@dataclass
class AreaChange:
    title: str
    status: str
    items: list[tuple[str, str]]


@dataclass
class ReportView:
    title: str
    process: str
    scope: str
    introduction: list[str]
    asked: list[Asked]
    total: int
    groups: list[tuple[str, int]]
    themes: list[ThemeSection]
    draft_title: str = ""
    previous_title: str = ""
    draft_changes: list[AreaChange] = field(default_factory=list)
    first_draft_areas: list[str] = field(default_factory=list)
    published_dt: datetime | None = None


def _asked(activity: Activity) -> Asked:
    return Asked(
        title=activity.title,
        kind=str(KINDS.get(activity.kind, activity.kind)),
        description=mask(activity.description or ""),
        opens_dt=activity.opens_dt,
        closes_dt=activity.closes_dt,
        groups=[g.name for g in activity.groups],
        prompts=[mask(p.text) for p in activity.prompts],
    )


def quotable(item: Input) -> bool:
    """May this input be quoted in public? Only from a response whose respondent allowed publication and
    staff approved (the query behind it is :func:`hearing.grouping.public_clause`)."""
    sub = item.submission
    return (
        sub is not None
        and sub.consent in PUBLISHABLE
        and sub.moderation in PUBLIC_MODERATION
        and not sub.is_withdrawn
        and sub.purged_dt is None
        and item.duplicate_of_id is None
    )


def _quote(item: Input) -> Quote:
    sub = item.submission
    who = []
    if name := mask_submission_fields(sub, audience="public").attribution:
        who.append(name)
    if item.group is not None and item.group.name not in who:
        who.append(item.group.name)
    return Quote(text=Localized(item.public_text, item.lang or ""), attribution=mask(", ".join(who)), submission_id=sub.id)


def _scoped(report: HearingReport, run: ThemeRun, *columns) -> sa.Select:
    """``SELECT columns`` over the run's placements of inputs in the report's scope; withdrawn responses and
    responses staff have not approved left out (:class:`Submission` is outer-joined, :class:`Input` joined)."""
    q = leave_out_withdrawn(
        sa.select(*columns).select_from(ThemeAssignment).join(Input, Input.id == ThemeAssignment.input_id)
    ).where(ThemeAssignment.run_id == run.id, approved_clause())
    if report.activity_id:
        q = q.where(Input.activity_id == report.activity_id)
    return q


def _theme_group_counts(session: Session, report: HearingReport, run: ThemeRun) -> dict[int, Counter]:
    """Inputs per theme and stakeholder group name (counted by the database)."""
    no_group = str(NO_GROUP)
    q = _scoped(report, run, ThemeAssignment.theme_id, StakeholderGroup.name, sa.func.count(Input.id))
    q = q.outerjoin(StakeholderGroup, StakeholderGroup.id == Input.group_id)
    out: dict[int, Counter] = {}
    for theme_id, name, n in session.execute(q.group_by(ThemeAssignment.theme_id, StakeholderGroup.name)):
        out.setdefault(theme_id, Counter())[name or no_group] += n
    return out


def _sorted_groups(counts: Counter) -> list[tuple[str, int]]:
    no_group = str(NO_GROUP)
    return sorted(counts.items(), key=lambda kv: (kv[0] == no_group, -kv[1], kv[0].casefold()))


@dataclass
class _Assessed:
    """Per theme, from one GROUP BY over its assessments: decisions, reasons and focus areas reached."""

    decisions: dict[int, Counter] = field(default_factory=dict)
    reasons: dict[int, Counter] = field(default_factory=dict)
    areas: dict[int, set[int]] = field(default_factory=dict)


def _assessed(session: Session, report: HearingReport, run: ThemeRun) -> _Assessed:
    out = _Assessed()
    q = _scoped(report, run, ThemeAssignment.theme_id, Assessment.decision, Assessment.reason,
                Assessment.focus_area_id, sa.func.count(Assessment.id))
    q = q.join(Assessment, Assessment.input_id == Input.id)
    q = q.group_by(ThemeAssignment.theme_id, Assessment.decision, Assessment.reason, Assessment.focus_area_id)
    for theme_id, decision, reason, area_id, n in session.execute(q):
        out.decisions.setdefault(theme_id, Counter())[decision] += n
        if (reason or "").strip():
            out.reasons.setdefault(theme_id, Counter())[(decision, reason.strip())] += n
        if area_id is not None:
            out.areas.setdefault(theme_id, set()).add(area_id)
    return out


def _decisions_of(
    count: int, decided: dict[str, int], reasons: Counter
) -> tuple[list[tuple[str, int]], int, list[tuple[str, str, int]]]:
    decisions = [(str(DECISIONS[d.value]), decided[d.value]) for d in Decision if decided.get(d.value)]
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], list(DECISIONS).index(kv[0][0])))[
        :REASONS_PER_THEME
    ]
    return decisions, count - sum(decided.values()), [(str(DECISIONS[d]), mask(r), n) for (d, r), n in top]


def _theme_quotes(session: Session, report: HearingReport, run: ThemeRun, theme: Theme) -> list[Quote]:
    """Up to QUOTES_PER_THEME quotable inputs: the theme's representative ones first, then the oldest."""
    q = (
        _scoped(report, run, Input)
        .where(
            ThemeAssignment.theme_id == theme.id,
            public_clause(utcnow()),
            Input.duplicate_of_id.is_(None),
        )
        .join(Activity, Activity.id == Input.activity_id)
        .options(selectinload(Input.submission), selectinload(Input.group))
    )
    wanted = [int(i) for i in theme.quote_input_ids or [] if str(i).isdigit()]
    found = {i.id: i for i in session.scalars(q.where(Input.id.in_(wanted)))} if wanted else {}
    chosen = [found[i] for i in wanted if i in found][:QUOTES_PER_THEME]
    if len(chosen) < QUOTES_PER_THEME:
        more = q.where(Input.id.not_in([i.id for i in chosen])) if chosen else q
        chosen += session.scalars(more.order_by(Input.id).limit(QUOTES_PER_THEME - len(chosen)))
    return [_quote(i) for i in chosen if quotable(i)]


@dataclass
class _Linked:
    """Per theme, what of the draft its inputs reached: focus areas of assessments, strategies, measures."""

    areas: dict[int, set[int]] = field(default_factory=dict)
    strategies: dict[int, set[int]] = field(default_factory=dict)
    measures: dict[int, set[int]] = field(default_factory=dict)


def _linked_parts(session: Session, report: HearingReport, run: ThemeRun, draft: Draft | None,
                  areas: dict[int, set[int]]) -> _Linked:
    out = _Linked(areas=areas)
    if draft is None:
        return out
    strategies = [st for a in draft.focus_areas for st in a.strategies]
    measures = [m for st in strategies for m in st.measures]
    for table, column, parts, target in ((strategy_inputs, "strategy_id", strategies, out.strategies),
                                         (measure_inputs, "measure_id", measures, out.measures)):
        if not parts:
            continue
        part = table.c[column]
        q = _scoped(report, run, ThemeAssignment.theme_id, part).distinct()
        q = q.join(table, table.c.input_id == Input.id).where(part.in_([p.id for p in parts]))
        for theme_id, part_id in session.execute(q):
            target.setdefault(theme_id, set()).add(part_id)
    return out


def _changes_of(session: Session, theme: Theme, draft: Draft | None, linked: _Linked) -> list[Change]:
    out: list[Change] = []
    seen: set[int] = set()
    areas = [a for a in draft.focus_areas if a.theme_id == theme.id] if draft else []
    ids = linked.areas.get(theme.id, set())
    if ids:
        areas += [a for a in session.scalars(sa.select(FocusArea).where(FocusArea.id.in_(ids))) if a not in areas]
    for area in areas:
        if area.id in seen:
            continue
        seen.add(area.id)
        where = "" if draft is not None and area.draft_id == draft.id else area.draft.title
        out.append(Change(_("Satsningsområde"), mask(area.title), where))
    if draft is not None:
        strategies = linked.strategies.get(theme.id, set())
        measures = linked.measures.get(theme.id, set())
        for area in draft.focus_areas:
            for strategy in area.strategies:
                if strategy.id in strategies:
                    out.append(Change(_("Strategi"), mask(strategy.text), mask(area.title)))
                for measure in strategy.measures:
                    if measure.id in measures:
                        out.append(Change(_("Tiltak"), mask(measure.text), mask(area.title)))
    return out


def _draft_changes(old: Draft, new: Draft) -> list[AreaChange]:
    out = []
    for d in diff_drafts(old, new):
        if d.status == "unchanged":
            continue
        items: list[tuple[str, str]] = []
        if d.status == "changed":
            if d.title.changed:
                items.append((_("Endret tittel"), mask(f"{d.old_title} → {d.new_title}")))
            if d.current_state.changed:
                items.append((_("Endret"), _("Her er vi")))
            if d.desired_state.changed:
                items.append((_("Endret"), _("Slik vil vi ha det")))
            for part in (d.goals, d.strategies, d.measures):
                items += [
                    (str(CHANGE_WORDS[c.status]), mask(c.new or c.old)) for c in part if c.status != "unchanged"
                ]
        out.append(AreaChange(mask(d.new_title or d.old_title), str(CHANGE_WORDS[d.status]), items))
    return out


def build_report(session: Session, report: HearingReport) -> ReportView:
    """Everything the report says, as plain masked data.

    Labels (kinds, decisions) follow the reader's language in a request, bokmål outside one (exports in jobs).
    """
    with nullcontext() if has_request_context() else force_locale("nb"):
        return _build(session, report)


def _build(session: Session, report: HearingReport) -> ReportView:
    process = session.get(Process, report.process_id)
    activity = session.get(Activity, report.activity_id) if report.activity_id else None
    run = session.get(ThemeRun, report.run_id) if report.run_id else None
    draft = session.get(Draft, report.draft_id) if report.draft_id else None
    asked = [_asked(activity)] if activity else [_asked(a) for a in process.activities]
    view = ReportView(
        title=mask(report.title),
        process=process.name,
        scope=activity.title if activity else process.name,
        introduction=paragraphs(mask(report.introduction)),
        asked=asked,
        total=0,
        groups=[],
        themes=[],
        published_dt=report.published_dt,
    )
    if run is not None:
        counts = _theme_group_counts(session, report, run)
        view.total = sum(n for per_group in counts.values() for n in per_group.values())
        every: Counter = Counter()
        for per_group in counts.values():
            every.update(per_group)
        view.groups = _sorted_groups(every)
        assessed = _assessed(session, report, run)
        changes = _linked_parts(session, report, run, draft, assessed.areas)
        for theme in run.themes:
            per_group = counts.get(theme.id)
            if not per_group or theme.merged_into_id is not None:
                continue
            count = sum(per_group.values())
            decided, unassessed, top = _decisions_of(
                count, assessed.decisions.get(theme.id, {}), assessed.reasons.get(theme.id, Counter())
            )
            view.themes.append(
                ThemeSection(
                    label=mask(theme.label),
                    count=count,
                    groups=_sorted_groups(per_group),
                    quotes=_theme_quotes(session, report, run, theme),
                    decisions=decided,
                    unassessed=unassessed,
                    reasons=top,
                    changes=_changes_of(session, theme, draft, changes),
                )
            )
        view.themes.sort(key=lambda t: -t.count)
    if draft is not None:
        view.draft_title = mask(draft.title)
        if (old := previous_draft(session, draft)) is not None:
            view.previous_title = mask(old.title)
            view.draft_changes = _draft_changes(old, draft)
        else:
            view.first_draft_areas = [mask(a.title) for a in draft.focus_areas]
    return view
