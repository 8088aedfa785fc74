"""Import answers from an uploaded export into an activity: one Submission per row, free text as Inputs,
ratings and choices as Answers.

Each imported response remembers its source row (:class:`~hearing.models.ImportedRow`): the export's own
row id when the file has one (Forms "ID", Questback/Enalyzer/SurveyXact respondent id, Nettskjema's
submission id), else a fingerprint of the row's cells that does not depend on the mapping, the column
order or whether the file is CSV or XLSX. Importing an export again adds only the new rows and updates
the responses whose row changed (each change audited and undoable with the import).

:func:`plan_rows` is the dry run (what would happen to each row, with warnings); :func:`import_batch`
stores a slice of rows; the background job in :mod:`hearing.imports.jobs` runs a whole import in batches.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.errors import DomainError
from hearing.imports.files import ImportFileError, Row, Table, read_table
from hearing.models import (
    Activity,
    Answer,
    GroupValue,
    ImportChange,
    ImportedRow,
    ImportRun,
    ImportStatus,
    Input,
    InputSource,
    Prompt,
    StakeholderGroup,
    Submission,
    utcnow,
)
from hearing.models.processes import QuestionType

#: What a column can be mapped to, besides "prompt:<id>".
NAME, TIME, GROUP, TABLE, LANG, NEW = "name", "time", "group", "table", "lang", "new"
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
    # Excel and SurveyXact in Danish: "14-03-2024 22:22:33", "14-03-2024 22.22".
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y %H.%M.%S", "%d-%m-%Y %H.%M", "%d-%m-%Y",
)
_GMT_OFFSET = re.compile(r"\s*(?:GMT|UTC)(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?\s*$", re.IGNORECASE)
MAX_WARNINGS = 200
IMPORTED_MEANWHILE = _l("Noen andre importerte de samme radene samtidig. Send skjemaet på nytt; rader som finnes, hoppes over.")


class MappingError(DomainError, ValueError):
    """The mapping cannot be used; the message is for the user."""


# --- stored uploads ------------------------------------------------------------------------------


def _folder(upload_folder: str) -> Path:
    path = Path(upload_folder) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


#: An upload not imported within this time is removed (exports carry names and e-mail addresses).
KEEP_UPLOAD = timedelta(hours=24)
_SUFFIXES = (".bin", ".name", ".table.json.gz", ".summary.json", ".read")


def _dump_table(table: Table) -> bytes:
    from hearing.jobs import storable

    data = {
        "columns": table.columns, "kind": table.kind, "delimiter": table.delimiter, "encoding": table.encoding,
        "warnings": [storable(w, limit=2000) for w in table.warnings],
        "rows": [[r.number, r.cells] for r in table.rows],
    }
    return gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), compresslevel=5)


def _load_table(raw: bytes) -> Table:
    from hearing.jobs import readable

    data = json.loads(gzip.decompress(raw))
    return Table(
        columns=data["columns"], rows=[Row(n, cells) for n, cells in data["rows"]], kind=data["kind"],
        delimiter=data["delimiter"], encoding=data["encoding"], warnings=[readable(w) for w in data["warnings"]],
    )


#: Rows of the file the mapping page shows.
SUMMARY_ROWS = 5
#: Distinct values of a column kept for the mapping page's group table (the most frequent ones).
SUMMARY_VALUES = 1000


@dataclass
class TableSummary:
    """What the mapping page shows of a read upload, kept beside its rows by the ``imports.read`` job, so the
    page never opens every row: the columns, how the file was read, the first rows, an example per
    column, the export's id column and the distinct values of each column with how often they occur.

    It stands in for the :class:`Table` where only columns and these are needed (:func:`build_mapping`,
    :func:`group_choices`, :func:`start_run`)."""

    columns: list[str]
    kind: str
    delimiter: str
    encoding: str
    warnings: list
    #: Rows with answers in the whole file.
    total_rows: int
    #: The first :data:`SUMMARY_ROWS` rows.
    rows: list[Row]
    #: The first non-empty cell of each column ("" when the column is empty); masked when shown.
    examples: list[str]
    #: The column with the export's own row ids (:func:`id_column`), or None.
    id_column: int | None
    #: Per column: (first spelling, count) of each distinct value (spaces collapsed, compared case-folded),
    #: sorted by the case-folded value; at most :data:`SUMMARY_VALUES`, the most frequent.
    values: dict[int, list[tuple[str, int]]]

    def preview(self, n: int = SUMMARY_ROWS) -> list[list[str]]:
        return [r.cells for r in self.rows[:n]]


def _value_counts(table: Table, column: int) -> list[tuple[str, int]]:
    counts: dict[str, tuple[str, int]] = {}
    for row in table.rows:
        value = " ".join(row.cells[column].split())
        if value:
            key = value.casefold()
            first, n = counts.get(key, (value, 0))
            counts[key] = (first, n + 1)
    if len(counts) > SUMMARY_VALUES:
        counts = dict(sorted(counts.items(), key=lambda kv: -kv[1][1])[:SUMMARY_VALUES])
    return [counts[key] for key in sorted(counts)]


def summarize(table: Table) -> TableSummary:
    """The :class:`TableSummary` of a read table (one pass over its rows per column)."""
    n = len(table.columns)
    return TableSummary(
        columns=list(table.columns), kind=table.kind, delimiter=table.delimiter, encoding=table.encoding,
        warnings=list(table.warnings), total_rows=len(table.rows), rows=list(table.rows[:SUMMARY_ROWS]),
        examples=[next((r.cells[i] for r in table.rows if r.cells[i]), "") for i in range(n)],
        id_column=id_column(table), values={i: _value_counts(table, i) for i in range(n)},
    )


def _dump_summary(summary: TableSummary) -> bytes:
    from hearing.jobs import storable

    data = {
        "columns": summary.columns, "kind": summary.kind, "delimiter": summary.delimiter,
        "encoding": summary.encoding, "warnings": [storable(w, limit=2000) for w in summary.warnings],
        "total_rows": summary.total_rows, "rows": [[r.number, r.cells] for r in summary.rows],
        "examples": summary.examples, "id_column": summary.id_column,
        "values": {str(i): [[v, c] for v, c in values] for i, values in summary.values.items()},
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _load_summary(raw: bytes) -> TableSummary:
    from hearing.jobs import readable

    data = json.loads(raw)
    return TableSummary(
        columns=data["columns"], kind=data["kind"], delimiter=data["delimiter"], encoding=data["encoding"],
        warnings=[readable(w) for w in data["warnings"]], total_rows=data["total_rows"],
        rows=[Row(n, cells) for n, cells in data["rows"]], examples=data["examples"], id_column=data["id_column"],
        values={int(i): [(v, c) for v, c in values] for i, values in data["values"].items()},
    )


def _keep_table(folder: Path, file_id: str, table: Table) -> None:
    """Keep the rows read from an upload and their summary; whole or not at all (a page never reads half a file)."""
    for suffix, raw in ((".summary.json", _dump_summary(summarize(table))), (".table.json.gz", _dump_table(table))):
        partial = folder / f"{file_id}{suffix}.part"
        partial.write_bytes(raw)
        partial.replace(folder / f"{file_id}{suffix}")  # the rows last: upload_state says "read" once both are there


def row_count(table: Table | TableSummary) -> int:
    return table.total_rows if isinstance(table, TableSummary) else len(table.rows)


def keep_upload(upload_folder: str, data: bytes, filename: str) -> str:
    """Keep the uploaded file under its SHA-256 without reading it (the ``imports.read`` job reads it); the id.

    Old uploads (more than :data:`KEEP_UPLOAD`) are removed on the way."""
    file_id = hashlib.sha256(data).hexdigest()
    folder = _folder(upload_folder)
    cutoff = time.time() - KEEP_UPLOAD.total_seconds()
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    path = folder / f"{file_id}.bin"
    if not path.exists():
        path.write_bytes(data)
    (folder / f"{file_id}.name").write_text(Path(filename or "fil").name[:200], encoding="utf-8")
    return file_id


def upload_state(upload_folder: str, file_id: str) -> str:
    """"gone" (no such upload), "unread" (kept, not read yet) or "read" (its rows are kept)."""
    if not FILE_ID.match(file_id or ""):
        return "gone"
    folder = _folder(upload_folder)
    if not (folder / f"{file_id}.bin").exists():
        return "gone"
    return "read" if (folder / f"{file_id}.table.json.gz").exists() else "unread"


def upload_name(upload_folder: str, file_id: str) -> str:
    path = _folder(upload_folder) / f"{file_id}.name"
    return path.read_text(encoding="utf-8") if FILE_ID.match(file_id or "") and path.exists() else ""


def parse_upload(upload_folder: str, file_id: str) -> Table:
    """Read a kept upload and keep its rows (the ``imports.read`` job); :class:`ImportFileError` if unreadable."""
    folder = _folder(upload_folder)
    table = read_table((folder / f"{file_id}.bin").read_bytes(), upload_name(upload_folder, file_id))
    _keep_table(folder, file_id, table)
    return table


def store_upload(upload_folder: str, data: bytes, filename: str) -> tuple[str, Table]:
    """Read the file once, keep it and what was read under its SHA-256 until it is imported; the id and table.

    The parsed rows are kept beside the file (gzip JSON), so the preview, the dry run and the background
    import never read the file again.
    """
    table = read_table(data, filename)
    file_id = keep_upload(upload_folder, data, filename)
    _keep_table(_folder(upload_folder), file_id, table)
    return file_id, table


def load_upload(upload_folder: str, file_id: str, *, parse: bool = True) -> tuple[str, Table] | None:
    """The stored file's original name and table, or None when it is gone (or, with ``parse=False`` as pages
    call it, not read yet: reading a file is the ``imports.read`` job's)."""
    if not FILE_ID.match(file_id or ""):
        return None
    folder = _folder(upload_folder)
    path = folder / f"{file_id}.bin"
    if not path.exists():
        return None
    name_path = folder / f"{file_id}.name"
    name = name_path.read_text(encoding="utf-8") if name_path.exists() else ""
    parsed = folder / f"{file_id}.table.json.gz"
    if parsed.exists():
        try:
            return name, _load_table(parsed.read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            pass  # read the file again below
    if not parse:
        return None
    table = read_table(path.read_bytes(), name)
    _keep_table(folder, file_id, table)
    return name, table


def load_summary(upload_folder: str, file_id: str) -> tuple[str, TableSummary] | None:
    """The read upload's original name and :class:`TableSummary` (what the mapping page shows), or None when
    it is gone or not read yet. An upload read before summaries were kept gets one now, from its rows."""
    if upload_state(upload_folder, file_id) != "read":
        return None
    folder = _folder(upload_folder)
    path = folder / f"{file_id}.summary.json"
    if path.exists():
        try:
            return upload_name(upload_folder, file_id), _load_summary(path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            pass  # made again below
    loaded = load_upload(upload_folder, file_id, parse=False)
    if loaded is None:
        return None
    name, table = loaded
    summary = summarize(table)
    partial = folder / f"{file_id}.summary.json.part"
    partial.write_bytes(_dump_summary(summary))
    partial.replace(path)
    return name, summary


def discard_upload(upload_folder: str, file_id: str) -> None:
    """Remove the stored file once its rows are in the database."""
    if FILE_ID.match(file_id or ""):
        for suffix in _SUFFIXES:
            (_folder(upload_folder) / f"{file_id}{suffix}").unlink(missing_ok=True)


# --- the source of a row -------------------------------------------------------------------------

#: Column names (letters and digits only, case-folded) of the exports' own row ids: Microsoft Forms "ID",
#: Questback/Enalyzer "Respondent ID", SurveyXact "respondentid", Nettskjema "Svar-ID"/"$submission_id", …
ROW_ID_COLUMNS = frozenset({
    "id", "respondentid", "respid", "respondentnummer", "respondentnr", "responseid", "svarid", "besvarelsesid",
    "besvarelseid", "innsendingsid", "innsendingid", "submissionid", "skjemaid", "recordid", "responsenumber",
})
_DATEISH = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def _letters(name: str) -> str:
    return re.sub(r"[^0-9a-zæøåäöü]", "", name.casefold())


def _norm_header(name: str) -> str:
    return " ".join(name.split()).casefold()


#: The format that read a time of the same shape ("99.99.9999 99:99:99") before: one strptime, not twenty.
_FORMAT_OF_SHAPE: dict[str, str] = {}
_DIGIT = re.compile(r"\d")


_FIELDS = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})", "%H": r"(?P<H>\d{1,2})",
           "%M": r"(?P<M>\d{1,2})", "%S": r"(?P<S>\d{1,2})"}


