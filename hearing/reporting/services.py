"""The report back "Vi spurte – dere svarte – vi gjorde": its settings, publishing, and what it says.

``build_report(session, report)`` gathers everything a reader sees into plain data (``ReportView``),
used alike by the reviewer's preview, the public page and the DOCX, PDF and Markdown exports, so that
the rules hold everywhere at once: only masked text, quotes only from responses whose respondent
allowed publication, and reviewers' own text masked as well. No request inside.
"""

from __future__ import annotations

import copy
from collections import Counter
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from hearing import audit, localtime
from hearing.content import Localized
from hearing.core.errors import ServiceError
from hearing.core.signals import responses_changed
from hearing.documents import paragraphs
from hearing.drafting.services import (
    diff_drafts,
    drafts_of,
    latest_draft,
    previous_draft,
)
from hearing.grouping import (
    approved_clause,
    current_run,
    leave_out_withdrawn,
    public_clause,
    public_submissions,
)
from hearing.labels import DECISIONS, INPUT_SOURCES, KINDS
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
    Phase,
    Process,
    ReportStatement,
    ReportTheme,
    ReportVersion,
    StakeholderGroup,
    Submission,
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
    """Change the report's settings; a published version stays as it was until a new one is published."""
    process = session.get(Process, report.process_id)
    values = _clean(session, process, data)
    changed = {k: v for k, v in values.items() if getattr(report, k) != v}
    for key, value in changed.items():
        setattr(report, key, value)
    session.flush()
    audit.record(session, actor, "report.update", report, changed=sorted(changed))
    return report


# --- frozen versions --------------------------------------------------------------------------------


def snapshot_languages() -> tuple[str, ...]:
    """The interface languages a version is stored in (its downloads come in each)."""
    from flask import current_app

    return tuple(current_app.config.get("LANGUAGES", ("nb",)))


def versions_of(session: Session, report: HearingReport) -> list[ReportVersion]:
    """The report's versions, newest first."""
    return list(session.scalars(
        sa.select(ReportVersion).where(ReportVersion.report_id == report.id).order_by(ReportVersion.number.desc())
    ))


def latest_version(session: Session, report: HearingReport) -> ReportVersion | None:
    return session.scalar(
        sa.select(ReportVersion).where(ReportVersion.report_id == report.id)
        .order_by(ReportVersion.number.desc()).limit(1)
    )


def make_snapshot(session: Session, report: HearingReport) -> dict[str, dict]:
    """What the report says now, as plain data in every interface language."""
    out = {}
    for lang in snapshot_languages():
        with force_locale(lang):
            out[lang] = view_to_data(build_view(session, report))
    return out


def _same(a: dict, b: dict) -> bool:
    """Two snapshots say the same (the publishing date aside)."""
    def strip(snapshot: dict) -> dict:
        return {lang: {k: v for k, v in view.items() if k != "published_dt"} for lang, view in snapshot.items()}

    return strip(a) == strip(b)


def publish_version(session: Session, actor: User | None, report: HearingReport, *,
                    link: str | None = None) -> ReportVersion:
    """Freeze what the report says now as its next version and publish it.

    Refused when nothing changed since the newest version while it is published. The public files are made
    by background jobs from the stored version, in every language it is stored in (REPORT_FILE_LANGUAGES);
    respondents who asked to be told get an e-mail with ``link`` when it is given.
    """
    now = utcnow()
    snapshot = make_snapshot(session, report)
    latest = latest_version(session, report)
    if latest is not None and report.is_published and _same(latest.snapshot, snapshot):
        raise ServiceError(_l("Ingenting er endret siden versjon %(n)d. Den er fortsatt publisert.", n=latest.number))
    for view in snapshot.values():
        view["published_dt"] = now.isoformat()
    version = ReportVersion(report_id=report.id, number=(latest.number + 1) if latest else 1, published_dt=now,
                            published_by_id=getattr(actor, "id", None), snapshot=snapshot)
    session.add(version)
    report.is_published = True
    report.published_dt = now
    session.flush()
    audit.record(session, actor, "report.publish", report, version=version.number)
    _public_files().publish_report_files(session, report, actor, version=version)
    if link:
        from hearing.mail import queue_report_published

        queue_report_published(session, report.process_id, link=link, version=f"{report.id}-{version.number}")
    return version


