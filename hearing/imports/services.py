"""Import answers from an uploaded export into an activity: one Submission per row, free text as Inputs,
ratings and choices as Answers. Importing the same file again adds nothing (keys from the file's hash)."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.imports.files import ImportFileError, Table, read_table
from hearing.models import Activity, Answer, Input, InputSource, Prompt, StakeholderGroup, Submission
from hearing.models.processes import QuestionType

#: What a column can be mapped to, besides "prompt:<id>".
NAME, TIME, GROUP = "name", "time", "group"
FILE_ID = re.compile(r"^[0-9a-f]{64}$")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y kl. %H:%M", "%d.%m.%Y",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    # Google Forms: "2024/03/14 22:22:33", "2024/03/14 10:22:33 PM" (a "GMT+1" after it is read apart).
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    # Excel in Norwegian: "14.03.2024 22.22.33".
    "%d.%m.%Y %H.%M.%S", "%d.%m.%Y %H.%M",
)
_GMT_OFFSET = re.compile(r"\s*(?:GMT|UTC)(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?\s*$", re.IGNORECASE)
MAX_WARNINGS = 50
IMPORTED_MEANWHILE = _l("Noen andre importerte de samme radene samtidig. Send skjemaet på nytt; rader som finnes, hoppes over.")


class MappingError(ValueError):
    """The mapping cannot be used; the message is for the user."""


# --- stored uploads ------------------------------------------------------------------------------


def _folder(upload_folder: str) -> Path:
    path = Path(upload_folder) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


#: An upload not imported within this time is removed (exports carry names and e-mail addresses).
KEEP_UPLOAD = timedelta(hours=24)


def store_upload(upload_folder: str, data: bytes, filename: str) -> tuple[str, Table]:
    """Check that the file reads, keep it under its SHA-256 until it is imported, return that id and the table."""
    table = read_table(data, filename)
    file_id = hashlib.sha256(data).hexdigest()
    folder = _folder(upload_folder)
    cutoff = time.time() - KEEP_UPLOAD.total_seconds()
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    (folder / f"{file_id}.bin").write_bytes(data)
    (folder / f"{file_id}.name").write_text(Path(filename or "fil").name[:200], encoding="utf-8")
    return file_id, table


def load_upload(upload_folder: str, file_id: str) -> tuple[str, Table] | None:
    """The stored file's original name and table, or None when it is gone."""
    if not FILE_ID.match(file_id or ""):
        return None
    folder = _folder(upload_folder)
    path = folder / f"{file_id}.bin"
    if not path.exists():
        return None
    name_path = folder / f"{file_id}.name"
    name = name_path.read_text(encoding="utf-8") if name_path.exists() else ""
    return name, read_table(path.read_bytes(), name)


def discard_upload(upload_folder: str, file_id: str) -> None:
    """Remove the stored file once its rows are in the database."""
    if FILE_ID.match(file_id or ""):
        for suffix in (".bin", ".name"):
            (_folder(upload_folder) / f"{file_id}{suffix}").unlink(missing_ok=True)


# --- mapping and import --------------------------------------------------------------------------


@dataclass
class Mapping:
    """Which column (by index) goes where."""

    #: column index -> prompt
    prompts: dict[int, Prompt] = field(default_factory=dict)
    name: int | None = None
    time: int | None = None
    group: int | None = None
    #: Group for rows without a group column value.
    default_group: StakeholderGroup | None = None