def _fast_pattern(fmt: str) -> re.Pattern | None:
    """A regular expression that reads what ``datetime.strptime(value, fmt)`` reads, for formats of digits only
    (no %p or %I); None for others. strptime costs ~35 µs a call, and an import reads three times a row."""
    parts = re.split(r"(%[a-zA-Z])", fmt)
    if any(p.startswith("%") and p not in _FIELDS for p in parts):
        return None
    # as strptime: a space in the format takes any run of white space, and letters ("kl.") any case
    return re.compile("".join(_FIELDS.get(p) or re.sub(r"(\\ )+", r"\\s+", re.escape(p)) for p in parts if p),
                      re.IGNORECASE)


_FAST = {fmt: _fast_pattern(fmt) for fmt in _TIME_FORMATS}


def _read_format(value: str, fmt: str) -> datetime:
    """``datetime.strptime(value, fmt)``, naive; ValueError when it does not fit."""
    pattern = _FAST.get(fmt)
    if pattern is None:
        return datetime.strptime(value, fmt)  # noqa: DTZ007  (the caller adds the zone)
    match = pattern.fullmatch(value)
    if match is None:
        raise ValueError(value)
    f = match.groupdict()
    return datetime(int(f["Y"]), int(f["m"]), int(f["d"]), int(f.get("H") or 0), int(f.get("M") or 0),  # noqa: DTZ001
                    int(f.get("S") or 0))


def _strptime(value: str) -> datetime | None:
    """``value`` read with the first of :data:`_TIME_FORMATS` that fits (naive), the fitting one remembered."""
    shape = _DIGIT.sub("9", value)
    fmt = _FORMAT_OF_SHAPE.get(shape)
    if fmt is not None:
        try:
            return _read_format(value, fmt)
        except ValueError:
            pass
    for fmt in _TIME_FORMATS:
        try:
            parsed = _read_format(value, fmt)
        except ValueError:
            continue
        if len(_FORMAT_OF_SHAPE) < 1000:
            _FORMAT_OF_SHAPE[shape] = fmt
        return parsed
    return None


def _naive_time(value: str) -> datetime | None:
    value = _GMT_OFFSET.sub("", value.strip())
    try:
        return datetime.fromisoformat(value.replace("Z", "")).replace(tzinfo=None)
    except ValueError:
        return _strptime(value)