def set_published(
    session: Session, actor: User | None, report: HearingReport, published: bool, *, link: str | None = None
) -> HearingReport:
    """Publish the report (a new frozen version), or take it down again (its files are deleted).

    Publishing a published report whose content has not changed keeps its version.
    """
    if published:
        try:
            publish_version(session, actor, report, link=link)
        except ServiceError:
            if not report.is_published:
                raise
        return report
    if report.is_published:
        report.is_published = False
        report.published_dt = None
        session.flush()
        audit.record(session, actor, "report.unpublish", report)
    _public_files().delete_report_files(session, report)
    return report


def current_version(session: Session, report: HearingReport) -> ReportVersion | None:
    """The version the public reads; a report published before versions existed gets its first one here.

    That first version keeps the numbers the report showed (responses received before it was published count,
    reviewed or not: moderation did not exist then); its quotes and statements come from approved responses only.
    """
    version = latest_version(session, report)
    if version is None and report.is_published:
        before = report.published_dt or utcnow()
        token = _COUNTED_BEFORE.set(before)
        try:
            version = publish_version(session, None, report)
        finally:
            _COUNTED_BEFORE.reset(token)
        audit.record(session, None, "report.legacy_version", report, version=version.number,
                     counted_before=before.isoformat())
    return version


def view_of(version: ReportVersion, lang: str) -> ReportView:
    """The stored version in the reader's language (bokmål when that language was not stored)."""
    data = version.snapshot.get(lang) or version.snapshot.get("nb") or next(iter(version.snapshot.values()))
    return view_from_data(data)


def refresh_public_files(session: Session, process_id: int) -> int:
    """Take what may no longer be shown out of the process's stored versions; returns how many versions changed.

    Call it when a response is withdrawn, changed (it waits for a new decision), deleted or purged, or a
    workshop note's approval for quoting is taken back (the note corrected or deleted): a stored version keeps
    what it said, except quotes and merknadsskjema rows that may no longer be shown, and its public files are
    made anew.
    """
    versions = session.scalars(
        sa.select(ReportVersion).join(HearingReport, HearingReport.id == ReportVersion.report_id)
        .where(HearingReport.process_id == process_id)
    ).all()
    quoted = ({q.get("submission_id") for v in versions for view in v.snapshot.values()
               for t in view.get("themes", []) for q in t.get("quotes", [])}
              | {r.get("submission_id") for v in versions for view in v.snapshot.values()
                 for r in view.get("statements", [])}) - {None}
    notes = {q.get("input_id") for v in versions for view in v.snapshot.values() for t in view.get("themes", [])
             for q in t.get("quotes", []) if q.get("submission_id") is None} - {None}
    if not quoted and not notes:
        return 0
    still = set(session.scalars(
        sa.select(Submission.id).where(
            Submission.id.in_(quoted), Submission.is_withdrawn.is_(False), Submission.purged_dt.is_(None),
            Submission.moderation.in_([m.value for m in PUBLIC_MODERATION]),
            Submission.consent.in_([c.value for c in PUBLISHABLE]))
    )) if quoted else set()
    gone = quoted - still
    notes_gone = notes - set(session.scalars(sa.select(Input.id).where(
        Input.id.in_(notes), Input.submission_id.is_(None), Input.quote_approved_dt.is_not(None)))) if notes else set()

    def kept(q: dict) -> bool:
        if q.get("submission_id") is None:
            return q.get("input_id") not in notes_gone
        return q.get("submission_id") not in gone

    changed = 0
    for version in versions:
        snapshot = copy.deepcopy(version.snapshot)
        dropped = False
        for view in snapshot.values():
            for theme in view.get("themes", []):
                keep = [q for q in theme.get("quotes", []) if kept(q)]
                dropped |= len(keep) != len(theme.get("quotes", []))
                theme["quotes"] = keep
            rows = [r for r in view.get("statements", []) if r.get("submission_id") not in gone]
            dropped |= len(rows) != len(view.get("statements", []))
            view["statements"] = rows
        if dropped:
            version.snapshot = snapshot
            changed += 1
            report = session.get(HearingReport, version.report_id)
            audit.record(session, None, "report.version_scrub", report, version=version.number)
            if report.is_published:
                _public_files().publish_report_files(session, report, None, version=version)
    session.flush()
    return changed


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
    #: The input quoted; for a workshop note (no response) the frozen report drops the quote when staff take the
    #: approval back, the note is corrected or deleted.
    input_id: int | None = None


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
    theme_id: int | None = None
    #: "Dere sa" and "Vi gjorde" in staff's words (the report builder), masked.
    said: str = ""
    did: str = ""


