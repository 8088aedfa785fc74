"""What the API reads: plain functions that take a session and give queries, pages and JSON-ready dicts.

Which inputs count and which grouping run is current come from :mod:`hearing.grouping.queries`, as
everywhere else. Texts with personal data are chosen here: masked unless ``originals`` is True.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from hearing.api.problems import Problem
from hearing.grouping.confirm import is_confirmed
from hearing.grouping.queries import current_run, leave_out_withdrawn, visible_inputs
from hearing.models import (
    Activity,
    Assessment,
    Draft,
    FocusArea,
    Goal,
    HearingReport,
    Input,
    Process,
    StakeholderGroup,
    Strategy,
    Submission,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from hearing.models.drafts import measure_inputs, strategy_inputs
from hearing.models.processes import activity_groups
from hearing.privacy.fields import mask_filename, mask_input_fields, mask_submission_fields

# --- cursor pagination ----------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["after"]
        if not isinstance(after, int) or isinstance(after, bool):
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Problem("invalid-request", "Ugyldig «cursor». Bruk next_cursor fra forrige side.",
                      "Invalid 'cursor'. Use next_cursor of the previous page.",
                      errors={"query": {"cursor": ["Invalid cursor."]}}) from exc


@dataclass
class CursorPage:
    items: list[Any]
    next_cursor: str | None
    limit: int

    def dump(self, convert) -> dict:
        return {"items": [convert(i) for i in self.items], "next_cursor": self.next_cursor, "limit": self.limit}


def cursor_page(session: Session, query: sa.Select, id_column, *, cursor: str | None, limit: int) -> CursorPage:
    """One page of ``query`` in ``id_column`` order after the cursor: ``limit`` + 1 rows read, so the last
    page is known without a count."""
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(id_column > after)
    rows = list(session.scalars(query.order_by(None).order_by(id_column).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return CursorPage(rows, encode_cursor(_id_of(rows[-1])) if more and rows else None, limit)


def _id_of(row) -> int:
    return row.id if hasattr(row, "id") else row.input_id


def changed_at_or_after(since: datetime | None, *columns) -> sa.ColumnElement[bool] | None:
    if since is None:
        return None
    return sa.or_(*[c >= since for c in columns])


# --- lookups --------------------------------------------------------------------------------------


def get_or_404(session: Session, model, ident: int, what_nb: str, what_en: str):
    row = session.get(model, ident)
    if row is None:
        raise Problem("not-found", f"{what_nb} {ident} finnes ikke.", f"{what_en} {ident} does not exist.")
    return row


def theme_of_current_run(session: Session, process: Process, theme_id: int | None) -> tuple[ThemeRun | None, Theme | None]:
    run = current_run(session, process)
    if theme_id is None:
        return run, None
    theme = session.get(Theme, theme_id)
    if run is None or theme is None or theme.run_id != run.id:
        raise Problem("validation-failed", f"Tema {theme_id} hører ikke til prosessens gjeldende gruppering.",
                      f"Theme {theme_id} is not in the process's current grouping run.",
                      errors={"query": {"theme": ["Not a theme of the current run."]}})
    return run, theme


def activity_of(session: Session, process: Process, activity_id: int | None) -> Activity | None:
    if activity_id is None:
        return None
    activity = session.get(Activity, activity_id)
    if activity is None or activity.process_id != process.id:
        raise Problem("validation-failed", f"Aktivitet {activity_id} hører ikke til prosessen.",
                      f"Activity {activity_id} is not in the process.",
                      errors={"query": {"activity": ["Not an activity of the process."]}})
    return activity


# --- processes, activities, groups -----------------------------------------------------------------


def processes_query() -> sa.Select:
    return sa.select(Process).options(selectinload(Process.phases))


def activities_query(process: Process, since: datetime | None) -> sa.Select:
    q = sa.select(Activity).where(Activity.process_id == process.id).options(selectinload(Activity.prompts))
    if (cond := changed_at_or_after(since, Activity.created_dt)) is not None:
        q = q.where(cond)
    return q


def activity_dicts(session: Session, activities: list[Activity]) -> list[dict]:
    ids = [a.id for a in activities]
    groups = defaultdict(list)
    if ids:
        for activity_id, group_id in session.execute(
                sa.select(activity_groups.c.activity_id, activity_groups.c.group_id)
                .where(activity_groups.c.activity_id.in_(ids)).order_by(activity_groups.c.group_id)):
            groups[activity_id].append(group_id)
    return [_activity_dict(a, groups[a.id]) for a in activities]


def _activity_dict(a: Activity, group_ids: list[int]) -> dict:
    return {**_columns(a, "id", "process_id", "phase_id", "kind", "title", "description", "opens_dt", "closes_dt",
                       "audience", "is_plan_hearing", "location", "created_dt"),
            "group_ids": group_ids, "prompts": list(a.prompts)}


def groups_query(process: Process) -> sa.Select:
    return sa.select(StakeholderGroup).where(StakeholderGroup.process_id == process.id)


# --- submissions and inputs ------------------------------------------------------------------------


def submissions_query(process: Process, *, activity: Activity | None, since: datetime | None) -> sa.Select:
    q = (sa.select(Submission).join(Activity, Activity.id == Submission.activity_id)
         .where(Activity.process_id == process.id)
         .options(selectinload(Submission.answers), selectinload(Submission.attachments)))
    if activity is not None:
        q = q.where(Submission.activity_id == activity.id)
    if (cond := changed_at_or_after(since, Submission.submitted_dt, Submission.updated_dt,
                                    Submission.withdrawn_dt)) is not None:
        q = q.where(cond)
    return q


def submission_dicts(session: Session, submissions: list[Submission], *, originals: bool) -> list[dict]:
    """Submissions as the API shows them: names and e-mail only with ``originals``; the inputs of a
    withdrawn submission are not listed."""
    ids = [s.id for s in submissions if not s.is_withdrawn]
    inputs = defaultdict(list)
    if ids:
        for submission_id, input_id in session.execute(
                sa.select(Input.submission_id, Input.id).where(Input.submission_id.in_(ids)).order_by(Input.id)):
            inputs[submission_id].append(input_id)
    out = []
    for s in submissions:
        row = _columns(s, "id", "activity_id", "group_id", "reference", "source", "on_behalf_of", "meeting_date",
                       "case_reference", "consent", "is_late", "is_withdrawn", "withdrawn_dt", "submitted_dt",
                       "updated_dt", "archive_reference")
        row["respondent_name"] = s.respondent_name if originals else None
        row["respondent_email"] = s.respondent_email if originals else None
        if not originals:  # what reviewers see: the body and case reference masked, never the private name
            masked = mask_submission_fields(s, audience="reviewer")
            row["on_behalf_of"], row["case_reference"] = masked.on_behalf_of, masked.case_reference
        row["input_ids"] = inputs.get(s.id, [])
        row["answers"] = [] if s.is_withdrawn else sorted(s.answers, key=lambda a: a.prompt_id)
        row["attachments"] = [] if s.is_withdrawn else [
            {**_columns(a, "id", "content_type", "size", "sha256"),
             "filename": a.filename if originals else mask_filename(a.filename)}
            for a in sorted(s.attachments, key=lambda a: a.id)]
        out.append(row)
    return out


def inputs_query(session: Session, process: Process, *, activity: Activity | None, theme: Theme | None,
                 since: datetime | None) -> sa.Select:
    q = visible_inputs(process, activity_id=activity.id if activity is not None else None)
    if theme is not None:
        q = q.join(ThemeAssignment, sa.and_(ThemeAssignment.input_id == Input.id,
                                            ThemeAssignment.run_id == theme.run_id)).where(ThemeAssignment.theme_id == theme.id)
    if (cond := changed_at_or_after(since, Input.created_dt, Input.updated_dt)) is not None:
        q = q.where(cond)
    return q


def input_dict(item: Input, *, originals: bool) -> dict:
    row = _columns(item, "id", "activity_id", "submission_id", "prompt_id", "section_id", "group_id", "source",
                   "table_label", "place_name", "lang", "duplicate_of_id", "created_dt", "updated_dt")
    if originals:
        row["text"] = item.text
    else:
        masked = mask_input_fields(item)
        row["text"], row["place_name"] = masked.text, masked.place
    row["is_original"] = bool(originals)
    return row


def input_is_visible(session: Session, item: Input) -> bool:
    q = leave_out_withdrawn(sa.select(Input.id).where(Input.id == item.id))
    return session.scalar(q) is not None


# --- themes, placements, assessments ---------------------------------------------------------------


def theme_dicts(session: Session, run: ThemeRun | None) -> dict:
    if run is None:
        return {"run": None, "items": []}
    sizes = dict(session.execute(
        leave_out_withdrawn(sa.select(ThemeAssignment.theme_id, sa.func.count())
                            .join(Input, Input.id == ThemeAssignment.input_id))
        .where(ThemeAssignment.run_id == run.id).group_by(ThemeAssignment.theme_id)).all())
    items = []
    for t in run.themes:
        row = _columns(t, "id", "run_id", "position", "auto_label", "name", "terms", "quote_input_ids", "is_misc",
                       "merged_into_id")
        row["label"] = t.label
        row["size"] = sizes.get(t.id, 0)
        items.append(row)
    return {"run": run, "items": items}


def placements_query(run: ThemeRun, *, activity: Activity | None, theme: Theme | None,
                     since: datetime | None) -> sa.Select:
    q = leave_out_withdrawn(
        sa.select(ThemeAssignment).join(Input, Input.id == ThemeAssignment.input_id)
    ).where(ThemeAssignment.run_id == run.id)
    if activity is not None:
        q = q.where(Input.activity_id == activity.id)
    if theme is not None:
        q = q.where(ThemeAssignment.theme_id == theme.id)
    if (cond := changed_at_or_after(since, ThemeAssignment.assigned_dt)) is not None:
        q = q.where(cond)
    return q


def placement_dict(a: ThemeAssignment) -> dict:
    row = _columns(a, "input_id", "theme_id", "source", "is_pinned", "is_new", "confidence", "suggested_theme_id",
                   "suggested_confidence", "assigned_dt", "run_id")
    row["id"] = a.id
    row["is_confirmed"] = is_confirmed(a)
    return row


def assessments_query(session: Session, process: Process, *, activity: Activity | None, theme: Theme | None,
                      since: datetime | None) -> sa.Select:
    q = leave_out_withdrawn(
        sa.select(Assessment).join(Input, Input.id == Assessment.input_id).join(Activity, Activity.id == Input.activity_id)
    ).where(Activity.process_id == process.id)
    if activity is not None:
        q = q.where(Input.activity_id == activity.id)
    if theme is not None:
        q = q.join(ThemeAssignment, sa.and_(ThemeAssignment.input_id == Input.id, ThemeAssignment.run_id == theme.run_id)
                   ).where(ThemeAssignment.theme_id == theme.id)
    if (cond := changed_at_or_after(since, Assessment.assessed_dt)) is not None:
        q = q.where(cond)
    return q


# --- drafts and reports ----------------------------------------------------------------------------


def drafts_query(process: Process) -> sa.Select:
    return sa.select(Draft).where(Draft.process_id == process.id)


def draft_dict(session: Session, draft: Draft) -> dict:
    """A draft with its focus areas, goals, indicators, strategies and measures, and the inputs each answers."""
    draft = session.scalars(
        sa.select(Draft).where(Draft.id == draft.id).options(
            selectinload(Draft.focus_areas).selectinload(FocusArea.goals).selectinload(Goal.indicators),
            selectinload(Draft.focus_areas).selectinload(FocusArea.strategies).selectinload(Strategy.measures),
        )).one()
    strategy_ids = [s.id for fa in draft.focus_areas for s in fa.strategies]
    measure_ids = [m.id for fa in draft.focus_areas for s in fa.strategies for m in s.measures]
    s_inputs, m_inputs = defaultdict(list), defaultdict(list)
    if strategy_ids:
        for sid, iid in session.execute(sa.select(strategy_inputs.c.strategy_id, strategy_inputs.c.input_id)
                                        .where(strategy_inputs.c.strategy_id.in_(strategy_ids))
                                        .order_by(strategy_inputs.c.input_id)):
            s_inputs[sid].append(iid)
    if measure_ids:
        for mid, iid in session.execute(sa.select(measure_inputs.c.measure_id, measure_inputs.c.input_id)
                                        .where(measure_inputs.c.measure_id.in_(measure_ids))
                                        .order_by(measure_inputs.c.input_id)):
            m_inputs[mid].append(iid)
    row = _columns(draft, "id", "process_id", "number", "title", "note", "based_on_id", "hearing_activity_id",
                   "created_dt")
    row["focus_areas"] = [
        {**_columns(fa, "id", "position", "title", "current_state", "desired_state", "theme_id"),
         "goals": [{**_columns(g, "id", "position", "text"), "indicators": list(g.indicators)} for g in fa.goals],
         "strategies": [
             {**_columns(s, "id", "position", "text"), "input_ids": s_inputs[s.id],
              "measures": [{**_columns(m, "id", "strategy_id", "position", "text", "owner", "deadline"),
                            "input_ids": m_inputs[m.id]} for m in s.measures]}
             for s in fa.strategies]}
        for fa in draft.focus_areas
    ]
    return row


def reports_query(process: Process) -> sa.Select:
    return sa.select(HearingReport).where(HearingReport.process_id == process.id)


def report_dict(session: Session, report: HearingReport) -> dict:
    from hearing.documents.reports import to_markdown
    from hearing.reporting.services import build_report

    row = _columns(report, "id", "process_id", "activity_id", "run_id", "draft_id", "title", "introduction",
                   "is_published", "published_dt", "created_dt")
    row["markdown"] = to_markdown(build_report(session, report))
    return row


# --- the adopted plan's measures --------------------------------------------------------------------


def plan_of(session: Session, process: Process):
    from hearing.followup.services import plan_of as adopted_plan

    return adopted_plan(session, process)


def plan_measures_query(process: Process, since: datetime | None) -> sa.Select:
    from hearing.models.followup import Plan, PlanMeasure

    q = (sa.select(PlanMeasure).join(Plan, Plan.id == PlanMeasure.plan_id).where(Plan.process_id == process.id)
         .options(selectinload(PlanMeasure.unit), selectinload(PlanMeasure.updates), selectinload(PlanMeasure.strategies)))
    if (cond := changed_at_or_after(since, PlanMeasure.updated_dt)) is not None:
        q = q.where(cond)
    return q


def plan_measure_dict(pm) -> dict:
    row = _columns(pm, "id", "plan_id", "measure_id", "position", "text", "contact", "start_date", "due_date",
                   "status", "progress", "updated_dt")
    row["unit"] = pm.unit.name if pm.unit is not None else None
    row["strategy_ids"] = [s.id for s in pm.strategies]
    row["updates"] = list(pm.updates)
    return row


# --- helpers --------------------------------------------------------------------------------------


def _columns(obj, *names: str) -> dict:
    return {name: getattr(obj, name) for name in names}