def norm_cell(value: str) -> str:
    """A cell as it reads in every format: "4,0" and 4.0 are "4"; "15.01.2026 09:01:10" and the
    spreadsheet date are "2026-01-15T09:01"; spaces and line breaks collapsed; case-folded."""
    text = " ".join(str(value).split())
    if not text:
        return ""
    if _NUMBER.match(text):
        number = float(text.replace(",", "."))
        return str(int(number)) if number.is_integer() else repr(number)
    if _DATEISH.match(text) and (when := _naive_time(text)) is not None:
        return when.strftime("%Y-%m-%dT%H:%M")  # minutes: a CSV saved by Excel may drop the seconds
    return text.casefold()


def id_column(table: Table) -> int | None:
    """The column with the export's own row ids: a known name, filled and unique in every row."""
    for index, column in enumerate(table.columns):
        if _letters(column) not in ROW_ID_COLUMNS:
            continue
        values = [r.cells[index].strip() for r in table.rows]
        if all(values) and len(set(values)) == len(values):
            return index
    return None


@dataclass
class Identity:
    #: What finds the row again in a later export (see :class:`ImportedRow`).
    key: str
    #: "<column>=<value>" of the export's own id, or None.
    row_id: str | None
    #: Fingerprint of all cells.
    row_hash: str


def identities(table: Table) -> list[Identity]:
    """The identity of each row of ``table`` (same order)."""
    headers = [_norm_header(c) for c in table.columns]
    ident = id_column(table)
    seen: dict[str, int] = {}
    out = []
    for row in table.rows:
        pairs = sorted(f"{h}\x1f{v}" for h, c in zip(headers, row.cells, strict=True) if (v := norm_cell(c)))
        row_hash = hashlib.sha256("\x1e".join(pairs).encode()).hexdigest()
        if ident is not None:
            row_id = f"{table.columns[ident].strip()}={row.cells[ident].strip()}"[:200]
            basis = f"id:{_letters(table.columns[ident])}={norm_cell(row.cells[ident])}"
        else:
            # identical rows in one file are each a response: the n-th of them is the n-th again next time
            seen[row_hash] = seen.get(row_hash, 0) + 1
            row_id, basis = None, f"fp:{row_hash}:{seen[row_hash]}"
        out.append(Identity(hashlib.sha256(basis.encode()).hexdigest()[:40], row_id, row_hash))
    return out


# --- mapping -------------------------------------------------------------------------------------


@dataclass
class Mapping:
    """Which column (by index) goes where."""

    #: column index -> prompt
    prompts: dict[int, Prompt] = field(default_factory=dict)
    name: int | None = None
    time: int | None = None
    group: int | None = None
    #: Workshop table or group (Input.table_label).
    table: int | None = None
    #: Language of the answer (nb, nn, da, en; also "bokmål", "dansk", …).
    lang: int | None = None
    #: Columns that become new free-text questions (named after the column) when the import runs.
    new: dict[int, str] = field(default_factory=dict)
    #: Group for rows without a group column value.
    default_group: StakeholderGroup | None = None
    #: Value of the group column (case-folded) -> group id, or None for "no group".
    group_values: dict[str, int | None] = field(default_factory=dict)

    def text_columns(self) -> dict[int, str]:
        """Free-text columns and the key of their question ("12" or "new:3")."""
        out = {i: str(p.id) for i, p in self.prompts.items() if p.question_type == QuestionType.FREE_TEXT}
        out.update({i: f"new:{i}" for i in self.new})
        return out


_SINGLE = {NAME: _l("navn"), TIME: _l("tidspunkt"), GROUP: _l("respondentgruppe"), TABLE: _l("bord eller gruppe"),
           LANG: _l("språk")}


def build_mapping(
    activity: Activity, table: Table | TableSummary, targets: dict[int, str], default_group_id: int | None,
    group_values: dict[str, int | None] | None = None,
) -> Mapping:
    """Turn the chosen target per column ("", "prompt:<id>", "new", "name", "time", "group", "table",
    "lang") into a Mapping."""
    prompts = {p.id: p for p in activity.prompts}
    groups = {g.id: g for g in activity.process.groups}
    mapping = Mapping(default_group=groups.get(default_group_id or 0))
    mapping.group_values = {k: (v if v in groups else None) for k, v in (group_values or {}).items()}
    used_answer_prompts: dict[int, str] = {}
    for index, target in sorted(targets.items()):
        if not target or index >= len(table.columns):
            continue
        column = table.columns[index]
        if target in _SINGLE:
            if getattr(mapping, target) is not None:
                raise MappingError(_l("Bare én kolonne kan brukes som %(label)s.", label=_SINGLE[target]))
            setattr(mapping, target, index)
            continue
        if target == NEW:
            if any(_norm_header(p.text) == _norm_header(column) for p in activity.prompts):
                raise MappingError(_l("Spørsmålet «%(column)s» finnes allerede i aktiviteten. Koble kolonnen til det.",
                                      column=column))
            mapping.new[index] = column[:1000]
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
    if not mapping.prompts and not mapping.new:
        raise MappingError(_l("Koble minst én kolonne til et spørsmål."))
    return mapping


def parse_time(value: str, zone: ZoneInfo) -> datetime | None:
    """A time as written by Forms, Google Forms, Questback, Nettskjema, SurveyXact or Excel, read as local
    time; None if unreadable."""
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
        parsed = _strptime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=offset or zone)
    return parsed.astimezone(UTC)


def _rating(value: str) -> int | None:
    """1–5 from "4", "4.0" or "4 – Godt"; None for "4,5", "45" or words."""
    match = re.match(r"^\s*([1-5])(?:[.,]0+)?(?![.,]?\d)", value)
    return int(match.group(1)) if match else None


def _choices(prompt: Prompt, value: str) -> list[str]:
    if prompt.question_type == QuestionType.MULTIPLE_CHOICE:
        return [part.strip() for part in value.split(";") if part.strip()]
    return [value.strip()]


#: Words for a language in a language column.
LANGUAGES = {
    "nb": "nb", "bokmål": "nb", "bokmal": "nb", "norsk": "nb", "norsk bokmål": "nb", "norwegian": "nb", "no": "nb",
    "nob": "nb", "nn": "nn", "nynorsk": "nn", "norsk nynorsk": "nn", "nno": "nn", "da": "da", "dansk": "da",
    "danish": "da", "dan": "da", "en": "en", "engelsk": "en", "english": "en", "eng": "en",
}


def _language(value: str) -> str | None:
    text = value.strip().casefold()
    return LANGUAGES.get(text) or LANGUAGES.get(text.split("-")[0].split("_")[0])


# --- group values --------------------------------------------------------------------------------


@dataclass
class GroupChoice:
    """A distinct value of the group column, how often it occurs, and the group it is taken to mean."""

    value: str
    count: int
    group_id: int | None
    #: "exact", "remembered", "similar" or "" (no group found).
    how: str


def suggest_group(value: str, groups: list[StakeholderGroup]) -> tuple[StakeholderGroup | None, str]:
    """The group a value most likely means: the same name, or a name like it ("Leder" -> "Ledere")."""
    text = " ".join(value.split()).casefold()
    best, best_score = None, 0.0
    for group in groups:
        name = group.name.casefold()
        if name == text:
            return group, "exact"
        score = difflib.SequenceMatcher(None, text, name).ratio()
        shorter, longer = sorted((text, name), key=len)
        if len(shorter) >= 3 and longer.startswith(shorter[: max(3, len(shorter) - 1)]):
            score = max(score, 0.8)
        if score > best_score:
            best, best_score = group, score
    return (best, "similar") if best is not None and best_score >= 0.75 else (None, "")