@dataclass
class StatementRow:
    """A row of the merknadsskjema: a formal statement, the municipality's answer, where it led in the plan."""

    body: str
    meeting_date: str
    case_reference: str
    summary: str
    answer: str
    plan_ref: str
    reference: str = ""
    #: The statement: a stored version drops the row when it is withdrawn or deleted.
    submission_id: int | None = None


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
    #: The merknadsskjema: one row per formal statement in the report's scope.
    statements: list[StatementRow] = field(default_factory=list)
    #: Inputs per channel (form, workshop, import) and per phase of the process.
    channels: list[tuple[str, int]] = field(default_factory=list)
    phases: list[tuple[str, int]] = field(default_factory=list)
    #: Inputs per week on the municipality's clock ("Uke 12 2026", n), every week from the first to the last.
    weeks: list[tuple[str, int]] = field(default_factory=list)
    #: Invited bodies per activity in scope: (activity, answered, invited).
    invited: list[tuple[str, int, int]] = field(default_factory=list)
    #: The language staff wrote the report's own texts in (the process's): titles, introduction, theme names,
    #: "dere sa" and "vi gjorde", answers. A page or file in another language marks them with it.
    content_lang: str = "nb"
    #: The title is the report's own text (not the default title, which is given in the reader's language).
    title_is_content: bool = True


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
    staff approved (the query behind it is :func:`hearing.grouping.public_clause`), or a workshop note staff
    approved for quoting (:func:`quotable_clause`)."""
    sub = item.submission
    if sub is None:
        return item.quote_approved_dt is not None and item.duplicate_of_id is None
    return (
        sub.consent in PUBLISHABLE
        and sub.moderation in PUBLIC_MODERATION
        and not sub.is_withdrawn
        and sub.purged_dt is None
        and item.duplicate_of_id is None
    )


def quotable_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Inputs the public may read quoted: of a public response (:func:`public_clause`, needs :class:`Submission`
    outer-joined and :class:`Activity` joined), or workshop notes staff approved for quoting."""
    return sa.or_(
        sa.and_(Input.submission_id.is_(None), Input.quote_approved_dt.is_not(None)),
        sa.and_(Input.submission_id.is_not(None), public_clause(now)),
    )


def quote_of(item: Input) -> Quote:
    sub = item.submission
    who = []
    if sub is not None and (name := mask_submission_fields(sub, audience="public").attribution):
        who.append(name)
    if item.group is not None and item.group.name not in who:
        who.append(item.group.name)
    if sub is None:  # a workshop note: said at the workshop, by no one named
        who.append(str(_l("notat fra %(workshop)s", workshop=item.activity.title)))
    return Quote(text=Localized(item.public_text, item.lang or ""), attribution=mask(", ".join(who)),
                 submission_id=sub.id if sub is not None else None, input_id=item.id)


#: Set while the first version of a report published before versions and moderation existed is made: its
#: numbers count the responses it counted when it was published (received before then, not withdrawn), as
#: staff had not yet reviewed them; quotes and statements still come from approved responses only.
_COUNTED_BEFORE: ContextVar[datetime | None] = ContextVar("counted_before", default=None)