@dataclass
class ImportResult:
    rows: int = 0
    duplicates: int = 0
    empty: int = 0
    inputs: int = 0
    answers: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, message) -> None:
        """Keep a (lazy) message, as text in the language of the moment."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(str(message))


def importable_prompts(activity: Activity) -> list[Prompt]:
    return list(activity.prompts)


def build_mapping(activity: Activity, table: Table, targets: dict[int, str], default_group_id: int | None) -> Mapping:
    """Turn the chosen target per column ("", "prompt:<id>", "name", "time", "group") into a Mapping."""
    prompts = {p.id: p for p in activity.prompts}
    groups = {g.id: g for g in activity.process.groups}
    mapping = Mapping(default_group=groups.get(default_group_id or 0))
    used_answer_prompts: dict[int, str] = {}
    for index, target in sorted(targets.items()):
        if not target or index >= len(table.columns):
            continue
        column = table.columns[index]
        if target in (NAME, TIME, GROUP):
            if getattr(mapping, target) is not None:
                label = {NAME: _l("navn"), TIME: _l("tidspunkt"), GROUP: _l("respondentgruppe")}[target]
                raise MappingError(_l("Bare én kolonne kan brukes som %(label)s.", label=label))
            setattr(mapping, target, index)
            continue
        kind, _, ident = target.partition(":")
        prompt = prompts.get(int(ident)) if kind == "prompt" and ident.isdigit() else None
        if prompt is None:
            raise MappingError(_l("Kolonnen «%(column)s» er koblet til et spørsmål som ikke finnes i aktiviteten.", column=column))
        if prompt.question_type != QuestionType.FREE_TEXT:
            if prompt.id in used_answer_prompts:
                raise MappingError(
                    _l("Spørsmålet «%(prompt)s» kan bare få svar fra én kolonne, men både «%(first)s» og "
                       "«%(column)s» er koblet til det.", prompt=prompt.text, first=used_answer_prompts[prompt.id],
                       column=column)
                )
            used_answer_prompts[prompt.id] = column
        mapping.prompts[index] = prompt
    if not mapping.prompts:
        raise MappingError(_l("Koble minst én kolonne til et spørsmål."))
    return mapping


def parse_time(value: str, zone: ZoneInfo) -> datetime | None:
    """A time as written by Forms, Google Forms, Questback or Excel, read as local time; None if unreadable."""
    value = value.strip()
    if not value:
        return None
    offset = None
    if match := _GMT_OFFSET.search(value):
        sign = -1 if match.group(1) == "-" else 1
        offset = timezone(sign * timedelta(hours=int(match.group(2) or 0), minutes=int(match.group(3) or 0)))
        value = value[: match.start()]
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007  (local time, zone added below)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=offset or zone)
    return parsed.astimezone(UTC)


def row_key(cells: list[str], mapping: Mapping) -> str:
    """What identifies a row across exports: its time and its answers, by question (not by column)."""
    parts = [cells[mapping.time].strip() if mapping.time is not None else ""]
    parts += [f"{prompt.id}={cells[index].strip()}" for index, prompt in sorted(mapping.prompts.items(), key=lambda p: p[1].id)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _rating(value: str) -> int | None:
    """1–5 from "4", "4.0" or "4 – Godt"; None for "4,5", "45" or words."""
    match = re.match(r"^\s*([1-5])(?:[.,]0+)?(?![.,]?\d)", value)
    return int(match.group(1)) if match else None


def _choices(prompt: Prompt, value: str) -> list[str]:
    if prompt.question_type == QuestionType.MULTIPLE_CHOICE:
        return [part.strip() for part in value.split(";") if part.strip()]
    return [value.strip()]


def import_rows(
    session: Session,
    actor,
    activity: Activity,
    table: Table,
    file_id: str,
    mapping: Mapping,
    *,
    zone: ZoneInfo,
    now: datetime,
) -> ImportResult:
    """Add one Submission per new row with its Inputs and Answers; rows imported before are skipped.

    The caller commits. A row is known by what it says, not by the file it came in: ``submission_key``
    is made from the activity, the row's time and its answers per question (see :func:`row_key`), so a
    later export with more rows, or the same file saved again, adds only the new rows. Each Input's
    ``import_key`` is the row key and the column.
    """
    result = ImportResult()
    groups_by_name = {g.name.casefold(): g for g in activity.process.groups}
    prefix = f"imp{activity.id}:"
    done = set(session.scalars(sa.select(Submission.submission_key).where(
        Submission.activity_id == activity.id, Submission.submission_key.startswith(prefix))))
    seen: dict[str, int] = {}
    letter = {"hearing": "H", "survey": "S", "suggestions": "F", "workshop": "V"}.get(activity.kind, "I")
    for row in table.rows:
        cells = row.cells
        if not any(cells[i].strip() for i in mapping.prompts):
            result.empty += 1
            continue
        content = row_key(cells, mapping)
        seen[content] = seen.get(content, 0) + 1  # identical rows in one file are each a response
        key = f"{prefix}{content}:{seen[content]}"
        if key in done:
            result.duplicates += 1
            continue
        when = None
        if mapping.time is not None and cells[mapping.time].strip():
            when = parse_time(cells[mapping.time], zone)
            if when is None:
                result.warn(_l("Rad %(row)s: tidspunktet «%(value)s» kunne ikke leses; importtidspunktet er brukt.",
                               row=row.number, value=cells[mapping.time]))
        group = mapping.default_group
        if mapping.group is not None and cells[mapping.group].strip():
            group = groups_by_name.get(cells[mapping.group].strip().casefold(), group)
            if cells[mapping.group].strip().casefold() not in groups_by_name:
                result.warn(_l("Rad %(row)s: gruppen «%(group)s» finnes ikke i prosessen.", row=row.number,
                               group=cells[mapping.group]))
        submitted = when or now
        submission = Submission(
            activity=activity,
            group_id=group.id if group else None,
            reference="pending-" + secrets.token_hex(8),
            submission_key=key,
            edit_token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),  # no edit link for imports
            source=InputSource.IMPORT,
            respondent_name=(cells[mapping.name].strip()[:200] or None) if mapping.name is not None else None,
            is_late=bool(activity.closes_dt and submitted > activity.closes_dt),
            submitted_dt=submitted,
        )
        session.add(submission)
        session.flush()
        submission.reference = f"{letter}-{submitted:%Y}-{submission.id:06d}"
        for index, prompt in mapping.prompts.items():
            value = cells[index].strip()
            if not value:
                continue
            if prompt.question_type == QuestionType.FREE_TEXT:
                session.add(Input(
                    activity=activity, submission=submission, prompt=prompt, group_id=submission.group_id,
                    source=InputSource.IMPORT, import_key=f"{key.removeprefix(prefix)}:{index}", text=value,
                    created_dt=submitted,
                ))
                result.inputs += 1
            elif prompt.question_type == QuestionType.RATING:
                rating = _rating(value)
                if rating is None:
                    result.warn(_l("Rad %(row)s, kolonne «%(column)s»: «%(value)s» er ikke et tall fra 1 til 5.",
                                   row=row.number, column=table.columns[index], value=value))
                    continue
                session.add(Answer(submission=submission, prompt=prompt, rating=rating))
                result.answers += 1
            else:
                session.add(Answer(submission=submission, prompt=prompt, choices=_choices(prompt, value)))
                result.answers += 1
        result.rows += 1
    session.flush()
    audit.record(
        session, actor, "import.run", activity, process_id=activity.process_id, file=file_id[:16],
        rows=result.rows, duplicates=result.duplicates, inputs=result.inputs, answers=result.answers,
    )
    return result


__all__ = [
    "MappingError", "ImportFileError", "ImportResult", "Mapping", "build_mapping", "import_rows",
    "discard_upload", "load_upload", "parse_time", "store_upload",
]