def remembered_values(session: Session, activity: Activity) -> dict[str, int | None]:
    return dict(session.execute(
        sa.select(GroupValue.value, GroupValue.group_id).where(GroupValue.process_id == activity.process_id)).all())


def group_choices(session: Session, activity: Activity, table: Table | TableSummary,
                  column: int | None) -> list[GroupChoice]:
    """Each distinct value of the group column with its suggested group (remembered ones first)."""
    if column is None or column >= len(table.columns):
        return []
    found = table.values.get(column, []) if isinstance(table, TableSummary) else _value_counts(table, column)
    counts = {value.casefold(): (value, n) for value, n in found}
    remembered = remembered_values(session, activity)
    groups = list(activity.process.groups)
    live = {g.id for g in groups}
    out = []
    for key, (value, n) in sorted(counts.items()):
        if key in remembered and (remembered[key] is None or remembered[key] in live):
            out.append(GroupChoice(value, n, remembered[key], "remembered"))
            continue
        group, how = suggest_group(value, groups)
        out.append(GroupChoice(value, n, group.id if group else None, how))
    return out


def remember_group_values(session: Session, activity: Activity, values: dict[str, int | None]) -> None:
    """Store what each group value means for the process (the caller commits)."""
    stored = {g.value: g for g in session.scalars(sa.select(GroupValue).where(GroupValue.process_id == activity.process_id))}
    for value, group_id in values.items():
        key = value[:200]
        if key in stored:
            stored[key].group_id = group_id
        else:
            session.add(GroupValue(process_id=activity.process_id, value=key, group_id=group_id))


# --- dry run -------------------------------------------------------------------------------------

NEW_ROW, UPDATED, UNCHANGED, EMPTY = "new", "updated", "unchanged", "empty"
#: Rows per batch of the background import (one transaction each).
BATCH_ROWS = 1000


@dataclass
class Desired:
    """What a row says, by target: the state its response should have."""

    group_id: int | None = None
    name: str | None = None
    submitted: datetime | None = None
    #: input key -> (text, language or None, table label or None)
    inputs: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    #: prompt id -> {"rating": …, "choices": […]}
    answers: dict[int, dict] = field(default_factory=dict)


@dataclass
class RowPlan:
    """What happens to one row."""

    number: int
    action: str
    identity: Identity
    desired: Desired | None = None
    submission_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    #: What changes in an updated response (labels).
    changes: list[str] = field(default_factory=list)
    #: The response was imported before import identity (found by its old key, see :func:`legacy_keys`):
    #: storing the row gives it its source row and its inputs their new keys.
    legacy: bool = False


@dataclass
class Stored:
    id: int
    group_id: int | None
    name: str | None
    submitted: datetime
    #: import key -> (input id, text, lang, table label, prompt id)
    inputs: dict[str, tuple] = field(default_factory=dict)
    #: prompt id -> (answer id, rating, choices)
    answers: dict[int, tuple] = field(default_factory=dict)


@lru_cache(maxsize=1024)
def _column_hash(column: str) -> str:
    return hashlib.sha256(_norm_header(column).encode()).hexdigest()[:8]


def input_key(source_key: str, prompt_key: str, column: str) -> str:
    """Import key of the input a free-text cell makes (unique per activity)."""
    return f"{source_key}:{prompt_key}:{_column_hash(column)}"


def _desired(row: Row, ident: Identity, table: Table, mapping: Mapping, groups: dict[str, StakeholderGroup],
             zone: ZoneInfo, warnings: list[str], text_columns: dict[int, str]) -> Desired:
    cells = row.cells
    want = Desired(group_id=mapping.default_group.id if mapping.default_group else None)
    if mapping.time is not None and cells[mapping.time].strip():
        want.submitted = parse_time(cells[mapping.time], zone)
        if want.submitted is None:
            warnings.append(_l("Tidspunktet «%(value)s» kunne ikke leses; importtidspunktet er brukt.",
                               value=cells[mapping.time]))
    if mapping.group is not None and (value := " ".join(cells[mapping.group].split())):
        key = value.casefold()
        if key in mapping.group_values:
            want.group_id = mapping.group_values[key] or want.group_id
        elif key in groups:
            want.group_id = groups[key].id
        else:
            warnings.append(_l("Gruppen «%(group)s» er ikke koblet til en gruppe i prosessen.", group=value))
    if mapping.name is not None:
        want.name = cells[mapping.name].strip()[:200] or None
    lang = table_label = None
    if mapping.lang is not None and (value := cells[mapping.lang].strip()):
        lang = _language(value)
        if lang is None:
            warnings.append(_l("Språket «%(value)s» er ukjent; språket gjettes fra teksten.", value=value))
    if mapping.table is not None:
        table_label = cells[mapping.table].strip()[:100] or None
    for index, prompt_key in text_columns.items():
        if value := cells[index].strip():
            want.inputs[input_key(ident.key, prompt_key, table.columns[index])] = (value, lang, table_label)
    for index, prompt in mapping.prompts.items():
        if prompt.question_type == QuestionType.FREE_TEXT or not (value := cells[index].strip()):
            continue
        if prompt.question_type == QuestionType.RATING:
            rating = _rating(value)
            if rating is None:
                warnings.append(_l("Kolonne «%(column)s»: «%(value)s» er ikke et tall fra 1 til 5.",
                                   column=table.columns[index], value=value))
                continue
            want.answers[prompt.id] = {"rating": rating, "choices": []}
        else:
            want.answers[prompt.id] = {"rating": None, "choices": _choices(prompt, value)}
    return want


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing(session: Session, activity: Activity, keys: list[str]) -> dict[str, int]:
    """source key -> submission id of the rows imported before."""
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        found.update(session.execute(sa.select(ImportedRow.source_key, ImportedRow.submission_id).where(
            ImportedRow.activity_id == activity.id, ImportedRow.source_key.in_(chunk))).all())
    return found


def _stored(session: Session, submission_ids: list[int]) -> dict[int, Stored]:
    out: dict[int, Stored] = {}
    for chunk in _chunks(submission_ids):
        for sid, gid, name, when in session.execute(sa.select(
                Submission.id, Submission.group_id, Submission.respondent_name, Submission.submitted_dt
        ).where(Submission.id.in_(chunk))):
            out[sid] = Stored(sid, gid, name, when)
        for iid, sid, key, text, lang, label, pid in session.execute(sa.select(
                Input.id, Input.submission_id, Input.import_key, Input.text, Input.lang, Input.table_label, Input.prompt_id
        ).where(Input.submission_id.in_(chunk))):
            out[sid].inputs[key or f"id{iid}"] = (iid, text, lang, label, pid)
        for aid, sid, pid, rating, choices in session.execute(sa.select(
                Answer.id, Answer.submission_id, Answer.prompt_id, Answer.rating, Answer.choices
        ).where(Answer.submission_id.in_(chunk))):
            out[sid].answers[pid] = (aid, rating, list(choices or []))
    return out