def _scoped(report: HearingReport, run: ThemeRun, *columns) -> sa.Select:
    """``SELECT columns`` over the run's placements of inputs in the report's scope; withdrawn responses and
    responses staff have not approved left out (:class:`Submission` is outer-joined, :class:`Input` joined)."""
    counted = approved_clause()
    if (before := _COUNTED_BEFORE.get()) is not None:
        counted = sa.or_(counted, Submission.submitted_dt <= before)
    q = leave_out_withdrawn(
        sa.select(*columns).select_from(ThemeAssignment).join(Input, Input.id == ThemeAssignment.input_id)
    ).where(ThemeAssignment.run_id == run.id, counted)
    if report.activity_id:
        q = q.where(Input.activity_id == report.activity_id)
    return q


@dataclass
class _Counted:
    """The report's inputs counted per theme and group name, per channel, per phase and per week."""

    themes: dict[int, Counter] = field(default_factory=dict)
    channels: list[tuple[str, int]] = field(default_factory=list)
    phases: list[tuple[str, int]] = field(default_factory=list)
    #: ("Uke 12 2026", n) on the municipality's clock, every week from the first to the last.
    weeks: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class _Assessed:
    """Per theme, from one GROUP BY over its assessments: decisions, reasons and focus areas reached."""

    decisions: dict[int, Counter] = field(default_factory=dict)
    reasons: dict[int, Counter] = field(default_factory=dict)
    areas: dict[int, set[int]] = field(default_factory=dict)


def _tallies(session: Session, report: HearingReport, run: ThemeRun, process: Process) -> tuple[_Counted, _Assessed]:
    """Everything the report counts, in one statement: the run's placements in the report's scope are joined
    once (a CTE used three times, which SQLite and PostgreSQL compute once), then counted per theme, group,
    channel and activity; per UTC hour (each hour's local day is found here, so no row is converted to local
    time in the database: :func:`hearing.localtime.utc_bucket`); and per theme and assessment. The small tables
    name what was counted."""
    zone = localtime.zone_name(process)
    scoped = _scoped(report, run, ThemeAssignment.theme_id.label("theme_id"), Input.id.label("input_id"),
                     Input.group_id.label("group_id"), Input.source.label("source"),
                     Input.activity_id.label("activity_id"),
                     localtime.utc_bucket(Input.created_dt, zone).label("bucket")).cte("scoped")

    def none(column) -> sa.ColumnElement:  # PostgreSQL types each column of a UNION once: a NULL of its type
        return sa.cast(sa.null(), column.type)

    # part, theme, group, channel, activity, hour (a plain NULL: a timestamp on PostgreSQL, text on SQLite),
    # decision, reason, focus area, count
    c = scoped.c
    decision, reason, area = Assessment.decision, Assessment.reason, Assessment.focus_area_id
    per_theme = (sa.select(sa.literal("c"), c.theme_id, c.group_id, c.source, c.activity_id, sa.null(),
                           none(decision), none(reason), none(area), sa.func.count())
                 .group_by(c.theme_id, c.group_id, c.source, c.activity_id))
    per_hour = (sa.select(sa.literal("w"), none(c.theme_id), none(c.group_id), none(c.source), none(c.activity_id),
                          c.bucket, none(decision), none(reason), none(area), sa.func.count())
                .group_by(c.bucket))
    per_assessment = (sa.select(sa.literal("a"), c.theme_id, none(c.group_id), none(c.source), none(c.activity_id),
                                sa.null(), decision, reason, area, sa.func.count(Assessment.id))
                      .select_from(scoped).join(Assessment, Assessment.input_id == c.input_id)
                      .group_by(c.theme_id, decision, reason, area))
    rows = [tuple(r) for r in session.execute(sa.union_all(per_theme, per_hour, per_assessment))]
    counted_rows = [r[1:5] + r[9:] for r in rows if r[0] == "c"]
    return (_counted(session, counted_rows, [(r[5], r[9]) for r in rows if r[0] == "w"], zone),
            _assessed([r[1:2] + r[6:10] for r in rows if r[0] == "a"]))


