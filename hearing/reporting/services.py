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
from hearing.drafting.exports import _paragraphs as paragraphs
from hearing.drafting.services import (
    diff_drafts,
    drafts_of,
    latest_draft,
    previous_draft,
)
from hearing.grouping import current_run, leave_out_withdrawn
from hearing.labels import DECISIONS, KINDS
from hearing.models import (
    Activity,
    Consent,
    Decision,
    Draft,
    FocusArea,
    HearingReport,
    Input,
    JobStatus,
    Process,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
    utcnow,
)
from hearing.privacy import mask

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
    """May this input be quoted in public? Only from a response whose respondent allowed publication."""
    sub = item.submission
    return (
        sub is not None
        and sub.consent in PUBLISHABLE
        and not sub.is_withdrawn
        and sub.purged_dt is None
        and item.duplicate_of_id is None
    )


def _quote(item: Input) -> Quote:
    sub = item.submission
    who = []
    if sub.consent == Consent.WITH_NAME and (name := sub.on_behalf_of or sub.respondent_name):
        who.append(name)
    if item.group is not None and item.group.name not in who:
        who.append(item.group.name)
    return Quote(text=item.display_text, attribution=", ".join(who))


def _scoped_inputs(session: Session, report: HearingReport, run: ThemeRun) -> dict[int, list[Input]]:
    """The inputs of the run in the report's scope, by theme; withdrawn responses left out."""
    q = (
        leave_out_withdrawn(sa.select(ThemeAssignment.theme_id, Input).join(Input, Input.id == ThemeAssignment.input_id))
        .where(ThemeAssignment.run_id == run.id)
        .options(selectinload(Input.submission), selectinload(Input.group), selectinload(Input.assessment))
        .order_by(Input.id)
    )
    if report.activity_id:
        q = q.where(Input.activity_id == report.activity_id)
    out: dict[int, list[Input]] = {}
    for theme_id, item in session.execute(q):
        out.setdefault(theme_id, []).append(item)
    return out


def _group_counts(items: list[Input]) -> list[tuple[str, int]]:
    no_group = str(NO_GROUP)
    counts = Counter(i.group.name if i.group else no_group for i in items)
    return sorted(counts.items(), key=lambda kv: (kv[0] == no_group, -kv[1], kv[0].casefold()))


def _quotes(theme: Theme, items: list[Input]) -> list[Quote]:
    eligible = {i.id: i for i in items if quotable(i)}
    order = [int(i) for i in theme.quote_input_ids or [] if str(i).isdigit() and int(i) in eligible]
    order += [i for i in eligible if i not in order]
    return [_quote(eligible[i]) for i in order[:QUOTES_PER_THEME]]


def _decisions(items: list[Input]) -> tuple[list[tuple[str, int]], int, list[tuple[str, str, int]]]:
    assessed = [i.assessment for i in items if i.assessment is not None]
    counts = Counter(a.decision for a in assessed)
    decisions = [(str(DECISIONS[d.value]), counts[d.value]) for d in Decision if counts[d.value]]
    reasons = Counter((a.decision, a.reason.strip()) for a in assessed if a.reason.strip())
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], list(DECISIONS).index(kv[0][0])))[
        :REASONS_PER_THEME
    ]
    return decisions, len(items) - len(assessed), [(str(DECISIONS[d]), mask(r), n) for (d, r), n in top]


def _changes(session: Session, theme: Theme, items: list[Input], draft: Draft | None) -> list[Change]:
    ids = {i.id for i in items}
    out: list[Change] = []
    seen: set[int] = set()
    areas = [a for a in draft.focus_areas if a.theme_id == theme.id] if draft else []
    linked = {i.assessment.focus_area_id for i in items if i.assessment and i.assessment.focus_area_id}
    areas += [
        a for a in session.scalars(sa.select(FocusArea).where(FocusArea.id.in_(linked))) if a not in areas
    ]
    for area in areas:
        if area.id in seen:
            continue
        seen.add(area.id)
        where = "" if draft is not None and area.draft_id == draft.id else area.draft.title
        out.append(Change(_("Satsningsområde"), mask(area.title), where))
    if draft is not None:
        for area in draft.focus_areas:
            for strategy in area.strategies:
                if ids & {i.id for i in strategy.inputs}:
                    out.append(Change(_("Strategi"), mask(strategy.text), mask(area.title)))
                for measure in strategy.measures:
                    if ids & {i.id for i in measure.inputs}:
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
        by_theme = _scoped_inputs(session, report, run)
        every = [i for items in by_theme.values() for i in items]
        view.total, view.groups = len(every), _group_counts(every)
        for theme in run.themes:
            items = by_theme.get(theme.id, [])
            if not items or theme.merged_into_id is not None:
                continue
            decisions, unassessed, reasons = _decisions(items)
            view.themes.append(
                ThemeSection(
                    label=mask(theme.label),
                    count=len(items),
                    groups=_group_counts(items),
                    quotes=_quotes(theme, items),
                    decisions=decisions,
                    unassessed=unassessed,
                    reasons=reasons,
                    changes=_changes(session, theme, items, draft),
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