def _changes(want: Desired, have: Stored, mapping: Mapping, source_key: str, table: Table,
             text_columns: dict[int, str]) -> list[str]:
    """Labels of what the row changes in its stored response (only what is mapped is compared)."""
    changed = []
    if mapping.group is not None and want.group_id != have.group_id:
        changed.append(str(_l("gruppe")))
    if mapping.name is not None and want.name != have.name:
        changed.append(str(_l("navn")))
    if want.submitted is not None and want.submitted != have.submitted:
        changed.append(str(_l("tidspunkt")))
    for index, prompt_key in text_columns.items():
        key = input_key(source_key, prompt_key, table.columns[index])
        new, old = want.inputs.get(key), have.inputs.get(key)
        if new is None and old is None:
            continue
        if (new is None) != (old is None) or new[0] != old[1] \
                or (mapping.lang is not None and new[1] and new[1] != old[2]) \
                or (mapping.table is not None and new[2] != old[3]):
            changed.append(table.columns[index])
    for index, prompt in mapping.prompts.items():
        if prompt.question_type == QuestionType.FREE_TEXT:
            continue
        new, old = want.answers.get(prompt.id), have.answers.get(prompt.id)
        if (new is None) != (old is None) or (new and (new["rating"] != old[1] or new["choices"] != old[2])):
            changed.append(table.columns[index])
    return changed


def legacy_keys(session: Session, activity: Activity, table: Table, mapping: Mapping) -> list[str | None] | None:
    """The keys responses of each row got when imported before import identity, or None when the activity
    has no such responses.

    Those imports (from 23 November 2026 until import identity) keyed a response
    ``imp<activity>:<sha256 of the time text and the answers by question>[:40]:<n>`` (the n-th identical
    row) and its inputs ``<that key without the prefix>:<column>``, and kept no :class:`ImportedRow`; so
    without this a re-import would store each of them a second time. A row whose old key is found is taken
    as that response (same mapping of time and questions as then, which a re-import of the same export has).
    """
    old = session.scalar(sa.select(Submission.id).where(
        Submission.activity_id == activity.id, Submission.source == InputSource.IMPORT,
        ~sa.exists().where(ImportedRow.submission_id == Submission.id)).limit(1))
    if old is None:
        return None
    prompts = sorted(mapping.prompts.items(), key=lambda p: p[1].id)
    seen: dict[str, int] = {}
    out: list[str | None] = []
    for row in table.rows:
        cells = row.cells
        if not any(cells[i].strip() for i in mapping.prompts):
            out.append(None)
            continue
        parts = [cells[mapping.time].strip() if mapping.time is not None else ""]
        parts += [f"{prompt.id}={cells[index].strip()}" for index, prompt in prompts]
        content = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
        seen[content] = seen.get(content, 0) + 1
        out.append(f"imp{activity.id}:{content}:{seen[content]}")
    return out


def _legacy_found(session: Session, activity: Activity, keys: list[str]) -> dict[str, int]:
    """old submission key -> submission id, for responses that have no source row yet."""
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        found.update(session.execute(sa.select(Submission.submission_key, Submission.id).where(
            Submission.activity_id == activity.id, Submission.submission_key.in_(chunk),
            ~sa.exists().where(ImportedRow.submission_id == Submission.id))).all())
    return found


def _rekey_legacy(have: Stored, ident: Identity, mapping: Mapping, table: Table) -> dict[int, str]:
    """Give a legacy response's inputs (keyed ``…:<column>``) the keys this import uses; input id -> new key."""
    renamed: dict[int, str] = {}
    text_columns = mapping.text_columns()
    for old_key, value in list(have.inputs.items()):
        column = old_key.rpartition(":")[2]
        if not column.isdigit() or int(column) not in text_columns:
            continue
        index = int(column)
        new_key = input_key(ident.key, text_columns[index], table.columns[index])
        if new_key in have.inputs:
            continue
        del have.inputs[old_key]
        have.inputs[new_key] = value
        renamed[value[0]] = new_key
    return renamed


def _has_answers(row: Row, mapping: Mapping) -> bool:
    return any(row.cells[i].strip() for i in (*mapping.prompts, *mapping.new))


def plan_rows(session: Session, activity: Activity, table: Table, mapping: Mapping, idents: list[Identity],
              start: int = 0, end: int | None = None, *, zone: ZoneInfo,
              legacy: list[str | None] | None = None) -> list[RowPlan]:
    """The dry run of rows ``start:end``: new, updated (with what changes), unchanged or empty; warnings per row.

    ``legacy`` (from :func:`legacy_keys`, whole file) finds responses imported before import identity."""
    end = len(table.rows) if end is None else end
    groups = {g.name.casefold(): g for g in activity.process.groups}
    text_columns = mapping.text_columns()  # once, not per row
    existing = _existing(session, activity, [i.key for i in idents[start:end]])
    old_of: dict[int, int] = {}  # row index -> legacy submission id
    if legacy is not None:
        wanted = {i: legacy[i] for i in range(start, end) if legacy[i] and idents[i].key not in existing}
        found = _legacy_found(session, activity, list(set(wanted.values())))
        old_of = {i: found[k] for i, k in wanted.items() if k in found}
    ids = [existing[i.key] for i in idents[start:end] if i.key in existing] + list(old_of.values())
    stored = _stored(session, ids)
    plans = []
    for i, (row, ident) in enumerate(zip(table.rows[start:end], idents[start:end], strict=True), start=start):
        if not _has_answers(row, mapping):
            plans.append(RowPlan(row.number, EMPTY, ident))
            continue
        plan = RowPlan(row.number, NEW_ROW, ident, submission_id=existing.get(ident.key, old_of.get(i)))
        plan.legacy = i in old_of
        plan.desired = _desired(row, ident, table, mapping, groups, zone, plan.warnings, text_columns)
        if plan.submission_id is not None:
            have = stored[plan.submission_id]
            if plan.legacy:
                _rekey_legacy(have, ident, mapping, table)
            plan.changes = _changes(plan.desired, have, mapping, ident.key, table, text_columns)
            plan.action = UPDATED if plan.changes else UNCHANGED
        plans.append(plan)
    return plans


@dataclass
class Preview:
    """The dry run of a whole file."""

    counts: dict[str, int]
    #: Rows that are new, updated or have warnings, first ones only.
    rows: list[RowPlan]
    #: Rows with warnings in all.
    warned: int


PREVIEW_LIMIT = 200


def preview(session: Session, activity: Activity, table: Table, mapping: Mapping, *, zone: ZoneInfo,
            progress=None) -> Preview:
    """What an import of ``table`` with ``mapping`` would do, without storing anything (the ``imports.preview``
    job; ``progress(percent, message)`` is told as the rows are gone through, in batches)."""
    idents = identities(table)
    legacy = legacy_keys(session, activity, table, mapping)
    counts = {k: 0 for k in (NEW_ROW, UPDATED, UNCHANGED, EMPTY)}
    shown: list[RowPlan] = []
    warned = 0
    total = len(table.rows)
    for start in range(0, total, BATCH_ROWS * 5):
        end = min(start + BATCH_ROWS * 5, total)
        if progress:
            progress(int(95 * start / max(total, 1)),
                     _l("Går gjennom rad %(n)s av %(total)s", n=_thousands(start + 1), total=_thousands(total)))
        for plan in plan_rows(session, activity, table, mapping, idents, start, end, zone=zone, legacy=legacy):
            counts[plan.action] += 1
            warned += bool(plan.warnings)
            if (plan.warnings or plan.action in (NEW_ROW, UPDATED)) and len(shown) < PREVIEW_LIMIT:
                shown.append(plan)
    return Preview(counts, shown, warned)


def preview_as_data(result: Preview) -> dict:
    """A dry run as a job keeps it (JSON; warnings kept so that each reader sees them in their language)."""
    from hearing.jobs import storable

    return {"counts": result.counts, "warned": result.warned, "rows": [
        {"number": p.number, "action": p.action, "changes": [str(c) for c in p.changes],
         "warnings": [storable(w, limit=2000) for w in p.warnings]} for p in result.rows]}


