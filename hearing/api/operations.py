"""What the API writes, through the same services as the pages: the import service for responses and
the review group's decision path for placements. Everything is checked before anything is written;
plain functions that flush, the view commits (or rolls back on a problem)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing import audit
from hearing.api.problems import Problem
from hearing.grouping import service as grouping
from hearing.grouping.confirm import is_confirmed
from hearing.grouping.queries import current_run, leave_out_withdrawn
from hearing.imports import services as imports
from hearing.imports.files import Row, Table
from hearing.models import Activity, ApiToken, Input, Process, StakeholderGroup, Submission, ThemeAssignment
from hearing.models.processes import QuestionType

# --- import of responses ---------------------------------------------------------------------------

TIME, NAME, GROUP = 0, 1, 2


def _invalid(errors: dict, nb: str, en: str) -> Problem:
    return Problem("validation-failed", nb, en, errors={"json": errors})


def import_batch(session: Session, actor, token: ApiToken, activity: Activity, data: dict, *,
                 zone: ZoneInfo, now: datetime) -> dict:
    """Import a batch of responses into ``activity`` with the import page's rules (one submission per
    response, free text as inputs, ratings and choices as answers; a response imported before is
    skipped, so a retried request adds nothing). Raises :class:`Problem` before writing on bad data."""
    prompts = {p.id: p for p in activity.prompts}
    groups = {g.name.casefold(): g for g in activity.process.groups}
    errors: dict = {}
    default_group = None
    if data.get("default_group_id") is not None:
        default_group = session.get(StakeholderGroup, data["default_group_id"])
        if default_group is None or default_group.process_id != activity.process_id:
            errors["default_group_id"] = ["Not a stakeholder group of the process."]
    used: list[int] = []
    bad_responses: dict = {}
    for n, response in enumerate(data["responses"]):
        seen: set[int] = set()
        bad_answers: dict = {}
        for m, answer in enumerate(response["answers"]):
            prompt = prompts.get(answer["prompt_id"])
            if prompt is None:
                bad_answers[str(m)] = {"prompt_id": ["Not a prompt of the activity."]}
            elif prompt.id in seen:
                bad_answers[str(m)] = {"prompt_id": ["Answered twice in one response."]}
            elif prompt.question_type == QuestionType.RATING and imports._rating(answer["value"]) is None:
                bad_answers[str(m)] = {"value": ["A rating must be a whole number from 1 to 5."]}
            else:
                seen.add(prompt.id)
                if prompt.id not in used:
                    used.append(prompt.id)
        bad: dict = {"answers": bad_answers} if bad_answers else {}
        group = (response.get("group") or "").strip()
        if group and group.casefold() not in groups:
            bad["group"] = ["Not a stakeholder group of the process."]
        if bad:
            bad_responses[str(n)] = bad
    if bad_responses:
        errors["responses"] = bad_responses
    source_ids = [r.get("source_id") for r in data["responses"]]
    if any(source_ids):
        if not all(source_ids):
            errors["source_id"] = ["Give source_id for every response of the batch, or for none."]
        elif len(set(source_ids)) != len(source_ids):
            errors["source_id"] = ["Each source_id may be used once in a batch."]
    if errors:
        raise _invalid(errors, "Noen svar er ugyldige; se «errors». Ingenting er importert.",
                       "Some responses are invalid; see 'errors'. Nothing was imported.")
    with_ids = all(source_ids)
    # the import page's identity rules: a "response_id" column (the export's own ids) when every response
    # has one, else a fingerprint of the time and the answers
    columns = ["time", "name", "group", *[f"prompt {pid}" for pid in used], *(["response_id"] if with_ids else [])]
    index = {pid: 3 + i for i, pid in enumerate(used)}
    table = Table(columns=columns, kind="api")
    for n, response in enumerate(data["responses"], start=1):
        cells = [""] * len(columns)
        if response.get("submitted_dt") is not None:
            cells[TIME] = response["submitted_dt"].isoformat()
        cells[NAME] = (response.get("respondent_name") or "").strip()
        cells[GROUP] = (response.get("group") or "").strip()
        for answer in response["answers"]:
            cells[index[answer["prompt_id"]]] = answer["value"]
        if with_ids:
            cells[-1] = response["source_id"]
        table.rows.append(Row(number=n, cells=cells))
    mapping = imports.Mapping(prompts={i: prompts[pid] for pid, i in index.items()}, name=NAME, time=TIME, group=GROUP,
                              default_group=default_group)
    body_hash = hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()
    before = session.scalar(sa.select(sa.func.max(Submission.id))) or 0
    result = imports.import_rows(session, actor, activity, table, body_hash, mapping, zone=zone, now=now)
    added = list(session.scalars(sa.select(Submission.id).where(
        Submission.activity_id == activity.id, Submission.id > before).order_by(Submission.id)))
    audit.record(session, actor, "api.import", activity, process_id=activity.process_id, token_id=token.id,
                 rows=result.rows, updated=result.updated, duplicates=result.duplicates)
    return {"rows": result.rows, "updated": result.updated, "duplicates": result.duplicates, "empty": result.empty, "inputs": result.inputs,
            "answers": result.answers, "warnings": result.warnings, "submission_ids": added}


# --- confirming placements -------------------------------------------------------------------------


@dataclass
class ConfirmOutcome:
    run_id: int
    confirmed: int = 0
    moved: int = 0
    unchanged: int = 0
    placements: list[ThemeAssignment] = field(default_factory=list)


def confirm_placements(session: Session, actor, token: ApiToken, process: Process, items: list[dict]) -> ConfirmOutcome:
    """Confirm inputs where they are (a pin), accept the engine's suggestion, or move them to another theme
    of the current run: each is a decision of the review group that later runs obey."""
    run = current_run(session, process)
    if run is None:
        raise Problem("conflict", "Prosessen er ikke gruppert ennå; det finnes ingen plasseringer å bekrefte.",
                      "The process has not been grouped yet; there are no placements to confirm.")
    ids = [item["input_id"] for item in items]
    placed = {a.input_id: a for a in session.scalars(
        leave_out_withdrawn(sa.select(ThemeAssignment).join(Input, Input.id == ThemeAssignment.input_id))
        .where(ThemeAssignment.run_id == run.id, ThemeAssignment.input_id.in_(ids)))}
    themes = {t.id: t for t in run.themes}
    errors: dict = {}
    seen: set[int] = set()
    for n, item in enumerate(items):
        problems = {}
        if item["input_id"] in seen:
            problems["input_id"] = ["Listed twice."]
        elif item["input_id"] not in placed:
            problems["input_id"] = ["Not placed in the current run (or withdrawn)."]
        seen.add(item["input_id"])
        theme_id = item.get("theme_id")
        if theme_id is not None and (theme_id not in themes or themes[theme_id].merged_into_id):
            problems["theme_id"] = ["Not a theme of the current run (or merged into another)."]
        if problems:
            errors[str(n)] = problems
    if errors:
        raise Problem("validation-failed", "Noen plasseringer er ugyldige; se «errors». Ingenting er endret.",
                      "Some placements are invalid; see 'errors'. Nothing was changed.",
                      errors={"json": {"placements": errors}})
    out = ConfirmOutcome(run_id=run.id)
    for item in items:
        a = placed[item["input_id"]]
        target = item.get("theme_id") or a.theme_id
        if target == a.theme_id:
            if is_confirmed(a):
                out.unchanged += 1
            else:
                grouping.pin_input(session, actor, a, True)
                out.confirmed += 1
        elif target == a.suggested_theme_id:
            grouping.accept_suggestion(session, actor, a)
            a.theme = themes[target]
            out.confirmed += 1
        else:
            grouping.move_input(session, actor, a, themes[target])
            out.moved += 1
        out.placements.append(a)
    session.flush()
    audit.record(session, actor, "api.confirm_placements", run, process_id=process.id, token_id=token.id,
                 confirmed=out.confirmed, moved=out.moved, unchanged=out.unchanged)
    return out


__all__ = ["ConfirmOutcome", "confirm_placements", "import_batch"]