def _counted(session: Session, rows: list[tuple], hours: list[tuple], zone: str) -> _Counted:
    """Inputs in the report per theme and stakeholder group name, per channel, per phase and per week, from the
    counts per (theme, group, channel, activity) and per UTC hour."""
    groups = dict(session.execute(sa.select(StakeholderGroup.id, StakeholderGroup.name).where(
        StakeholderGroup.id.in_({r[1] for r in rows if r[1] is not None}))).all())
    phase_of = dict(session.execute(sa.select(Activity.id, Activity.phase_id).where(
        Activity.id.in_({r[3] for r in rows}))).all())
    phases = {p.id: p for p in session.scalars(sa.select(Phase).where(
        Phase.id.in_({p for p in phase_of.values() if p is not None})))}
    no_group = str(NO_GROUP)
    out = _Counted()
    channels: Counter = Counter()
    per_phase: Counter = Counter()
    for theme_id, group_id, source, activity_id, n in rows:
        out.themes.setdefault(theme_id, Counter())[groups.get(group_id) or no_group] += n
        channels[source] += n
        per_phase[phase_of.get(activity_id)] += n
    out.channels = [(str(INPUT_SOURCES.get(src, src)), channels[src]) for src in sorted(channels, key=lambda s: s or "")]
    # phases in their order, inputs of activities without a phase last
    order = sorted(per_phase, key=lambda p: (p is None, phases[p].position if p is not None else 0))
    out.phases = [(phases[p].name if p is not None else str(_l("Uten fase")), per_phase[p]) for p in order]
    out.weeks = _weekly(hours, zone)
    return out


def _weekly(hours: list[tuple], zone: str) -> list[tuple[str, int]]:
    """Inputs per week on the municipality's clock from the counts per UTC hour, quiet weeks included."""
    from hearing.dashboard.services import week_label

    per_week: Counter = Counter()
    for bucket, n in hours:
        if (day := localtime.local_day_of_bucket(bucket, zone)) is not None:
            per_week[localtime.monday_of(day)] += n
    return [(week_label(monday), n) for monday, n in localtime.every_week(per_week, int)]


def _invited(session: Session, report: HearingReport, process: Process) -> list[tuple[str, int, int]]:
    """(activity, bodies that answered, bodies invited) per activity in the report's scope with invitations."""
    from hearing.dashboard.services import invited_rates

    return [(r.activity.title, r.answered, r.invited) for r in invited_rates(session, process)
            if not report.activity_id or r.activity.id == report.activity_id]


def _sorted_groups(counts: Counter) -> list[tuple[str, int]]:
    no_group = str(NO_GROUP)
    return sorted(counts.items(), key=lambda kv: (kv[0] == no_group, -kv[1], kv[0].casefold()))


def _assessed(rows: list[tuple]) -> _Assessed:
    """Decisions, reasons and focus areas per theme from the counts per (theme, decision, reason, focus area)."""
    out = _Assessed()
    for theme_id, decision, reason, area_id, n in rows:
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


def _quotable_inputs(report: HearingReport, run: ThemeRun) -> sa.Select:
    return (
        _scoped(report, run, Input)
        .where(quotable_clause(utcnow()), Input.duplicate_of_id.is_(None))
        .join(Activity, Activity.id == Input.activity_id)
        .options(selectinload(Input.submission), selectinload(Input.group), selectinload(Input.activity))
    )