def preview_from_data(data: dict) -> Preview:
    from hearing.jobs import readable

    rows = [RowPlan(r["number"], r["action"], Identity("", None, ""), changes=list(r.get("changes") or []),
                    warnings=[readable(w) for w in r.get("warnings") or []]) for r in data.get("rows") or []]
    return Preview(dict(data.get("counts") or {}), rows, int(data.get("warned") or 0))


# --- storing -------------------------------------------------------------------------------------

_LETTER = {"hearing": "H", "survey": "S", "suggestions": "F", "workshop": "V"}


class MaskMemo:
    """:meth:`Input.masked_fields` once per distinct (text, language) of an import: exports repeat short
    answers ("Nei", "Vet ikke", a choice written out) thousands of times. Bounded; a new memo per batch run.
    ``default_lang`` is the process's language, which a short text without a language is guessed in."""

    def __init__(self, limit: int = 20_000, default_lang: str | None = None):
        self.limit, self.default_lang = limit, default_lang
        self.memo: dict[tuple[str, str | None], dict] = {}

    def __call__(self, text: str, lang: str | None) -> dict:
        key = (text, lang)
        found = self.memo.get(key)
        if found is None:
            found = Input.masked_fields(text, lang, self.default_lang)
            if len(self.memo) >= self.limit:
                self.memo.clear()
            self.memo[key] = found
        return found


def _add_new(session: Session, run: ImportRun, activity: Activity, table: Table, plans: list[RowPlan],
             mapping: Mapping, now: datetime, masked: MaskMemo | None = None) -> tuple[int, int]:
    """Insert the new rows' responses, inputs and answers in a few statements; (inputs, answers) added.

    Inputs are masked here, as :meth:`Input.insert_values` masks them, once per distinct text (``masked``)."""
    if not plans:
        return 0, 0
    masked = masked or MaskMemo(default_lang=activity.process.language)
    submissions = Submission.__table__
    values = []
    for plan in plans:
        when = plan.desired.submitted or now
        values.append({
            "activity_id": activity.id, "group_id": plan.desired.group_id,
            "reference": "pending-" + secrets.token_hex(8), "submission_key": f"imp{activity.id}:{plan.identity.key}",
            "edit_token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),  # no edit link for imports
            "source": InputSource.IMPORT, "respondent_name": plan.desired.name,
            "is_late": bool(activity.closes_dt and when > activity.closes_dt), "submitted_dt": when,
        })
    # RETURNING the key too, matched up here: asked to keep the parameters' order, SQLite inserts row by row.
    id_of = dict(session.execute(sa.insert(submissions).returning(submissions.c.submission_key, submissions.c.id),
                                 values).all())
    ids = [id_of[v["submission_key"]] for v in values]
    letter = _LETTER.get(activity.kind, "I")
    # Core executemany by primary key: the ORM's bulk update by dicts costs several times more per row.
    session.execute(sa.update(submissions).where(submissions.c.id == sa.bindparam("sid"))
                    .values(reference=sa.bindparam("ref")),
                    [{"sid": sid, "ref": f"{letter}-{v['submitted_dt']:%Y}-{sid:06d}"} for sid, v in zip(ids, values, strict=True)])
    prompt_of = _prompt_ids(mapping)
    inputs, answers, rows = [], [], []
    for plan, sid, v in zip(plans, ids, values, strict=True):
        want = plan.desired
        for key, (text, lang, label) in want.inputs.items():
            inputs.append({
                "activity_id": activity.id, "submission_id": sid, "prompt_id": prompt_of[key.split(":")[1]],
                "group_id": want.group_id, "source": InputSource.IMPORT, "import_key": key, "text": text,
                "table_label": label, "created_dt": v["submitted_dt"], **masked(text, lang)})
        answers += [{"submission_id": sid, "prompt_id": pid, **a} for pid, a in want.answers.items()]
        rows.append({"activity_id": activity.id, "submission_id": sid, "source_key": plan.identity.key,
                     "row_id": plan.identity.row_id, "file_kind": table.kind, "row_hash": plan.identity.row_hash,
                     "row_number": plan.number, "run_id": run.id})
    if inputs:
        # Multi-row INSERTs (RETURNING makes SQLAlchemy write "insertmanyvalues" pages of rows), not an
        # executemany: SQLite's full-text trigger on inputs costs 4x more run once per statement per row.
        session.execute(sa.insert(Input.__table__).returning(Input.__table__.c.id), inputs).all()
    if answers:
        session.execute(sa.insert(Answer.__table__), answers)
    session.execute(sa.insert(ImportedRow.__table__), rows)
    return len(inputs), len(answers)


def _prompt_ids(mapping: Mapping) -> dict[str, int]:
    """Prompt key in an input key -> prompt id (new questions must have been made: see make_new_prompts)."""
    return {str(p.id): p.id for p in mapping.prompts.values()}


def _update(session: Session, actor, run: ImportRun, activity: Activity, table: Table, plan: RowPlan,
            have: Stored, mapping: Mapping) -> None:
    """Bring a response in line with its changed source row; what it was is kept for undo; audited."""
    want = plan.desired
    before: dict = {"submission": {}, "inputs": {}, "answers": {}}
    fields: dict = {}
    if mapping.group is not None and want.group_id != have.group_id:
        before["submission"]["group_id"], fields["group_id"] = have.group_id, want.group_id
    if mapping.name is not None and want.name != have.name:
        before["submission"]["respondent_name"], fields["respondent_name"] = have.name, want.name
    if want.submitted is not None and want.submitted != have.submitted:
        before["submission"]["submitted_dt"], fields["submitted_dt"] = have.submitted.isoformat(), want.submitted
    if fields:
        session.execute(sa.update(Submission).where(Submission.id == have.id).values(**fields))
        if "group_id" in fields:
            session.execute(sa.update(Input).where(Input.submission_id == have.id).values(group_id=want.group_id))
    group_id = fields.get("group_id", have.group_id)
    prompt_of = _prompt_ids(mapping)
    for index, prompt_key in mapping.text_columns().items():
        key = input_key(plan.identity.key, prompt_key, table.columns[index])
        new, old = want.inputs.get(key), have.inputs.get(key)
        if new is None and old is None:
            continue
        if old is not None:
            before["inputs"][key] = {"text": old[1], "lang": old[2], "table_label": old[3], "prompt_id": old[4]}
        else:
            before["inputs"][key] = None
        if new is None:
            session.execute(sa.delete(Input).where(Input.id == old[0]))
        elif old is None:
            session.execute(sa.insert(Input.__table__), [Input.insert_values(
                activity_id=activity.id, submission_id=have.id, prompt_id=prompt_of[prompt_key], group_id=group_id,
                source=InputSource.IMPORT, import_key=key, text=new[0], lang=new[1], table_label=new[2],
                created_dt=have.submitted, default_lang=activity.process.language)])
        else:
            note = session.get(Input, old[0])
            if mapping.lang is not None or new[0] != note.text:
                note.lang = new[1]  # None: guessed again from the new text
            note.text = new[0]
            if mapping.table is not None:
                note.table_label = new[2]
            note.updated_dt = utcnow()
    for prompt in mapping.prompts.values():
        if prompt.question_type == QuestionType.FREE_TEXT:
            continue
        new, old = want.answers.get(prompt.id), have.answers.get(prompt.id)
        if (new is None and old is None) or (new and old and new["rating"] == old[1] and new["choices"] == old[2]):
            continue
        before["answers"][str(prompt.id)] = {"rating": old[1], "choices": old[2]} if old else None
        if new is None:
            session.execute(sa.delete(Answer).where(Answer.id == old[0]))
        elif old is None:
            session.execute(sa.insert(Answer.__table__), [{"submission_id": have.id, "prompt_id": prompt.id, **new}])
        else:
            session.execute(sa.update(Answer).where(Answer.id == old[0]).values(**new))
    session.add(ImportChange(run_id=run.id, submission_id=have.id, before=before))
    session.execute(sa.update(ImportedRow).where(ImportedRow.submission_id == have.id).values(
        updated_run_id=run.id, updated_dt=utcnow(), row_hash=plan.identity.row_hash, file_kind=table.kind,
        row_number=plan.number, row_id=plan.identity.row_id))
    audit.record(session, actor, "import.update", None, process_id=activity.process_id, submission_id=have.id,
                 run_id=run.id, row=plan.number, changed=plan.changes)


def import_batch(session: Session, actor, run: ImportRun, activity: Activity, table: Table, idents: list[Identity],
                 mapping: Mapping, start: int, end: int, *, zone: ZoneInfo, now: datetime,
                 masked: MaskMemo | None = None, legacy: list[str | None] | None = None) -> dict:
    """Store rows ``start:end`` (new ones added, changed ones updated); returns the counts (the caller commits)."""
    plans = plan_rows(session, activity, table, mapping, idents, start, end, zone=zone, legacy=legacy)
    counts = {k: 0 for k in (NEW_ROW, UPDATED, UNCHANGED, EMPTY, "inputs", "answers")}
    for plan in plans:
        counts[plan.action] += 1
        for warning in plan.warnings:
            if len(run.warnings) < MAX_WARNINGS:
                run.warnings = [*run.warnings, str(_l("Rad %(row)s: %(text)s", row=plan.number, text=warning))]
    new = [p for p in plans if p.action == NEW_ROW]
    counts["inputs"], counts["answers"] = _add_new(session, run, activity, table, new, mapping, now, masked)
    _adopt_legacy(session, run, activity, table, [p for p in plans if p.legacy], mapping)
    updated = [p for p in plans if p.action == UPDATED]
    if updated:
        stored = _stored(session, [p.submission_id for p in updated])
        for plan in updated:
            _update(session, actor, run, activity, table, plan, stored[plan.submission_id], mapping)
    session.flush()
    return counts


def _adopt_legacy(session: Session, run: ImportRun, activity: Activity, table: Table, plans: list[RowPlan],
                  mapping: Mapping) -> None:
    """Responses imported before import identity get their source row and their inputs this import's keys,
    so they are known by the new identity from now on (kept when the run is undone: it only names them)."""
    if not plans:
        return
    stored = _stored(session, [p.submission_id for p in plans])
    renames = []
    for plan in plans:
        renames += [{"iid": iid, "key": key}
                    for iid, key in _rekey_legacy(stored[plan.submission_id], plan.identity, mapping, table).items()]
    if renames:
        inputs = Input.__table__
        session.execute(sa.update(inputs).where(inputs.c.id == sa.bindparam("iid"))
                        .values(import_key=sa.bindparam("key")), renames)
    session.execute(sa.insert(ImportedRow.__table__), [
        {"activity_id": activity.id, "submission_id": p.submission_id, "source_key": p.identity.key,
         "row_id": p.identity.row_id, "file_kind": table.kind, "row_hash": p.identity.row_hash,
         "row_number": p.number, "run_id": None, "updated_run_id": run.id} for p in plans])


# --- runs ----------------------------------------------------------------------------------------


def settings_of(targets: dict[int, str], default_group_id: int | None, group_values: dict[str, int | None]) -> dict:
    return {"targets": {str(k): v for k, v in targets.items() if v}, "default_group_id": default_group_id or None,
            "group_values": group_values, "created_prompts": []}


def start_run(session: Session, actor, activity: Activity, file_id: str, filename: str,
              table: Table | TableSummary, mapping: Mapping, settings: dict, *, remember: bool = True) -> ImportRun:
    """Queue the import of a stored upload (the caller commits); the group values are remembered."""
    from hearing.jobs import enqueue

    if remember and mapping.group_values:
        remember_group_values(session, activity, mapping.group_values)
    run = ImportRun(activity=activity, file_id=file_id, filename=(filename or "")[:255], file_kind=table.kind,
                    settings=settings, total_rows=row_count(table), created_by_id=getattr(actor, "id", None))
    session.add(run)
    session.flush()
    run.job = enqueue(session, "imports.run", {"run_id": run.id, "process_id": activity.process_id}, created_by=actor)
    audit.record(session, actor, "import.start", activity, process_id=activity.process_id, run_id=run.id,
                 file=file_id[:16], rows=row_count(table))
    session.flush()
    return run


def make_new_prompts(session: Session, run: ImportRun, activity: Activity, table: Table) -> None:
    """Make the free-text questions asked for by "new" columns, once (their ids go into the run's targets)."""
    targets = dict(run.settings.get("targets", {}))
    new = [int(i) for i, t in targets.items() if t == NEW and int(i) < len(table.columns)]
    if not new:
        return
    position = max((p.position for p in activity.prompts), default=0)
    created = list(run.settings.get("created_prompts", []))
    for index in sorted(new):
        position += 1
        prompt = Prompt(activity=activity, position=position, text=table.columns[index][:1000],
                        question_type=QuestionType.FREE_TEXT)
        session.add(prompt)
        session.flush()
        targets[str(index)] = f"prompt:{prompt.id}"
        created.append(prompt.id)
    run.settings = {**run.settings, "targets": targets, "created_prompts": created}
    audit.record(session, None, "import.prompts", activity, process_id=activity.process_id, run_id=run.id,
                 prompts=created)


def mapping_of(activity: Activity, table: Table, settings: dict) -> Mapping:
    targets = {int(k): v for k, v in (settings.get("targets") or {}).items()}
    return build_mapping(activity, table, targets, settings.get("default_group_id"), settings.get("group_values") or {})


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def execute_run(session: Session, run: ImportRun, table: Table, *, zone: ZoneInfo, progress=None,
                batch_rows: int | None = None) -> ImportRun:
    """Import the run's rows in batches of ``batch_rows``, each committed with the row it reached, so a
    restarted worker goes on from there. A failure undoes what the run had stored (all or nothing)."""
    batch_rows = batch_rows or BATCH_ROWS
    activity = run.activity
    actor = run.created_by
    run.status = ImportStatus.RUNNING
    run.total_rows = len(table.rows)
    make_new_prompts(session, run, activity, table)
    session.commit()
    try:
        mapping = mapping_of(activity, table, run.settings)
        idents = identities(table)
        now = run.created_dt
        masked = MaskMemo(default_lang=activity.process.language)
        legacy = legacy_keys(session, activity, table, mapping)
        total = len(table.rows)
        while run.next_row < total:
            start, end = run.next_row, min(run.next_row + batch_rows, total)
            if progress:
                progress(int(95 * start / max(total, 1)),
                         _l("Importerer rad %(n)s av %(total)s", n=_thousands(start + 1), total=_thousands(total)))
            counts = import_batch(session, actor, run, activity, table, idents, mapping, start, end, zone=zone, now=now,
                                  masked=masked, legacy=legacy)
            run.counts = {k: run.counts.get(k, 0) + v for k, v in counts.items()}
            run.next_row = end
            session.commit()
    except Exception:
        session.rollback()
        abandon_run(session, session.get(ImportRun, run.id))
        session.commit()
        raise
    run.status = ImportStatus.DONE
    run.finished_dt = utcnow()
    audit.record(session, actor, "import.run", activity, process_id=activity.process_id, run_id=run.id,
                 file=run.file_id[:16], **{k: run.counts.get(k, 0) for k in (NEW_ROW, UPDATED, UNCHANGED, EMPTY)})
    session.commit()
    return run