def _theme_quotes(session: Session, report: HearingReport, run: ThemeRun,
                  themes: list[tuple[Theme, list[int] | None]]) -> dict[int, list[Quote]]:
    """Per theme, up to QUOTES_PER_THEME quotable inputs: the ones staff chose for the report (only those, when
    they chose), else the theme's representative ones first, then the oldest. The chosen and representative
    inputs of every theme are read in one statement; a theme that has too few of them reads its oldest."""
    q = _quotable_inputs(report, run)
    wanted = {theme.id: [int(i) for i in (chosen_ids or theme.quote_input_ids or []) if str(i).isdigit()]
              for theme, chosen_ids in themes}
    every = sorted({i for ids in wanted.values() for i in ids})
    found: dict[tuple[int, int], Input] = {}
    for start in range(0, len(every), 500):
        rows = session.execute(q.add_columns(ThemeAssignment.theme_id).where(
            Input.id.in_(every[start:start + 500]), ThemeAssignment.theme_id.in_(list(wanted))))
        found.update(((theme_id, item.id), item) for item, theme_id in rows)
    out: dict[int, list[Quote]] = {}
    for theme, chosen_ids in themes:
        chosen = [found[(theme.id, i)] for i in wanted[theme.id] if (theme.id, i) in found][:QUOTES_PER_THEME]
        if not chosen_ids and len(chosen) < QUOTES_PER_THEME:
            more = q.where(ThemeAssignment.theme_id == theme.id)
            if chosen:
                more = more.where(Input.id.not_in([i.id for i in chosen]))
            # by placement (the same id as the input): the run's placements are indexed in that order, so the
            # database stops at the first few instead of sorting the theme
            chosen += session.scalars(more.order_by(ThemeAssignment.input_id).limit(QUOTES_PER_THEME - len(chosen)))
        out[theme.id] = [quote_of(i) for i in chosen if quotable(i)]
    return out


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
        # The cited inputs first (a draft cites few), then their themes by (run, input): joined the other way
        # round, the database walked every placement of the run to find the few that are cited.
        part = table.c[column]
        cited: dict[int, set[int]] = {}
        for input_id, part_id in session.execute(
                sa.select(table.c.input_id, part).where(part.in_([p.id for p in parts]))):
            cited.setdefault(input_id, set()).add(part_id)
        ids = sorted(cited)
        for start in range(0, len(ids), 500):
            q = _scoped(report, run, ThemeAssignment.theme_id, Input.id).where(Input.id.in_(ids[start:start + 500]))
            for theme_id, input_id in session.execute(q):
                target.setdefault(theme_id, set()).update(cited[input_id])
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


def build_report(session: Session, report: HearingReport, *, lang: str | None = None) -> ReportView:
    """Everything the report says, as plain masked data.

    Labels (kinds, decisions) follow the reader's language in a request, else ``lang`` (a job writing a file
    for the reader), else bokmål.
    """
    with nullcontext() if has_request_context() and lang is None else force_locale(lang or "nb"):
        return build_view(session, report)


def theme_settings(session: Session, report: HearingReport) -> dict[int, ReportTheme]:
    return {r.theme_id: r for r in session.scalars(sa.select(ReportTheme).where(ReportTheme.report_id == report.id))}


#: Longest summary of a statement in the merknadsskjema (the whole statement is on the published answers page).
STATEMENT_SUMMARY = 600


def formal_statements(session: Session, report: HearingReport) -> list[Submission]:
    """The published formal statements (councils, organisations) in the report's scope, oldest first."""
    q = public_submissions(utcnow(), process_id=report.process_id).where(
        sa.or_(Submission.invitation_id.is_not(None), Submission.on_behalf_of.is_not(None)))
    if report.activity_id:
        q = q.where(Submission.activity_id == report.activity_id)
    return list(session.scalars(q.options(selectinload(Submission.inputs))))


def statement_rows(session: Session, report: HearingReport) -> list[StatementRow]:
    answers = {r.submission_id: r for r in session.scalars(
        sa.select(ReportStatement).where(ReportStatement.report_id == report.id))}
    rows = []
    for sub in formal_statements(session, report):
        m = mask_submission_fields(sub, audience="public")
        text = " ".join(i.public_text for i in sub.inputs)
        summary = text if len(text) <= STATEMENT_SUMMARY else text[:STATEMENT_SUMMARY].rsplit(" ", 1)[0] + " …"
        answer = answers.get(sub.id)
        rows.append(StatementRow(
            body=m.on_behalf_of or m.attribution or str(_l("Uttalelse")), reference=sub.reference, submission_id=sub.id,
            meeting_date=sub.meeting_date.strftime("%d.%m.%Y") if sub.meeting_date else "",
            case_reference=m.case_reference or "", summary=summary,
            answer=mask(answer.answer) if answer else "", plan_ref=mask(answer.plan_ref) if answer else "",
        ))
    return rows