def abandon_run(session: Session, run: ImportRun) -> None:
    """An import that cannot finish: what its committed batches stored is taken back, and it is failed
    (the caller commits). Used when a batch fails and when its worker stopped too often."""
    taken = _take_back(session, run)
    run.status = ImportStatus.FAILED
    run.finished_dt = utcnow()
    audit.record(session, None, "import.failed", run.activity, process_id=run.activity.process_id, run_id=run.id,
                 stored_rows=run.next_row, **taken)
    session.flush()


# --- undo ----------------------------------------------------------------------------------------


class UndoError(DomainError, ValueError):
    """The import cannot be undone; the message is for the user."""


def undo_blocker(session: Session, run: ImportRun):
    """Why the run cannot be undone (a message), or None."""
    if run.status == ImportStatus.UNDONE:
        return _l("Importen er allerede angret.")
    if run.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and not _job_ended(run):
        return _l("Importen pågår. Vent til den er ferdig.")
    later = session.scalar(sa.select(sa.func.count()).select_from(ImportRun).where(
        ImportRun.activity_id == run.activity_id, ImportRun.id > run.id, ImportRun.status != ImportStatus.UNDONE,
        ImportRun.status != ImportStatus.FAILED))
    if later:
        return _l("En senere import til samme aktivitet må angres først.")
    return None


def _job_ended(run: ImportRun) -> bool:
    from hearing.models import JobStatus

    return run.job is not None and run.job.status in (JobStatus.DONE, JobStatus.FAILED)


def _take_back(session: Session, run: ImportRun) -> dict:
    """Delete the responses the run created and put back the ones it changed; the counts."""
    restored = 0
    for change in session.scalars(sa.select(ImportChange).where(ImportChange.run_id == run.id)
                                  .order_by(ImportChange.id.desc())):
        _restore(session, change)
        restored += 1
    session.execute(sa.delete(ImportChange).where(ImportChange.run_id == run.id))
    created = sa.select(ImportedRow.submission_id).where(ImportedRow.run_id == run.id)
    deleted = session.execute(sa.delete(Submission).where(Submission.id.in_(created))).rowcount or 0
    for prompt_id in run.settings.get("created_prompts", []):
        used = session.scalar(sa.select(sa.func.count()).select_from(Input).where(Input.prompt_id == prompt_id))
        if not used and (prompt := session.get(Prompt, prompt_id)) is not None:
            session.delete(prompt)
    session.flush()
    session.expire_all()
    return {"deleted": deleted, "restored": restored}


def _restore(session: Session, change: ImportChange) -> None:
    before = change.before or {}
    sid = change.submission_id
    fields = dict(before.get("submission") or {})
    if "submitted_dt" in fields:
        fields["submitted_dt"] = datetime.fromisoformat(fields["submitted_dt"])
    if fields:
        session.execute(sa.update(Submission).where(Submission.id == sid).values(**fields))
        if "group_id" in fields:
            session.execute(sa.update(Input).where(Input.submission_id == sid).values(group_id=fields["group_id"]))
    submission = session.get(Submission, sid)
    for key, old in (before.get("inputs") or {}).items():
        current = session.scalar(sa.select(Input).where(Input.submission_id == sid, Input.import_key == key))
        if old is None:
            if current is not None:
                session.delete(current)
        elif current is not None:
            current.lang = old["lang"]
            current.text = old["text"]
            current.table_label = old["table_label"]
        else:
            session.execute(sa.insert(Input.__table__), [Input.insert_values(
                activity_id=submission.activity_id, submission_id=sid, prompt_id=old["prompt_id"],
                group_id=submission.group_id, source=InputSource.IMPORT, import_key=key, text=old["text"],
                lang=old["lang"], table_label=old["table_label"], created_dt=submission.submitted_dt)])
    for prompt_id, old in (before.get("answers") or {}).items():
        current = session.scalar(sa.select(Answer).where(Answer.submission_id == sid, Answer.prompt_id == int(prompt_id)))
        if old is None:
            if current is not None:
                session.delete(current)
        elif current is not None:
            current.rating, current.choices = old["rating"], old["choices"]
        else:
            session.add(Answer(submission_id=sid, prompt_id=int(prompt_id), rating=old["rating"], choices=old["choices"]))
    session.flush()


def undo_run(session: Session, actor, run: ImportRun) -> dict:
    """Undo a whole import: its new responses deleted, its changes put back (the caller commits)."""
    if (reason := undo_blocker(session, run)) is not None:
        raise UndoError(reason)
    counts = _take_back(session, run)
    run = session.get(ImportRun, run.id)
    run.status = ImportStatus.UNDONE
    run.undone_dt = utcnow()
    run.undone_by_id = getattr(actor, "id", None)
    activity = session.get(Activity, run.activity_id)
    audit.record(session, actor, "import.undo", activity, process_id=activity.process_id, run_id=run.id, **counts)
    return counts


def runs_of(session: Session, activity: Activity, limit: int = 20) -> list[ImportRun]:
    return list(session.scalars(sa.select(ImportRun).where(ImportRun.activity_id == activity.id)
                                .order_by(ImportRun.id.desc()).limit(limit)))


# --- one call (tests, the bench, the command line) ----------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    updated: int = 0
    duplicates: int = 0
    empty: int = 0
    inputs: int = 0
    answers: int = 0
    warnings: list[str] = field(default_factory=list)


def import_rows(session: Session, actor, activity: Activity, table: Table, file_id: str, mapping: Mapping, *,
                zone: ZoneInfo, now: datetime | None = None, settings: dict | None = None) -> ImportResult:
    """Import ``table`` at once in this process (no job): a run is made and executed; committed."""
    run = ImportRun(activity=activity, file_id=file_id, file_kind=table.kind, total_rows=len(table.rows),
                    settings=settings or _settings_from(mapping), created_by_id=getattr(actor, "id", None))
    if now is not None:
        run.created_dt = now
    session.add(run)
    session.commit()
    run = execute_run(session, run, table, zone=zone)
    c = run.counts
    return ImportResult(rows=c.get(NEW_ROW, 0), updated=c.get(UPDATED, 0), duplicates=c.get(UNCHANGED, 0),
                        empty=c.get(EMPTY, 0), inputs=c.get("inputs", 0), answers=c.get("answers", 0),
                        warnings=list(run.warnings))


def _settings_from(mapping: Mapping) -> dict:
    targets = {i: f"prompt:{p.id}" for i, p in mapping.prompts.items()}
    targets.update({i: NEW for i in mapping.new})
    for target in _SINGLE:
        if (index := getattr(mapping, target)) is not None:
            targets[index] = target
    return settings_of(targets, mapping.default_group.id if mapping.default_group else None, mapping.group_values)


__all__ = [
    "MappingError", "ImportFileError", "ImportResult", "Mapping", "build_mapping", "import_rows", "preview",
    "plan_rows", "import_batch", "execute_run", "start_run", "undo_run", "identities", "group_choices",
    "discard_upload", "load_upload", "parse_time", "store_upload",
]