def build_view(session: Session, report: HearingReport, *, use_settings: bool = True) -> ReportView:
    process = session.get(Process, report.process_id)
    activity = session.get(Activity, report.activity_id) if report.activity_id else None
    run = session.get(ThemeRun, report.run_id) if report.run_id else None
    draft = session.get(Draft, report.draft_id) if report.draft_id else None
    asked = [_asked(activity)] if activity else [_asked(a) for a in process.activities]
    own_title = report.title != DEFAULT_TITLE
    view = ReportView(
        title=mask(report.title) if own_title else str(_l(DEFAULT_TITLE)),
        title_is_content=own_title,
        content_lang=process.language or "nb",
        process=process.name,
        scope=activity.title if activity else process.name,
        introduction=paragraphs(mask(report.introduction)),
        asked=asked,
        total=0,
        groups=[],
        themes=[],
        published_dt=report.published_dt,
    )
    view.invited = _invited(session, report, process)
    if run is not None:
        counted, assessed = _tallies(session, report, run, process)
        counts = counted.themes
        view.total = sum(n for per_group in counts.values() for n in per_group.values())
        every: Counter = Counter()
        for per_group in counts.values():
            every.update(per_group)
        view.groups = _sorted_groups(every)
        view.channels, view.phases = counted.channels, counted.phases
        view.weeks = counted.weeks
        changes = _linked_parts(session, report, run, draft, assessed.areas)
        settings = theme_settings(session, report) if use_settings else {}
        shown = [t for t in run.themes if counts.get(t.id) and t.merged_into_id is None
                 and not (t.id in settings and settings[t.id].is_hidden)]
        quotes = _theme_quotes(session, report, run, [
            (t, list(settings[t.id].quote_input_ids or []) if t.id in settings else None) for t in shown])
        for theme in shown:
            per_group = counts[theme.id]
            chosen = settings.get(theme.id)
            count = sum(per_group.values())
            decided, unassessed, top = _decisions_of(
                count, assessed.decisions.get(theme.id, {}), assessed.reasons.get(theme.id, Counter())
            )
            view.themes.append(
                ThemeSection(
                    label=mask((chosen.label if chosen is not None else "") or theme.label),
                    count=count,
                    groups=_sorted_groups(per_group),
                    quotes=quotes[theme.id],
                    decisions=decided,
                    unassessed=unassessed,
                    reasons=top,
                    changes=_changes_of(session, theme, draft, changes),
                    theme_id=theme.id,
                    said=mask(chosen.said) if chosen is not None else "",
                    did=mask(chosen.did) if chosen is not None else "",
                )
            )
        places = {tid: r.position for tid, r in settings.items() if r.position is not None}
        view.themes.sort(key=lambda t: (t.theme_id not in places, places.get(t.theme_id, 0), -t.count))
    if use_settings:
        view.statements = statement_rows(session, report)
    if draft is not None:
        view.draft_title = mask(draft.title)
        if (old := previous_draft(session, draft)) is not None:
            view.previous_title = mask(old.title)
            view.draft_changes = _draft_changes(old, draft)
        else:
            view.first_draft_areas = [mask(a.title) for a in draft.focus_areas]
    return view


# --- stored as plain data (a frozen version) ------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, str):
        return str(value)  # a text that knows its language (hearing.content.Localized) is stored as plain text
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def view_to_data(view: ReportView) -> dict:
    """The report as JSON-safe data (dates as ISO text)."""
    return _jsonable(view)


def _make(cls, data: dict, nested: dict[str, Any] | None = None):
    """A dataclass from stored data: unknown keys ignored, missing ones take their defaults."""
    known = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    for key, convert in (nested or {}).items():
        if key in values and values[key] is not None:
            values[key] = convert(values[key])
    return cls(**values)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pairs(rows) -> list[tuple]:
    return [tuple(r) for r in rows or []]


def view_from_data(data: dict) -> ReportView:
    """The :class:`ReportView` a version stored (the inverse of :func:`view_to_data`)."""
    def theme(t: dict) -> ThemeSection:
        return _make(ThemeSection, t, {
            "groups": _pairs, "decisions": _pairs, "reasons": _pairs,
            "quotes": lambda qs: [_make(Quote, q) for q in qs],
            "changes": lambda cs: [_make(Change, c) for c in cs],
        })

    return _make(ReportView, data, {
        "asked": lambda items: [_make(Asked, a, {"opens_dt": _dt, "closes_dt": _dt}) for a in items],
        "groups": _pairs,
        "themes": lambda items: [theme(t) for t in items],
        "draft_changes": lambda items: [_make(AreaChange, a, {"items": _pairs}) for a in items],
        "statements": lambda items: [_make(StatementRow, r) for r in items],
        "channels": _pairs,
        "phases": _pairs,
        "weeks": _pairs,
        "invited": _pairs,
        "published_dt": _dt,
    })



# --- charts (hearing.charts: SVG on the page, PNG in DOCX and PDF, each with text and a table) ---------


def charts_of(view: ReportView, *, locale: str | None = None) -> dict[str, Any]:
    """The report's charts from its numbers: participation per group, channel and phase, inputs per theme, and the
    outcome of the assessments."""
    from hearing import charts

    out: dict[str, Any] = {}
    inputs, group = str(_l("Innspill")), str(_l("Gruppe"))
    if view.groups:
        out["groups"] = charts.bar_chart(str(_l("Deltakelse: innspill per gruppe")), view.groups, value_label=inputs,
                                         category_label=group, locale=locale)
    if len(view.channels) > 1:
        out["channels"] = charts.bar_chart(str(_l("Deltakelse: innspill per kanal")), view.channels, value_label=inputs,
                                           category_label=str(_l("Kanal")), locale=locale)
    if len(view.phases) > 1:
        out["phases"] = charts.bar_chart(str(_l("Deltakelse: innspill per fase")), view.phases, value_label=inputs,
                                         category_label=str(_l("Fase")), locale=locale)
    if len(view.weeks) > 1:
        out["weeks"] = charts.line_chart(str(_l("Deltakelse: innspill per uke")), [w for w, _n in view.weeks],
                                         {inputs: [n for _w, n in view.weeks]}, value_label=inputs,
                                         category_label=str(_l("Uke")), locale=locale)
    if view.invited:
        title = str(_l("Svar fra inviterte råd og organisasjoner"))
        out["invited"] = charts.bar_chart(
            title, [(name, round(100.0 * answered / invited, 1) if invited else 0.0)
                    for name, answered, invited in view.invited],
            value_label=str(_l("Andel som har svart")), category_label=str(_l("Aktivitet")), unit="%", locale=locale,
            description=" ".join([title + "."] + [
                ngettext("%(activity)s: %(answered)s av %(num)d invitert har svart.",
                         "%(activity)s: %(answered)s av %(num)d inviterte har svart.", invited,
                         activity=name, answered=answered) for name, answered, invited in view.invited]))
    if view.themes:
        out["themes"] = charts.bar_chart(str(_l("Innspill per tema")), [(t.label, t.count) for t in view.themes],
                                         value_label=inputs, category_label=str(_l("Tema")), locale=locale)
    outcome: Counter = Counter()
    for theme in view.themes:
        for label, n in theme.decisions:
            outcome[label] += n
        if theme.unassessed:
            outcome[str(_l("Ikke vurdert ennå"))] += theme.unassessed
    if outcome:
        out["decisions"] = charts.bar_chart(str(_l("Utfallet av vurderingene")), list(outcome.items()),
                                            value_label=inputs, category_label=str(_l("Vurdering")), locale=locale)
    return out


@responses_changed.connect
def _on_responses_changed(session: Session, *, process_id: int, **_kw) -> None:
    refresh_public_files(session, process_id)
